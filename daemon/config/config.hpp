#pragma once

#include "keys/key_window.hpp"
#include "routing/route_table.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace baton::daemon {

/// One `general_settings.listen` address. `host` is a name or an IP literal without brackets ("::1");
/// port 0 asks the OS for a free port (tests).
struct listen_address {
    std::string host;        ///< name or IP literal, never empty after loading
    std::uint16_t port = 0;  ///< 0-65535

    /// "host:port", with brackets around an IPv6 literal ("[::1]:4000").
    std::string to_string() const
    {
        const bool ipv6 = host.find(':') != std::string::npos;
        return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
    }
};

/// `general_settings` of the config (SPEC §3), with its defaults. Plain data; the daemon reads it when a
/// config is applied (listen and threads only at start: a reload cannot move sockets or reactors).
struct general_settings {
    /// Addresses to accept on; never empty after loading. Default 127.0.0.1:4000.
    std::vector<listen_address> listen{listen_address{"127.0.0.1", 4000}};
    /// Reactor threads; 0 = one per core.
    int threads = 0;
    /// Secret: the admin/master bearer key. Empty = none set (no authentication unless `keys` are given).
    /// Never log or print it; describe_config masks it.
    std::string master_key;
    /// SHA-256 of master_key, lower-case hex (empty when no master key): compare a presented key's hash
    /// with it, as with client_key::key_sha256.
    std::string master_key_sha256;
    /// Where SQLite and batch files live; relative paths are relative to the working directory.
    std::string data_dir = "./data";
    /// Largest accepted request body, in MiB (1 MiB = 1048576 bytes); > 0.
    double max_request_body_mb = 10;
    /// How long SIGTERM/SIGINT lets in-flight requests and streams drain, in seconds; >= 0.
    double graceful_shutdown_seconds = 30;
    /// "debug" | "info" | "warning" | "error" (normalized: "warn" and any case are accepted on input).
    std::string log_level = "info";
    /// Downstream deadlines, in seconds (> 0): first byte to end of request headers (slow clients).
    double header_read_timeout_seconds = 10;
    /// End of headers to end of request body.
    double body_read_timeout_seconds = 60;
    /// Keep-alive wait for a connection's next request.
    double idle_timeout_seconds = 60;
    /// One write to a client (slow readers).
    double write_timeout_seconds = 60;
    /// Open client connections across all reactors; more are refused. > 0.
    int max_connections = 10000;
    /// Largest file POST /v1/files stores, in MiB; > 0 (larger uploads get 413).
    double max_file_mb = 200;
    /// Batch lines in flight at once, over every batch; >= 1.
    int batch_max_concurrency = 32;
    /// Batch lines in flight at once for one batch; >= 1.
    int batch_max_concurrency_per_batch = 16;
    /// How long a batch's completion_window ("24h", the only value accepted) lasts, in seconds; > 0. Tests
    /// shorten it to see batches expire.
    double batch_completion_window_seconds = 86400;
    /// An upstream connection idle in its pool this long is closed, in seconds (> 0).
    double upstream_idle_timeout_seconds = 30;
    /// Idle connections kept per upstream origin (scheme, host, port) and reactor; more are closed (>= 0;
    /// 0 = no keep-alive).
    int upstream_idle_connections = 64;
};

/// One client (virtual) key from `keys:` (SPEC §3). Only the key's hash is kept: a raw `key:` is hashed at
/// load and dropped.
struct client_key {
    /// Names the key in logs and metrics; unique, non-empty.
    std::string name;
    /// SHA-256 of the key, 64 lower-case hex digits; unique across keys.
    std::string key_sha256;
    /// Groups/aliases this key may call; nullopt = all (key omitted), empty = none.
    std::optional<std::vector<std::string>> models;
    /// Groups/aliases tried before the configured fallbacks (SPEC §5.4 step 2).
    std::vector<std::string> backup_models;
    /// Requests per minute allowed to this key; 0 = unlimited.
    std::uint64_t rpm_limit = 0;
    /// Tokens per minute allowed to this key; 0 = unlimited.
    std::uint64_t tpm_limit = 0;
    /// Requests of this key in flight at once; 0 = unlimited.
    std::uint64_t max_parallel_requests = 0;

    /// The three limits as keys::key_limiter takes them.
    keys::key_limits limits() const noexcept { return {rpm_limit, tpm_limit, max_parallel_requests}; }
};

/// A loaded, validated config snapshot (see load_config_text). Move-only because `routes` is; the daemon
/// keeps it as `std::shared_ptr<const config>`, swapped atomically on reload, and hands out the route table
/// alone with shared_ptr's aliasing constructor (`std::shared_ptr<const routing::route_table>(snap,
/// &snap->routes)`) so a request's plan keeps the whole snapshot alive. Thread safety: immutable once
/// loaded; only the deployments' health cells (owned by the health_registry) change.
struct config {
    config() = default;
    config(config&&) = default;
    config& operator=(config&&) = default;
    config(const config&) = delete;
    config& operator=(const config&) = delete;

    /// Deployments (each with its health cell), groups, aliases, router_settings and default_model.
    routing::route_table routes;
    general_settings general;
    std::vector<client_key> keys;
    /// Everything the loader warned about (unknown keys, ignored sections), path-qualified; log them once.
    std::vector<std::string> warnings;
    /// The file (or source name) the config was loaded from.
    std::string source_path;
};

}  // namespace baton::daemon
