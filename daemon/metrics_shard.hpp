#pragma once

#include "daemon/labelled_counter.hpp"
#include "daemon/latency_histogram.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace baton::daemon {

/// `type` label of baton_tokens_total.
enum class token_type { prompt, completion };

/// `outcome` label of baton_batch_requests_total, after OpenAI's request_counts: `completed` for a line
/// whose response went to the output file, `failed` for one that went to the error file.
enum class batch_outcome { completed, failed };

/// "prompt" / "completion".
std::string_view to_string(token_type type) noexcept;
/// "completed" / "failed".
std::string_view to_string(batch_outcome outcome) noexcept;

/// The SPEC §8 metrics one reactor thread has recorded. Each reactor owns one shard and is its only
/// writer, so recording is plain integer arithmetic: no atomics, no locks, no contention. To scrape, the
/// daemon copies each shard on its own thread (post to the reactor, copy, hand back) and merges the copies
/// (merge_shards in daemon/metrics.hpp); never read a shard from another thread while it is live.
///
/// Label values: model group, deployment and alias names come from the running configuration only. For
/// a request whose model names no configured group or alias, pass "unknown" as model_group — never the
/// client's string — so that clients cannot create series. Reasons are routing::failure_reason names
/// (SPEC §5.3). A shard keeps series of groups and deployments a reload removed (counters stay monotonic
/// until restart).
///
/// Thread safety: none. One writer thread; copies may travel.
class metrics_shard {
public:
    /// A client request ended (any outcome, streaming or not): baton_requests_total{model_group,status}
    /// += 1, baton_request_duration_seconds{model_group} observes `duration_s` (whole request, seconds),
    /// baton_overhead_seconds observes `overhead_s` (duration minus time waiting on upstreams, seconds).
    /// `status` is the HTTP status sent to the client.
    void request_finished(std::string_view model_group, int status, double duration_s, double overhead_s);

    /// The first token (first relayed SSE event with content) reached the client `seconds` after the
    /// request arrived: baton_time_to_first_token_seconds.
    void time_to_first_token(double seconds) noexcept;

    /// One upstream attempt ended: baton_upstream_requests_total{deployment,outcome}. `outcome` is
    /// "success" or the failure_reason name ("rate_limit", "timeout", ...).
    void upstream_request(std::string_view deployment, std::string_view outcome);

    /// One hop to another candidate: baton_fallback_total{from_model,to_model,reason}. Model group names;
    /// equal for a same-group re-pick. `reason` is the §5.3 class that caused the hop.
    void fallback(std::string_view from_model, std::string_view to_model, std::string_view reason);

    /// A request for alias `alias` was served by group `target`: baton_alias_resolved_total{alias,target}.
    /// Call only when the client named an alias; a plain group is never an alias resolution (§5.5).
    void alias_resolved(std::string_view alias, std::string_view target);

    /// Tokens an upstream reported in its usage: baton_tokens_total{model_group,type} += n. Call once per
    /// upstream response, i.e. once per hop of a failed-over stream, with the group that hop served.
    void tokens(std::string_view model_group, token_type type, std::uint64_t n);

    /// A stream failed over after its first byte (§6): baton_stream_failovers_total{reason}.
    void stream_failover(std::string_view reason);

    /// A stream dropped an upstream event for `reason` ("malformed": neither [DONE] nor a JSON object baton
    /// can read) and went on relaying the same upstream: baton_stream_events_dropped_total{reason}.
    void stream_event_dropped(std::string_view reason);

    /// A hedged first token ended (issue #10): baton_hedges_total{outcome}, `outcome` one of "won" (the hedge
    /// produced the first event and served the stream), "lost" (the original attempt did first), "failed"
    /// (neither produced an event: the request went on failing over).
    void hedge(std::string_view outcome);

    /// A stream's headers went out: baton_streams_active += 1 on this shard.
    void stream_started() noexcept { ++streams_active_; }
    /// That stream ended, however: baton_streams_active -= 1. Normally on the shard that counted its
    /// start (a connection stays on its reactor); the gauge is the sum over shards either way.
    void stream_ended() noexcept { --streams_active_; }

    /// One batch input line finished: baton_batch_requests_total{outcome}.
    void batch_request(batch_outcome outcome) noexcept;

    /// Adds every counter, histogram and gauge of `other` to this shard.
    void merge(const metrics_shard& other);

    // Read access, for the renderer and for tests; the families are named in each comment.

    /// baton_requests_total, labels (model_group, status).
    const labelled_counter<2>& requests() const noexcept { return requests_; }
    /// baton_request_duration_seconds, one histogram per model group, ordered by name.
    const std::map<std::string, latency_histogram, std::less<>>& request_duration() const noexcept {
        return request_duration_;
    }
    /// baton_time_to_first_token_seconds.
    const latency_histogram& ttft() const noexcept { return ttft_; }
    /// baton_overhead_seconds.
    const latency_histogram& overhead() const noexcept { return overhead_; }
    /// baton_upstream_requests_total, labels (deployment, outcome).
    const labelled_counter<2>& upstream_requests() const noexcept { return upstream_requests_; }
    /// baton_fallback_total, labels (from_model, to_model, reason).
    const labelled_counter<3>& fallbacks() const noexcept { return fallbacks_; }
    /// baton_alias_resolved_total, labels (alias, target).
    const labelled_counter<2>& alias_resolutions() const noexcept { return alias_resolutions_; }
    /// baton_tokens_total, labels (model_group, type).
    const labelled_counter<2>& token_counts() const noexcept { return tokens_; }
    /// baton_stream_failovers_total, label (reason).
    const labelled_counter<1>& stream_failovers() const noexcept { return stream_failovers_; }
    /// baton_stream_events_dropped_total, label (reason).
    const labelled_counter<1>& stream_events_dropped() const noexcept { return stream_events_dropped_; }
    /// baton_hedges_total, label (outcome).
    const labelled_counter<1>& hedges() const noexcept { return hedges_; }
    /// Streams started minus streams ended on this shard (negative only on a shard that saw ends of
    /// streams started elsewhere; the sum over all shards is the gauge).
    std::int64_t streams_active() const noexcept { return streams_active_; }
    /// Batch lines finished with `outcome`.
    std::uint64_t batch_requests(batch_outcome outcome) const noexcept;

private:
    labelled_counter<2> requests_;  // model_group, status
    std::map<std::string, latency_histogram, std::less<>> request_duration_;
    latency_histogram ttft_;
    latency_histogram overhead_;
    labelled_counter<2> upstream_requests_;  // deployment, outcome
    labelled_counter<3> fallbacks_;          // from_model, to_model, reason
    labelled_counter<2> alias_resolutions_;  // alias, target
    labelled_counter<2> tokens_;             // model_group, type
    labelled_counter<1> stream_failovers_;   // reason
    labelled_counter<1> stream_events_dropped_;  // reason
    labelled_counter<1> hedges_;                 // outcome
    std::int64_t streams_active_ = 0;
    std::uint64_t batch_completed_ = 0;
    std::uint64_t batch_failed_ = 0;
};

}  // namespace baton::daemon
