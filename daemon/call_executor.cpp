#include "daemon/call_executor.hpp"

#include "call/errc.hpp"
#include "daemon/error_answer.hpp"
#include "net/http_errc.hpp"
#include "streaming/stream_trigger.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>

namespace baton::daemon {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;
using call::action_kind;
using streaming::stream_action_kind;

namespace {

double ms_of(std::chrono::steady_clock::duration d)
{
    return std::chrono::duration<double, std::milli>(d).count();
}

call::call_context context_of(const snapshot& s, routing::health_registry& health)
{
    call::call_context c;
    c.routes = &s.cfg.routes;
    c.health = &health;
    c.providers = s.providers;
    c.budget = routing::seconds_to_duration(s.cfg.routes.settings.request_budget);
    return c;
}

}  // namespace

struct call_executor::hedge_watch {
    explicit hedge_watch(const net::executor& ex) : timer(ex) {}
    net::steady_timer timer;
    call_executor* owner = nullptr;  // null once disarmed: a handler already queued then does nothing
    std::uint64_t generation = 0;
};

struct call_executor::hedge_exchange {
    exchange x;
    clock::time_point t0;
    net::upstream_abort abort;
    std::unique_ptr<upstream_body> body;
    boost::beast::flat_buffer buffer;
    bool done = false;                            // run_hedge has returned
    bool ready = false;                           // a first event is in `buffer`
    std::optional<call::upstream_answer> answer;  // failed with an HTTP answer
    std::optional<net::upstream_error> error;     // failed without one
};

call_executor::call_executor(call_services services, std::shared_ptr<const snapshot> snap,
                             providers::api_endpoint endpoint, response_sink& sink,
                             std::string_view request_id, const client_key* key)
    : services_(services),
      snap_(std::move(snap)),
      endpoint_(endpoint),
      sink_(sink),
      request_id_(request_id),
      key_(key),
      fsm_(context_of(*snap_, *services.health), *this)
{
}

call_executor::~call_executor() = default;

double call_executor::draw()
{
    return std::uniform_real_distribution<double>{0.0, 1.0}(*services_.rng);
}

net::task<void> call_executor::run(std::string body)
{
    // Expected failures come back as error codes; a cancelled operation must not throw.
    co_await asio::this_coro::throw_if_cancelled(false);
    const auto& routes = snap_->cfg.routes;

    auto parsed = call::parse_routed_request(body, endpoint_, !routes.default_model.empty(),
                                             json::storage_ptr(&json_arena_));
    if (auto* bad = std::get_if<call::request_error>(&parsed)) {
        const auto a =
            answer_for(call::call_error{.ec = bad->code, .message = bad->message, .param = bad->param});
        final_status_ = a.status;
        co_await sink_.respond(a.status, {}, a.body, meta());
        finish_log(a.status);
        co_return;
    }
    // OpenAI's `created` for answers translated from another dialect (the wall clock is the shell's to read).
    std::get<call::routed_request>(parsed).created =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    call::key_scope scope;
    if (key_ != nullptr) {
        scope = {&key_->models, &key_->backup_models};
    }
    const action_kind first =
        fsm_.start(std::move(std::get<call::routed_request>(parsed)), key_ != nullptr ? &scope : nullptr,
                   routes.settings.stream_failover, clock::now(), draw());
    if (fsm_.plan() == nullptr) {
        // Refused before routing (the key's scope, an unknown model).
        co_await perform(first);
        finish_log(final_status_);
        co_return;
    }

    struct stream_gauge {
        metrics_shard* m;
        explicit stream_gauge(metrics_shard* shard) : m(shard) { m->stream_started(); }
        ~stream_gauge() { m->stream_ended(); }
    };
    std::optional<stream_gauge> gauge;
    if (fsm_.stream() != nullptr) {
        gauge.emplace(services_.metrics);
    }
    // Watch for the reader going away meanwhile: that aborts the upstream at once.
    struct watching {
        response_sink& sink;
        ~watching() { sink.unwatch(); }
    } watch{sink_};
    sink_.watch(&call_executor::on_gone, this);
    co_await perform(first);
    if (hedge_) {
        co_await join_hedge();  // a hedge still running uses this call's members
    } else {
        disarm_hedge();  // no coroutine frame for the common case: no hedge was started
    }
    if (gone_ && sink_.stopping()) {
        // The drain period ended: the answer ends now with an error the client can read (as a stream's last
        // event when the stream had begun), and the call is logged like any other.
        const auto a = answer_for(net::http_errc::shutting_down);
        const unsigned status = co_await sink_.cut_short(a.status, a.body, meta());
        if (final_status_ == 0) {
            final_status_ = status;
        }
    } else if (gone_) {
        sink_.abandon();
        if (final_status_ == 0) {
            final_status_ = 499;
        }
    }
    finish_log(final_status_);
}

void call_executor::cancel() noexcept
{
    gone_ = true;
    abort_.abort();
    if (backoff_ != nullptr) {
        backoff_->cancel();
    }
    if (hedge_) {
        hedge_->abort.abort();
    }
    if (hedge_wait_ != nullptr) {
        hedge_wait_->cancel();
    }
    disarm_hedge();
}

void call_executor::on_gone(void* self)
{
    static_cast<call_executor*>(self)->cancel();
}

net::task<void> call_executor::perform(action_kind next)
{
    for (;;) {
        switch (next) {
        case action_kind::send: {
            const exchange x = exchange_for(fsm_.order());
            // if/else, not `c ? co_await a : co_await b`: GCC 12 miscompiles co_await in a conditional.
            if (fsm_.streamed()) {
                next = co_await send_stream(x);
            } else {
                next = co_await send_unary(x);
            }
            if (gone_) {
                co_return;
            }
            break;
        }
        case action_kind::wait:
            if (!co_await wait(fsm_.delay())) {
                co_return;
            }
            next = fsm_.on_wait_over(clock::now(), draw());
            break;
        case action_kind::respond: {
            const auto& a = fsm_.answer();
            final_status_ = a.status;
            co_await sink_.respond(a.status, a.content_type, a.body, meta());
            co_return;
        }
        case action_kind::fail: {
            failed_ = true;
            const auto a = answer_for(fsm_.error());
            final_status_ = a.status;
            co_await sink_.respond(a.status, {}, a.body, meta());
            co_return;
        }
        case action_kind::end_stream:
            co_await sink_.stream_fail(fsm_.stream_error());
            co_return;
        case action_kind::relay:
        case action_kind::finish:
            co_return;
        }
    }
}

exchange call_executor::exchange_for(const call::send_order& o) const
{
    exchange x;
    x.via = o.via;
    x.endpoint = endpoint_;
    const std::size_t index = o.attempt->target->index;
    if (index < snap_->upstreams.size()) {
        const upstream_route& route = snap_->upstreams[index];
        x.request.where = route.where ? &*route.where : nullptr;
        x.request.timeouts = route.timeouts;
    }
    x.request.target = o.target;
    x.request.headers = o.headers;
    x.request.body = o.body;
    x.request.streamed = o.streamed;
    return x;
}

net::task<action_kind> call_executor::send_unary(const exchange& x)
{
    const bool local = x.via->local();
    const auto t0 = clock::now();
    auto r = co_await (local ? *services_.local : *services_.network).send(x, &abort_);
    const auto now = clock::now();
    if (!local) {
        upstream_time_ += now - t0;
    }
    if (!r) {
        if (r.error().code == net::upstream_errc::cancelled) {
            co_return action_kind::finish;
        }
        co_return fsm_.on_transport_error(r.error().code, r.error().detail, now, draw());
    }
    call::upstream_answer a;
    a.status = r->status;
    a.content_type = std::move(r->content_type);
    a.retry_after = std::move(r->retry_after);
    a.body = std::move(r->body);
    if (!a.retry_after.empty()) {
        a.received_at = std::chrono::system_clock::now();
    }
    co_return fsm_.on_response(std::move(a), now, draw());
}

net::task<action_kind> call_executor::send_stream(const exchange& x)
{
    const bool local = x.via->local();
    const auto t0 = clock::now();
    buffer_.clear();
    if (const auto& after = fsm_.order().hedge_after) {
        // A hedge starts if no event came by then (issue #10); the timer only costs something if it fires.
        arm_hedge(co_await asio::this_coro::executor, t0 + *after);
    }
    auto opened = co_await (local ? *services_.local : *services_.network).open(x, &abort_);
    if (!opened) {
        upstream_time_ += clock::now() - t0;
        if (opened.error().code == net::upstream_errc::cancelled) {
            if (race_winner_ == 1) {  // not `c ? co_await x : y`: GCC 12 evaluates the co_await anyway
                co_return co_await serve_hedge();
            }
            co_return action_kind::finish;
        }
        if (fsm_.racing()) {
            if (auto a = fsm_.on_racer_transport_error(0, opened.error().code, opened.error().detail,
                                                       clock::now(), draw())) {
                co_return *a;
            }
            co_return co_await await_hedge();
        }
        disarm_hedge();
        co_return fsm_.on_transport_error(opened.error().code, opened.error().detail, clock::now(), draw());
    }
    body_ = std::move(*opened);
    if (body_->status() < 200 || body_->status() >= 300) {
        auto rest = co_await body_->read_rest(x.request.timeouts.total);
        upstream_time_ += clock::now() - t0;
        if (!rest && rest.error().code == net::upstream_errc::cancelled) {
            body_.reset();
            if (race_winner_ == 1) {  // not `c ? co_await x : y`: GCC 12 evaluates the co_await anyway
                co_return co_await serve_hedge();
            }
            co_return action_kind::finish;
        }
        call::upstream_answer a;
        a.status = body_->status();
        a.content_type = std::string(body_->content_type());
        a.retry_after = std::string(body_->retry_after());
        a.body = rest ? std::move(*rest) : std::string{};
        if (!a.retry_after.empty()) {
            a.received_at = std::chrono::system_clock::now();
        }
        body_.reset();
        if (fsm_.racing()) {
            if (auto next = fsm_.on_racer_response(0, std::move(a), clock::now(), draw())) {
                co_return *next;
            }
            co_return co_await await_hedge();
        }
        disarm_hedge();
        co_return fsm_.on_response(std::move(a), clock::now(), draw());
    }

    fsm_.on_stream_open(clock::now());
    co_return co_await relay_stream(x, t0);
}

net::task<action_kind> call_executor::relay_stream(const exchange& x, clock::time_point t0)
{
    const bool local = x.via->local();
    const std::size_t max_event = fsm_.stream()->options().max_event_bytes;
    // stream_timeout runs from the request to the first event, stream_idle_timeout from one event to the
    // next: bytes that make no event (a drip, comments, a malformed event) move neither (issue #11).
    auto deadline = t0 + x.request.timeouts.first_event;
    bool first_event = true;
    bool ended = false;
    // A hedge's bytes, read before it won: relayed before anything more is read.
    bool relay_first = buffer_.size() != 0;
    while (!ended) {
        if (!relay_first) {
            const auto wait_start = clock::now();
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - wait_start);
            const auto timeout_kind =
                first_event ? net::upstream_errc::first_event_timeout : net::upstream_errc::idle_timeout;
            boost::system::result<std::size_t, net::upstream_error> n =
                net::upstream_error{timeout_kind, "deadline"};
            if (left > std::chrono::milliseconds::zero()) {
                // Suspension: until bytes, the end of the body, this event's deadline, or an abort (the
                // client left, or a hedge won the race for the first event).
                n = co_await body_->read_some(buffer_, left, timeout_kind);
            }
            if (!local) {
                upstream_time_ += clock::now() - wait_start;
            }
            if (!n || *n == 0) {
                // The upstream body ended (cleanly, or cut), or no event came in time.
                if (!n && n.error().code == net::upstream_errc::cancelled) {
                    // Not `c ? co_await x : y`: GCC 12 evaluates the co_await anyway.
                    if (race_winner_ == 1) {
                        co_return co_await serve_hedge();
                    }
                    co_return action_kind::finish;
                }
                const bool timed_out = !n && n.error().code == timeout_kind;
                const auto a = timed_out ? fsm_.on_idle_timeout() : fsm_.on_upstream_end(n.has_value());
                if (a.kind == stream_action_kind::done) {
                    begin_stream_head();
                    co_await sink_.stream_end({}, a.payload);
                }
                break;
            }
        }
        relay_first = false;
        bool progress = false;
        if (!co_await relay_buffered(&ended, &progress)) {
            if (race_winner_ == 1 && !gone_) {
                co_return co_await serve_hedge();  // the hedge's first event came first
            }
            // The client is gone (a write failed): stop at once; the upstream is closed with its body.
            cancel();
            co_return action_kind::finish;
        }
        if (progress) {
            if (first_event) {
                fsm_.on_first_event(clock::now());
            }
            deadline = clock::now() + x.request.timeouts.idle;
            first_event = false;
        } else if (!ended && buffer_.size() > max_event) {
            // One event outgrew the limit: the hop fails rather than buffer without bound.
            const auto a = fsm_.on_oversized_event();
            if (a.kind == stream_action_kind::done) {
                begin_stream_head();
                co_await sink_.stream_end({}, a.payload);
            }
            break;
        }
    }

