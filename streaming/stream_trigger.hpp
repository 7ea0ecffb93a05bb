#pragma once

#include "routing/failure_reason.hpp"

#include <string_view>

namespace baton::streaming {

/// Why an upstream stream failed after its response started (SPEC §6).
enum class stream_trigger {
    connection_cut,   ///< the upstream connection was reset or cut (not a clean EOF) before completion
    idle_timeout,     ///< no upstream event within stream_idle_timeout
    malformed_event,  ///< a data field that is neither "[DONE]" nor a JSON object
    error_event,      ///< an in-band error: `event: error`, or a JSON object with a top-level "error"
    eof_before_done,  ///< a clean EOF before "[DONE]" and before any finish_reason
};

/// Stable lower-case name ("connection_cut", ...) for logs, the final error event and the
/// baton_stream_failovers_total{reason} label.
std::string_view to_string(stream_trigger t) noexcept;

/// The SPEC §5.3 class a trigger counts as for cooldowns and baton_fallback_total{reason}: connection_cut
/// and eof_before_done → connection, idle_timeout → timeout, malformed_event → bad_response, error_event →
/// server_error (the relay may refine it with routing::classify on stream_state::error_data()).
routing::failure_reason to_failure_reason(stream_trigger t) noexcept;

}  // namespace baton::streaming
