#include "net/upstream_client.hpp"

#include "net/http_read.hpp"
#include "net/socket_deadline.hpp"
#include "net/wire_format.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace baton::net {

namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

/// How often idle connections are looked at (at most; a shorter idle timeout shortens it).
constexpr auto sweep_period = 1s;
constexpr std::size_t max_response_body = 64 * 1024 * 1024;

constexpr auto recheck_idle_after = 2s;

upstream_error fail(upstream_errc c, std::string detail = {})
{
    return upstream_error{c, std::move(detail)};
}

}  // namespace

void origin::finish()
{
    key = tls ? "https://" : "http://";
    key += host;
    key += ':';
    key += port;
    if (!verify) key += "#noverify";
}

std::optional<std::pair<origin, std::string>> split_url(std::string_view url, bool verify)
{
    auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed) return std::nullopt;
    origin o;
    const auto scheme = parsed->scheme();
    if (scheme == "https") {
        o.tls = true;
    } else if (scheme != "http") {
        return std::nullopt;
    }
    o.host = parsed->host_address();
    if (o.host.empty()) return std::nullopt;
    o.port = parsed->has_port() ? std::string(parsed->port()) : std::string(o.tls ? "443" : "80");
    o.verify = verify;
    o.finish();
    std::string path(parsed->encoded_path());
    while (!path.empty() && path.back() == '/') path.pop_back();
    return std::make_pair(std::move(o), std::move(path));
}

/// One pooled HTTP/1.1 connection, plain or TLS. Every operation on it runs under `deadline`.
class upstream_connection {
public:
    explicit upstream_connection(const executor& ex) : plain(ex), deadline(plain) {}

    std::string key;
    tcp_socket plain;  ///< the connection; moved into `tls` for HTTPS
    std::unique_ptr<asio::ssl::stream<tcp_socket>> tls;
    socket_deadline deadline;
    beast::flat_buffer buffer;
    bool reused = false;
    std::chrono::steady_clock::time_point idle_since;

    tcp_socket& lowest() { return tls ? tls->next_layer() : plain; }

    /// A pooled connection the peer has closed (or sent unexpected bytes on) must not be reused. One that
    /// was idle only briefly is taken as is (a peek is a system call per request): if its peer closed it
    /// meanwhile, the exchange fails before the request was read and is retried on a fresh connection.
    bool still_usable(std::chrono::steady_clock::time_point now)
    {
        if (now - idle_since < recheck_idle_after) return lowest().is_open() && buffer.size() == 0;
        return quiet();
    }

    /// Open, nothing buffered, and the peer has neither closed its side nor sent anything (one peek).
    bool quiet()
    {
        if (!lowest().is_open() || buffer.size() != 0) return false;
        char c = 0;
        const auto n = ::recv(lowest().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
};

void upstream_abort::abort()
{
    aborted_ = true;
    if (active_) {
        boost::system::error_code ignored;
        active_->shutdown(tcp_socket::shutdown_both, ignored);
        active_->close(ignored);
    }
}

namespace {

/// Parses an upstream response keeping only what baton uses — the status, Content-Type and Retry-After —
/// without a header container (Beast's allocates per field). The body goes to `body` (whole responses,
/// at most `body_limit`), or with `sink` set, straight into the caller's buffer as Beast's buffer_body
/// does (streams: the relay's only copy).
class response_reader final : public http::basic_parser<false> {
public:
    unsigned status = 0;
    std::string content_type;
    std::string retry_after;
    std::string body;

    bool sink = false;
    char* sink_data = nullptr;
    std::size_t sink_size = 0;

private:
    void on_request_impl(http::verb, beast::string_view, beast::string_view, int, beast::error_code&) override {}

    void on_response_impl(int code, beast::string_view, int, beast::error_code&) override
    {
        status = static_cast<unsigned>(code);
    }

    void on_field_impl(http::field name, beast::string_view, beast::string_view value, beast::error_code&) override
    {
        if (name == http::field::content_type) {
            content_type.assign(value.data(), value.size());
        } else if (name == http::field::retry_after) {
            retry_after.assign(value.data(), value.size());
        }
    }

    void on_header_impl(beast::error_code&) override {}

    void on_body_init_impl(const boost::optional<std::uint64_t>& length, beast::error_code&) override
    {
        if (!sink && length) body.reserve(static_cast<std::size_t>(*length));
    }

    std::size_t on_body_impl(beast::string_view data, beast::error_code& ec) override { return take(data, ec); }

    void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) override {}

    std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view data, beast::error_code& ec) override
    {
        return take(data, ec);
    }

    void on_finish_impl(beast::error_code&) override {}

    std::size_t take(beast::string_view data, beast::error_code& ec)
    {
        if (!sink) {
            body.append(data.data(), data.size());
            return data.size();
        }
        if (sink_size == 0) {
            ec = http::error::need_buffer;
            return 0;
        }
        const auto n = std::min(sink_size, data.size());
        std::memcpy(sink_data, data.data(), n);
        sink_data += n;
        sink_size -= n;
        return n;
    }
};

}  // namespace

