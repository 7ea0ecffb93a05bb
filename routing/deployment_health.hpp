#pragma once

#include "routing/failure_reason.hpp"
#include "routing/time.hpp"

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <utility>

namespace baton::routing {

/// Mutable per-deployment state shared by every reactor thread and kept across config reloads (keyed by
/// deployment id in health_registry). Hot-path reads (cooling? in flight? latency? usage?) are lock-free
/// atomics; failure bookkeeping, which is rare, takes the mutex. Times are steady-clock nanoseconds since
/// the clock's epoch, passed in by the caller. Cooldowns and failure counts are changed only through
/// health_registry (record_failure/record_success/tick), which owns the policy and the listeners.
class deployment_health {
public:
    /// A healthy, idle, never-measured cell. Normally made by health_registry::cell().
    deployment_health(std::string id, std::string group) : id_(std::move(id)), group_(std::move(group)) {}

    /// The deployment id this cell belongs to (immutable).
    const std::string& id() const noexcept { return id_; }
    /// The group of the deployment when the cell was made (immutable; labels health events).
    const std::string& group() const noexcept { return group_; }

    /// True while a cooldown runs at `now`. Lock-free.
    bool cooling(time_point now) const noexcept;
    /// Remaining cooldown at `now` (zero when not cooling). Lock-free.
    duration cooldown_remaining(time_point now) const noexcept;

    /// Requests currently sent to this deployment, from every reactor (least-busy, max_parallel_requests).
    /// Lock-free.
    int in_flight() const noexcept { return in_flight_.load(std::memory_order_relaxed); }
    /// Call when a request is sent to the deployment (the plan does not); pair with end_request(). Lock-free.
    void begin_request() noexcept { in_flight_.fetch_add(1, std::memory_order_relaxed); }
    /// Call when that request is over, however it ended. Lock-free.
    void end_request() noexcept { in_flight_.fetch_sub(1, std::memory_order_relaxed); }

    /// Exponentially weighted moving average of successful attempt latency in ms; < 0 when never measured.
    /// Lock-free.
    double latency_ewma_ms() const noexcept { return latency_ewma_ms_.load(std::memory_order_relaxed); }
    /// Adds a sample in ms: the first sample is taken as is, then ewma = 0.3 × ms + 0.7 × ewma. Negative
    /// samples count as 0, NaN is ignored. Lock-free (compare-and-swap).
    void record_latency(double ms) noexcept;

    /// Smoothed time to the first event of this deployment's streams, in ms; < 0 when never measured.
    /// Lock-free.
    double ttft_ms() const noexcept { return ttft_ms_.load(std::memory_order_relaxed); }
    /// Mean deviation of that time, in ms (0 when never measured). Lock-free.
    double ttft_deviation_ms() const noexcept { return ttft_dev_ms_.load(std::memory_order_relaxed); }
    /// Adds a time-to-first-event sample in ms, as TCP estimates its round trip (RFC 6298): the first sets
    /// ttft = ms and deviation = ms / 2, later ones deviation += (|ttft - ms| - deviation) / 4 and
    /// ttft += (ms - ttft) / 8. Negative samples count as 0, NaN is ignored. Takes the cell's mutex (once per
    /// stream hop); the reads stay lock-free.
    void record_ttft(double ms);

    /// Requests and tokens used in the minute that contains `now` (usage-based routing, rpm/tpm limits); 0
    /// when nothing was recorded in that minute. A minute is a whole 60 s span of `now`'s nanoseconds since
    /// the clock's epoch. Only the latest minute is kept. Lock-free.
    std::uint64_t requests_this_minute(time_point now) const noexcept;
    /// Tokens (prompt + completion) used in the minute that contains `now`; as requests_this_minute().
    std::uint64_t tokens_this_minute(time_point now) const noexcept;
    /// Adds usage to the minute that contains `now` (the caller reports it; the plan does not). A report for
    /// an earlier minute than the latest one recorded is dropped. Lock-free; under contention exactly at a
    /// minute boundary a report may be lost (the budgets are approximate by design).
    void record_usage(time_point now, std::uint64_t requests, std::uint64_t tokens) noexcept;

    /// Snapshot for /v1/health (takes the mutex).
    struct snapshot {
        bool healthy = true;           ///< not cooling down at the snapshot's `now`
        int consecutive_failures = 0;  ///< failures since the last success (any reason that counts or cools)
        /// A failure_reason name, never upstream text (it may echo secrets); empty if none yet.
        std::string last_error;
        double cooldown_remaining_seconds = 0;
        std::uint64_t cooldowns_total = 0;  ///< cooldowns started (extending a running one is not a new one)
    };
    /// The cell's state at `now`. Thread-safe (takes the cell's mutex).
    snapshot snap(time_point now) const;

private:
    friend class health_registry;

    std::string id_;
    std::string group_;
    std::atomic<std::int64_t> cooldown_until_ns_{0};
    std::atomic<int> in_flight_{0};
    std::atomic<double> latency_ewma_ms_{-1.0};
    std::atomic<double> ttft_ms_{-1.0};
    std::atomic<double> ttft_dev_ms_{0.0};
    std::atomic<std::int64_t> usage_minute_{-1};
    std::atomic<std::uint64_t> usage_requests_{0};
    std::atomic<std::uint64_t> usage_tokens_{0};

    mutable std::mutex mutex_;                // guards everything below
    std::deque<time_point> recent_failures_;  // counted failures within the last 60 s
    int consecutive_failures_ = 0;
    failure_reason last_error_ = failure_reason::none;
    bool reported_cooling_ = false;  // last state announced to listeners
    std::uint64_t cooldowns_total_ = 0;
};

}  // namespace baton::routing