    if (fsm_.racing()) {
        // The original's stream failed before its first event while its hedge still runs.
        if (auto next = fsm_.on_racer_hop_end(0, clock::now(), draw())) {
            body_.reset();
            co_return *next;
        }
        body_.reset();
        co_return co_await await_hedge();
    }
    disarm_hedge();
    const action_kind next = fsm_.on_hop_end(clock::now(), draw());
    if (next == action_kind::finish) {
        // The client has its answer; read the upstream body's end (the chunked terminator after [DONE]) so
        // the connection goes back to the pool instead of being closed. Bounded: a few reads, 1 s each.
        boost::beast::flat_buffer rest;
        for (int i = 0; i < 4; ++i) {
            rest.clear();
            auto m = co_await body_->read_some(rest, std::chrono::milliseconds(1000),
                                               net::upstream_errc::idle_timeout);
            if (!m || *m == 0) {
                break;
            }
        }
    }
    body_.reset();
    co_return next;
}

// --- The hedged first token (issue #10, point 5)
// ------------------------------------------------------------ The original attempt runs in
// send_stream/relay_stream; a hedge runs in run_hedge, on the same reactor. The hedge only reads until its
// first event and records how it went; the main coroutine alone talks to the machine. Whichever exchange has
// an event first wins: the main coroutine resolves the race before it gives the machine the original's first
// event (relay_buffered), and run_hedge aborts the original when the hedge's comes first (the main coroutine
// then wakes with `cancelled` and serves the hedge).

