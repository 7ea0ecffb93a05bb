#pragma once

#include <cstdint>

namespace baton::streaming {

/// Token counts as reported in an OpenAI `usage` object. Zero when not reported; each reported count is
/// clamped to [0, 10^15] by stream_state, so sums over hops never overflow.
struct token_usage {
    std::int64_t prompt_tokens = 0;      ///< usage.prompt_tokens
    std::int64_t completion_tokens = 0;  ///< usage.completion_tokens
    std::int64_t total_tokens = 0;  ///< usage.total_tokens (prompt + completion when the upstream omits it)

    /// Adds every count of `other`.
    token_usage& operator+=(const token_usage& other) noexcept
    {
        prompt_tokens += other.prompt_tokens;
        completion_tokens += other.completion_tokens;
        total_tokens += other.total_tokens;
        return *this;
    }

    /// Field-wise equality.
    friend bool operator==(const token_usage&, const token_usage&) = default;
};

}  // namespace baton::streaming
