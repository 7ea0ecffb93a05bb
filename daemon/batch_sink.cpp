#include "daemon/batch_sink.hpp"

namespace baton::daemon {

net::task<void> batch_sink::respond(unsigned status, std::string_view, std::string_view body,
                                    const answer_meta&)
{
    status_ = status;
    body_.assign(body);
    co_return;
}

void batch_sink::stream_begin(const answer_meta&)
{
    status_ = 200;
    body_.clear();
}

net::task<boost::system::error_code> batch_sink::stream_write(std::string_view data, std::string_view more)
{
    body_.append(data);
    body_.append(more);
    co_return boost::system::error_code{};
}

net::task<boost::system::error_code> batch_sink::stream_end(std::string_view data, std::string_view payload)
{
    body_.append(data);
    body_.append(payload);
    co_return boost::system::error_code{};
}

net::task<void> batch_sink::stream_fail(std::string_view event)
{
    status_ = 502;
    body_.assign(event);
    co_return;
}

void batch_sink::watch(void (*)(void*), void*) {}

void batch_sink::unwatch() noexcept {}

void batch_sink::abandon() noexcept {}

}  // namespace baton::daemon
