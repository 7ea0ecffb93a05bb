#pragma once

#include <chrono>

namespace baton::routing {

/// The one clock type of the routing policy. Routing code never reads a clock: every function that needs
/// the time takes `now` as an argument, so tests drive it with a fake clock.
using clock = std::chrono::steady_clock;
using time_point = clock::time_point;
using duration = clock::duration;

/// Seconds as a double, converted to the clock's duration (config values are seconds).
inline duration seconds_to_duration(double s)
{
    return std::chrono::duration_cast<duration>(std::chrono::duration<double>(s));
}

}  // namespace baton::routing
