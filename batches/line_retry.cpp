#include "batches/line_retry.hpp"

#include <algorithm>

namespace baton::batches {

using std::chrono::milliseconds;

std::optional<milliseconds> line_retry_delay(std::optional<milliseconds> until_ready, int attempt,
                                             milliseconds window_left)
{
    constexpr milliseconds margin{20};
    constexpr milliseconds floor{50};
    constexpr milliseconds cap{30'000};
    milliseconds delay;
    if (until_ready) {
        delay = std::max(*until_ready + margin, floor);
    } else {
        const int doublings = std::clamp(attempt, 0, 5);
        delay = std::min(milliseconds(1000) * (1 << doublings), cap);
    }
    if (delay >= window_left) {
        return std::nullopt;
    }
    return delay;
}

}  // namespace baton::batches
