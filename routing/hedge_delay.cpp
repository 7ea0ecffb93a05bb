#include "routing/hedge_delay.hpp"

#include <algorithm>

namespace baton::routing {

duration hedge_delay(const deployment_health& h, const hedge_settings& s) noexcept
{
    const double ceiling = std::max(s.max_delay, 0.0);
    const double floor = std::min(std::max(s.min_delay, 0.0), ceiling);
    const double ttft_ms = h.ttft_ms();
    if (ttft_ms < 0) {
        return seconds_to_duration(ceiling);
    }
    const double seconds = (ttft_ms + 4 * h.ttft_deviation_ms()) / 1000;
    return seconds_to_duration(std::clamp(seconds, floor, ceiling));
}

}  // namespace baton::routing
