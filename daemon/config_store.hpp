#pragma once

#include "daemon/config/config.hpp"
#include "net/http_server.hpp"
#include "net/upstream_client.hpp"
#include "providers/adapter.hpp"

#include <array>
#include <optional>
#include <vector>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace baton::daemon {

/// Where one deployment's requests go on the network, derived once per config so that no request re-parses
/// its api_base. (What its provider needs — paths, headers — is in snapshot::providers.)
struct upstream_route {
    /// Empty for a local provider and for an api_base that is not an absolute http(s) URL.
    std::optional<net::origin> where;
    net::upstream_timeouts timeouts;
};

/// A config as the daemon runs it: the loaded config plus what is derived from it once, at load, so the
/// hot path only reads. Immutable.
struct snapshot {
    config cfg;
    /// client_key index by key_sha256.
    std::unordered_map<std::string, std::size_t> keys_by_hash;
    /// Downstream limits derived from general_settings.
    net::server_limits limits;
    /// Upstream connection pool limits derived from general_settings.
    net::pool_limits pool;
    /// The pool key (net::origin::key) of every upstream origin the config names, each once.
    std::vector<std::string> origins;
    /// True when requests must carry a key (master_key or keys configured).
    bool auth_required = false;
    /// Indexed by routing::deployment::index.
    std::vector<upstream_route> upstreams;
    /// Each deployment's adapter and provider route (targets, header lines); indexed like `upstreams`.
    std::vector<providers::deployment_route> providers;
};

/// Builds the snapshot of a loaded config.
std::shared_ptr<const snapshot> make_snapshot(config cfg);

/// The running snapshot, shared by every reactor and swapped atomically on reload. Readers keep the
/// snapshot they got alive for as long as they need it (an in-flight request finishes on its old config).
/// Thread safety: all members are safe from any thread; generation() is one relaxed-acquire atomic load.
class config_store {
public:
    /// The current snapshot (takes a short lock; reactors call it only when generation() moved).
    std::shared_ptr<const snapshot> current() const;
    /// Increments on every replace.
    std::uint64_t generation() const noexcept { return generation_.load(std::memory_order_acquire); }
    /// Publishes `next` for new requests.
    void replace(std::shared_ptr<const snapshot> next);

private:
    mutable std::mutex mutex_;
    std::shared_ptr<const snapshot> current_;
    std::atomic<std::uint64_t> generation_{0};
};

}  // namespace baton::daemon
