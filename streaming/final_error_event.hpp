#pragma once

#include "streaming/stream_options.hpp"
#include "streaming/stream_trigger.hpp"

#include <string>
#include <string_view>

namespace baton::streaming {

/// What `trigger` means, in a few plain ASCII words without quotes or backslashes ("the upstream stream ended
/// before [DONE] or a finish_reason"), for the final error event and the log. Pure.
std::string_view describe(stream_trigger trigger) noexcept;

/// How a committed stream failed for good, for its closing error event.
struct stream_failure {
    stream_trigger original = stream_trigger::connection_cut;  ///< the first failure after the first byte
    stream_trigger last = stream_trigger::connection_cut;      ///< the last hop's failure
    bool drifted = false;  ///< a hop started the answer over and drifted from it (overlap_guard)
};

/// The exact bytes that end a committed stream when its last hop failed and no candidate is left (SPEC §6):
/// `data: {"error":{"message":"...","type":"server_error","param":null,"code":"..."}}\n\n`, no [DONE]
/// after it. The message names the original failure (to_string(trigger) and what it means), the last one
/// when it differs, and why the stream could not go on. The code is "stream_failed" when `mode` is off (no
/// failover was tried), "stream_failover_failed" when a hop drifted (a restart that did not match what the
/// client has, and no candidate left that continues by prefill), "fallbacks_exhausted" otherwise. Pure.
std::string final_error_event(const stream_failure& f, routing::stream_failover_mode mode);

/// final_error_event({trigger, trigger, false}, mode).
std::string final_error_event(stream_trigger trigger, routing::stream_failover_mode mode);

}  // namespace baton::streaming
