#include "support/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <poll.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <ostream>
#include <system_error>

namespace baton::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

template <class Fields>
std::map<std::string, std::string> header_map(const Fields& fields) {
    std::map<std::string, std::string> out;
    for (const auto& f : fields) {
        auto [it, inserted] = out.try_emplace(lower(f.name_string()), std::string(f.value()));
        if (!inserted) it->second += ", " + std::string(f.value());
    }
    return out;
}

// Runs `ioc` until the one operation started on `s` completes and its handler stored `ec`. At `d` the
// operation is cancelled (the connection stays usable) and reported as timed_out.
void run_until(asio::io_context& ioc, tcp::socket& s, deadline d, error_code& ec) {
    ioc.restart();
    ioc.run_until(d);
    if (ioc.stopped()) return;  // out of work: the handler ran
    error_code ignored;
    s.cancel(ignored);
    ioc.run();
    if (ec == asio::error::operation_aborted) ec = asio::error::timed_out;
}

[[noreturn]] void fail(const error_code& ec, const std::string& what) {
    throw boost::system::system_error(ec, what);
}

// The earliest blank line ending an SSE event in `s`: {position, length of the separator}.
std::pair<std::size_t, std::size_t> find_event_end(std::string_view s) {
    std::pair<std::size_t, std::size_t> best{std::string_view::npos, 0};
    for (std::string_view sep : {"\r\n\r\n", "\n\n", "\r\r"}) {
        const auto p = s.find(sep);
        if (p < best.first) best = {p, sep.size()};
    }
    return best;
}

sse_event parse_event(std::string raw, clock::time_point arrived) {
    sse_event ev;
    ev.arrived = arrived;
    std::string_view rest(raw);
    bool first_data = true;
    while (!rest.empty()) {
        auto nl = rest.find_first_of("\r\n");
        std::string_view line = rest.substr(0, nl);
        if (nl == std::string_view::npos)
            rest = {};
        else
            rest.remove_prefix(nl +
                               ((rest[nl] == '\r' && nl + 1 < rest.size() && rest[nl + 1] == '\n') ? 2 : 1));
        const auto colon = line.find(':');
        const std::string_view field = line.substr(0, colon);
        std::string_view value =
            colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
        if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        if (field == "data") {
            if (!first_data) ev.data += '\n';
            ev.data += value;
            first_data = false;
        } else if (field == "event") {
            ev.name = value;
        }
    }
    ev.raw = std::move(raw);
    return ev;
}

}  // namespace

std::ostream& operator<<(std::ostream& os, stream_status s) {
    switch (s) {
        case stream_status::event:
            return os << "event";
        case stream_status::end:
            return os << "end";
        case stream_status::error:
            return os << "error";
        case stream_status::timeout:
            return os << "timeout";
    }
    return os << "stream_status(" << static_cast<int>(s) << ")";
}

std::optional<std::string> http_response::header(std::string_view name) const {
    auto it = headers.find(lower(name));
    if (it == headers.end()) return std::nullopt;
    return it->second;
}

boost::json::value http_response::json() const { return boost::json::parse(body); }

std::string header(const http_response& r, std::string_view name)
{
    return r.header(name).value_or("<absent>");
}

boost::json::value sse_event::json() const { return boost::json::parse(data); }

http_client::http_client(std::uint16_t port, std::string host) : host_(std::move(host)), port_(port) {}

http_client::~http_client() { close(); }

bool http_client::connected() const { return socket_ && socket_->is_open(); }

void http_client::run(deadline d, error_code& ec) { run_until(ioc_, *socket_, d, ec); }

void http_client::ensure_connected(deadline d) {
    if (connected()) {
        // A kept-alive connection the server has closed meanwhile polls readable (EOF): start afresh
        // rather than lose the next request on it.
        pollfd p{socket_->native_handle(), POLLIN, 0};
        if (::poll(&p, 1, 0) == 0) return;
    }
    close();
    socket_.emplace(ioc_);
    error_code ec;
    socket_->async_connect(tcp::endpoint(asio::ip::make_address(host_), port_),
                           [&](error_code e) { ec = e; });
    run(d, ec);
    if (ec) {
        close();
        fail(ec, "connect to " + host_ + ":" + std::to_string(port_));
    }
    socket_->set_option(tcp::no_delay(true), ec);
    keep_alive_ = true;
}

