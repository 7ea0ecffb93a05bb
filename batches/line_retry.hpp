#pragma once

#include <chrono>
#include <optional>

namespace baton::batches {

/// When a batch line whose every candidate was rate limited or cooling down (SPEC §7: "batches absorb
/// 429 storms") tries again. Pure: every time is an argument.
///
/// `until_ready` is how long until the earliest cooldown among the plan's candidates ends (nullopt when
/// none is cooling: the candidates were saturated, max_parallel_requests); `attempt` counts the waits this
/// line already made (0 for the first); `window_left` is what remains of the completion window.
/// The delay is `until_ready` plus a small margin (the cooldown must be over when the line runs again),
/// else a backoff of 1 s doubling per attempt up to 30 s; never less than 50 ms. nullopt when the delay
/// would end after the window: the line stays unfinished and expires with the batch.
std::optional<std::chrono::milliseconds> line_retry_delay(
    std::optional<std::chrono::milliseconds> until_ready, int attempt, std::chrono::milliseconds window_left);

}  // namespace baton::batches
