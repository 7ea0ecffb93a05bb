#include "fake_upstream/session.hpp"

#include "fake_upstream/anthropic_bodies.hpp"
#include "fake_upstream/openai_bodies.hpp"

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>

namespace baton::fake {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using asio::awaitable;
using namespace asio::experimental::awaitable_operators;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

constexpr std::size_t body_limit = std::size_t{64} << 20;
constexpr std::size_t pipelined_limit = std::size_t{1} << 20;
constexpr int default_wait_ms = 10'000;
constexpr int max_wait_ms = 600'000;

struct connection {
    tcp::socket socket;
    beast::flat_buffer buffer;  // shared by the request parser and the close watcher
    std::shared_ptr<fake_state> state;
    std::uint64_t id = 0;
};

// The outcome of one scripted exchange, filled in by respond() and watch_close() as they run side by side.
struct exchange {
    bool completed = false;    // last byte of the response written
    bool peer_closed = false;  // EOF/reset seen on the socket, or a write failed because of it
    bool keep_alive = true;    // the connection can carry another request
};

bool is_peer_gone(const boost::system::error_code& ec) { return ec && ec != asio::error::operation_aborted; }

// Suspends until `ms` elapsed; false when cancelled (the peer closed, see watch_close()).
awaitable<bool> pause(int ms) {
    if (ms <= 0) co_return true;
    asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
    auto [ec] = co_await timer.async_wait(use_tuple);
    co_return !ec;
}

// Suspends until cancelled: hang and stall wait here for the peer to close, which watch_close() notices.
awaitable<void> wait_forever() {
    asio::steady_timer timer(co_await asio::this_coro::executor,
                             std::chrono::steady_clock::time_point::max());
    co_await timer.async_wait(use_tuple);
}

// Runs alongside a response and returns when the peer closes the connection (EOF or reset). Bytes that
// arrive meanwhile (a pipelined request) are kept in the connection buffer for the next parse. Cancelled
// when the response ends first.
awaitable<void> watch_close(connection& c, exchange& x) {
    for (;;) {
        if (c.buffer.size() >= pipelined_limit) co_return co_await wait_forever();
        // Suspension: until bytes, EOF or cancellation by the end of the response.
        auto [ec, n] = co_await c.socket.async_read_some(c.buffer.prepare(4096), use_tuple);
        c.buffer.commit(n);
        if (!ec) continue;
        if (is_peer_gone(ec) && c.socket.is_open()) x.peer_closed = true;
        co_return;
    }
}

void close_socket(connection& c) {
    boost::system::error_code ignored;
    c.socket.shutdown(tcp::socket::shutdown_both, ignored);
    c.socket.close(ignored);
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char ch) { return std::tolower(ch); });
    return out;
}

response json_response(const request& req, http::status status, const json::value& body) {
    response res{status, req.version()};
    res.set(http::field::content_type, "application/json");
    res.keep_alive(req.keep_alive());
    res.body() = json::serialize(body);
    res.prepare_payload();
    return res;
}

response error_response(const request& req, http::status status, std::string message) {
    response res{status, req.version()};
    res.set(http::field::content_type, "application/json");
    res.keep_alive(req.keep_alive());
    res.body() = error_body(static_cast<unsigned>(status), {{"message", std::move(message)}});
    return res;
}

// Writes a whole response; records completion or a peer that went away.
awaitable<void> write_response(connection& c, response res, exchange& x) {
    res.prepare_payload();
    x.keep_alive = x.keep_alive && res.keep_alive();
    auto [ec, n] = co_await http::async_write(c.socket, res, use_tuple);
    if (!ec)
        x.completed = true;
    else if (is_peer_gone(ec))
        x.peer_closed = true;
}

// An SSE answer, one chunk per event, each written (and so flushed: TCP_NODELAY) on its own.
class event_writer {
public:
    event_writer(connection& c, exchange& x, const stream_spec& s) : c_(c), x_(x), spec_(s) {}

