#include "net/http_server.hpp"

#include "net/http_errc.hpp"
#include "net/http_read.hpp"
#include "net/request_reader.hpp"
#include "net/wire_format.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/write.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <optional>

namespace baton::net {

/// What the client watch of a connection shares with its pending socket wait, which may complete after
/// the session is gone.
struct client_watch_state {
    tcp_socket* socket = nullptr;  ///< null once the session is gone
    void (*on_gone)(void*) = nullptr;  ///< null while no request is watched
    void* ctx = nullptr;
    bool pending = false;  ///< a socket wait is outstanding

    static void arm(const std::shared_ptr<client_watch_state>& sp)
    {
        sp->pending = true;
        sp->socket->async_wait(tcp_socket::wait_read, [sp](const boost::system::error_code& ec) {
            auto& st = *sp;
            st.pending = false;
            if (!st.socket || !st.on_gone) return;  // session gone, or no request is being handled
            bool gone = ec && ec != asio::error::operation_aborted;
            if (!ec) {
                // Readable means EOF, an error, or pipelined bytes; a peek tells which.
                char c = 0;
                const auto n = ::recv(st.socket->native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
                if (n > 0) return;  // a pipelined request: stop watching (it is read after this response)
                gone = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
                if (!gone) {
                    arm(sp);
                    return;
                }
            }
            if (!gone) return;
            st.fire();
        });
    }

    /// Calls `on_gone` once (the client left, or the server stops requests).
    void fire()
    {
        if (!on_gone) return;
        auto* fn = on_gone;
        on_gone = nullptr;
        fn(ctx);
    }
};

/// One accepted connection, registered with its server so a drain can reach it.
class session {
public:
    explicit session(tcp_socket s) : socket(std::move(s)), deadline(socket) {}
    ~session()
    {
        if (watch) watch->socket = nullptr;
    }
    tcp_socket socket;
    socket_deadline deadline;
    std::shared_ptr<client_watch_state> watch;
    bool idle = true;  // between requests: safe to close when draining
    downstream* current = nullptr;  // the request in the handler, if any
};

/// A body pulled by the handler: each read_some() parses what the connection's buffer holds (or reads at
/// most 64 KiB more) into the request's `body` string, which the previous piece left empty. So the body is
/// never held whole: one read's worth at a time.
class streamed_body final : public body_reader {
public:
    streamed_body(session& s, beast::flat_buffer& buffer, request_reader& parser,
                  std::chrono::milliseconds idle)
        : s_(s), buffer_(buffer), parser_(parser), idle_(idle)
    {
    }

    task<std::tuple<boost::system::error_code, std::string_view>> read_some() override;
    bool done() const noexcept override { return parser_.is_done(); }

private:
    session& s_;
    beast::flat_buffer& buffer_;
    request_reader& parser_;
    std::chrono::milliseconds idle_;
};

task<std::tuple<boost::system::error_code, std::string_view>> streamed_body::read_some()
{
    auto& piece = parser_.req.body;
    piece.clear();
    parser_.eager(true);
    while (piece.empty() && !parser_.is_done()) {
        if (buffer_.size() != 0) {
            boost::system::error_code ec;
            const auto used = parser_.put(buffer_.data(), ec);
            buffer_.consume(used);
            if (ec && ec != http::error::need_more) co_return std::tuple{ec, std::string_view{}};
            if (!ec && used != 0) continue;
            // What stays unconsumed is chunk framing, which Beast buffers whole: bounded as read_http does.
            if (chunk_framing_too_large(buffer_.size())) {
                co_return std::tuple{boost::system::error_code(http_errc::chunk_framing_too_large),
                                     std::string_view{}};
            }
        }
        // Idle deadline per read: a large upload may take longer than body_timeout in total.
        s_.deadline.expires_after(idle_);
        auto [ec, n] = co_await s_.socket.async_read_some(buffer_.prepare(65536), use_tuple);
        s_.deadline.expires_never();
        if (ec && s_.deadline.expired()) ec = beast::error::timeout;
        if (ec == asio::error::eof) ec = http::error::partial_message;
        if (ec) co_return std::tuple{ec, std::string_view{}};
        buffer_.commit(n);
    }
    co_return std::tuple{boost::system::error_code{}, std::string_view(piece)};
}

body_mode request_handler::body_mode_for(const incoming_request&)
{
    return {};
}

void downstream::begin_write() noexcept
{
    deadline_.expires_after(
        stopping_ ? std::min(limits_.write_timeout, std::chrono::milliseconds(stopping_write_timeout))
                  : limits_.write_timeout);
    head_written = true;
}

boost::system::error_code downstream::end_write(boost::system::error_code ec) noexcept
{
    deadline_.expires_never();
    if (ec && deadline_.expired()) ec = beast::error::timeout;
    return ec;
}

task<boost::system::error_code> downstream::write_buffers(auto const& buffers)
{
    begin_write();
    auto [ec, n] = co_await asio::async_write(socket_, buffers, use_tuple);
    (void)n;
    co_return end_write(ec);
}

task<boost::system::error_code> downstream::write_response(std::string_view head, std::string_view body)
{
    if (omit_body) body = {};
    const std::array<asio::const_buffer, 2> parts{asio::buffer(head.data(), head.size()),
                                                  asio::buffer(body.data(), body.size())};
    co_return co_await write_buffers(parts);
}

namespace {

/// The framing of one HTTP/1.1 chunk: "<size in hex>\r\n" before the data, "\r\n" after. Written by hand:
/// Beast's chunk buffer sequences cost more to iterate per event than the rest of the relay.
struct chunk_frame {
    char size_line[20];
    std::size_t size_len = 0;

