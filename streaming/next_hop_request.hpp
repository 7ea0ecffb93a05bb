#pragma once

#include "routing/continuation.hpp"
#include "streaming/stream_options.hpp"

#include <boost/json/object.hpp>

#include <string_view>

namespace baton::streaming {

/// The user message appended after the partial assistant text in a chat continuation request.
inline constexpr std::string_view continuation_instruction =
    "Continue exactly where your previous message stops. Do not repeat any of it and do not add any "
    "introduction: your reply is appended to it verbatim.";

/// The request body for the next candidate of a stream (SPEC §6, issue #10). Pure.
/// - mode continue_ with a non-empty `partial_text`, by strategy `how`:
///   chat, prefill → `messages` plus {"role":"assistant","content":partial_text} and nothing after it (the
///   provider's own switch, e.g. vLLM's continue_final_message, is the adapter's to add);
///   chat, instruct → the same plus {"role":"user","content":continuation_instruction};
///   text completions, prefill or instruct → `prompt` (a string, or an array of one string) with
///   partial_text appended and `echo` removed (a prompt is continued by nature);
///   none → the original request (a restart: the overlap guard drops what the client has).
///   When the original's last message is the client's own assistant prefill (a string content), the
///   partial text extends it instead of adding a second assistant message. A request that can't be
///   continued that way (no `messages` array; a token or multi-prompt `prompt`) is restarted instead.
/// - otherwise (restart, off, nothing relayed yet): the original request.
/// Always forces "stream": true and "stream_options": {"include_usage": true} (other stream_options kept).
boost::json::object next_hop_request(const boost::json::object& original, routing::stream_failover_mode mode,
                                     endpoint_kind endpoint, std::string_view partial_text,
                                     routing::continuation how = routing::continuation::instruct);

}  // namespace baton::streaming