struct upstream_stream::state {
    upstream_client* client = nullptr;
    std::weak_ptr<bool> client_alive;
    std::unique_ptr<upstream_connection> conn;
    response_reader parser;
    upstream_abort* abort = nullptr;
    bool failed = false;
};

upstream_stream::upstream_stream(std::unique_ptr<state> s) : s_(std::move(s)) {}
upstream_stream::upstream_stream(upstream_stream&&) noexcept = default;

upstream_stream::~upstream_stream()
{
    if (!s_) return;
    if (s_->abort && s_->conn && s_->abort->active_ == &s_->conn->lowest()) s_->abort->active_ = nullptr;
    if (s_->conn && !s_->failed && s_->parser.is_done() && s_->parser.keep_alive() && !s_->client_alive.expired()) {
        s_->client->give_back(std::move(s_->conn));
    }
}

namespace {

/// Runs one operation on the connection's stream, plain or TLS, under its deadline (set by the caller).
/// `op(stream)` starts the operation with `use_tuple`. A deadline that passed turns the result into
/// beast::error::timeout. `transferred` receives the operation's byte count. Dispatches with if/else: GCC 12 miscompiles `c ? co_await x : co_await y`.
template <class Op>
task<boost::system::error_code> on_stream(upstream_connection& c, Op op, std::size_t* transferred = nullptr)
{
    boost::system::error_code ec;
    std::size_t bytes = 0;
    if (c.tls) {
        auto [e, n] = co_await op(*c.tls);
        ec = e;
        bytes = n;
    } else {
        auto [e, n] = co_await op(c.plain);
        ec = e;
        bytes = n;
    }
    if (transferred) *transferred = bytes;
    if (ec && c.deadline.expired()) ec = beast::error::timeout;
    co_return ec;
}

bool is_timeout(const boost::system::error_code& ec)
{
    return ec == beast::error::timeout;
}

/// The request's bytes, written with one write (see wire_format.hpp).
std::string make_request(const upstream_request& r)
{
    return serialize_post(r.target, r.where->host, r.streamed ? "text/event-stream" : "application/json",
                          r.headers, r.body);
}

/// Maps a read/write error to the exchange's failure class.
upstream_error classify_io(const boost::system::error_code& ec, upstream_errc timeout_kind, const upstream_abort* ab)
{
    if (ab && ab->aborted()) return fail(upstream_errc::cancelled, "aborted");
    if (is_timeout(ec)) return fail(timeout_kind, ec.message());
    if (ec.category() == asio::error::get_ssl_category()) return fail(upstream_errc::tls, ec.message());
    if (ec == http::error::bad_version || ec == http::error::bad_status || ec == http::error::bad_reason ||
        ec == http::error::bad_field || ec == http::error::bad_value || ec == http::error::bad_chunk ||
        ec == http::error::bad_chunk_extension || ec == http::error::bad_content_length ||
        ec == http::error::bad_transfer_encoding || ec == http::error::bad_line_ending ||
        ec == http::error::body_limit || ec == http::error::header_limit ||
        ec == http_errc::chunk_framing_too_large) {
        return fail(upstream_errc::bad_response, ec.message());
    }
    return fail(upstream_errc::connection, ec.message());
}

/// A reused connection whose upstream closed it while it sat in the pool fails like this before the
/// request was read: the exchange is tried once more on a fresh connection.
bool stale_pooled(const upstream_connection& c, int round, const boost::system::error_code& ec,
                  const upstream_abort* abort)
{
    const bool closed = ec == asio::error::eof || ec == http::error::end_of_stream ||
                        ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
                        ec == http::error::partial_message;
    return c.reused && round == 0 && closed && !(abort && abort->aborted());
}

/// Writes the request's bytes and reads the response head into `parser`, under the deadline the caller set.
task<boost::system::error_code> write_then_read_head(upstream_connection& c, const std::string& wire,
                                                     response_reader& parser)
{
    auto ec = co_await on_stream(c, [&](auto& s) { return asio::async_write(s, asio::buffer(wire), use_tuple); });
    if (!ec) ec = co_await on_stream(c, [&](auto& s) { return read_http(s, c.buffer, parser, true); });
    co_return ec;
}

}  // namespace

