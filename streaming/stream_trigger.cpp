#include "streaming/stream_trigger.hpp"

namespace baton::streaming {

std::string_view to_string(stream_trigger t) noexcept
{
    switch (t) {
    case stream_trigger::connection_cut:
        return "connection_cut";
    case stream_trigger::idle_timeout:
        return "idle_timeout";
    case stream_trigger::malformed_event:
        return "malformed_event";
    case stream_trigger::error_event:
        return "error_event";
    case stream_trigger::eof_before_done:
        return "eof_before_done";
    }
    return "unknown";
}

routing::failure_reason to_failure_reason(stream_trigger t) noexcept
{
    switch (t) {
    case stream_trigger::connection_cut:
    case stream_trigger::eof_before_done:
        return routing::failure_reason::connection;
    case stream_trigger::idle_timeout:
        return routing::failure_reason::timeout;
    case stream_trigger::malformed_event:
        return routing::failure_reason::bad_response;
    case stream_trigger::error_event:
        return routing::failure_reason::server_error;
    }
    return routing::failure_reason::bad_response;
}

}  // namespace baton::streaming
