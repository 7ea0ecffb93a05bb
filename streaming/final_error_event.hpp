#pragma once

#include "streaming/stream_options.hpp"
#include "streaming/stream_trigger.hpp"

#include <string>
#include <string_view>

namespace baton::streaming {

/// What `trigger` means, in a few plain ASCII words without quotes or backslashes ("the upstream stream ended
/// before [DONE] or a finish_reason"), for the final error event and the log. Pure.
std::string_view describe(stream_trigger trigger) noexcept;

/// The exact bytes that end a committed stream when its last hop failed and no candidate is left (SPEC §6):
/// `data: {"error":{"message":"...","type":"server_error","param":null,"code":"..."}}\n\n`, no [DONE]
/// after it. The message names the trigger (to_string(trigger)) and why the stream could not go on; the
/// code is "fallbacks_exhausted", or "stream_failed" when `mode` is off (no failover was tried). Pure.
std::string final_error_event(stream_trigger trigger, routing::stream_failover_mode mode);

}  // namespace baton::streaming
