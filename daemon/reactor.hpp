#pragma once

#include "daemon/config_store.hpp"
#include "daemon/metrics_shard.hpp"
#include "daemon/upstream_transport.hpp"
#include "keys/local_key_limiter.hpp"
#include "log/logger.hpp"
#include "net/http_server.hpp"
#include "net/upstream_client.hpp"
#include "routing/health_registry.hpp"

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace baton::daemon {

class reactor;
class batch_service;

/// State shared by every reactor of the process. Each member has a narrow, thread-safe API.
struct shared_state {
    explicit shared_state(const logger& l) : log(l) {}
    const logger& log;                 ///< the process's logger (thread-safe), injected by the application
    config_store configs;              ///< the running config snapshot (atomically swapped on reload)
    routing::health_registry health;   ///< cooldowns and health, keyed by deployment id, kept across reloads
    /// Client keys' rpm/tpm/parallel counters, by key name (kept across reloads): behind the key_limiter
    /// interface so a shared implementation can replace the process-local one.
    std::unique_ptr<keys::key_limiter> key_limiter = std::make_unique<keys::local_key_limiter>();
    std::atomic<bool> draining{false}; ///< set on SIGTERM: readiness turns false, keep-alive ends
    std::atomic<std::uint64_t> reloads_ok{0};
    std::atomic<std::uint64_t> reloads_error{0};
    std::chrono::system_clock::time_point started_wall = std::chrono::system_clock::now();
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    /// Fixed after start-up (metrics scrape visits each); the batch runner's reactor is one of them, without
    /// an HTTP server.
    std::vector<reactor*> reactors;
    batch_service* batches = nullptr;  ///< files and batches (SPEC §7); set before the reactors serve
};

/// One reactor: an io_context run by one thread, with everything a connection needs on that thread
/// (upstream pools, metrics shard, random generator, cached config snapshot). A connection lives and
/// dies on its reactor; nothing here is touched from another thread except through asio::post.
class reactor {
public:
    reactor(std::size_t index, shared_state& shared);

    std::size_t index() const noexcept { return index_; }
    boost::asio::io_context& ioc() noexcept { return ioc_; }
    shared_state& shared() noexcept { return shared_; }
    net::upstream_client& upstream() noexcept { return upstream_; }
    /// The upstreams of a call: the network through upstream(), and the local adapters.
    upstream_transport& network() noexcept { return network_; }
    upstream_transport& local() noexcept { return local_; }
    const logger& log() const noexcept { return shared_.log; }
    std::mt19937_64& rng() noexcept { return rng_; }
    metrics_shard& metrics() noexcept { return metrics_; }

    /// A uniform draw in [0, 1) for the routing plan.
    double draw() { return dist_(rng_); }
    /// A new request id, unique in the process ("req-" + reactor + counter + random suffix).
    std::string next_request_id();

    /// The running snapshot; refreshed from the shared store only when its generation changed (one
    /// atomic load per request in the steady state).
    const std::shared_ptr<const snapshot>& config();

    std::unique_ptr<net::http_server> server;
    std::thread thread;

private:
    std::size_t index_;
    shared_state& shared_;
    // One thread runs it, and a socket is only ever touched on its reactor's thread (drain and reload are
    // posted here): no per-descriptor locking. Posting from other threads stays safe.
    boost::asio::io_context ioc_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
    net::upstream_client upstream_;
    http_transport network_{upstream_};
    local_transport local_;
    metrics_shard metrics_;
    std::mt19937_64 rng_;
    std::uniform_real_distribution<double> dist_{0.0, 1.0};
    std::uint64_t request_counter_ = 0;
    std::uint64_t id_salt_ = 0;
    std::shared_ptr<const snapshot> cached_;
    std::uint64_t cached_generation_ = ~std::uint64_t{0};
};

}  // namespace baton::daemon