void http_client::send(std::string_view method, std::string_view target, std::string body,
                       const header_list& headers, deadline d) {
    const auto verb = http::string_to_verb(method);
    if (verb == http::verb::unknown)
        throw std::invalid_argument("unknown HTTP method " + std::string(method));
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, host_ + ":" + std::to_string(port_));
    req.set(http::field::user_agent, "baton-tests");
    bool has_type = false;
    for (const auto& [k, v] : headers) {
        req.insert(k, v);
        has_type = has_type || lower(k) == "content-type";
    }
    if (!body.empty() && !has_type) req.set(http::field::content_type, "application/json");
    req.body() = std::move(body);
    req.prepare_payload();
    error_code ec;
    http::async_write(*socket_, req, [&](error_code e, std::size_t) { ec = e; });
    run(d, ec);
    if (ec) {
        close();
        fail(ec, "send " + std::string(method) + " " + std::string(target));
    }
}

http_response http_client::request(std::string_view method, std::string_view target, std::string body,
                                   const header_list& headers, clock::duration timeout) {
    const deadline d = deadline_after(timeout);
    if (stream_parser_) close();  // an unfinished stream: its connection can't carry another request
    ensure_connected(d);
    send(method, target, std::move(body), headers, d);

    http::response_parser<http::string_body> p;
    p.body_limit(std::numeric_limits<std::uint64_t>::max());
    p.header_limit(64 * 1024);
    if (method == "HEAD") p.skip(true);
    error_code ec;
    http::async_read(*socket_, buffer_, p, [&](error_code e, std::size_t) { ec = e; });
    run(d, ec);
    if (ec) {
        close();
        fail(ec, "read response to " + std::string(method) + " " + std::string(target));
    }
    http_response r;
    r.status = p.get().result_int();
    r.headers = header_map(p.get());
    r.body = std::move(p.get().body());
    if (!p.get().keep_alive()) close();
    return r;
}

http_response http_client::get(std::string_view target, const header_list& headers, clock::duration timeout) {
    return request("GET", target, {}, headers, timeout);
}

http_response http_client::post_json(std::string_view target, const boost::json::value& body,
                                     const header_list& headers, clock::duration timeout) {
    return request("POST", target, boost::json::serialize(body), headers, timeout);
}

http_response http_client::open_stream(std::string_view method, std::string_view target, std::string body,
                                       const header_list& headers, deadline d) {
    if (stream_parser_) close();
    ensure_connected(d);
    send(method, target, std::move(body), headers, d);
    stream_parser_.emplace();
    stream_parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    stream_parser_->header_limit(64 * 1024);
    pending_.clear();
    scanned_ = 0;
    error_code ec;
    http::async_read_header(*socket_, buffer_, *stream_parser_, [&](error_code e, std::size_t) { ec = e; });
    run(d, ec);
    if (ec) {
        close();
        fail(ec, "read response head of " + std::string(method) + " " + std::string(target));
    }
    last_read_ = clock::now();
    http_response r;
    r.status = stream_parser_->get().result_int();
    r.headers = header_map(stream_parser_->get());
    keep_alive_ = stream_parser_->get().keep_alive();
    return r;
}

http_response http_client::open_stream(std::string_view target, const boost::json::value& body, deadline d,
                                       const header_list& headers) {
    return open_stream("POST", target, boost::json::serialize(body), headers, d);
}

bool http_client::read_more(deadline d, error_code& ec) {
    ec = {};
    if (stream_parser_->is_done()) return false;
    std::array<char, std::size_t{16} << 10> buf{};
    auto& body = stream_parser_->get().body();
    body.data = buf.data();
    body.size = buf.size();
    body.more = true;
    error_code e;
    http::async_read_some(*socket_, buffer_, *stream_parser_, [&](error_code x, std::size_t) { e = x; });
    run(d, e);
    last_read_ = clock::now();
    if (e == http::error::need_buffer) e = {};
    pending_.append(buf.data(), buf.size() - body.size);
    body.data = nullptr;
    body.size = 0;
    ec = e;
    return !e;
}

