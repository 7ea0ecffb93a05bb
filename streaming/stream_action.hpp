#pragma once

#include "streaming/stream_trigger.hpp"

#include <string_view>

namespace baton::streaming {

/// What the relay must do with the event (or upstream end) it just reported to stream_state.
enum class stream_action_kind {
    forward,  ///< write the event's raw bytes (sse_event::size bytes of the input) to the client, unchanged
    drop,     ///< write nothing: the event is consumed and not relayed
    replace,  ///< write `payload` instead of the event's bytes
    done,     ///< write `payload` (the closing "data: [DONE]\n\n"; empty when nothing is left to write), then
              ///< end the client's response successfully: the stream is complete
    fail,     ///< the upstream failed (`trigger`): close it, write nothing, then fail over or end the stream
              ///< with final_error_event() as stream_state::can_fail_over() and the plan allow
};

/// Why an event was dropped when it was not the stream's own doing
/// (baton_stream_events_dropped_total{reason}).
enum class drop_reason : unsigned char {
    none,       ///< dropped by design (a role chunk, a usage chunk held back, a repeat) or not dropped at all
    malformed,  ///< a data field that is neither "[DONE]" nor a JSON object baton can read: logged and
                ///< counted
};

/// One decision of stream_state. `payload` views storage owned by the stream_state (or static storage) and
/// is valid until the next call on that stream_state.
struct stream_action {
    stream_action_kind kind = stream_action_kind::drop;
    stream_trigger trigger = stream_trigger::connection_cut;  ///< meaningful for fail only
    std::string_view payload;                                 ///< meaningful for replace and done only
    drop_reason dropped = drop_reason::none;                  ///< meaningful for drop only
};

}  // namespace baton::streaming
