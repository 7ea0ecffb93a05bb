#include "daemon/response_sink.hpp"

#include "daemon/rate_limit_headers.hpp"
#include "net/http_server.hpp"
#include "net/wire_format.hpp"

namespace baton::daemon {

using namespace std::string_view_literals;

net::task<unsigned> response_sink::cut_short(unsigned, std::string_view, const answer_meta&)
{
    co_return 0;
}

namespace {

void add_meta(net::response_head& h, const answer_meta& m)
{
    h.add("x-baton-request-id", m.request_id);
    if (m.limits != nullptr) {
        add_rate_limit_headers(h, *m.limits);
    }
    if (!m.routing) {
        return;
    }
    if (m.served != nullptr) {
        h.add("x-baton-model-group", m.group);
        h.add("x-baton-deployment-id", m.served->id);
        h.add("x-baton-resolved", m.served->provider, "/"sv, m.model);
    }
    h.add_number("x-baton-attempts", m.attempts);
    h.add_number("x-baton-fallbacks", m.fallbacks);
    h.add_millis("x-baton-overhead-ms", m.overhead_ms);
}

}  // namespace

net::task<void> http_sink::respond(unsigned status, std::string_view content_type, std::string_view body,
                                   const answer_meta& meta)
{
    ended_ = true;
    net::response_head h{status};
    h.add("Content-Type", content_type.empty() ? "application/json"sv : content_type);
    add_meta(h, meta);
    const auto& head = h.finish(body.size(), out_.close_after);
    co_await out_.write_response(head, body);
}

void http_sink::stream_begin(const answer_meta& meta)
{
    streaming_ = true;
    net::response_head h{200};
    h.add("Content-Type", "text/event-stream")
        .add("Cache-Control", "no-cache")
        .add("x-accel-buffering", "no");
    add_meta(h, meta);
    head_ = std::move(h.finish_chunked(out_.close_after));
}

net::task<boost::system::error_code> http_sink::stream_write(std::string_view data, std::string_view more)
{
    // The head and the first events go out together: one write, one wake-up of the client. No coroutine
    // frame of its own (this runs for every read of a stream): the head moves into the write's.
    auto write = out_.write_chunk(data, more, std::move(head_));
    head_.clear();
    return write;
}

net::task<boost::system::error_code> http_sink::stream_end(std::string_view data, std::string_view payload)
{
    ended_ = true;
    auto ec = co_await out_.write_end(data, payload, head_);
    head_.clear();
    co_return ec;
}

net::task<void> http_sink::stream_fail(std::string_view event)
{
    ended_ = true;
    // Never a silent clean end: the client gets an error event and no [DONE].
    const auto ec = co_await stream_write(event, {});
    if (!ec) {
        co_await out_.write_last_chunk();
    }
    out_.close_after = true;
}

void http_sink::watch(void (*on_gone)(void*), void* ctx)
{
    out_.watch_client(on_gone, ctx);
}

void http_sink::unwatch() noexcept
{
    out_.unwatch_client();
}

void http_sink::abandon() noexcept
{
    out_.close_after = true;
}

bool http_sink::stopping() const noexcept
{
    return out_.stopping();
}

net::task<unsigned> http_sink::cut_short(unsigned status, std::string_view body, const answer_meta& meta)
{
    if (ended_) {
        co_return 0;
    }
    if (streaming_) {
        std::string event = "data: ";
        event += body;
        event += "\n\n";
        co_await stream_fail(event);
        co_return 200;
    }
    co_await respond(status, {}, body, meta);
    co_return status;
}

}  // namespace baton::daemon
