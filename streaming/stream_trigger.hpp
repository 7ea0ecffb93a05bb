#pragma once

#include "routing/failure_reason.hpp"

#include <boost/system/error_category.hpp>
#include <boost/system/error_code.hpp>

#include <string_view>
#include <type_traits>

namespace baton::streaming {

/// Why an upstream stream failed after its response started (SPEC §6). Streaming's error vocabulary: an
/// error_code enum (category "baton.stream"); values start at 1.
enum class stream_trigger {
    connection_cut = 1,  ///< the upstream connection was reset or cut (not a clean EOF) before completion
    idle_timeout,     ///< no upstream event within stream_timeout (the first) or stream_idle_timeout (later)
    oversized_event,  ///< an event still incomplete past stream_options::max_event_bytes
    error_event,      ///< an in-band error: `event: error`, or a JSON object with a top-level "error"
    eof_before_done,  ///< a clean EOF before "[DONE]" and before any finish_reason
    restart_drift,    ///< a continuation hop started the answer over and drifted from it (overlap_guard)
};

/// Stable lower-case name ("connection_cut", ...) for logs, the final error event and the
/// baton_stream_failovers_total{reason} label.
std::string_view to_string(stream_trigger t) noexcept;

/// The SPEC §5.3 class a trigger counts as for cooldowns and baton_fallback_total{reason}: connection_cut
/// and eof_before_done → connection, idle_timeout → timeout, oversized_event → bad_response, error_event →
/// server_error (the relay may refine it with routing::classify on stream_state::error_data()),
/// restart_drift → format (the deployment is not to blame: no cooldown; see routing::outcome::mid_stream).
routing::failure_reason to_failure_reason(stream_trigger t) noexcept;

/// The error_category of stream_trigger. Thread-safe.
const boost::system::error_category& stream_category() noexcept;

inline boost::system::error_code make_error_code(stream_trigger t) noexcept
{
    return {static_cast<int>(t), stream_category()};
}

}  // namespace baton::streaming

template <>
struct boost::system::is_error_code_enum<baton::streaming::stream_trigger> : std::true_type {
};
