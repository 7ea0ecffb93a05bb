#include "streaming/stream_trigger.hpp"

#include <string>

namespace baton::streaming {

std::string_view to_string(stream_trigger t) noexcept
{
    switch (t) {
    case stream_trigger::connection_cut:
        return "connection_cut";
    case stream_trigger::idle_timeout:
        return "idle_timeout";
    case stream_trigger::oversized_event:
        return "oversized_event";
    case stream_trigger::error_event:
        return "error_event";
    case stream_trigger::eof_before_done:
        return "eof_before_done";
    case stream_trigger::restart_drift:
        return "restart_drift";
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
    case stream_trigger::oversized_event:
        return routing::failure_reason::bad_response;
    case stream_trigger::error_event:
        return routing::failure_reason::server_error;
    case stream_trigger::restart_drift:
        return routing::failure_reason::format;
    }
    return routing::failure_reason::bad_response;
}

namespace {

// Boost.System's error_category has a protected non-virtual destructor by design (categories are
// never deleted through a base pointer).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class stream_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "baton.stream"; }
    std::string message(int ev) const override
    {
        return std::string(to_string(static_cast<stream_trigger>(ev)));
    }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& stream_category() noexcept
{
    static const stream_category_impl instance;
    return instance;
}

}  // namespace baton::streaming
