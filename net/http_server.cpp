#include "net/http_server.hpp"

#include "net/openai_error.hpp"
#include "net/wire_format.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <sys/socket.h>

#include <cerrno>
#include <cstdio>

namespace baton::net {

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

http::response<http::string_body> plain_error(unsigned status, std::string_view message, std::string_view type,
                                              std::string_view code)
{
    http::response<http::string_body> res{static_cast<http::status>(status), 11};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::connection, "close");
    res.body() = openai_error_body(message, type, code);
    res.keep_alive(false);
    res.prepare_payload();
    return res;
}

}  // namespace

/// One accepted connection, registered with its server so a drain can reach it.
class session {
public:
    explicit session(tcp::socket socket) : stream(std::move(socket)) {}
    beast::tcp_stream stream;
    bool idle = true;  // between requests: safe to close when draining
};

asio::awaitable<boost::system::error_code> downstream::write(http::response<http::string_body>& res)
{
    stream_.expires_after(limits_.write_timeout);
    head_written = true;
    // One contiguous buffer, one write (see wire_format.hpp).
    const auto bytes = serialize_response(res);
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(bytes), use_tuple);
    (void)n;
    co_return ec;
}

asio::awaitable<boost::system::error_code> downstream::write_head(http::response<http::empty_body>& res)
{
    stream_.expires_after(limits_.write_timeout);
    head_written = true;
    http::response_serializer<http::empty_body> sr{res};
    auto [ec, n] = co_await http::async_write_header(stream_, sr, use_tuple);
    (void)n;
    co_return ec;
}

asio::awaitable<boost::system::error_code> downstream::write_chunk(std::string_view data)
{
    stream_.expires_after(limits_.write_timeout);
    auto [ec, n] =
        co_await asio::async_write(stream_, http::make_chunk(asio::const_buffer(data.data(), data.size())), use_tuple);
    (void)n;
    co_return ec;
}

asio::awaitable<boost::system::error_code> downstream::write_last_chunk()
{
    stream_.expires_after(limits_.write_timeout);
    auto [ec, n] = co_await asio::async_write(stream_, http::make_chunk_last(), use_tuple);
    (void)n;
    co_return ec;
}

asio::awaitable<bool> downstream::wait_client_gone()
{
    for (;;) {
        // Readable means EOF, an error, or pipelined bytes; a peek tells which.
        auto [ec] = co_await stream_.socket().async_wait(tcp::socket::wait_read, use_tuple);
        if (ec == asio::error::operation_aborted) co_return false;
        if (ec) co_return true;
        char c = 0;
        const auto n = ::recv(stream_.socket().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) co_return true;
        if (n > 0) {
            // A pipelined request: the socket stays readable, so wait for cancellation instead of spinning.
            asio::steady_timer forever{stream_.get_executor(), asio::steady_timer::time_point::max()};
            co_await forever.async_wait(use_tuple);
            co_return false;
        }
    }
}

http_server::http_server(asio::io_context& ioc, std::shared_ptr<request_handler> handler, server_limits limits,
                         std::shared_ptr<std::atomic<std::size_t>> connection_count)
    : ioc_(ioc), handler_(std::move(handler)), limits_(limits), connection_count_(std::move(connection_count))
{
}

http_server::~http_server() = default;

tcp::endpoint http_server::listen(const tcp::endpoint& ep)
{
    auto acceptor = std::make_unique<tcp::acceptor>(ioc_);
    acceptor->open(ep.protocol());
    acceptor->set_option(asio::socket_base::reuse_address(true));
    const int one = 1;
    if (::setsockopt(acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
        throw boost::system::system_error(errno, boost::system::system_category(), "SO_REUSEPORT");
    }
    acceptor->bind(ep);
    acceptor->listen(asio::socket_base::max_listen_connections);
    auto bound = acceptor->local_endpoint();
    acceptors_.push_back(std::move(acceptor));
    return bound;
}

void http_server::start()
{
    for (auto& a : acceptors_) {
        asio::co_spawn(ioc_, accept_loop(*a), asio::detached);
    }
}

void http_server::stop_accepting()
{
    for (auto& a : acceptors_) {
        boost::system::error_code ignored;
        a->close(ignored);
    }
}

void http_server::drain()
{
    draining_ = true;
    stop_accepting();
    for (auto* s : sessions_) {
        if (s->idle) {
            boost::system::error_code ignored;
            s->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
            s->stream.cancel();
        }
    }
}

void http_server::close_all()
{
    draining_ = true;
    stop_accepting();
    for (auto* s : sessions_) {
        boost::system::error_code ignored;
        s->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        s->stream.cancel();
    }
}

asio::awaitable<void> http_server::accept_loop(tcp::acceptor& acceptor)
{
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        if (ec) continue;  // e.g. EMFILE or a connection reset before accept: keep serving
        if (connection_count_->fetch_add(1, std::memory_order_relaxed) >= limits_.max_connections) {
            connection_count_->fetch_sub(1, std::memory_order_relaxed);
            // Over the limit: a short canned answer, best effort, then close.
            static const std::string busy = [] {
                std::string body = openai_error_body("too many connections", "server_error", "overloaded");
                return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: "
                       "close\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n" + body;
            }();
            boost::system::error_code ignored;
            socket.non_blocking(true, ignored);
            socket.write_some(asio::buffer(busy), ignored);
            socket.close(ignored);
            continue;
        }
        asio::co_spawn(ioc_, run_session(std::move(socket)), asio::detached);
    }
}

