#pragma once

#include "routing/time.hpp"

#include <chrono>
#include <optional>
#include <string_view>

namespace baton::routing {

/// The longest delay parse_retry_after() returns by default: a day. router_settings.retry_after_cap bounds
/// what is honoured further.
inline constexpr duration retry_after_ceiling = std::chrono::hours(24);

/// The delay an upstream's Retry-After value asks for (RFC 9110 §10.2.3), or nullopt when it is empty or
/// unreadable:
/// - delay-seconds: digits (a fraction is accepted too, as some upstreams send "1.5"); a number beyond
///   `cap`, however many digits it has, gives `cap`;
/// - an HTTP-date in any of the three forms recipients must accept (IMF-fixdate "Sun, 06 Nov 1994 08:49:37
///   GMT", RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT", asctime "Sun Nov  6 08:49:37 1994"): the time from
///   `wall_now` to that date, 0 for a date in the past, at most `cap`.
/// Surrounding spaces and tabs are ignored. Pure: the wall-clock time is an argument.
std::optional<duration> parse_retry_after(std::string_view value,
                                          std::chrono::system_clock::time_point wall_now,
                                          duration cap = retry_after_ceiling);

}  // namespace baton::routing
