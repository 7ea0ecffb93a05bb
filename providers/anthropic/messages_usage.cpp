#include "providers/anthropic/messages_usage.hpp"

#include "providers/anthropic/raw_json.hpp"

#include <algorithm>

namespace baton::providers::anthropic {

void messages_usage::read(std::string_view raw_usage) noexcept
{
    raw_object u(raw_usage);
    std::string_view k;
    std::string_view v;
    while (u.next(k, v)) {
        auto n = raw_count(v);
        if (!n) {
            continue;
        }
        // A hostile upstream can't make the sums overflow (stream_state clamps the same way).
        *n = std::min<std::int64_t>(*n, 1'000'000'000'000'000);
        if (k == "input_tokens") {
            input_tokens = *n;
        } else if (k == "output_tokens") {
            output_tokens = *n;
        } else if (k == "cache_read_input_tokens") {
            cache_read_input_tokens = *n;
        } else if (k == "cache_creation_input_tokens") {
            cache_creation_input_tokens = *n;
        }
    }
}

streaming::token_usage messages_usage::openai() const noexcept
{
    streaming::token_usage u;
    u.prompt_tokens = input_tokens + cache_read_input_tokens + cache_creation_input_tokens;
    u.completion_tokens = output_tokens;
    u.total_tokens = u.prompt_tokens + u.completion_tokens;
    return u;
}

void messages_usage::append_openai(std::string& out) const
{
    const streaming::token_usage u = openai();
    out += "{\"prompt_tokens\":";
    out += std::to_string(u.prompt_tokens);
    out += ",\"completion_tokens\":";
    out += std::to_string(u.completion_tokens);
    out += ",\"total_tokens\":";
    out += std::to_string(u.total_tokens);
    out += ",\"prompt_tokens_details\":{\"cached_tokens\":";
    out += std::to_string(cache_read_input_tokens);
    out += "},\"cache_read_input_tokens\":";
    out += std::to_string(cache_read_input_tokens);
    out += ",\"cache_creation_input_tokens\":";
    out += std::to_string(cache_creation_input_tokens);
    out += '}';
}

std::string_view finish_reason_of(std::string_view stop_reason) noexcept
{
    if (stop_reason == "max_tokens" || stop_reason == "model_context_window_exceeded") {
        return "length";
    }
    if (stop_reason == "tool_use") {
        return "tool_calls";
    }
    if (stop_reason == "refusal") {
        return "content_filter";
    }
    return "stop";
}

}  // namespace baton::providers::anthropic
