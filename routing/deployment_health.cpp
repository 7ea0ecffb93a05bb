#include "routing/deployment_health.hpp"

#include <algorithm>
#include <cmath>

namespace baton::routing {

namespace {

constexpr double latency_alpha = 0.3;  // weight of the newest sample: reacts within a handful of calls
constexpr std::int64_t ns_per_minute = 60'000'000'000;

std::int64_t minute_of(time_point now)
{
    const std::int64_t ns = to_nanoseconds(now);
    // Floor division, so a fake clock before its epoch still gets whole minutes.
    return ns >= 0 ? ns / ns_per_minute : -((-ns + ns_per_minute - 1) / ns_per_minute);
}

}  // namespace

bool deployment_health::cooling(time_point now) const noexcept
{
    return cooldown_until_ns_.load(std::memory_order_acquire) > to_nanoseconds(now);
}

duration deployment_health::cooldown_remaining(time_point now) const noexcept
{
    const std::int64_t until = cooldown_until_ns_.load(std::memory_order_acquire);
    const std::int64_t at = to_nanoseconds(now);
    if (until <= at) {
        return duration::zero();
    }
    return std::chrono::duration_cast<duration>(std::chrono::nanoseconds(until - at));
}

void deployment_health::record_latency(double ms) noexcept
{
    if (std::isnan(ms)) {
        return;
    }
    ms = std::max(ms, 0.0);
    double current = latency_ewma_ms_.load(std::memory_order_relaxed);
    double next = 0;
    do {
        next = current < 0 ? ms : latency_alpha * ms + (1 - latency_alpha) * current;
    } while (!latency_ewma_ms_.compare_exchange_weak(current, next, std::memory_order_relaxed));
}

void deployment_health::record_ttft(double ms)
{
    if (std::isnan(ms)) {
        return;
    }
    ms = std::max(ms, 0.0);
    const std::lock_guard lock(mutex_);  // the two values move together
    const double ttft = ttft_ms_.load(std::memory_order_relaxed);
    if (ttft < 0) {
        ttft_dev_ms_.store(ms / 2, std::memory_order_relaxed);
        ttft_ms_.store(ms, std::memory_order_relaxed);
        return;
    }
    const double dev = ttft_dev_ms_.load(std::memory_order_relaxed);
    ttft_dev_ms_.store(dev + (std::abs(ttft - ms) - dev) / 4, std::memory_order_relaxed);
    ttft_ms_.store(ttft + (ms - ttft) / 8, std::memory_order_relaxed);
}

std::uint64_t deployment_health::requests_this_minute(time_point now) const noexcept
{
    if (usage_minute_.load(std::memory_order_acquire) != minute_of(now)) {
        return 0;
    }
    return usage_requests_.load(std::memory_order_relaxed);
}

std::uint64_t deployment_health::tokens_this_minute(time_point now) const noexcept
{
    if (usage_minute_.load(std::memory_order_acquire) != minute_of(now)) {
        return 0;
    }
    return usage_tokens_.load(std::memory_order_relaxed);
}

void deployment_health::record_usage(time_point now, std::uint64_t requests, std::uint64_t tokens) noexcept
{
    const std::int64_t minute = minute_of(now);
    std::int64_t current = usage_minute_.load(std::memory_order_acquire);
    while (current < minute) {
        if (usage_minute_.compare_exchange_weak(current, minute, std::memory_order_acq_rel)) {
            // A new minute: whoever moves the minute forward clears the counters. A concurrent report of
            // the same new minute may land just before the clear and be lost; the budget is approximate
            // at minute boundaries by design (no lock on the hot path).
            usage_requests_.store(0, std::memory_order_relaxed);
            usage_tokens_.store(0, std::memory_order_relaxed);
            current = minute;
            break;
        }
    }
    if (current != minute) {
        return;  // a late report for a minute already gone
    }
    usage_requests_.fetch_add(requests, std::memory_order_relaxed);
    usage_tokens_.fetch_add(tokens, std::memory_order_relaxed);
}

deployment_health::snapshot deployment_health::snap(time_point now) const
{
    const std::lock_guard lock(mutex_);
    snapshot s;
    s.healthy = !cooling(now);
    s.consecutive_failures = consecutive_failures_;
    if (last_error_ != failure_reason::none) {
        s.last_error = std::string(to_string(last_error_));
    }
    s.cooldown_remaining_seconds = to_seconds(cooldown_remaining(now));
    s.cooldowns_total = cooldowns_total_;
    return s;
}

}  // namespace baton::routing
