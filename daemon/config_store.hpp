#pragma once

#include "daemon/config/config.hpp"
#include "net/http_server.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace baton::daemon {

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
