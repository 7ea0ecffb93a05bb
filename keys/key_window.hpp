#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace baton::keys {

/// Client-key limits count in wall-clock minutes (as LiteLLM's per-minute counters do), so that instances
/// sharing the counters later (SPEC §11) agree on where a minute starts. Nothing here reads the clock: `now`
/// is always an argument.
using wall_clock = std::chrono::system_clock;
using wall_time = wall_clock::time_point;
using millis = std::chrono::milliseconds;

/// A client key's limits (SPEC §3 `keys:`); 0 = unlimited. Plain data from the config.
struct key_limits {
    std::uint64_t rpm = 0;           ///< requests admitted per minute
    std::uint64_t tpm = 0;           ///< tokens (prompt + completion, from the upstream's usage) per minute
    std::uint64_t max_parallel = 0;  ///< requests in flight at once

    /// True when any limit is set (the key then gets x-ratelimit-* headers for those of rpm/tpm set).
    bool any() const noexcept { return rpm != 0 || tpm != 0 || max_parallel != 0; }
};

/// Which limit refused a request.
enum class limit_kind { none, rpm, tpm, parallel };

/// One key's counters: the current minute's use, the requests in flight, and totals since the process
/// started. Plain data; key_limiter implementations keep one per key name (kept across reloads).
struct key_window {
    std::int64_t minute = INT64_MIN;  ///< the wall-clock minute (since the epoch) the counts below are for
    std::uint64_t requests = 0;       ///< admitted in `minute`
    std::uint64_t tokens = 0;         ///< settled in `minute`
    std::uint64_t in_flight = 0;      ///< admitted and not settled yet
    std::uint64_t requests_total = 0;
    std::uint64_t tokens_total = 0;
    std::uint64_t refused_total = 0;  ///< requests refused by a limit
};

/// Where a key stands at `now`, as the x-ratelimit-* headers and GET /v1/keys tell it.
struct key_usage {
    key_limits limits;
    std::uint64_t requests = 0;  ///< this minute, this request included once admitted
    std::uint64_t tokens = 0;    ///< this minute
    std::uint64_t in_flight = 0;
    std::uint64_t requests_remaining = 0;  ///< rpm - requests (0 when over; meaningless when rpm is 0)
    std::uint64_t tokens_remaining = 0;    ///< tpm - tokens (as above)
    millis reset{0};                       ///< until this minute ends and both counts start afresh
    std::uint64_t requests_total = 0;
    std::uint64_t tokens_total = 0;
    std::uint64_t refused_total = 0;
};

/// What admit() decided. When refused, `retry_after` says when to come back: the end of the minute for
/// rpm/tpm, one second for parallel requests (a slot frees when a request ends, which nothing predicts).
struct verdict {
    limit_kind refused_by = limit_kind::none;
    millis retry_after{0};
    key_usage usage;  ///< after this decision (an admitted request counted)

    bool admitted() const noexcept { return refused_by == limit_kind::none; }
};

/// Decides whether a request of a key with `limits` and counters `w` is admitted at `now`, and counts it
/// when it is (requests this minute, in flight, totals) or counts the refusal. A new minute starts the
/// minute's counts afresh first. Checked in this order: max_parallel (in flight < limit), rpm (requests this
/// minute < limit), tpm (tokens this minute < limit: a request is admitted while the key is under its
/// limit, whatever it will use). Pure.
verdict admit(const key_limits& limits, key_window& w, wall_time now);

/// An admitted request ended (however it did) having used `tokens`: it leaves the in-flight count and its
/// tokens count toward the minute of `now` (a request that ran across a minute boundary counts in the new
/// one). Pure.
void settle(key_window& w, std::uint64_t tokens, wall_time now);

/// Where `w` stands at `now` under `limits`, without changing it. Pure.
key_usage usage_of(const key_limits& limits, const key_window& w, wall_time now);

/// A duration the way OpenAI writes x-ratelimit-reset-*: "250ms" below a second, "12s" or "1.5s" below a
/// minute, "1m0s" from a minute. Pure.
std::string reset_text(millis d);

/// The message of a refusal, in OpenAI's words: "Rate limit reached for key `team-a` on requests per
/// minute (RPM): Limit 600, Used 600, Requested 1. Please try again in 12s." Pure.
std::string refusal_message(std::string_view key_name, const verdict& v);

}  // namespace baton::keys