void call_executor::arm_hedge(const net::executor& ex, clock::time_point at)
{
    if (hedge_ || race_winner_ != -1) {
        return;  // at most one hedge per request
    }
    if (!hedge_watch_) {
        hedge_watch_ = std::make_shared<hedge_watch>(ex);
    }
    auto& w = *hedge_watch_;
    w.owner = this;
    const std::uint64_t generation = ++w.generation;
    w.timer.expires_at(at);
    w.timer.async_wait([watch = hedge_watch_, generation](const boost::system::error_code& ec) {
        if (!ec && watch->owner != nullptr && watch->generation == generation) {
            watch->owner->hedge_due();
        }
    });
}

void call_executor::disarm_hedge() noexcept
{
    if (hedge_watch_ && hedge_watch_->owner != nullptr) {
        hedge_watch_->owner = nullptr;
        hedge_watch_->timer.cancel();
    }
}

void call_executor::hedge_due()
{
    // Runs from the timer while the main coroutine waits on the original attempt.
    hedge_watch_->owner = nullptr;
    if (gone_ || hedge_ || race_winner_ != -1 || !fsm_.on_hedge_due(clock::now(), draw())) {
        return;
    }
    hedge_ = std::make_unique<hedge_exchange>();
    hedge_->x = exchange_for(fsm_.order());
    hedge_->t0 = clock::now();
    asio::co_spawn(hedge_watch_->timer.get_executor(), run_hedge(), asio::detached);
}