    explicit chunk_frame(std::size_t n) noexcept
    {
        const auto [end, ec] = std::to_chars(size_line, size_line + 16, n, 16);
        (void)ec;
        end[0] = '\r';
        end[1] = '\n';
        size_len = static_cast<std::size_t>(end + 2 - size_line);
    }
};

constexpr std::string_view crlf = "\r\n";
constexpr std::string_view last_chunk = "0\r\n\r\n";

asio::const_buffer buf(std::string_view s) noexcept
{
    return {s.data(), s.size()};
}

}  // namespace

task<boost::system::error_code> downstream::write_chunk(std::string_view data, std::string_view more,
                                                        std::string head)
{
    if (omit_body) data = more = {};
    // An empty chunk would end the body: without data, only the head (if any) is written.
    const chunk_frame frame{data.size() + more.size()};
    const bool empty = data.size() + more.size() == 0;
    const std::array<asio::const_buffer, 5> parts{buf(head),
                                                  empty ? asio::const_buffer{}
                                                        : asio::const_buffer(frame.size_line, frame.size_len),
                                                  buf(data), buf(more),
                                                  empty ? asio::const_buffer{} : buf(crlf)};
    begin_write();
    auto [ec, n] = co_await asio::async_write(socket_, parts, use_tuple);
    (void)n;
    co_return end_write(ec);
}

task<boost::system::error_code> downstream::write_last_chunk()
{
    if (omit_body) co_return boost::system::error_code{};
    co_return co_await write_buffers(buf(last_chunk));
}

task<boost::system::error_code> downstream::write_end(std::string_view data, std::string_view payload,
                                                      std::string_view head)
{
    if (omit_body) co_return co_await write_buffers(buf(head));
    // An empty chunk would end the body early: only the non-empty parts are framed.
    const chunk_frame data_frame{data.size()};
    const chunk_frame payload_frame{payload.size()};
    const auto framed = [](std::string_view d, std::string_view part) {
        return d.empty() ? asio::const_buffer{} : buf(part);
    };
    const std::array<asio::const_buffer, 8> parts{
        buf(head),
        framed(data, {data_frame.size_line, data_frame.size_len}),
        buf(data),
        framed(data, crlf),
        framed(payload, {payload_frame.size_line, payload_frame.size_len}),
        buf(payload),
        framed(payload, crlf),
        buf(last_chunk),
    };
    co_return co_await write_buffers(parts);
}

void downstream::watch_client(void (*on_gone)(void*), void* ctx)
{
    if (!watch_) {
        watch_ = std::make_shared<client_watch_state>();
        watch_->socket = &socket_;
    }
    watch_->on_gone = on_gone;
    watch_->ctx = ctx;
    if (!watch_->pending) client_watch_state::arm(watch_);
}

void downstream::unwatch_client() noexcept
{
    if (watch_) watch_->on_gone = nullptr;
}

namespace {

/// Ends a connection whose peer may still be sending (its request was answered before its body was read,
/// or refused): the FIN goes out first, then what still arrives is read and dropped until the peer closes,
/// for at most linger_time and linger_bytes. Closing a socket with unread bytes resets the connection, and
/// the reset can discard the answer before the client has read it.
task<void> lingering_close(tcp_socket& socket, socket_deadline& deadline)
{
    boost::system::error_code ignored;
    socket.shutdown(tcp_socket::shutdown_send, ignored);
    deadline.expires_after(linger_time);
    std::array<char, 4096> scratch;
    std::size_t dropped = 0;
    while (dropped < linger_bytes) {
        // Bounded by linger_time: the deadline cancels the read.
        auto [ec, n] = co_await socket.async_read_some(asio::buffer(scratch), use_tuple);
        if (ec) break;
        dropped += n;
    }
    deadline.expires_never();
}

/// The bytes of a canned response (head and body in one string) that a HEAD request gets: the head only.
std::string_view head_of(std::string_view response, bool omit_body) noexcept
{
    if (!omit_body) return response;
    const auto end = response.find("\r\n\r\n");
    return end == std::string_view::npos ? response : response.substr(0, end + 4);
}

/// True for read errors after which the client gets no answer: it left, or was too slow.
bool quiet_read_error(const boost::system::error_code& ec) noexcept
{
    return ec == beast::error::timeout || ec == http::error::end_of_stream ||
           ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
           ec == asio::error::eof;
}

}  // namespace

http_server::http_server(asio::io_context& ioc, std::shared_ptr<request_handler> handler,
                         server_limits limits, std::shared_ptr<std::atomic<std::size_t>> connection_count,
                         const logger& log)
    : ioc_(ioc),
      handler_(std::move(handler)),
      limits_(limits),
      connection_count_(std::move(connection_count)),
      log_(log),
      busy_(handler_->error_response(http_errc::overloaded, {})),
      reserve_fd_(::open("/dev/null", O_RDONLY | O_CLOEXEC))
{
}

http_server::~http_server()
{
    if (reserve_fd_ >= 0) ::close(reserve_fd_);
}

tcp::endpoint http_server::listen(const tcp::endpoint& ep)
{
    auto acceptor = std::make_unique<tcp_acceptor>(ioc_);
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
            s->socket.shutdown(tcp_socket::shutdown_both, ignored);
            s->socket.cancel(ignored);
        }
    }
}

