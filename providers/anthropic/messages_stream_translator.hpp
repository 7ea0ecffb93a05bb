#pragma once

#include "providers/adapter.hpp"
#include "providers/anthropic/messages_usage.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace baton::providers::anthropic {

/// Turns one hop of a Messages API stream into OpenAI chat completion chunks, event by event (no event waits
/// for another):
/// - message_start → the role chunk (`delta: {"role":"assistant","content":""}`); its id and model, and the
///   request's `created`, are every later chunk's;
/// - content_block_start of a tool_use block → a tool_calls delta with the call's index (0, 1, ... over the
///   message's tool blocks), id, type and name; text_delta → delta.content; input_json_delta →
///   tool_calls[].function.arguments; thinking_delta → delta.reasoning_content; other blocks and deltas
///   (signatures, citations, server tools) → nothing;
/// - message_delta → a chunk with finish_reason (finish_reason_of) when it has a stop_reason, then a usage
///   chunk (`choices: []`, messages_usage::append_openai over message_start's and message_delta's counts);
/// - message_stop → `data: [DONE]`; ping → nothing (it resets the relay's upstream idle deadline already);
/// - an error event (`event: error`, or data of type "error") → an OpenAI in-band error
///   `{"error":{"message","type","code"}}` carrying Anthropic's error type (classify_messages_error reads
///   it); data that is not a JSON object → a malformed event, so the stream fails over.
/// Events are read with raw_object (no DOM): text and argument strings are copied as they are, escapes and
/// all. Pure; one per hop.
class messages_stream_translator final : public stream_translator {
public:
    /// `created` is the request's unix time in seconds (OpenAI's `created`; Anthropic sends none).
    explicit messages_stream_translator(std::int64_t created) noexcept : created_(created) {}

    void translate(const streaming::sse_event& ev, std::string& out) override;

private:
    void start(std::string_view message);
    void make_head(std::string_view raw_id, std::string_view raw_model);
    void open_chunk(std::string& out);
    void close_chunk(std::string& out, std::string_view finish_reason = {});
    void block_start(std::string_view data, std::string& out);
    enum class delta_kind { content, arguments, reasoning };
    void block_delta(std::string_view data, std::string& out);
    void emit_delta(std::int64_t block, std::string_view raw_text, delta_kind kind, std::string& out);
    void message_delta(std::string_view data, std::string& out);
    int tool_index(std::int64_t block) const noexcept;

    std::int64_t created_;
    std::string head_;  // {"id":..,"object":"chat.completion.chunk","created":..,"model":..,
    messages_usage usage_;
    std::vector<std::pair<std::int64_t, int>> tools_;  // content block index → tool call index
};

}  // namespace baton::providers::anthropic