asio::awaitable<void> http_server::run_session(tcp::socket socket)
{
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    session s{std::move(socket)};
    auto self = sessions_.insert(sessions_.end(), &s);
    beast::flat_buffer buffer;

    for (;;) {
        s.idle = true;
        if (draining_) break;
        if (buffer.size() == 0) {
            // Keep-alive wait for the next request: bounded by the idle timeout.
            s.stream.expires_after(limits_.idle_timeout);
            auto [ec, n] = co_await s.stream.async_read_some(buffer.prepare(4096), use_tuple);
            buffer.commit(n);
            if (ec) break;
        }
        s.idle = false;

        http::request_parser<http::string_body> parser;
        parser.header_limit(64 * 1024);
        parser.body_limit(limits_.body_limit);
        // The whole head must arrive within header_timeout: this is what cuts slowloris clients.
        s.stream.expires_after(limits_.header_timeout);
        auto [hec, hn] = co_await http::async_read_header(s.stream, buffer, parser, use_tuple);
        (void)hn;
        downstream out{s.stream, limits_};
        if (hec) {
            if (hec == beast::error::timeout || hec == http::error::end_of_stream ||
                hec == asio::error::operation_aborted || hec == asio::error::connection_reset ||
                hec == asio::error::eof) {
                break;
            }
            auto res = hec == http::error::header_limit
                           ? plain_error(431, "request headers too large", "invalid_request_error", "header_too_large")
                       : hec == http::error::body_limit
                           // The parser rejects a Content-Length over the limit as soon as it reads the head.
                           ? plain_error(413,
                                         "request body exceeds the limit of " + std::to_string(limits_.body_limit) +
                                             " bytes",
                                         "invalid_request_error", "request_too_large")
                           : plain_error(400, "malformed HTTP request: " + hec.message(), "invalid_request_error",
                                         "bad_request");
            co_await out.write(res);
            break;
        }
        if (const auto len = parser.content_length(); len && *len > limits_.body_limit) {
            auto res = plain_error(413,
                                   "request body of " + std::to_string(*len) + " bytes exceeds the limit of " +
                                       std::to_string(limits_.body_limit) + " bytes",
                                   "invalid_request_error", "request_too_large");
            co_await out.write(res);
            break;
        }
        if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
            http::response<http::empty_body> cont{http::status::continue_, 11};
            s.stream.expires_after(limits_.write_timeout);
            auto [cec, cn] = co_await http::async_write(s.stream, cont, use_tuple);
            (void)cn;
            if (cec) break;
        }
        // The body gets its own deadline, separate from the head's.
        s.stream.expires_after(limits_.body_timeout);
        auto [bec, bn] = co_await http::async_read(s.stream, buffer, parser, use_tuple);
        (void)bn;
        if (bec) {
            if (bec == http::error::body_limit) {
                auto res = plain_error(413,
                                       "request body exceeds the limit of " + std::to_string(limits_.body_limit) +
                                           " bytes",
                                       "invalid_request_error", "request_too_large");
                co_await out.write(res);
            } else if (bec != beast::error::timeout && bec != http::error::end_of_stream &&
                       bec != asio::error::operation_aborted && bec != asio::error::eof &&
                       bec != http::error::partial_message) {
                auto res = plain_error(400, "malformed HTTP request body: " + bec.message(), "invalid_request_error",
                                       "bad_request");
                co_await out.write(res);
            }
            break;
        }
        s.stream.expires_never();

        auto req = parser.release();
        const bool keep_alive = req.keep_alive();
        // An exception here is a programming error: answer 500 if nothing was written yet, then close.
        bool failed = false;
        try {
            co_await handler_->handle(req, out);
        } catch (const std::exception&) {
            failed = true;
        }
        if (failed) {
            std::fputs("<3>{\"level\":\"error\",\"event\":\"handler_exception\"}\n", stderr);
            if (!out.head_written) {
                auto res = plain_error(500, "internal error", "server_error", "internal_error");
                co_await out.write(res);
            }
            break;
        }
        if (out.close_after || !keep_alive) break;
    }

    s.stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    s.stream.close();
    sessions_.erase(self);
    connection_count_->fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace baton::net