void http_server::stop_requests()
{
    draining_ = true;
    stop_accepting();
    for (auto* s : sessions_) {
        if (s->current == nullptr) {
            // Idle, or still reading its request: nothing to answer.
            boost::system::error_code ignored;
            s->socket.shutdown(tcp_socket::shutdown_both, ignored);
            s->socket.cancel(ignored);
            continue;
        }
        s->current->stopping_ = true;
        s->current->close_after = true;
        if (s->watch) s->watch->fire();
    }
}

void http_server::close_all()
{
    draining_ = true;
    stop_accepting();
    for (auto* s : sessions_) {
        boost::system::error_code ignored;
        s->socket.shutdown(tcp_socket::shutdown_both, ignored);
        s->socket.cancel(ignored);
    }
}

task<void> http_server::accept_loop(tcp_acceptor& acceptor)
{
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        if (ec) {
            // A connection reset before accept is nothing; running out of descriptors (EMFILE, ENFILE) or
            // memory would make the loop spin at full CPU: log it (once a second at most) and pause.
            const bool no_fds = ec == asio::error::no_descriptors || ec.value() == ENFILE;
            const bool exhausted =
                no_fds || ec == asio::error::no_buffer_space || ec == asio::error::no_memory;
            if (!exhausted) continue;
            const auto now = std::chrono::steady_clock::now();
            if (now - last_accept_warning_ >= std::chrono::seconds(1)) {
                last_accept_warning_ = now;
                log_.error("accept_failed",
                           {{"error", ec.message()},
                            {"open_connections", static_cast<std::int64_t>(connection_count_->load())}});
            }
            if (no_fds) refuse_with_reserve(acceptor);
            steady_timer pause{ioc_.get_executor(), std::chrono::milliseconds(50)};
            co_await pause.async_wait(use_tuple);
            continue;
        }
        if (connection_count_->fetch_add(1, std::memory_order_relaxed) >= limits_.max_connections) {
            connection_count_->fetch_sub(1, std::memory_order_relaxed);
            if (refusing_ < max_refusing) {
                asio::co_spawn(ioc_, refuse(std::move(socket)), asio::detached);
                continue;
            }
            // Too many being refused already: a short canned answer, best effort, then close.
            boost::system::error_code ignored;
            socket.non_blocking(true, ignored);
            socket.write_some(asio::buffer(busy_), ignored);
            socket.close(ignored);
            continue;
        }
        asio::co_spawn(ioc_, run_session(std::move(socket)), asio::detached);
    }
}

