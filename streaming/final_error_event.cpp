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
        return "no upstream event within the stream timeout";
    case stream_trigger::oversized_event:
        return "the upstream sent an event larger than the limit";
    case stream_trigger::error_event:
        return "the upstream sent an error event";
    case stream_trigger::eof_before_done:
        return "the upstream stream ended before [DONE] or a finish_reason";
    case stream_trigger::restart_drift:
        return "the deployment that took over started the answer over and drifted from it";
    }
    return "the upstream stream failed";
}

std::string final_error_event(const stream_failure& f, routing::stream_failover_mode mode)
{
    const bool off = mode == routing::stream_failover_mode::off;
    std::string out = R"(data: {"error":{"message":"stream failed ()";
    out += to_string(f.original);
    out += ": ";
    out += describe(f.original);
    out += ")";
    if (!off && f.last != f.original && f.last != stream_trigger::restart_drift) {
        out += "; the last deployment tried failed too (";
        out += to_string(f.last);
        out += ")";
    }
    if (off) {
        out += " and stream_failover is off";
    } else if (f.drifted) {
        out +=
            " and the deployment that took over started the answer over and drifted from it; no deployment "
            "is left that can continue it by prefill";
    } else {
        out += " and no deployment is left to continue it";
    }
    out += R"(","type":"server_error","param":null,"code":")";
    out += off ? "stream_failed" : f.drifted ? "stream_failover_failed" : "fallbacks_exhausted";
    out += "\"}}\n\n";
    return out;
}

std::string final_error_event(stream_trigger trigger, routing::stream_failover_mode mode)
{
    return final_error_event(stream_failure{trigger, trigger, false}, mode);
}

}  // namespace baton::streaming