net::task<void> call_executor::run_hedge()
{
    hedge_exchange& h = *hedge_;
    auto done = [&] {
        h.done = true;
        if (h.ready && race_winner_ == -1) {
            race_winner_ = 1;
            abort_.abort();  // the original loses at once
        }
        if (hedge_wait_ != nullptr) {
            hedge_wait_->cancel();  // the main coroutine waits for this result
        }
    };
    co_await asio::this_coro::throw_if_cancelled(false);
    auto opened = co_await services_.network->open(h.x, &h.abort);
    if (!opened) {
        if (opened.error().code != net::upstream_errc::cancelled) {
            h.error = opened.error();
        }
        done();
        co_return;
    }
    h.body = std::move(*opened);
    if (h.body->status() < 200 || h.body->status() >= 300) {
        auto rest = co_await h.body->read_rest(h.x.request.timeouts.total);
        if (rest || rest.error().code != net::upstream_errc::cancelled) {
            call::upstream_answer a;
            a.status = h.body->status();
            a.content_type = std::string(h.body->content_type());
            a.retry_after = std::string(h.body->retry_after());
            a.received_at = std::chrono::system_clock::now();
            a.body = rest ? std::move(*rest) : std::string{};
            h.answer = std::move(a);
        }
        h.body.reset();
        done();
        co_return;
    }
    // Read until the first complete event with data (the machine sees these bytes only if the hedge wins).
    streaming::sse_parser parser;
    std::size_t scanned = 0;
    const std::size_t max_event = fsm_.stream()->options().max_event_bytes;
    const auto deadline = h.t0 + h.x.request.timeouts.first_event;
    while (!h.ready && race_winner_ == -1) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now());
        if (left <= std::chrono::milliseconds::zero()) {
            h.error = net::upstream_error{net::upstream_errc::first_event_timeout,
                                          "no event within stream_timeout"};
            break;
        }
        // Suspension: until bytes, the end, the first-event deadline, or an abort (the original won, or the
        // client left).
        auto n = co_await h.body->read_some(h.buffer, left, net::upstream_errc::first_event_timeout);
        if (!n) {
            if (n.error().code != net::upstream_errc::cancelled) {
                h.error = n.error();
            }
            break;
        }
        if (*n == 0) {
            h.error = net::upstream_error{net::upstream_errc::connection,
                                          "the stream ended before its first event"};
            break;
        }
        const auto data = h.buffer.data();
        const std::string_view in(static_cast<const char*>(data.data()), data.size());
        while (auto ev = parser.next(in.substr(scanned))) {
            scanned += ev->size;
            if (ev->has_data) {
                h.ready = true;
                break;
            }
        }
        if (!h.ready && in.size() - scanned > max_event) {
            h.error = net::upstream_error{net::upstream_errc::bad_response, "an event larger than the limit"};
            break;
        }
    }
    if (!h.ready || race_winner_ == 0) {
        h.body.reset();  // lost or failed: the connection is closed (or pooled, when read to its end)
    }
    done();
}

