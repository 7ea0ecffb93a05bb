#include "streaming/final_error_event.hpp"

#include <string_view>

namespace baton::streaming {

// Plain ASCII without quotes or backslashes: the event is assembled without a JSON serializer.
std::string_view describe(stream_trigger t) noexcept
{
    switch (t) {
    case stream_trigger::connection_cut:
        return "the upstream connection was cut mid-stream";
    case stream_trigger::idle_timeout:
        return "no upstream event within stream_idle_timeout";
    case stream_trigger::malformed_event:
        return "the upstream sent a malformed event";
    case stream_trigger::error_event:
        return "the upstream sent an error event";
    case stream_trigger::eof_before_done:
        return "the upstream stream ended before [DONE] or a finish_reason";
    }
    return "the upstream stream failed";
}

std::string final_error_event(stream_trigger trigger, routing::stream_failover_mode mode)
{
    const bool off = mode == routing::stream_failover_mode::off;
    std::string out = R"(data: {"error":{"message":"stream failed ()";
    out += to_string(trigger);
    out += ": ";
    out += describe(trigger);
    out += off ? ") and stream_failover is off" : ") and no deployment is left to continue it";
    out += R"(","type":"server_error","param":null,"code":")";
    out += off ? "stream_failed" : "fallbacks_exhausted";
    out += "\"}}\n\n";
    return out;
}

}  // namespace baton::streaming
