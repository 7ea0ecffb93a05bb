#pragma once

#include "net/executor.hpp"

#include "net/upstream_errc.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace baton::net {

namespace asio = boost::asio;
namespace beast = boost::beast;

/// Where an upstream lives: scheme, host and port (and whether its certificate is verified). Connections
/// are pooled per origin.
struct origin {
    bool tls = false;
    std::string host;
    std::string port;
    bool verify = true;
    /// Pool key: scheme, host, port and verify flag (set by split_url, or by `finish()`).
    std::string key;

    /// Sets `key` from the other members.
    void finish();
};

/// Splits an absolute http(s) URL such as an api_base into its origin and path ("/v1"). nullopt when it
/// is not an absolute http or https URL.
std::optional<std::pair<origin, std::string>> split_url(std::string_view url, bool verify);

/// Named deadlines of every phase of an upstream exchange (STYLE.md: one per phase).
struct upstream_timeouts {
    std::chrono::milliseconds connect{10'000};      ///< resolve + TCP connect
    std::chrono::milliseconds tls{10'000};          ///< TLS handshake
    std::chrono::milliseconds head{600'000};        ///< request written to response head received
    std::chrono::milliseconds total{600'000};       ///< whole non-streamed attempt
    std::chrono::milliseconds first_event{30'000};  ///< streamed: request written to first body bytes
    std::chrono::milliseconds idle{30'000};         ///< streamed: between body reads
};

/// One HTTP request to an upstream. The body is sent as application/json. Everything is borrowed (derived
/// once per config, or owned by the call) and must outlive the exchange.
struct upstream_request {
    const origin* where = nullptr;
    std::string_view target;      ///< path and query, e.g. "/v1/chat/completions"
    /// Header lines the provider needs (auth, version), each ending in CRLF; secrets: never logged.
    std::string_view headers;
    std::string_view body;  ///< borrowed like the rest: copied once, into the request's bytes
    bool streamed = false;
    upstream_timeouts timeouts;
};

struct upstream_error {
    upstream_errc code = upstream_errc::connection;
    std::string detail;  ///< for logs; never contains request headers or keys
};

/// A whole upstream response.
struct upstream_response {
    unsigned status = 0;
    std::string content_type;
    std::string retry_after;  ///< raw Retry-After header value, empty when absent
    std::string body;
};

/// How many idle connections an upstream_client keeps, and for how long.
struct pool_limits {
    std::size_t max_idle_per_origin = 64;  ///< per origin; a connection given back beyond it is closed
    std::chrono::milliseconds idle_timeout{30'000};  ///< an idle connection is closed after this long
};

class upstream_connection;

/// Lets another coroutine abort an exchange in flight (client disconnect). Shared by the request's
/// coroutines on one reactor; not thread-safe.
class upstream_abort {
public:
    /// Aborts the exchange now and any later one: the connection is closed, never reused.
    void abort();
    bool aborted() const noexcept { return aborted_; }

private:
    friend class upstream_client;
    friend class upstream_stream;
    bool aborted_ = false;
    tcp_socket* active_ = nullptr;  ///< the socket of the exchange in flight
};

/// A streamed response whose head has arrived; the body is read incrementally. When it is destroyed the
/// connection goes back to the pool if the body was read to its end, else it is closed.
class upstream_stream {
public:
    upstream_stream(upstream_stream&&) noexcept;
    upstream_stream& operator=(upstream_stream&&) = delete;
    ~upstream_stream();

    unsigned status() const noexcept { return status_; }
    const std::string& content_type() const noexcept { return content_type_; }
    const std::string& retry_after() const noexcept { return retry_after_; }

    /// Appends the next body bytes to `out` (de-chunked; the only copy on the relay path). Returns the
    /// number of bytes appended, 0 at the end of the body. Fails with `timeout_kind` if nothing arrives
    /// within `timeout`, `connection` on a cut, `cancelled` when aborted.
    task<boost::system::result<std::size_t, upstream_error>> read_some(beast::flat_buffer& out,
                                                                                   std::chrono::milliseconds timeout,
                                                                                   upstream_errc timeout_kind);
    /// Reads the rest of the body into a string (error bodies), at most `limit` bytes.
    task<boost::system::result<std::string, upstream_error>> read_rest(std::chrono::milliseconds timeout,
                                                                                  std::size_t limit = 1 << 20);

private:
    friend class upstream_client;
    struct state;
    upstream_stream(std::unique_ptr<state> s);
    std::unique_ptr<state> s_;
    unsigned status_ = 0;
    std::string content_type_;
    std::string retry_after_;
};

/// The upstream HTTP/1.1 client of one reactor: keep-alive pools per origin, HTTP and HTTPS (system CAs,
/// SNI, host-name verification unless the deployment says ssl_verify: false), TCP_NODELAY. Used only on
/// its reactor's thread.
class upstream_client {
public:
    explicit upstream_client(executor ex);
    ~upstream_client();

    /// Sends `req` and reads the whole response (non-streamed calls, and streamed calls whose upstream
    /// answered with an error).
    task<boost::system::result<upstream_response, upstream_error>> send(const upstream_request& req,
                                                                                   upstream_abort* abort = nullptr);
    /// Sends `req` and returns once the response head has arrived.
    task<boost::system::result<upstream_stream, upstream_error>> open(const upstream_request& req,
                                                                                 upstream_abort* abort = nullptr);

    /// Applies new pool limits; idle connections over them go at the next sweep.
    void set_limits(const pool_limits& limits) noexcept { limits_ = limits; }
    /// Keeps the pools of the origins named in `keys` (origin::key) only: the idle connections to every
    /// other origin are closed now, and connections to them in use are closed when they come back (the
    /// config no longer names them).
    void retain_origins(const std::vector<std::string>& keys);
    /// Idle connections pooled now, to every origin.
    std::size_t idle_count() const noexcept;

private:
    friend class upstream_stream;
    /// A pooled connection to the request's origin, or a new one; registered with `abort`.
    task<boost::system::result<std::unique_ptr<upstream_connection>, upstream_error>> acquire(
        const upstream_request& req, upstream_abort* abort);
    task<boost::system::result<std::unique_ptr<upstream_connection>, upstream_error>> connect(
        const upstream_request& req, upstream_abort* abort);
    std::unique_ptr<upstream_connection> take_idle(const origin& o);
    void give_back(std::unique_ptr<upstream_connection> c);
    /// Closes the idle connections that timed out or whose peer closed them or sent bytes (a half-closed
    /// one sits in CLOSE-WAIT), and the ones over the count; runs while any connection is idle.
    void sweep();
    void arm_sweep();

    executor ex_;
    asio::ssl::context verify_ctx_;
    asio::ssl::context noverify_ctx_;
    pool_limits limits_;
    std::unordered_map<std::string, std::vector<std::unique_ptr<upstream_connection>>> idle_;
    /// Set by retain_origins: only these origins are pooled (an origin without a pool in idle_ is
    /// checked against it).
    std::optional<std::unordered_set<std::string>> live_;
    steady_timer sweep_timer_;
    bool sweeping_ = false;  ///< the sweep timer is armed
    std::shared_ptr<bool> alive_;
};

}  // namespace baton::net