std::optional<action_kind> call_executor::report_hedge_failure()
{
    hedge_exchange& h = *hedge_;
    if (h.answer) {
        return fsm_.on_racer_response(1, std::move(*h.answer), clock::now(), draw());
    }
    const net::upstream_error e =
        h.error.value_or(net::upstream_error{net::upstream_errc::connection, "cancelled"});
    return fsm_.on_racer_transport_error(1, e.code, e.detail, clock::now(), draw());
}

net::task<action_kind> call_executor::await_hedge()
{
    // The original failed before its first event; the hedge decides the race alone.
    while (!hedge_->done && !gone_) {
        net::steady_timer wake{co_await asio::this_coro::executor, clock::time_point::max()};
        hedge_wait_ = &wake;
        // Suspension: until run_hedge ends (it cancels `wake`) or the client leaves (cancel()).
        co_await wake.async_wait(net::use_tuple);
        hedge_wait_ = nullptr;
    }
    if (gone_) {
        co_return action_kind::finish;
    }
    if (hedge_->ready) {
        race_winner_ = 1;
        co_return co_await serve_hedge();
    }
    auto next = report_hedge_failure();
    co_return next.value_or(action_kind::finish);
}

net::task<action_kind> call_executor::serve_hedge()
{
    // The hedge's first event came first: it serves the call from here on, the original is gone.
    disarm_hedge();
    body_.reset();
    abort_ = net::upstream_abort{};
    while (!hedge_->done && !gone_) {
        // run_hedge is finishing (it set the winner and aborted the original just before it returns).
        net::steady_timer wake{co_await asio::this_coro::executor, clock::time_point::max()};
        hedge_wait_ = &wake;
        co_await wake.async_wait(net::use_tuple);
        hedge_wait_ = nullptr;
    }
    if (gone_) {
        co_return action_kind::finish;
    }
    fsm_.on_race_won(1, clock::now());
    body_ = std::move(hedge_->body);
    buffer_ = std::move(hedge_->buffer);
    fsm_.on_stream_open(clock::now());
    co_return co_await relay_stream(hedge_->x, hedge_->t0);
}

