#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>

namespace baton::routing {

/// The one clock type of the routing policy. Routing code never reads a clock: every function that needs
/// the time takes `now` as an argument, so tests drive it with a fake clock.
using clock = std::chrono::steady_clock;
using time_point = clock::time_point;
using duration = clock::duration;

/// Seconds as a double, converted to the clock's duration (config values are seconds). NaN gives zero;
/// values beyond about ±285 years saturate instead of overflowing.
inline duration seconds_to_duration(double s)
{
    constexpr double limit = 9.0e9;  // the int64 nanosecond range is about ±9.2e9 s
    if (std::isnan(s)) {
        return duration::zero();
    }
    s = s > limit ? limit : (s < -limit ? -limit : s);
    return std::chrono::duration_cast<duration>(std::chrono::duration<double>(s));
}

/// Nanoseconds since the clock's epoch: the form in which times are kept in atomics.
inline std::int64_t to_nanoseconds(time_point t)
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

/// Inverse of to_nanoseconds.
inline time_point from_nanoseconds(std::int64_t ns)
{
    return time_point(std::chrono::duration_cast<duration>(std::chrono::nanoseconds(ns)));
}

/// A duration as fractional seconds (for snapshots and logs).
inline double to_seconds(duration d)
{
    return std::chrono::duration<double>(d).count();
}

}  // namespace baton::routing
