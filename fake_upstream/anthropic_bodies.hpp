#pragma once
// The Anthropic Messages API JSON and SSE events the fake upstream answers `/v1/messages` with. Pure
// functions: no I/O, no clock.

#include "fake_upstream/openai_bodies.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace baton::fake {

/// {"type":"error","error":{"type","message"}}: `fields` (the script's `error`) overrides the defaults picked
/// from `status`: 529 overloaded_error, 429 rate_limit_error, 401 authentication_error, 403
/// permission_error, 404 not_found_error, 413 request_too_large, other 4xx invalid_request_error, other 5xx
/// api_error.
std::string anthropic_error_body(unsigned status, const boost::json::object& fields);

/// The default success of a non-streamed Messages call: one text block (`content`, else "ok from <name>"),
/// stop_reason end_turn, usage input 5 / output 7; id "msg_fake-<seq>" (ctx.id), model = the request's.
std::string anthropic_message_body(const body_context& ctx, const std::optional<std::string>& content);

/// Whole SSE events ("event: <type>\ndata: {...}\n\n") of a Messages stream, in the order the fake writes
/// them: message_start (input_tokens 5), content_block_start (text), ping, one content_block_delta per piece,
/// content_block_stop, message_delta (stop_reason end_turn, output_tokens = pieces), message_stop. The
/// in-band error is `event: error` with an overloaded_error.
std::string anthropic_message_start(const body_context& ctx);
std::string anthropic_block_start();
std::string anthropic_ping();
std::string anthropic_text_delta(std::string_view text);
std::string anthropic_block_stop();
std::string anthropic_message_delta(std::int64_t output_tokens);
std::string anthropic_message_stop();
std::string anthropic_error_event();

}  // namespace baton::fake
