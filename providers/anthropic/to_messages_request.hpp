#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace baton::providers::anthropic {

/// max_tokens sent when the client gives neither max_tokens nor max_completion_tokens (the Messages API
/// requires one); LiteLLM's default for Anthropic.
inline constexpr std::int64_t default_max_tokens = 4096;

/// The thinking budget (budget_tokens) for an OpenAI `reasoning_effort`, as LiteLLM maps it: minimal and
/// low 1024 (Anthropic's minimum), medium 2048, high 4096; 0 for anything else (no thinking).
std::int64_t thinking_budget(std::string_view reasoning_effort) noexcept;

/// Writes the Anthropic Messages API body for an OpenAI chat completions body `in`, for upstream `model`,
/// into `out` (replacing its content). The rules (docs/configuration.md, "anthropic"):
/// - system and developer messages → `system` (text blocks, in order); the other messages → `messages`,
///   `tool` (and legacy `function`) messages becoming user turns of `tool_result` blocks, consecutive
///   turns of the same role merged into one;
/// - content strings and parts → blocks: text; image_url (https URL or base64 data URI) → image; file with
///   a PDF data URI → document; Anthropic's own block types are passed as they are; `cache_control` on a
///   part, a tool or a message is kept; empty texts are left out (Anthropic refuses them);
/// - assistant `tool_calls` → `tool_use` blocks (arguments parsed; `{}` when they are not a JSON object),
///   `thinking_blocks` kept in front;
/// - `tools` → {name, description, input_schema}; `tool_choice` auto/required/none/{function} →
///   auto/any/none/tool; `parallel_tool_calls: false` → `disable_parallel_tool_use`;
/// - max_completion_tokens, else max_tokens, else default_max_tokens (raised above the thinking budget when
///   reasoning_effort asks for one and the client gave none); `stop` → `stop_sequences`; temperature,
///   top_p, top_k, stream, thinking as they are; `user` → metadata.user_id; `reasoning_effort` → thinking;
/// - stream_options and n = 1 are consumed silently; every other key is left out and its name appended to
///   `dropped` (comma-separated, for a debug log).
/// Pure; never throws for odd input (values of the wrong type are left out as dropped).
void to_messages_request(const boost::json::object& in, std::string_view model, std::string& out,
                         std::string& dropped);

}  // namespace baton::providers::anthropic