stream_item http_client::next_event(deadline d) {
    stream_item item;
    if (!stream_parser_) {
        item.status = stream_status::error;
        item.error = asio::error::not_connected;
        return item;
    }
    for (;;) {
        // A separator is at most 4 bytes: resume the search just before where the last one stopped.
        const std::size_t from = scanned_ > 3 ? scanned_ - 3 : 0;
        auto [pos, len] = find_event_end(std::string_view(pending_).substr(std::min(from, pending_.size())));
        if (pos != std::string::npos) {
            pos += from;
            scanned_ = 0;
            std::string raw = pending_.substr(0, pos);
            pending_.erase(0, pos + len);
            if (raw.empty()) continue;  // stray blank lines
            item.status = stream_status::event;
            item.event = parse_event(std::move(raw), last_read_);
            return item;
        }
        scanned_ = pending_.size();
        if (clock::now() >= d) {
            // An upstream that never ends its event keeps bytes coming: the deadline still holds.
            item.status = stream_status::timeout;
            return item;
        }
        error_code ec;
        if (read_more(d, ec)) continue;
        if (!ec) {
            // Clean end. An unterminated last event is still handed out once.
            if (!pending_.empty()) {
                item.status = stream_status::event;
                scanned_ = 0;
                item.event = parse_event(std::exchange(pending_, {}), last_read_);
                return item;
            }
            stream_parser_.reset();
            if (!keep_alive_) close();
            item.status = stream_status::end;
            return item;
        }
        item.error = ec;
        if (ec == asio::error::timed_out) {
            item.status = stream_status::timeout;  // nothing came: the stream stays open
            return item;
        }
        item.status = stream_status::error;
        close();
        return item;
    }
}

stream_result http_client::read_events(deadline d) {
    stream_result r;
    for (;;) {
        auto item = next_event(d);
        if (item.status != stream_status::event) {
            r.final_status = item.status;
            r.error = item.error;
            return r;
        }
        r.events.push_back(std::move(item.event));
    }
}

std::string http_client::read_body(deadline d) {
    if (!stream_parser_) throw std::logic_error("read_body: no open response");
    error_code ec;
    while (read_more(d, ec)) {
    }
    if (ec) {
        close();
        fail(ec, "read body");
    }
    stream_parser_.reset();
    if (!keep_alive_) close();
    scanned_ = 0;
    return std::exchange(pending_, {});
}

void http_client::close() {
    if (socket_) {
        error_code ignored;
        socket_->shutdown(tcp::socket::shutdown_both, ignored);
        socket_->close(ignored);
        socket_.reset();
    }
    stream_parser_.reset();
    buffer_.clear();
    pending_.clear();
    scanned_ = 0;
}

void http_client::reset() {
    if (socket_) {
        error_code ignored;
        socket_->set_option(asio::socket_base::linger(true, 0), ignored);
        socket_->close(ignored);
        socket_.reset();
    }
    close();
}

raw_connection::raw_connection(std::uint16_t port, std::string_view host, clock::duration timeout)
    : socket_(ioc_) {
    error_code ec;
    socket_.async_connect(tcp::endpoint(asio::ip::make_address(host), port), [&](error_code e) { ec = e; });
    run_until(ioc_, socket_, deadline_after(timeout), ec);
    if (ec) fail(ec, "connect to " + std::string(host) + ":" + std::to_string(port));
}

raw_connection::~raw_connection() { close(); }

bool raw_connection::send(std::string_view bytes, deadline d) {
    error_code ec;
    asio::async_write(socket_, asio::buffer(bytes.data(), bytes.size()),
                      [&](error_code e, std::size_t) { ec = e; });
    run_until(ioc_, socket_, d, ec);
    return !ec;
}

bool raw_connection::read_some(deadline d) {
    if (peer_closed_ || !socket_.is_open() || clock::now() >= d) return false;
    std::array<char, 4096> buf{};
    error_code ec;
    std::size_t n = 0;
    socket_.async_read_some(asio::buffer(buf), [&](error_code e, std::size_t k) {
        ec = e;
        n = k;
    });
    run_until(ioc_, socket_, d, ec);
    received_.append(buf.data(), n);
    if (ec && ec != asio::error::timed_out) peer_closed_ = true;  // EOF or reset
    if (ec == asio::error::connection_reset) peer_reset_ = true;
    return !ec;
}

bool raw_connection::read_until(std::string_view needle, std::string& out, deadline d) {
    while (received_.find(needle) == std::string::npos && read_some(d)) {
    }
    out = received_;
    return received_.find(needle) != std::string::npos;
}

raw_result raw_connection::read_until_close(deadline d) {
    while (read_some(d)) {
    }
    return {received_, peer_closed_, peer_reset_};
}

void raw_connection::shutdown_write() {
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
}

void raw_connection::close() {
    error_code ignored;
    socket_.close(ignored);
}

raw_result raw_exchange(std::uint16_t port, std::string_view bytes, clock::duration timeout) {
    const deadline d = deadline_after(timeout);
    raw_connection c(port);
    c.send(bytes, d);  // a server that closes early still gets its answer read below
    return c.read_until_close(d);
}

}  // namespace baton::test
