#pragma once

#include "daemon/config/config.hpp"
#include "daemon/echo_provider.hpp"
#include "net/http_server.hpp"
#include "net/upstream_client.hpp"

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

/// How one deployment is reached, derived once per config so that no request re-parses its api_base or
/// re-builds its auth header and paths.
struct upstream_route {
    /// Empty for the built-in provider and for an api_base that is not an absolute http(s) URL.
    std::optional<net::origin> where;
    std::string base_path;  ///< the api_base's path without a trailing slash ("/v1")
    /// The request target per api_endpoint for the configured upstream model.
    std::array<std::string, 3> targets;
    std::string auth_name;   ///< "authorization" or "api-key"; empty when the deployment has no key
    std::string auth_value;  ///< a secret: never logged
    net::upstream_timeouts timeouts;

    /// The target for `endpoint` when the upstream model is `model` (a wildcard deployment sends the
    /// requested name); `scratch` holds it when it differs from the precomputed one.
    std::string_view target(const routing::deployment& d, api_endpoint endpoint, std::string_view model,
                            std::string& scratch) const;
};

/// The path of an endpoint under an api_base ("/chat/completions").
std::string_view endpoint_path(api_endpoint e) noexcept;

/// A config as the daemon runs it: the loaded config plus what is derived from it once, at load, so the
/// hot path only reads. Immutable.
struct snapshot {
    config cfg;
    /// client_key index by key_sha256.
    std::unordered_map<std::string, std::size_t> keys_by_hash;
    /// Downstream limits derived from general_settings.
    net::server_limits limits;
    /// True when requests must carry a key (master_key or keys configured).
    bool auth_required = false;
    /// Indexed by routing::deployment::index.
    std::vector<upstream_route> upstreams;
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