    // Paces (first_delay_ms before the first event, interval_ms between events), then writes one event.
    // False when the peer is gone or the exchange was cancelled.
    awaitable<bool> event(std::string line) {
        if (!co_await pause(first_ ? spec_.first_delay_ms : spec_.interval_ms)) co_return false;
        first_ = false;
        line += "\n\n";
        auto [ec, n] = co_await asio::async_write(c_.socket, http::make_chunk(asio::buffer(line)), use_tuple);
        if (is_peer_gone(ec)) x_.peer_closed = true;
        co_return !ec;
    }

    awaitable<bool> data(std::string payload) { co_return co_await event("data: " + payload); }

    // A whole event as written ("event: ...\ndata: ...\n\n"): the Anthropic dialect names its events.
    awaitable<bool> raw(std::string whole)
    {
        whole.resize(whole.size() - 2);  // event() adds the blank line back
        co_return co_await event(std::move(whole));
    }

    // The chunked terminator: a clean end of the response.
    awaitable<void> end() {
        auto [ec, n] = co_await asio::async_write(c_.socket, http::make_chunk_last(), use_tuple);
        if (!ec)
            x_.completed = true;
        else if (is_peer_gone(ec))
            x_.peer_closed = true;
    }

private:
    connection& c_;
    exchange& x_;
    const stream_spec& spec_;
    bool first_ = true;
};

awaitable<void> write_stream(connection& c, const request& req, const response_spec& r,
                             const body_context& ctx, bool include_usage, exchange& x) {
    http::response<http::empty_body> head{static_cast<http::status>(r.status.value_or(200)), req.version()};
    head.set(http::field::content_type, "text/event-stream");
    head.set(http::field::cache_control, "no-cache");
    for (const auto& [k, v] : r.headers) head.set(k, v);
    head.keep_alive(req.keep_alive());
    head.chunked(true);
    x.keep_alive = x.keep_alive && head.keep_alive();
    http::response_serializer<http::empty_body> sr{head};
    auto [ec, n] = co_await http::async_write_header(c.socket, sr, use_tuple);
    if (ec) {
        x.peer_closed = is_peer_gone(ec);
        co_return;
    }

    const stream_spec& s = r.stream;
    std::vector<std::string> pieces;
    if (s.pieces)
        pieces = *s.pieces;
    else
        for (int i = 0; i < s.chunks; ++i) pieces.push_back(ctx.name + "-" + std::to_string(i) + " ");
    const int count = static_cast<int>(pieces.size());
    // A cut-off past the last content chunk happens right after it.
    auto at = [count](const std::optional<int>& after, int i) {
        return after && std::min(*after, count) == i;
    };

    event_writer w(c, x, s);
    const bool anthropic = ctx.ep == endpoint::messages;
    if (anthropic) {
        if (!co_await w.raw(anthropic_message_start(ctx)) || !co_await w.raw(anthropic_block_start()) ||
            !co_await w.raw(anthropic_ping()))
            co_return;
    }
    if (ctx.ep == endpoint::chat_completions && !co_await w.data(role_chunk(ctx))) co_return;
    for (int i = 0;; ++i) {
        if (at(s.garbage_after, i) && !co_await w.data("{not json")) co_return;
        if (at(s.cut_after, i)) {
            // Abrupt end: no chunked terminator, the client sees a truncated body.
            x.keep_alive = false;
            close_socket(c);
            co_return;
        }
        if (at(s.error_after, i)) {
            bool sent = false;
            if (anthropic)
                sent = co_await w.raw(anthropic_error_event());
            else
                sent = co_await w.data(
                    R"({"error":{"message":"upstream exploded","type":"server_error","code":"internal"}})");
            if (sent) co_await w.end();
            co_return;
        }
        if (at(s.stall_after, i)) co_return co_await wait_forever();  // until the peer closes
        if (at(s.eof_after, i)) co_return co_await w.end();
        if (i == count) break;
        const std::string& piece = pieces[static_cast<std::size_t>(i)];
        bool sent = false;
        if (anthropic)
            sent = co_await w.raw(anthropic_text_delta(piece));
        else
            sent = co_await w.data(content_chunk(ctx, piece));
        if (!sent) co_return;
    }
    if (anthropic) {
        // Usage comes with every Messages stream; message_stop stands for [DONE].
        if (!co_await w.raw(anthropic_block_stop()) || !co_await w.raw(anthropic_message_delta(count)))
            co_return;
        if (!s.no_done && !co_await w.raw(anthropic_message_stop())) co_return;
        co_return co_await w.end();
    }
    if (!co_await w.data(finish_chunk(ctx))) co_return;
    if (include_usage && !co_await w.data(usage_chunk(ctx, count))) co_return;
    if (!s.no_done && !co_await w.data("[DONE]")) co_return;
    co_await w.end();
}