upstream_client::upstream_client(executor ex)
    : ex_(std::move(ex)),
      verify_ctx_(asio::ssl::context::tls_client),
      noverify_ctx_(asio::ssl::context::tls_client),
      sweep_timer_(ex_),
      alive_(std::make_shared<bool>(true))
{
    verify_ctx_.set_default_verify_paths();
    verify_ctx_.set_verify_mode(asio::ssl::verify_peer);
    noverify_ctx_.set_verify_mode(asio::ssl::verify_none);
}

upstream_client::~upstream_client() = default;

std::unique_ptr<upstream_connection> upstream_client::take_idle(const origin& o)
{
    auto it = idle_.find(o.key);
    if (it == idle_.end()) return nullptr;
    auto& pool = it->second;
    const auto now = std::chrono::steady_clock::now();
    while (!pool.empty()) {
        auto c = std::move(pool.back());
        pool.pop_back();
        if (c->still_usable(now)) {
            c->reused = true;
            return c;
        }
    }
    return nullptr;
}

void upstream_client::give_back(std::unique_ptr<upstream_connection> c)
{
    if (!c || !c->lowest().is_open() || c->buffer.size() != 0) return;
    auto it = idle_.find(c->key);
    if (it == idle_.end()) {
        // An origin's first connection back, or one the config no longer names (closed).
        if (live_ && !live_->contains(c->key)) return;
        it = idle_.try_emplace(c->key).first;
    }
    auto& pool = it->second;
    if (pool.size() >= limits_.max_idle_per_origin) return;
    c->deadline.expires_never();
    c->idle_since = std::chrono::steady_clock::now();
    pool.push_back(std::move(c));
    if (!sweeping_) arm_sweep();
}

void upstream_client::arm_sweep()
{
    sweeping_ = true;
    sweep_timer_.expires_after(
        std::min<std::chrono::steady_clock::duration>(sweep_period, limits_.idle_timeout));
    sweep_timer_.async_wait([this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
        if (ec || alive.expired()) return;
        sweep();
    });
}

void upstream_client::sweep()
{
    const auto now = std::chrono::steady_clock::now();
    bool any = false;
    for (auto& [key, pool] : idle_) {
        // The oldest connections are at the front: the ones over the count go first.
        const std::size_t over =
            pool.size() > limits_.max_idle_per_origin ? pool.size() - limits_.max_idle_per_origin : 0;
        std::size_t index = 0;
        std::erase_if(pool, [&](const std::unique_ptr<upstream_connection>& c) {
            return index++ < over || now - c->idle_since >= limits_.idle_timeout || !c->quiet();
        });
        any = any || !pool.empty();
    }
    sweeping_ = false;
    if (any) arm_sweep();
}

void upstream_client::retain_origins(const std::vector<std::string>& keys)
{
    live_.emplace(keys.begin(), keys.end());
    std::erase_if(idle_, [&](const auto& entry) { return !live_->contains(entry.first); });
}

std::size_t upstream_client::idle_count() const noexcept
{
    std::size_t n = 0;
    for (const auto& [key, pool] : idle_) n += pool.size();
    return n;
}

