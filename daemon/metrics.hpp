#pragma once

#include "daemon/metrics_shard.hpp"
#include "daemon/process_stats.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace baton::daemon {

/// Content-Type of GET /metrics (Prometheus text exposition format 0.0.4).
inline constexpr std::string_view metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

/// One deployment's health as the daemon reads it from routing::health_registry at scrape time.
struct deployment_health_row {
    std::string deployment;             ///< deployment id
    std::string model_group;            ///< its model group
    bool healthy = true;                ///< false while cooling down
    std::uint64_t cooldowns_total = 0;  ///< cooldowns started since the process started
};

/// SIGHUP reload outcomes since start (SPEC §9), kept by the daemon.
struct config_reload_counts {
    std::uint64_t ok = 0;     ///< reloads that replaced the running config
    std::uint64_t error = 0;  ///< reloads rejected (parse or validation error); the old config kept running
};

/// Sums shard copies (one per reactor, each copied on its own thread) into one. Pure; any thread.
metrics_shard merge_shards(std::span<const metrics_shard> copies);

/// Renders the body of GET /metrics in Prometheus text format 0.0.4: `# HELP` and `# TYPE` for every
/// family, even one without series yet; label values escaped (backslash, double quote, newline);
/// histograms as cumulative `_bucket{le="..."}` lines up to `+Inf`, then `_sum` and `_count`.
/// Families, in order: the SPEC §8 ones (from `merged`; baton_deployment_healthy and
/// baton_deployment_cooldowns_total from `health`), baton_config_reloads_total{result} (ok and error
/// always present), then the process metrics present in `process` and baton_uptime_seconds.
/// baton_batch_requests_total shows both outcomes and baton_streams_active, ttft and overhead always
/// render, at 0 when untouched. Series are sorted by label values; `health` rows by deployment.
/// Pure; any thread.
std::string render_metrics(const metrics_shard& merged, std::span<const deployment_health_row> health,
                           const config_reload_counts& reloads, const process_stats& process);

}  // namespace baton::daemon