bool wants(const json::value& body, std::string_view key) {
    const auto* v = body.is_object() ? body.get_object().if_contains(key) : nullptr;
    return v != nullptr && v->is_bool() && v->get_bool();
}

bool wants_usage(const json::value& body) {
    const auto* so = body.is_object() ? body.get_object().if_contains("stream_options") : nullptr;
    return so != nullptr && wants(*so, "include_usage");
}

// Azure OpenAI's deployment path: /<name>/openai/deployments/<deployment>/<endpoint>?api-version=...
bool azure_path(std::string_view target)
{
    return target.find("/openai/deployments/") != std::string_view::npos;
}

// Answers one deployment call as its script says.
awaitable<void> respond(connection& c, const request& req, const call_ticket& t, const body_context& ctx,
                        const json::value& body, exchange& x) {
    const response_spec& r = t.response;
    const bool anthropic = ctx.ep == endpoint::messages;
    if (ctx.ep == endpoint::unknown) {
        co_return co_await write_response(
            c,
            error_response(req, http::status::not_found,
                           "fake upstream: unknown endpoint " + std::string(req.target())),
            x);
    }
    // Suspension: delay_ms before the head; cancelled when the peer closes.
    if (!co_await pause(r.delay_ms)) co_return;
    if (r.hang) co_return co_await wait_forever();
    if (r.close) {
        x.keep_alive = false;
        close_socket(c);
        co_return;
    }

    const bool success = !r.status || (*r.status >= 200 && *r.status < 300);
    response res{static_cast<http::status>(r.status.value_or(200)), req.version()};
    res.keep_alive(req.keep_alive());
    res.set(http::field::content_type, "application/json");
    if (r.garbage) {
        res.result(http::status::ok);
        res.body() = "this is not json{{";
    } else if (r.error) {
        res.result(static_cast<http::status>(r.status.value_or(500)));
        res.body() = anthropic ? anthropic_error_body(res.result_int(), *r.error)
                               : error_body(res.result_int(), *r.error);
    } else if (r.body) {
        res.body() = *r.body;
    } else if (!success) {
        res.body() =
            anthropic ? anthropic_error_body(res.result_int(), {}) : error_body(res.result_int(), {});
    } else if (ctx.ep != endpoint::models && body.is_null()) {
        res = error_response(req, http::status::bad_request, "fake upstream: request body is not JSON");
    } else if (!anthropic && azure_path(req.target()) &&
               req.target().find("api-version=") == std::string_view::npos) {
        // Azure OpenAI refuses a deployment call without its api-version.
        res = error_response(req, http::status::bad_request, "fake upstream: azure path without api-version");
    } else if (wants(body, "stream") &&
               (ctx.ep == endpoint::chat_completions || ctx.ep == endpoint::completions || anthropic)) {
        co_return co_await write_stream(c, req, r, ctx, wants_usage(body), x);
    } else if (anthropic) {
        res.body() = anthropic_message_body(ctx, r.content);
    } else {
        res.body() = default_body(ctx, body, r.content);
    }
    for (const auto& [k, v] : r.headers) res.set(k, v);
    co_await write_response(c, std::move(res), x);
}