bool call_executor::settle_race_for_original()
{
    // The original's first event is about to be given to the machine: the race is decided here.
    if (race_winner_ == 1) {
        return false;  // the hedge's came first (its abort of the original has not been seen yet)
    }
    race_winner_ = 0;
    disarm_hedge();
    if (hedge_ && !hedge_->ready) {
        hedge_->abort.abort();
    }
    if (fsm_.racing()) {
        if (hedge_ && hedge_->done && !hedge_->ready) {
            report_hedge_failure();  // it failed first: recorded against its deployment
        }
        fsm_.on_race_won(0, clock::now());
    }
    return true;
}

net::task<void> call_executor::join_hedge()
{
    disarm_hedge();
    if (!hedge_) {
        co_return;
    }
    hedge_->abort.abort();
    while (!hedge_->done) {
        net::steady_timer wake{co_await asio::this_coro::executor, clock::time_point::max()};
        hedge_wait_ = &wake;
        // Suspension: until run_hedge, aborted, returns: it uses this call's members.
        co_await wake.async_wait(net::use_tuple);
        hedge_wait_ = nullptr;
    }
}

net::task<bool> call_executor::relay_buffered(bool* ended, bool* progress)
{
    const auto data = buffer_.data();
    const std::string_view input(static_cast<const char*>(data.data()), data.size());
    std::size_t offset = 0;
    std::size_t run_start = 0;
    std::size_t run_len = 0;
    bool ok = true;
    // Replaced events (a translated stream's, or a rewritten chunk) of this read, in order, written with one
    // write as forwarded runs are: a stream in another dialect then costs the same writes as a relayed one.
    replaced_.clear();

    // Consecutive forwarded events are contiguous in the buffer: written as one chunk, straight from the
    // bytes that were read (no copy). Whatever was replaced before them goes first, in the same chunk.
    // `co_await flush()` is the sink's write itself: no coroutine frame of its own, per read of a stream.
    auto flush = [&] { return sink_.stream_write(replaced_, input.substr(run_start, run_len)); };
    auto flushed = [&](boost::system::error_code ec) {
        replaced_.clear();
        run_len = 0;
        return !ec;
    };

    while (ok && offset < input.size()) {
        auto ev = fsm_.next_event(input.substr(offset));
        if (!ev) {
            break;
        }
        if (race_winner_ == -1 && ev->has_data && hedge_watch_ && !settle_race_for_original()) {
            buffer_.consume(offset);
            co_return false;  // the hedge won: the caller serves it
        }
        const auto action = fsm_.on_event(*ev);
        // An event with data that was not malformed is progress: it moves the idle deadline.
        *progress = *progress || (ev->has_data && action.dropped == streaming::drop_reason::none);
        switch (action.kind) {
        case stream_action_kind::forward:
            begin_stream_head();
            if (!first_token_at_ && ev->has_data) {
                first_token_at_ = clock::now();
            }
            if (run_len != 0 && run_start + run_len == offset) {
                run_len += ev->size;
            } else {
                if (run_len != 0 || !replaced_.empty()) {
                    ok = flushed(co_await flush());
                }
                run_start = offset;
                run_len = ev->size;
            }
            break;
        case stream_action_kind::drop:
            break;
        case stream_action_kind::replace:
            // A pending run goes first; the payload joins the replaced bytes of this read.
            if (run_len != 0) {
                ok = flushed(co_await flush());
            }
            begin_stream_head();
            if (!first_token_at_) {
                first_token_at_ = clock::now();
            }
            replaced_.append(action.payload);
            break;
        case stream_action_kind::done:
            // The pending bytes, the closing payload ([DONE], with the summed usage chunk when the client
            // asked for it) and the end of the body go out in one write.
            begin_stream_head();
            if (ok && run_len != 0 && !replaced_.empty()) {
                ok = flushed(co_await flush());
            }
            if (ok) {
                const std::string_view pending =
                    !replaced_.empty() ? std::string_view(replaced_) : input.substr(run_start, run_len);
                ok = !(co_await sink_.stream_end(pending, action.payload));
            }
            run_len = 0;
            replaced_.clear();
            *ended = true;
            break;
        case stream_action_kind::fail:
            if (run_len != 0 || !replaced_.empty()) {
                ok = flushed(co_await flush());
            }
            *ended = true;
            break;
        }
        offset += ev->size;
        if (*ended) {
            break;
        }
    }
    if (ok && (run_len != 0 || !replaced_.empty())) {
        ok = flushed(co_await flush());
    }
    // The parser's progress on a partial event stays valid: the unconsumed bytes start where its input did.
    buffer_.consume(offset);
    co_return ok;
}