task<boost::system::result<std::unique_ptr<upstream_connection>, upstream_error>> upstream_client::connect(
    const upstream_request& req, upstream_abort* abort)
{
    const auto& o = *req.where;
    auto conn = std::make_unique<upstream_connection>(ex_);
    conn->key = o.key;

    std::vector<tcp::endpoint> endpoints;
    boost::system::error_code aec;
    const auto port = static_cast<unsigned short>(std::stoul(o.port));
    if (auto addr = asio::ip::make_address(o.host, aec); !aec) {
        endpoints.emplace_back(addr, port);
    } else {
        // Name resolution runs on Asio's resolver thread; the connect deadline bounds it.
        tcp_resolver resolver{ex_};
        steady_timer timer{ex_, req.timeouts.connect};
        using namespace asio::experimental::awaitable_operators;
        auto r = co_await (resolver.async_resolve(o.host, o.port, use_tuple) || timer.async_wait(use_tuple));
        if (r.index() == 1) co_return fail(upstream_errc::connect_timeout, "resolve timed out");
        auto [rec, results] = std::get<0>(std::move(r));
        if (rec) co_return fail(upstream_errc::connection, "resolve: " + rec.message());
        for (const auto& e : results) endpoints.push_back(e.endpoint());
    }
    if (abort && abort->aborted()) co_return fail(upstream_errc::cancelled, "aborted");

    // Connect deadline: covers every endpoint tried. A client that goes away meanwhile closes the socket.
    struct connecting {
        upstream_abort* abort;
        ~connecting()
        {
            if (abort) abort->active_ = nullptr;
        }
    } registered{abort};
    if (abort) abort->active_ = &conn->plain;
    conn->deadline.expires_after(req.timeouts.connect);
    auto [cec, ep] = co_await asio::async_connect(conn->plain, endpoints, use_tuple);
    (void)ep;
    const bool connect_timed_out = cec && conn->deadline.expired();
    conn->deadline.expires_never();
    if (abort && abort->aborted()) co_return fail(upstream_errc::cancelled, "aborted");
    if (cec) {
        co_return fail(connect_timed_out ? upstream_errc::connect_timeout : upstream_errc::connection,
                       "connect: " + cec.message());
    }
    boost::system::error_code ignored;
    conn->plain.set_option(tcp::no_delay(true), ignored);
    if (!o.tls) co_return conn;

    conn->tls =
        std::make_unique<asio::ssl::stream<tcp_socket>>(std::move(conn->plain), o.verify ? verify_ctx_ : noverify_ctx_);
    conn->deadline.rebind(conn->tls->next_layer());
    if (abort) abort->active_ = &conn->tls->next_layer();
    // SNI names a host; RFC 6066 forbids it for an IP literal.
    boost::system::error_code ip_ec;
    asio::ip::make_address(o.host, ip_ec);
    if (ip_ec && !SSL_set_tlsext_host_name(conn->tls->native_handle(), o.host.c_str())) {
        co_return fail(upstream_errc::tls, "SNI");
    }
    if (o.verify) conn->tls->set_verify_callback(asio::ssl::host_name_verification(o.host));
    // TLS handshake deadline.
    conn->deadline.expires_after(req.timeouts.tls);
    auto [hec] = co_await conn->tls->async_handshake(asio::ssl::stream_base::client, use_tuple);
    const bool tls_timed_out = hec && conn->deadline.expired();
    conn->deadline.expires_never();
    if (abort && abort->aborted()) co_return fail(upstream_errc::cancelled, "aborted");
    if (hec) {
        co_return fail(tls_timed_out ? upstream_errc::tls_timeout : upstream_errc::tls, "handshake: " + hec.message());
    }
    co_return conn;
}

task<boost::system::result<std::unique_ptr<upstream_connection>, upstream_error>> upstream_client::acquire(
    const upstream_request& req, upstream_abort* abort)
{
    if (abort && abort->aborted()) co_return fail(upstream_errc::cancelled, "aborted");
    auto conn = take_idle(*req.where);
    if (!conn) {
        auto c = co_await connect(req, abort);
        if (!c) co_return c.error();
        conn = std::move(*c);
    }
    if (abort) abort->active_ = &conn->lowest();
    co_return conn;
}

task<boost::system::result<upstream_response, upstream_error>> upstream_client::send(
    const upstream_request& req, upstream_abort* abort)
{
    auto wire = make_request(req);
    const auto head_timeout = std::min(req.timeouts.head, req.timeouts.total);
    for (int round = 0; round < 2; ++round) {
        auto acquired = co_await acquire(req, abort);
        if (!acquired) co_return acquired.error();
        auto conn = std::move(*acquired);
        const auto started = std::chrono::steady_clock::now();
        // Writing the request and waiting for the head share the head deadline.
        conn->deadline.expires_after(head_timeout);
        response_reader parser;
        parser.body_limit(max_response_body);
        const auto hec = co_await write_then_read_head(*conn, wire, parser);
        if (hec) {
            if (abort) abort->active_ = nullptr;
            if (stale_pooled(*conn, round, hec, abort)) continue;
            co_return classify_io(hec, upstream_errc::head_timeout, abort);
        }
        // The body must be complete within the attempt's total deadline.
        conn->deadline.expires_at(started + req.timeouts.total);
        auto bec =
            co_await on_stream(*conn, [&](auto& s) { return read_http(s, conn->buffer, parser, false); });
        if (abort) abort->active_ = nullptr;
        if (bec) co_return classify_io(bec, upstream_errc::total_timeout, abort);
        upstream_response out;
        out.status = parser.status;
        out.content_type = std::move(parser.content_type);
        out.retry_after = std::move(parser.retry_after);
        out.body = std::move(parser.body);
        if (parser.keep_alive()) give_back(std::move(conn));
        co_return out;
    }
    co_return fail(upstream_errc::connection, "stale connection");
}

