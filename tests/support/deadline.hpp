#pragma once
// Deadlines for integration tests: every wait is bounded, measured on the steady clock.

#include <chrono>

namespace baton::test {

using clock = std::chrono::steady_clock;
using deadline = clock::time_point;

/// The deadline `d` from now.
inline deadline deadline_after(clock::duration d) { return clock::now() + d; }

}  // namespace baton::test