net::task<bool> call_executor::wait(routing::duration d)
{
    if (gone_) {
        co_return false;
    }
    net::steady_timer timer{co_await asio::this_coro::executor, d};
    const auto t0 = clock::now();
    // Backoff between rounds: cancelled at once when the reader goes away (cancel()).
    backoff_ = &timer;
    auto [ec] = co_await timer.async_wait(net::use_tuple);
    backoff_ = nullptr;
    upstream_time_ += clock::now() - t0;
    co_return !ec && !gone_;
}

std::uint64_t call_executor::tokens_used() const noexcept
{
    const call::call_usage u = fsm_.usage();
    return static_cast<std::uint64_t>(std::max<std::int64_t>(u.prompt_tokens, 0) +
                                      std::max<std::int64_t>(u.completion_tokens, 0));
}

answer_meta call_executor::meta(bool attempt_in_flight) const
{
    answer_meta m;
    m.request_id = request_id_;
    m.limits = limits_;
    const routing::plan* plan = fsm_.plan();
    m.routing = plan != nullptr;
    if (!m.routing) {
        return m;
    }
    if (const auto* s = fsm_.served()) {
        m.served = s->target;
        m.group = s->group;
        m.model = s->upstream_model;
    }
    m.attempts = fsm_.attempts_sent(attempt_in_flight);
    m.fallbacks = plan->fallbacks_taken();
    m.overhead_ms = ms_of(clock::now() - started_ - upstream_time_);
    return m;
}

void call_executor::begin_stream_head()
{
    if (head_begun_) {
        return;
    }
    head_begun_ = true;
    final_status_ = 200;
    // A stream's head goes out while its attempt is still running (not yet reported to the plan).
    sink_.stream_begin(meta(true));
}

void call_executor::finish_log(unsigned status)
{
    const auto total = clock::now() - started_;
    const auto overhead = total - upstream_time_;
    const routing::plan* plan = fsm_.plan();
    const auto* served = fsm_.served();
    const std::string group = served != nullptr ? served->group
                              : plan != nullptr ? plan->primary_group()
                                                : "unknown";
    const call::call_usage usage = fsm_.usage();
    auto& m = *services_.metrics;
    m.request_finished(group, static_cast<int>(status), std::chrono::duration<double>(total).count(),
                       std::chrono::duration<double>(overhead).count());
    if (first_token_at_) {
        m.time_to_first_token(std::chrono::duration<double>(*first_token_at_ - started_).count());
    }
    if (served != nullptr) {
        if (usage.prompt_tokens > 0) {
            m.tokens(served->group, token_type::prompt, static_cast<std::uint64_t>(usage.prompt_tokens));
        }
        if (usage.completion_tokens > 0) {
            m.tokens(served->group, token_type::completion,
                     static_cast<std::uint64_t>(usage.completion_tokens));
        }
        if (plan != nullptr && !plan->alias_name().empty()) {
            m.alias_resolved(plan->alias_name(), served->group);
        }
    }
    const logger& log = *services_.log;
    if (!log.enabled(log_level::info)) {
        return;
    }
    json::object f{{"request_id", request_id_},
                   {"endpoint", providers::endpoint_path(endpoint_)},
                   {"model", fsm_.requested_model()},
                   {"model_group", group},
                   {"deployment", served != nullptr ? served->target->id : std::string()},
                   {"status", status},
                   {"stream", fsm_.streamed()},
                   {"attempts", fsm_.attempts_sent()},
                   {"fallbacks", plan != nullptr ? plan->fallbacks_taken() : 0},
                   {"latency_ms", ms_of(total)},
                   {"overhead_ms", ms_of(overhead)},
                   {"prompt_tokens", usage.prompt_tokens},
                   {"completion_tokens", usage.completion_tokens}};
    if (first_token_at_) {
        f["ttft_ms"] = ms_of(*first_token_at_ - started_);
    }
    if (key_ != nullptr) {
        f["client_key"] = key_->name;
    }
    log.info("access", std::move(f));
}