task<void> http_server::refuse(tcp_socket socket)
{
    ++refusing_;
    struct done {
        std::size_t& n;
        ~done() { --n; }
    } count{refusing_};
    socket_deadline deadline{socket};
    // The whole answer, bounded like the linger that follows.
    deadline.expires_after(linger_time);
    auto [ec, n] = co_await asio::async_write(socket, asio::buffer(busy_), use_tuple);
    (void)n;
    if (!ec) co_await lingering_close(socket, deadline);
    boost::system::error_code ignored;
    socket.close(ignored);
}

void http_server::refuse_with_reserve(tcp_acceptor& acceptor)
{
    if (reserve_fd_ < 0) {
        // A refused connection still holds the reserve (or taking it back failed): try again now.
        reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        return;
    }
    ::close(reserve_fd_);
    reserve_fd_ = -1;
    const int fd = ::accept4(acceptor.native_handle(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    boost::system::error_code ec;
    tcp_socket socket{ioc_};
    if (fd >= 0) socket.assign(acceptor.local_endpoint().protocol(), fd, ec);
    if (fd < 0 || ec) {
        if (fd >= 0 && !socket.is_open()) ::close(fd);
        reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        return;
    }
    // The whole refusal, not a write and a close: a close before the client's request has been read resets
    // the connection, and a reset can discard the 503 the client had not read yet.
    asio::co_spawn(ioc_, reserve_refused(std::move(socket)), asio::detached);
}

task<void> http_server::reserve_refused(tcp_socket socket)
{
    co_await refuse(std::move(socket));
    // The refused connection's descriptor was closed just now: it becomes the reserve again.
    reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

task<void> http_server::run_session(tcp_socket socket)
{
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    session s{std::move(socket)};
    auto self = sessions_.insert(sessions_.end(), &s);
    beast::flat_buffer buffer;
    // Set when the connection ends with the client's bytes unread: it is closed gracefully (lingering_close).
    bool linger = false;

    for (;;) {
        s.idle = true;
        if (draining_) break;
        if (buffer.size() == 0) {
            // Keep-alive wait for the next request: bounded by the idle timeout.
            s.deadline.expires_after(limits_.idle_timeout);
            auto [ec, n] = co_await s.socket.async_read_some(buffer.prepare(4096), use_tuple);
            buffer.commit(n);
            if (ec) break;
        }
        s.idle = false;

        request_reader parser;
        parser.header_limit(header_limit);
        // The limit that applies is known once the head is (a streamed upload has its own): checked below.
        parser.body_limit(std::max(limits_.body_limit, limits_.stream_body_limit));
        // The whole head must arrive within header_timeout: this is what cuts slowloris clients. A head that
        // is already in the buffer (the common case) needs no deadline.
        const std::string_view pending{static_cast<const char*>(buffer.data().data()), buffer.size()};
        if (pending.find("\r\n\r\n") == std::string_view::npos) s.deadline.expires_after(limits_.header_timeout);
        auto [hec, hn] = co_await read_http(s.socket, buffer, parser, true);
        (void)hn;
        if (hec && s.deadline.expired()) hec = beast::error::timeout;
        downstream out{s.socket, s.deadline, s.watch, limits_};
        // HEAD: the answer GET would get, without its body (its errors too).
        out.omit_body = parser.is_head;
        if (hec) {
            if (quiet_read_error(hec)) break;
            const auto res =
                hec.category() == http_category()
                    ? handler_->error_response(static_cast<http_errc>(hec.value()), {})
                : hec == http::error::header_limit ? handler_->error_response(http_errc::header_too_large, {})
                : hec == http::error::body_limit
                    // The parser rejects a Content-Length over the limit as soon as it reads the head.
                    ? handler_->error_response(http_errc::body_too_large,
                                               "request body exceeds the limit of " +
                                                   std::to_string(limits_.body_limit) + " bytes")
                    : handler_->error_response(http_errc::bad_request,
                                               "malformed HTTP request: " + hec.message());
            co_await out.write_response(head_of(res, out.omit_body), {});
            linger = true;
            break;
        }
        // The head phase: the endpoint and the caller's key are checked before any body byte is asked for
        // (no 100 Continue) or read.
        const bool body_pending = !parser.is_done();
        const bool close = body_pending || !parser.keep_alive() || draining_;
        if (auto refusal = handler_->admit(parser.req, close); !refusal.empty()) {
            co_await out.write_response(head_of(refusal, out.omit_body), {});
            if (!close) continue;
            linger = true;
            break;
        }
        const body_mode mode = handler_->body_mode_for(parser.req);
        const std::size_t body_limit =
            mode.streamed ? std::min(mode.limit, limits_.stream_body_limit) : limits_.body_limit;
        parser.body_limit(body_limit);  // chunked bodies are checked against it as they arrive
        if (const auto len = parser.content_length(); len && *len > body_limit) {
            const auto res = handler_->error_response(http_errc::body_too_large,
                                                      "request body of " + std::to_string(*len) +
                                                          " bytes exceeds the limit of " +
                                                          std::to_string(body_limit) + " bytes");
            co_await out.write_response(head_of(res, out.omit_body), {});
            linger = true;
            break;
        }
        if (parser.expect_continue && body_pending) {
            http::response<http::empty_body> cont{http::status::continue_, 11};
            s.deadline.expires_after(limits_.write_timeout);
            auto [cec, cn] = co_await http::async_write(s.socket, cont, use_tuple);
            (void)cn;
            if (cec) break;
        }
        std::optional<streamed_body> streamed;
        if (mode.streamed) {
            streamed.emplace(s, buffer, parser, limits_.body_timeout);
            parser.req.body_stream = &*streamed;
        }
        // The body gets its own deadline, separate from the head's (none when it is all in the buffer). A
        // streamed body is the handler's to read.
        if (!streamed && !parser.is_done() &&
            !(parser.content_length() && buffer.size() >= *parser.content_length())) {
            s.deadline.expires_after(limits_.body_timeout);
        } else {
            s.deadline.expires_never();
        }
        boost::system::error_code bec;
        if (!streamed) {
            auto [read_ec, read_n] = co_await read_http(s.socket, buffer, parser, false);
            (void)read_n;
            bec = read_ec;
        }
        if (bec && s.deadline.expired()) bec = beast::error::timeout;
        if (bec) {
            std::string res;
            if (bec == http::error::body_limit) {
                res = handler_->error_response(http_errc::body_too_large,
                                               "request body exceeds the limit of " +
                                                   std::to_string(body_limit) + " bytes");
            } else if (bec.category() == http_category()) {
                res = handler_->error_response(static_cast<http_errc>(bec.value()), {});
            } else if (!quiet_read_error(bec) && bec != http::error::partial_message) {
                res = handler_->error_response(http_errc::bad_request_body,
                                               "malformed HTTP request body: " + bec.message());
            }
            if (!res.empty()) {
                co_await out.write_response(head_of(res, out.omit_body), {});
                linger = true;
            }
            break;
        }
        s.deadline.expires_never();

        auto& req = parser.req;
        const bool keep_alive = parser.keep_alive();
        // A client that asked to close gets `Connection: close` on its response (RFC 9112 §9.6).
        out.close_after = !keep_alive;
        // An exception here is a programming error: answer 500 if nothing was written yet, then close.
        bool failed = false;
        s.current = &out;
        try {
            co_await handler_->handle(req, out);
        } catch (const std::exception& e) {
            failed = true;
            // The text is the handler's to mask (it knows the secrets); it never reaches the client.
            handler_->log_exception(e.what());
        } catch (...) {
            failed = true;
            handler_->log_exception("non-standard exception");
        }
        s.current = nullptr;
        out.unwatch_client();
        // A streamed body the handler left unread (it answered early, e.g. refused the upload): read the rest
        // of a small one so the connection stays usable (closing on unread bytes resets it, which can destroy
        // the answer in flight); past 1 MiB, close.
        for (std::size_t drained = 0; streamed && !streamed->done() && !failed && drained < 1024 * 1024;) {
            auto [dec, piece] = co_await streamed->read_some();
            if (dec || piece.empty()) break;
            drained += piece.size();
        }
        if (streamed && !streamed->done()) {
            out.close_after = true;
            linger = true;
        }
        if (failed) {
            if (!out.head_written) {
                const auto res = handler_->error_response(http_errc::internal_error, {});
                co_await out.write_response(head_of(res, out.omit_body), {});
            }
            break;
        }
        if (out.close_after || !keep_alive) break;
    }

    if (linger) co_await lingering_close(s.socket, s.deadline);
    s.socket.shutdown(tcp_socket::shutdown_send, ignored);
    s.socket.close(ignored);
    sessions_.erase(self);
    connection_count_->fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace baton::net
