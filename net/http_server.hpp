#pragma once

#include "net/executor.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "log/logger.hpp"
#include "net/http_errc.hpp"
#include "net/request_reader.hpp"
#include "net/socket_deadline.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace baton::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

/// Limits and deadlines of the downstream (client-facing) HTTP/1.1 server.
struct server_limits {
    std::size_t body_limit = 10 * 1024 * 1024;  ///< bytes; a larger request body gets 413
    /// bytes; the largest body a handler may take streamed (request_handler::body_mode_for): uploads.
    std::size_t stream_body_limit = 0;
    std::chrono::milliseconds header_timeout{10'000};  ///< first byte to end of headers; cuts slow clients
    std::chrono::milliseconds body_timeout{60'000};    ///< end of headers to end of body
    std::chrono::milliseconds idle_timeout{60'000};    ///< keep-alive wait for the next request
    std::chrono::milliseconds write_timeout{60'000};   ///< one write to the client (slow readers)
    std::size_t max_connections = 10'000;  ///< across all reactors; more are answered 503 and closed
};

/// The request head's size limit, in bytes: request line and header fields (431 beyond).
inline constexpr std::size_t header_limit = 64 * 1024;
/// A connection closed after an answer that left the client's bytes unread (a refused request, an error)
/// reads and drops what still comes for at most this long and this many bytes, so the close does not reset
/// the connection before the client has read the answer.
inline constexpr std::chrono::milliseconds linger_time{2'000};
inline constexpr std::size_t linger_bytes = 8 * 1024 * 1024;
/// Once the server stops requests (http_server::stop_requests), one write to a client may take at most
/// this long (the last event of a stream cut at the end of a drain).
inline constexpr std::chrono::milliseconds stopping_write_timeout{1'000};
/// Connections over max_connections being answered 503 and closed gracefully at once, per reactor; beyond,
/// the answer is written without waiting and the connection closed at once.
inline constexpr std::size_t max_refusing = 256;

class session;
struct client_watch_state;

/// The client side of one request, handed to the request handler: the connection to write the response
/// on, plus helpers that apply the server's write deadline. Lives on the connection's reactor.
class downstream {
public:
    downstream(tcp_socket& socket, socket_deadline& deadline, std::shared_ptr<client_watch_state>& watch,
               const server_limits& limits)
        : socket_(socket), deadline_(deadline), watch_(watch), limits_(limits)
    {
    }

    tcp_socket& socket() noexcept { return socket_; }
    const server_limits& limits() const noexcept { return limits_; }

    /// Writes a response made of a finished head and its body with one gather write (no copy); the
    /// caller keeps both alive until it completes.
    task<boost::system::error_code> write_response(std::string_view head, std::string_view body);

    /// Writes one chunk made of `data` then `more` (no copy; either may be empty, an empty chunk is never
    /// written), after `head` (a chunked response's head not written yet, or empty: it moves into the
    /// write) in the same write; the caller keeps `data` and `more` alive until it completes. The relay's
    /// hot path: one coroutine frame, the write's own.
    task<boost::system::error_code> write_chunk(std::string_view data, std::string_view more,
                                                std::string head);
    /// Writes the last chunk of a chunked response.
    task<boost::system::error_code> write_last_chunk();
    /// Ends a chunked response with one write: `head` (when not written yet), `data` and `payload` as
    /// chunks (each only when not empty), then the last chunk.
    task<boost::system::error_code> write_end(std::string_view data, std::string_view payload,
                                              std::string_view head = {});

    /// Watches for the client closing its side of the connection while the request is handled: when it
    /// does (EOF or an error), `on_gone(ctx)` runs once, on this reactor — used to cancel the upstream
    /// request of a client that went away. Pipelined bytes end the watch quietly. No coroutine and no
    /// cancellation machinery: one socket wait, kept pending across requests.
    void watch_client(void (*on_gone)(void*), void* ctx);
    /// Stops calling `on_gone` (the wait itself may stay pending for the next request).
    void unwatch_client() noexcept;

    /// True once the server stops requests (the end of a drain): the handler ends its answer now (a stream
    /// with an error event) and the connection closes after it; writes are bounded by
    /// stopping_write_timeout. The watch's `on_gone` is called when this turns true.
    bool stopping() const noexcept { return stopping_; }

    /// Set by the handler when the connection must not be kept alive after this response.
    bool close_after = false;
    /// True once any byte of the response was written.
    bool head_written = false;
    /// Set by the server for a HEAD request: heads are written without their bodies (RFC 9110 §9.3.2).
    bool omit_body = false;

private:
    friend class http_server;
    task<boost::system::error_code> write_buffers(auto const& buffers);
    /// Around every write: the write deadline and head_written before, the deadline's verdict after.
    void begin_write() noexcept;
    boost::system::error_code end_write(boost::system::error_code ec) noexcept;

    tcp_socket& socket_;
    socket_deadline& deadline_;
    std::shared_ptr<client_watch_state>& watch_;
    const server_limits& limits_;
    bool stopping_ = false;
};

/// A request body the handler pulls itself, piece by piece, instead of getting it whole (uploads: see
/// request_handler::body_mode_for). Lives on the connection's reactor for the handler's call.
class body_reader {
public:
    virtual ~body_reader() = default;
    /// The next bytes of the body, a view valid until the next call; empty once the body ended. Each read
    /// must bring bytes within server_limits::body_timeout (an idle deadline, not a total one). Errors:
    /// http::error::body_limit past the handler's limit, beast::error::timeout, the parser's errors for a
    /// malformed body, http_errc::chunk_framing_too_large, http::error::partial_message when the client
    /// closed early.
    virtual task<std::tuple<boost::system::error_code, std::string_view>> read_some() = 0;
    /// True once the whole body was read (the connection can then serve another request).
    virtual bool done() const noexcept = 0;
};

/// How the server takes a request's body, chosen by the handler from the request's head.
struct body_mode {
    /// false: read whole into incoming_request::body under server_limits::body_limit. true: the handler
    /// pulls it through incoming_request::body_stream, under `limit` bytes.
    bool streamed = false;
    std::size_t limit = 0;
};

/// Handles one request on one reactor. Implemented by the daemon (routing, admin endpoints).
class request_handler {
public:
    virtual ~request_handler() = default;
    /// The head phase: called once a request's head is parsed and valid, before `100 Continue` is sent and
    /// before its body is read. Decides whether the request may go on (its endpoint exists, the caller's key
    /// opens it): returns an empty string to go on, with `req.admitted` set for handle(); or the whole
    /// response (head and body) refusing it, with `Connection: close` when `close` is set (the request's
    /// body, if any, is then never read). Must not throw.
    virtual std::string admit(incoming_request& req, bool close) = 0;
    /// Answers `req` (admitted, its body read) on `out`. Returns normally for every expected failure (it
    /// writes the error response itself); an exception is a programming error, caught by the session (500,
    /// connection closed).
    virtual task<void> handle(incoming_request& req, downstream& out) = 0;
    /// The whole HTTP response (head with `Connection: close`, and body) for a request the server refused
    /// itself (`e`; `message` empty = the default text). The daemon's one error mapping writes it.
    virtual std::string error_response(http_errc e, std::string_view message) = 0;
    /// Logs the text of an exception handle() threw, secrets masked. Must not throw.
    virtual void log_exception(std::string_view what) noexcept = 0;
    /// How to take the body of `head` (method, target and headers parsed, admitted): buffered (the default)
    /// or streamed to the handler with its own limit, at most server_limits::stream_body_limit. Called on
    /// the reactor before any byte of the body is read; must not block.
    virtual body_mode body_mode_for(const incoming_request& head);
};

/// The downstream HTTP/1.1 server of one reactor: its own SO_REUSEPORT acceptors and the sessions they
/// accepted. Every member is called on the reactor's thread, except the constructor.
class http_server {
public:
    /// `log` receives the server's own events (accept failures); it must outlive the server.
    http_server(asio::io_context& ioc, std::shared_ptr<request_handler> handler, server_limits limits,
                std::shared_ptr<std::atomic<std::size_t>> connection_count, const logger& log);
    ~http_server();

    /// Binds and listens on `ep` with SO_REUSEPORT (several reactors share a port). Returns the bound
    /// endpoint (port 0 resolved) or throws on failure (a startup error).
    tcp::endpoint listen(const tcp::endpoint& ep);
    /// Starts the accept loops.
    void start();
    /// Closes the acceptors: no new connections.
    void stop_accepting();
    /// Draining: idle keep-alive connections are closed now, busy ones after their current response.
    void drain();
    /// The end of the drain period: no new connections; connections without a request in the handler are
    /// closed now; each request in the handler is told to stop (downstream::stopping(), its watch's
    /// `on_gone`) and ends its answer, its connection closed after it.
    void stop_requests();
    /// Cuts every connection at once (after stop_requests had its short grace).
    void close_all();

    void set_limits(const server_limits& l) { limits_ = l; }
    const server_limits& limits() const noexcept { return limits_; }

private:
    friend class session;
    task<void> accept_loop(tcp_acceptor& acceptor);
    task<void> run_session(tcp_socket socket);
    /// Answers a connection over max_connections with the canned 503, then closes it gracefully.
    task<void> refuse(tcp_socket socket);
    /// Out of descriptors: frees the reserve descriptor to take one pending connection and refuses it like
    /// refuse() (the client gets an answer rather than a hang); the reserve is taken back once that
    /// connection is closed (reserve_refused), so at most one such connection is open at a time.
    void refuse_with_reserve(tcp_acceptor& acceptor);
    task<void> reserve_refused(tcp_socket socket);

    asio::io_context& ioc_;
    std::shared_ptr<request_handler> handler_;
    server_limits limits_;
    std::shared_ptr<std::atomic<std::size_t>> connection_count_;
    std::vector<std::unique_ptr<tcp_acceptor>> acceptors_;
    std::list<session*> sessions_;
    bool draining_ = false;
    const logger& log_;
    std::string busy_;  ///< the canned answer over max_connections
    std::chrono::steady_clock::time_point last_accept_warning_{};
    std::size_t refusing_ = 0;  ///< refuse() coroutines running
    int reserve_fd_ = -1;       ///< a descriptor held for refuse_with_reserve (/dev/null)
};

}  // namespace baton::net
