#include "daemon/upstream_transport.hpp"

#include <cstring>

namespace baton::daemon {

namespace {

using net::upstream_errc;
using net::upstream_error;

class http_body final : public upstream_body {
public:
    explicit http_body(net::upstream_stream s) : s_(std::move(s)) {}
    unsigned status() const noexcept override { return s_.status(); }
    std::string_view content_type() const noexcept override { return s_.content_type(); }
    std::string_view retry_after() const noexcept override { return s_.retry_after(); }
    net::task<boost::system::result<std::size_t, upstream_error>> read_some(
        boost::beast::flat_buffer& out, std::chrono::milliseconds timeout,
        upstream_errc timeout_kind) override
    {
        return s_.read_some(out, timeout, timeout_kind);
    }
    net::task<boost::system::result<std::string, upstream_error>> read_rest(
        std::chrono::milliseconds timeout) override
    {
        return s_.read_rest(timeout);
    }

private:
    net::upstream_stream s_;
};

/// A local answer read back as a body: all of it at the first read, then the end.
class local_body final : public upstream_body {
public:
    local_body(unsigned status, std::string bytes) : status_(status), bytes_(std::move(bytes)) {}
    unsigned status() const noexcept override { return status_; }
    std::string_view content_type() const noexcept override
    {
        return status_ == 200 ? "text/event-stream" : "application/json";
    }
    std::string_view retry_after() const noexcept override { return {}; }
    net::task<boost::system::result<std::size_t, upstream_error>> read_some(boost::beast::flat_buffer& out,
                                                                            std::chrono::milliseconds,
                                                                            upstream_errc) override
    {
        const std::size_t n = bytes_.size() - offset_;
        if (n != 0) {
            auto mb = out.prepare(n);
            std::memcpy(mb.data(), bytes_.data() + offset_, n);
            out.commit(n);
            offset_ += n;
        }
        co_return n;
    }
    net::task<boost::system::result<std::string, upstream_error>> read_rest(
        std::chrono::milliseconds) override
    {
        std::string rest = bytes_.substr(offset_);
        offset_ = bytes_.size();
        co_return rest;
    }

private:
    unsigned status_;
    std::string bytes_;
    std::size_t offset_ = 0;
};

net::task<boost::system::result<net::upstream_response, upstream_error>> no_target()
{
    co_return upstream_error{upstream_errc::bad_target, {}};
}

}  // namespace

net::task<boost::system::result<net::upstream_response, upstream_error>> http_transport::send(
    const exchange& x, net::upstream_abort* abort)
{
    // Not a coroutine itself: the client's task is handed on as it is (no frame of its own per request).
    if (x.request.where == nullptr) {
        return no_target();
    }
    return client_.send(x.request, abort);
}

net::task<boost::system::result<std::unique_ptr<upstream_body>, upstream_error>> http_transport::open(
    const exchange& x, net::upstream_abort* abort)
{
    if (x.request.where == nullptr) {
        co_return upstream_error{upstream_errc::bad_target, {}};
    }
    auto opened = co_await client_.open(x.request, abort);
    if (!opened) {
        co_return opened.error();
    }
    co_return std::make_unique<http_body>(std::move(*opened));
}

net::task<boost::system::result<net::upstream_response, upstream_error>> local_transport::send(
    const exchange& x, net::upstream_abort*)
{
    auto a = x.via->answer(x.endpoint, x.request.body, false);
    net::upstream_response r;
    r.status = a.status;
    r.content_type = "application/json";
    r.body = std::move(a.body);
    co_return r;
}

net::task<boost::system::result<std::unique_ptr<upstream_body>, upstream_error>> local_transport::open(
    const exchange& x, net::upstream_abort*)
{
    auto a = x.via->answer(x.endpoint, x.request.body, true);
    co_return std::make_unique<local_body>(a.status, std::move(a.body));
}

}  // namespace baton::daemon
