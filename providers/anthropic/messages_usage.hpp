#pragma once

#include "streaming/token_usage.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace baton::providers::anthropic {

/// Token counts of one Messages API response, as Anthropic reports them (`input_tokens` excludes the cached
/// part of the prompt: cache reads and cache writes are counted apart).
struct messages_usage {
    std::int64_t input_tokens = 0;
    std::int64_t output_tokens = 0;
    std::int64_t cache_read_input_tokens = 0;
    std::int64_t cache_creation_input_tokens = 0;

    /// Takes the counts present in a raw `usage` object (message_start, message_delta and whole responses
    /// carry some or all of them; later reports replace earlier ones). Absent or malformed counts are kept.
    void read(std::string_view raw_usage) noexcept;

    /// OpenAI's view: prompt_tokens = input + cache reads + cache writes (OpenAI's prompt_tokens include
    /// cached tokens), completion_tokens = output, total = both.
    streaming::token_usage openai() const noexcept;

    /// Appends OpenAI's usage object: prompt/completion/total tokens, prompt_tokens_details.cached_tokens
    /// (= cache reads), and Anthropic's two cache counts as they are (LiteLLM adds them too).
    void append_openai(std::string& out) const;
};

/// The OpenAI finish_reason for an Anthropic stop_reason: end_turn, stop_sequence and pause_turn → stop;
/// max_tokens and model_context_window_exceeded → length; tool_use → tool_calls; refusal → content_filter;
/// anything else → stop.
std::string_view finish_reason_of(std::string_view stop_reason) noexcept;

}  // namespace baton::providers::anthropic