task<boost::system::result<upstream_stream, upstream_error>> upstream_client::open(
    const upstream_request& req, upstream_abort* abort)
{
    auto wire = make_request(req);
    for (int round = 0; round < 2; ++round) {
        auto acquired = co_await acquire(req, abort);
        if (!acquired) co_return acquired.error();
        auto conn = std::move(*acquired);
        auto st = std::make_unique<upstream_stream::state>();
        st->client = this;
        st->client_alive = alive_;
        st->abort = abort;
        st->parser.body_limit(boost::none);
        st->parser.sink = true;
        // Until the head arrives, the stream's first-event deadline applies (stream_timeout).
        conn->deadline.expires_after(req.timeouts.first_event);
        const auto hec = co_await write_then_read_head(*conn, wire, st->parser);
        if (hec) {
            if (abort) abort->active_ = nullptr;
            if (stale_pooled(*conn, round, hec, abort)) continue;
            co_return classify_io(hec, upstream_errc::first_event_timeout, abort);
        }
        conn->deadline.expires_never();
        // From here on, one parse takes every event already read (reading the head turned this off).
        st->parser.eager(true);
        st->conn = std::move(conn);
        upstream_stream s{std::move(st)};
        s.status_ = s.s_->parser.status;
        s.content_type_ = std::move(s.s_->parser.content_type);
        s.retry_after_ = std::move(s.s_->parser.retry_after);
        co_return s;
    }
    co_return fail(upstream_errc::connection, "stale connection");
}

task<boost::system::result<std::size_t, upstream_error>> upstream_stream::read_some(
    beast::flat_buffer& out, std::chrono::milliseconds timeout, upstream_errc timeout_kind)
{
    auto& st = *s_;
    if (st.failed || !st.conn) co_return fail(upstream_errc::connection, "stream already failed");
    if (st.abort && st.abort->aborted()) co_return fail(upstream_errc::cancelled, "aborted");
    if (st.parser.is_done()) co_return std::size_t{0};
    if (st.abort) st.abort->active_ = &st.conn->lowest();
    auto mb = out.prepare(16 * 1024);
    auto& parser = st.parser;
    auto& conn = *st.conn;
    parser.sink_data = static_cast<char*>(mb.data());
    parser.sink_size = mb.size();
    // Deadline for this read: the caller's first-event or idle-between-events timeout.
    conn.deadline.expires_after(timeout);
    auto failed = [&](const boost::system::error_code& ec) {
        st.failed = true;
        if (st.abort) st.abort->active_ = nullptr;
        return classify_io(ec, timeout_kind, st.abort);
    };
    for (;;) {
        // De-chunk what is buffered into `out` first; read from the socket only when that gave nothing.
        while (conn.buffer.size() != 0 && !parser.is_done() && parser.sink_size != 0) {
            boost::system::error_code ec;
            const auto used = parser.put(conn.buffer.data(), ec);
            conn.buffer.consume(used);
            if (ec == http::error::need_more || ec == http::error::need_buffer) break;
            if (ec) co_return failed(ec);
            if (used == 0) break;
        }
        if (parser.sink_size != mb.size() || parser.is_done()) break;
        // Nothing came out: what is buffered is an unfinished chunk-size line or trailer section.
        if (chunk_framing_too_large(conn.buffer.size())) co_return failed(http_errc::chunk_framing_too_large);
        std::size_t n = 0;
        auto ec = co_await on_stream(
            conn, [&](auto& s) { return s.async_read_some(conn.buffer.prepare(16 * 1024), use_tuple); }, &n);
        conn.buffer.commit(n);
        if (ec == asio::error::eof) {
            // The body may run to EOF (no length, not chunked); otherwise the upstream cut it.
            ec = {};
            if (parser.got_some()) parser.put_eof(ec);
            if (!ec && !parser.is_done()) ec = http::error::partial_message;
            if (ec) co_return failed(ec);
            break;
        }
        if (ec) co_return failed(ec);
    }
    const std::size_t got = mb.size() - parser.sink_size;
    st.conn->deadline.expires_never();
    if (st.abort) st.abort->active_ = nullptr;
    out.commit(got);
    co_return got;
}

task<boost::system::result<std::string, upstream_error>> upstream_stream::read_rest(
    std::chrono::milliseconds timeout, std::size_t limit)
{
    beast::flat_buffer buf;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (buf.size() < limit) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left <= 0ms) co_return fail(upstream_errc::total_timeout, "error body");
        auto n = co_await read_some(buf, left, upstream_errc::total_timeout);
        if (!n) co_return n.error();
        if (*n == 0) break;
    }
    co_return beast::buffers_to_string(buf.data());
}

}  // namespace baton::net