// "/<name>/v1/..." → name; "/v1/..." → "default". Returns false for other paths.
bool deployment_name(std::string_view path, std::string& name) {
    if (path.starts_with("/v1/")) {
        name = "default";
        return true;
    }
    if (!path.starts_with("/")) return false;
    const auto slash = path.find('/', 1);
    if (slash == std::string_view::npos || slash == 1) return false;
    name = std::string(path.substr(1, slash - 1));
    return true;
}

awaitable<bool> handle_call(connection& c, const request& req, std::string name) {
    call_record rec;
    rec.name = name;
    rec.method = std::string(req.method_string());
    rec.path = std::string(req.target());
    for (const auto& f : req) {
        const auto key = lower(f.name_string());
        if (auto* prev = rec.headers.if_contains(key))
            *prev = std::string(prev->get_string()) + ", " + std::string(f.value());
        else
            rec.headers[key] = f.value();
    }
    rec.body = req.body();
    boost::system::error_code ec;
    if (!req.body().empty()) rec.json = json::parse(req.body(), ec);
    if (ec) rec.json = nullptr;
    rec.connection = c.id;
    const json::value body = rec.json;

    body_context ctx;
    ctx.ep = endpoint_of(req.target());
    ctx.name = std::move(name);
    const auto* model = body.is_object() ? body.get_object().if_contains("model") : nullptr;
    ctx.model = model != nullptr && model->is_string() ? std::string(model->get_string()) : "fake-model";
    ctx.created = static_cast<std::int64_t>(std::time(nullptr));

    // An unknown endpoint is recorded but answered 404 without consuming a script step.
    const call_ticket t = c.state->begin_call(std::move(rec), ctx.ep != endpoint::unknown);
    ctx.id = (ctx.ep == endpoint::completions ? "cmpl-fake-"
              : ctx.ep == endpoint::messages  ? "msg_fake-"
                                              : "chatcmpl-fake-") +
             std::to_string(t.seq);

    exchange x;
    x.keep_alive = req.keep_alive();
    // The response and a watcher for the peer's close run side by side: whichever ends first cancels the
    // other, so hang/stall/delays end as soon as the client goes away, and that is what gets recorded.
    co_await (respond(c, req, t, ctx, body, x) || watch_close(c, x));
    c.state->finish_call(t.seq, x.completed, x.peer_closed && !x.completed);
    co_return x.completed&& x.keep_alive&& c.socket.is_open();
}

// GET /_control/wait and /_control/wait_closed: answers when the count is reached, 408 at the timeout.
awaitable<response> handle_wait(connection& c, const request& req, std::string name, bool closed_only,
                                std::size_t n, int timeout_ms) {
    auto ex = co_await asio::this_coro::executor;
    auto timer = std::make_shared<asio::steady_timer>(ex, std::chrono::milliseconds(timeout_ms));
    // The waker runs on whichever thread recorded the call: it only posts the cancel to our executor.
    auto w = c.state->add_waiter(name, closed_only, n,
                                 [timer, ex] { asio::post(ex, [timer] { timer->cancel(); }); });
    if (w) {
        // Suspension: until the count is reached (cancel) or timeout_ms.
        co_await timer->async_wait(use_tuple);
        c.state->remove_waiter(w);
    }
    const auto have = c.state->count(name, closed_only);
    co_return json_response(req, have >= n ? http::status::ok : http::status::request_timeout,
                            json::object{{"count", have}, {"wanted", n}});
}