void call_executor::plan_notes(const std::vector<std::string>& notes)
{
    // One line per request however many entries were skipped (issue #11: one line per entry let a request
    // with thousands of fallbacks flood the log).
    json::array lines;
    for (const auto& n : notes) lines.emplace_back(n);
    services_.log->warning("plan_note", {{"request_id", request_id_}, {"notes", std::move(lines)}});
}

void call_executor::params_dropped(const routing::plan::try_deployment& t, std::string_view names)
{
    const logger& log = *services_.log;
    if (log.enabled(log_level::debug)) {
        log.debug("params_dropped",
                  {{"request_id", request_id_}, {"deployment", t.target->id}, {"params", names}});
    }
}

void call_executor::attempt_started(const routing::plan::try_deployment& t,
                                    std::optional<std::size_t> stream_hop)
{
    const logger& log = *services_.log;
    if (t.hop) {
        const auto reason = routing::to_string(t.hop->reason);
        services_.metrics->fallback(t.hop->from_group, t.hop->to_group, reason);
        log.info("fallback", {{"request_id", request_id_},
                              {"from_model", t.hop->from_group},
                              {"to_model", t.hop->to_group},
                              {"reason", reason},
                              {"deployment", t.target->id}});
    }
    if (t.hedge) {
        log.info("hedge_start",
                 {{"request_id", request_id_}, {"deployment", t.target->id}, {"model_group", t.group}});
    }
    if (stream_hop) {
        log.info("stream_start", {{"request_id", request_id_},
                                  {"provider", t.target->provider},
                                  {"model", t.upstream_model},
                                  {"deployment", t.target->id},
                                  {"model_group", t.group},
                                  {"hop", static_cast<std::int64_t>(*stream_hop)}});
    }
}

void call_executor::attempt_ended(const routing::plan::try_deployment& t, routing::failure_reason reason,
                                  int status, routing::duration latency, std::string_view detail)
{
    const bool ok = reason == routing::failure_reason::none;
    services_.metrics->upstream_request(t.target->id, ok ? "success" : routing::to_string(reason));
    if (!ok) {
        services_.log->info("upstream_failure", {{"request_id", request_id_},
                                                 {"deployment", t.target->id},
                                                 {"model_group", t.group},
                                                 {"reason", routing::to_string(reason)},
                                                 {"status", status},
                                                 {"detail", detail},
                                                 {"latency_ms", ms_of(latency)}});
    }
}

void call_executor::event_dropped(const routing::plan::try_deployment& t, streaming::drop_reason,
                                  std::size_t dropped)
{
    services_.metrics->stream_event_dropped("malformed");
    if (dropped == 1) {
        // Once per stream: an upstream that sends many would otherwise flood the log.
        services_.log->warning("stream_event_dropped", {{"request_id", request_id_},
                                                        {"deployment", t.target->id},
                                                        {"model_group", t.group},
                                                        {"reason", "malformed"}});
    }
}

void call_executor::hedge_ended(const routing::plan::try_deployment& hedge, std::string_view outcome)
{
    services_.metrics->hedge(outcome);
    services_.log->info("hedge_end", {{"request_id", request_id_},
                                      {"deployment", hedge.target->id},
                                      {"model_group", hedge.group},
                                      {"outcome", outcome}});
}

void call_executor::stream_failed_over(const routing::plan::try_deployment& t,
                                       streaming::stream_trigger trigger, std::size_t chunks_relayed)
{
    const auto name = streaming::to_string(trigger);
    services_.metrics->stream_failover(name);
    services_.log->warning("stream_failover",
                           {{"request_id", request_id_},
                            {"deployment", t.target->id},
                            {"model_group", t.group},
                            {"trigger", name},
                            {"mode", routing::to_string(fsm_.stream_mode())},
                            {"chunks_relayed", static_cast<std::int64_t>(chunks_relayed)}});
}

}  // namespace baton::daemon
