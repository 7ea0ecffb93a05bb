#pragma once

#include "routing/deployment_health.hpp"
#include "routing/route_table.hpp"
#include "routing/time.hpp"

namespace baton::routing {

/// How long a streamed request to the deployment whose health is `h` waits for its first event before a
/// hedge starts (issue #10, point 5): its smoothed time to first event plus four mean deviations
/// (deployment_health::ttft_ms, RFC 6298's retransmission timeout), clamped to [s.min_delay, s.max_delay];
/// s.max_delay while nothing was measured. A min_delay above max_delay counts as max_delay. Pure.
duration hedge_delay(const deployment_health& h, const hedge_settings& s) noexcept;

}  // namespace baton::routing