awaitable<bool> handle_control(connection& c, const request& req) {
    auto url = boost::urls::parse_origin_form(req.target());
    if (!url) {
        exchange x;
        co_await write_response(c, error_response(req, http::status::bad_request, "bad target"), x);
        co_return false;
    }
    const std::string path = url->path();
    std::string name;
    std::optional<std::size_t> count;
    int timeout_ms = default_wait_ms;
    bool bad_param = false;
    for (auto p : url->params()) {
        if (p.key == "name")
            name = p.value;
        else if (p.key == "count" || p.key == "timeout_ms") {
            try {
                const auto v = std::stoull(p.value);
                if (p.key == "count")
                    count = static_cast<std::size_t>(v);
                else
                    timeout_ms = static_cast<int>(std::min<unsigned long long>(v, max_wait_ms));
            } catch (const std::exception&) {
                bad_param = true;
            }
        }
    }

    const auto method = req.method();
    response res;
    if (bad_param) {
        res = error_response(req, http::status::bad_request, "count and timeout_ms must be integers");
    } else if (path.starts_with("/_control/scripts/") && method == http::verb::put) {
        const std::string target = path.substr(std::string_view("/_control/scripts/").size());
        boost::system::error_code ec;
        const auto v = json::parse(req.body(), ec);
        auto s = ec ? boost::system::result<script, std::string>(std::string("script: not JSON"))
                    : parse_script(v);
        if (target.empty() || target.find('/') != std::string::npos)
            res = error_response(req, http::status::bad_request, "bad deployment name");
        else if (!s)
            res = error_response(req, http::status::bad_request, s.error());
        else {
            c.state->set_script(target, std::move(*s));
            res = json_response(req, http::status::ok, json::object{{"ok", true}});
        }
    } else if (path == "/_control/calls" && method == http::verb::get) {
        res = json_response(req, http::status::ok, json::object{{"calls", c.state->calls(name)}});
    } else if (path == "/_control/calls" && method == http::verb::delete_) {
        c.state->clear_calls();
        res = json_response(req, http::status::ok, json::object{{"ok", true}});
    } else if (path == "/_control/reset" && method == http::verb::post) {
        c.state->reset();
        res = json_response(req, http::status::ok, json::object{{"ok", true}});
    } else if ((path == "/_control/wait" || path == "/_control/wait_closed") && method == http::verb::get) {
        if (!count)
            res = error_response(req, http::status::bad_request, "count is required");
        else
            res = co_await handle_wait(c, req, name, path == "/_control/wait_closed", *count, timeout_ms);
    } else {
        res = error_response(req, http::status::not_found, "fake upstream: no control route " + path);
    }
    exchange x;
    x.keep_alive = req.keep_alive();
    co_await write_response(c, std::move(res), x);
    co_return x.completed&& x.keep_alive;
}

awaitable<void> serve(connection& c) {
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(body_limit);
        parser.header_limit(64 * 1024);
        // Suspension: idle between requests, no timeout: the test that owns the connection closes it.
        auto [ec, n] = co_await http::async_read(c.socket, c.buffer, parser, use_tuple);
        if (ec) {
            if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
                ec != http::error::end_of_stream && ec != http::error::partial_message) {
                // A malformed request gets an answer, then the connection is closed: framing is lost.
                request dummy{http::verb::get, "/", 11};
                dummy.keep_alive(false);
                const auto status = ec == http::error::body_limit ? http::status::payload_too_large
                                                                  : http::status::bad_request;
                exchange x;
                co_await write_response(
                    c, error_response(dummy, status, "malformed request: " + ec.message()), x);
            }
            break;
        }
        const request req = parser.release();
        const std::string_view target = req.target();
        bool keep = false;
        std::string name;
        if (target.starts_with("/_control/")) {
            keep = co_await handle_control(c, req);
        } else if (deployment_name(target, name)) {
            keep = co_await handle_call(c, req, std::move(name));
        } else {
            exchange x;
            x.keep_alive = req.keep_alive();
            co_await write_response(c,
                                    error_response(req, http::status::not_found,
                                                   "fake upstream: unknown path " + std::string(target)),
                                    x);
            keep = x.completed && x.keep_alive;
        }
        if (!keep) break;
    }
    close_socket(c);
}

}  // namespace

awaitable<void> run_session(tcp::socket socket, std::shared_ptr<fake_state> state,
                            std::uint64_t connection_id) {
    connection c{std::move(socket), beast::flat_buffer{}, std::move(state), connection_id};
    boost::system::error_code ignored;
    c.socket.set_option(tcp::no_delay(true), ignored);
    try {
        co_await serve(c);
    } catch (const std::exception& e) {
        std::cerr << "fake_upstream: connection " << connection_id << ": " << e.what() << std::endl;
    }
}

}  // namespace baton::fake
