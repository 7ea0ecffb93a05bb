#pragma once

#include "streaming/token_usage.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace baton::providers::anthropic {

/// Writes the OpenAI chat.completion for a Messages API response `body` into `out` (replacing it) and its
/// usage into `usage`: text blocks joined → message.content (null when there is none); tool_use blocks →
/// message.tool_calls (`arguments` = the input object's JSON text); thinking blocks → reasoning_content;
/// stop_reason → finish_reason (finish_reason_of); usage → messages_usage::append_openai. `created` is the
/// request's unix time. Returns false (out unspecified) when `body` is not a message object with a content
/// array: the attempt is then a bad_response. Reads the body with raw_object (no DOM). Pure.
bool from_messages_response(std::string_view body, std::int64_t created, std::string& out,
                            streaming::token_usage& usage);

}  // namespace baton::providers::anthropic
