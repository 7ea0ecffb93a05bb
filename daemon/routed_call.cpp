#include "daemon/routed_call.hpp"

#include "daemon/logger.hpp"
#include "daemon/routed_request.hpp"
#include "daemon/usage_scan.hpp"
#include "net/openai_error.hpp"
#include "net/wire_format.hpp"
#include "streaming/stream_trigger.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace baton::daemon {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;
using namespace std::chrono_literals;
using namespace std::string_view_literals;

namespace {

using net::use_tuple;
/// A request's whole budget for retries and fallbacks (LiteLLM's default request timeout).
constexpr auto request_budget = 600s;

std::optional<routing::duration> parse_retry_after(std::string_view v)
{
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    if (v.empty()) return std::nullopt;
    double seconds = 0;
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
    if (ec != std::errc{} || ptr == v.data() || !std::isfinite(seconds) || seconds < 0) return std::nullopt;
    return routing::seconds_to_duration(std::min(seconds, 86400.0));
}

double ms_of(std::chrono::steady_clock::duration d)
{
    return std::chrono::duration<double, std::milli>(d).count();
}

std::uint64_t token_count(const streaming::token_usage& u)
{
    return static_cast<std::uint64_t>(std::max<std::int64_t>(0, u.total_tokens));
}

bool is_baton_provider(const routing::deployment& d)
{
    return d.provider == "baton";
}

}  // namespace

routed_call::routed_call(reactor& r, std::shared_ptr<const snapshot> snap, api_endpoint endpoint, net::downstream& out,
                         std::string_view request_id, const client_key* key)
    : reactor_(r), snap_(std::move(snap)), endpoint_(endpoint), out_(out), request_id_(request_id), key_(key)
{
}

net::task<void> routed_call::run(std::string body)
{
    // Expected failures come back as error codes; a cancelled operation must not throw.
    co_await asio::this_coro::throw_if_cancelled(false);
    const auto& routes = snap_->cfg.routes;

    auto parsed = parse_routed_request(body, endpoint_, !routes.default_model.empty(), body_.storage());
    if (auto* bad = std::get_if<request_error>(&parsed)) {
        co_await write_error(400, bad->message, "invalid_request_error"sv, bad->code, bad->param);
        co_return;
    }
    auto& request = std::get<routed_request>(parsed);
    body_ = std::move(request.body);
    requested_model_ = std::move(request.model);
    routing::request_options options = std::move(request.options);
    stream_mode_ = request.stream_failover.value_or(routes.settings.stream_failover);
    streamed_ = request.stream;
    client_wants_usage_ = request.client_wants_usage;

    if (key_) {
        if (key_->models) {
            const auto& allowed = *key_->models;
            const auto& asked = requested_model_.empty() ? routes.default_model : requested_model_;
            if (std::find(allowed.begin(), allowed.end(), asked) == allowed.end()) {
                co_await write_error(403, std::string("this key is not allowed to use model `"sv) + asked + std::string("`"sv),
                                     "permission_error"sv, "model_not_allowed"sv, "model"sv);
                co_return;
            }
        }
        options.backup_models = key_->backup_models;
    }
    options.deadline = started_ + request_budget;

    std::vector<std::string> notes;
    plan_ = routing::plan::make(routes, reactor_.shared().health, requested_model_, std::move(options), &notes);
    for (const auto& n : notes) {
        log_event(log_level::warning, "plan_note", {"note", n});
    }
    if (!plan_) {
        co_await write_error(404, std::string("The model `"sv) + requested_model_ + std::string("` does not exist or is not configured in baton"sv),
                             "invalid_request_error"sv, "model_not_found"sv, "model"sv);
        co_return;
    }

    // Run the call, and watch for the client going away meanwhile: that aborts the upstream at once.
    struct watching {
        net::downstream& out;
        ~watching() { out.unwatch_client(); }
    } watch{out_};
    out_.watch_client(&routed_call::on_client_gone, this);
    co_await execute();
    if (client_gone_) {
        out_.close_after = true;
        if (!final_status_) final_status_ = 499;
        finish_log(final_status_);
    }
}

void routed_call::on_client_gone(void* self)
{
    auto& call = *static_cast<routed_call*>(self);
    call.client_gone_ = true;
    call.abort_.abort();
    if (call.backoff_) call.backoff_->cancel();
}

net::task<void> routed_call::execute()
{
    co_await asio::this_coro::throw_if_cancelled(false);
    if (streamed_) {
        co_await run_stream();
    } else {
        co_await run_unary();
    }
    if (!client_gone_) finish_log(final_status_);
}

net::task<bool> routed_call::wait(routing::duration d)
{
    if (client_gone_) co_return false;
    net::steady_timer timer{co_await asio::this_coro::executor, d};
    const auto t0 = clock::now();
    // Backoff between rounds: cancelled at once when the client goes away (on_client_gone).
    backoff_ = &timer;
    auto [ec] = co_await timer.async_wait(use_tuple);
    backoff_ = nullptr;
    upstream_time_ += clock::now() - t0;
    co_return !ec && !client_gone_;
}

std::string routed_call::body_for(const routing::plan::try_deployment& t)
{
    return upstream_body(body_, t.upstream_model);
}

std::optional<net::upstream_request> routed_call::upstream_request_for(const routing::plan::try_deployment& t,
                                                                       std::string body)
{
    const auto& d = *t.target;
    if (d.index >= snap_->upstreams.size()) return std::nullopt;
    const auto& route = snap_->upstreams[d.index];
    if (!route.where) return std::nullopt;
    net::upstream_request req;
    req.where = &*route.where;
    req.target = route.target(d, endpoint_, t.upstream_model, target_scratch_);
    req.auth_name = route.auth_name;
    req.auth_value = route.auth_value;
    req.body = std::move(body);
    req.streamed = streamed_;
    req.timeouts = route.timeouts;
    return req;
}

void routed_call::note_hop(const routing::plan::try_deployment& t)
{
    if (!t.hop) return;
    const auto reason = routing::to_string(t.hop->reason);
    reactor_.metrics().fallback(t.hop->from_group, t.hop->to_group, reason);
    logger::global().info("fallback", {{"request_id", request_id_},
                                       {"from_model", t.hop->from_group},
                                       {"to_model", t.hop->to_group},
                                       {"reason", reason},
                                       {"deployment", t.target->id}});
}

void routed_call::report(const routing::plan::try_deployment& t, routing::failure_reason reason, int status,
                         std::optional<routing::duration> retry_after, clock::duration latency, std::uint64_t tokens,
                         std::string_view detail)
{
    routing::outcome o;
    o.reason = reason;
    o.status = status;
    o.retry_after = retry_after;
    o.latency = latency;
    const auto now = clock::now();
    plan_->report(*t.target, o, now);
    // rpm/tpm use of this minute, for usage-based routing (tokens are known only for a success).
    if (reason != routing::failure_reason::cooling_down) t.target->health->record_usage(now, 1, tokens);
    reactor_.metrics().upstream_request(t.target->id,
                                        reason == routing::failure_reason::none ? "success" : routing::to_string(reason));
    if (reason != routing::failure_reason::none) {
        logger::global().info("upstream_failure", {{"request_id", request_id_},
                                                   {"deployment", t.target->id},
                                                   {"model_group", t.group},
                                                   {"reason", routing::to_string(reason)},
                                                   {"status", status},
                                                   {"detail", detail},
                                                   {"latency_ms", ms_of(latency)}});
    }
}

void routed_call::set_served(const routing::plan::try_deployment& t)
{
    served_ = t.target;
    served_group_ = t.group;
    served_model_ = t.upstream_model;
}

void routed_call::report_unusable_api_base(const routing::plan::try_deployment& t, clock::duration latency)
{
    last_ = {502, "application/json",
             net::openai_error_body("deployment has an unusable api_base", "server_error", "bad_deployment")};
    report(t, routing::failure_reason::connection, 0, std::nullopt, latency);
}

void routed_call::report_transport_failure(const routing::plan::try_deployment& t, const net::upstream_error& e,
                                           clock::duration latency)
{
    const auto reason = routing::classify(net::to_transport_failure(e.code));
    const std::string code(net::to_string(e.code));
    last_ = {reason == routing::failure_reason::timeout ? 504u : 502u, "application/json",
             net::openai_error_body("upstream " + code, "server_error", code)};
    report(t, reason, 0, std::nullopt, latency, 0, e.detail);
}

void routed_call::set_routing_headers(net::response_head& h, bool attempt_in_flight) const
{
    h.add("x-baton-request-id", request_id_);
    if (served_) {
        h.add("x-baton-model-group", served_group_);
        h.add("x-baton-deployment-id", served_->id);
        h.add("x-baton-resolved", served_->provider, "/"sv, served_model_);
    }
    if (plan_) {
        // A stream's head goes out while its attempt is still running (not yet reported to the plan).
        h.add_number("x-baton-attempts", plan_->attempts_sent() + (attempt_in_flight ? 1 : 0));
        h.add_number("x-baton-fallbacks", plan_->fallbacks_taken());
    }
    h.add_millis("x-baton-overhead-ms", ms_of(clock::now() - started_ - upstream_time_));
}

net::task<void> routed_call::write_response(unsigned status, std::string_view content_type, std::string_view body,
                                                  bool with_routing_headers)
{
    net::response_head h{status};
    h.add("Content-Type", content_type.empty() ? "application/json"sv : content_type);
    if (with_routing_headers) {
        set_routing_headers(h);
    } else {
        h.add("x-baton-request-id", request_id_);
    }
    final_status_ = status;
    const auto& head = h.finish(body.size(), out_.close_after);
    co_await out_.write_response(head, body);
}

net::task<void> routed_call::write_json(unsigned status, std::string body, bool with_routing_headers)
{
    co_await write_response(status, "application/json"sv, body, with_routing_headers);
}

net::task<void> routed_call::write_error(unsigned status, std::string_view message, std::string_view type,
                                               std::string_view code, std::string_view param)
{
    co_await write_json(status, net::openai_error_body(message, type, code, param), plan_.has_value());
    if (!plan_) finish_log(status);
}

std::string routed_call::exhausted_body(int status) const
{
    json::array attempts;
    for (const auto& a : plan_->attempts()) {
        attempts.push_back(json::object{{"deployment_id", a.deployment_id},
                                        {"model_group", a.model_group},
                                        {"reason", routing::to_string(a.reason)},
                                        {"status", a.status},
                                        {"skipped", a.skipped},
                                        {"latency_ms", a.latency_ms}});
    }
    const auto requested = requested_model_.empty() ? plan_->requested() : requested_model_;
    const auto sent = static_cast<std::size_t>(plan_->attempts_sent());
    std::string message = "every candidate for model `" + requested + "` failed (" + std::to_string(sent) +
                          " upstream attempts, " + std::to_string(plan_->attempts().size() - sent) + " skipped)";
    json::object err{{"message", message},
                     {"type", status == 429 ? "rate_limit_error" : "server_error"},
                     {"param", nullptr},
                     {"code", "fallbacks_exhausted"},
                     {"attempts", std::move(attempts)}};
    return json::serialize(json::object{{"error", std::move(err)}});
}

net::task<void> routed_call::write_exhausted(int status)
{
    co_await write_json(static_cast<unsigned>(status), exhausted_body(status), true);
}

net::task<void> routed_call::write_give_back()
{
    co_await write_response(last_.status ? last_.status : 502, last_.content_type, last_.body, true);
}

// ---------------------------------------------------------------------------------------------------------
// Non-streamed calls

net::task<void> routed_call::run_unary()
{
    for (;;) {
        auto step = plan_->next(clock::now(), reactor_.draw());
        if (auto* t = std::get_if<routing::plan::try_deployment>(&step)) {
            note_hop(*t);
            if (co_await attempt_unary(*t)) co_return;
            if (client_gone_) co_return;
        } else if (auto* w = std::get_if<routing::plan::wait>(&step)) {
            if (!co_await wait(w->delay)) co_return;
        } else if (auto* x = std::get_if<routing::plan::exhausted>(&step)) {
            co_await write_exhausted(x->status);
            co_return;
        } else {
            co_await write_give_back();
            co_return;
        }
    }
}

net::task<bool> routed_call::attempt_unary(const routing::plan::try_deployment& t)
{
    const auto& d = *t.target;
    const auto t0 = clock::now();
    if (is_baton_provider(d)) {
        auto body = echo_provider::respond(endpoint_, body_, t.upstream_model);
        const auto u = scan_usage(body);
        report(t, routing::failure_reason::none, 200, std::nullopt, clock::now() - t0, token_count(u));
        set_served(t);
        prompt_tokens_ = u.prompt_tokens;
        completion_tokens_ = u.completion_tokens;
        co_await write_json(200, std::move(body), true);
        co_return true;
    }
    auto req = upstream_request_for(t, body_for(t));
    if (!req) {
        report_unusable_api_base(t, clock::now() - t0);
        co_return false;
    }
    d.health->begin_request();
    auto r = co_await reactor_.upstream().send(*req, &abort_);
    d.health->end_request();
    const auto latency = clock::now() - t0;
    upstream_time_ += latency;
    if (!r) {
        if (r.error().code == net::upstream_errc::cancelled) co_return false;
        report_transport_failure(t, r.error(), latency);
        co_return false;
    }
    auto& res = *r;
    const auto reason = routing::classify(static_cast<int>(res.status), res.body);
    if (reason == routing::failure_reason::none) {
        // A 2xx that isn't JSON is an unparseable response: fail over.
        if (res.body.empty() || (res.body.front() != '{' && res.body.find_first_not_of(" \t\r\n") != std::string::npos &&
                                 res.body[res.body.find_first_not_of(" \t\r\n")] != '{')) {
            last_ = {502, "application/json",
                     net::openai_error_body("upstream returned an unparseable body", "server_error", "bad_response")};
            report(t, routing::failure_reason::bad_response, static_cast<int>(res.status), std::nullopt, latency);
            co_return false;
        }
        const auto u = scan_usage(res.body);
        report(t, routing::failure_reason::none, static_cast<int>(res.status), std::nullopt, latency, token_count(u));
        set_served(t);
        prompt_tokens_ = u.prompt_tokens;
        completion_tokens_ = u.completion_tokens;
        co_await write_response(res.status, res.content_type, res.body, true);
        co_return true;
    }
    last_ = {res.status, res.content_type, std::move(res.body)};
    report(t, reason, static_cast<int>(res.status), parse_retry_after(res.retry_after), latency);
    co_return false;
}

// ---------------------------------------------------------------------------------------------------------
// Streamed calls (SPEC §6)

net::task<void> routed_call::run_stream()
{
    streaming::stream_options so;
    so.mode = stream_mode_;
    so.client_wants_usage = client_wants_usage_;
    so.endpoint = endpoint_ == api_endpoint::completions ? streaming::endpoint_kind::text : streaming::endpoint_kind::chat;
    stream_.emplace(so);
    reactor_.metrics().stream_started();
    struct stream_gauge {
        reactor& r;
        ~stream_gauge() { r.metrics().stream_ended(); }
    } gauge{reactor_};

    for (;;) {
        auto step = plan_->next(clock::now(), reactor_.draw());
        if (auto* t = std::get_if<routing::plan::try_deployment>(&step)) {
            note_hop(*t);
            if (co_await attempt_stream(*t)) co_return;
            if (client_gone_) co_return;
            if (stream_->committed() && !stream_->can_fail_over()) {
                co_await end_stream_with_error();
                co_return;
            }
        } else if (auto* w = std::get_if<routing::plan::wait>(&step)) {
            if (!co_await wait(w->delay)) co_return;
        } else if (auto* x = std::get_if<routing::plan::exhausted>(&step)) {
            if (stream_->committed()) {
                co_await end_stream_with_error();
            } else {
                co_await write_exhausted(x->status);
            }
            co_return;
        } else {
            if (stream_->committed()) {
                co_await end_stream_with_error();
            } else {
                co_await write_give_back();
            }
            co_return;
        }
    }
}

net::task<void> routed_call::end_stream_with_error()
{
    // Never a silent clean end: the client gets an error event and no [DONE].
    const auto event = stream_->final_error();
    if (!(co_await write_chunk(event))) co_await out_.write_last_chunk();
    out_.close_after = true;
    const auto u = stream_->usage();
    prompt_tokens_ = u.prompt_tokens;
    completion_tokens_ = u.completion_tokens;
}

void routed_call::prepare_head(const routing::plan::try_deployment& t)
{
    if (head_written_) return;
    head_written_ = true;
    set_served(t);
    net::response_head h{200};
    h.add("Content-Type", "text/event-stream").add("Cache-Control", "no-cache").add("x-accel-buffering", "no");
    set_routing_headers(h, true);
    final_status_ = 200;
    head_bytes_ = std::move(h.finish_chunked(out_.close_after));
}

net::task<boost::system::error_code> routed_call::write_chunk(std::string_view data)
{
    // The head and the first events go out together: one write, one wake-up of the client.
    auto ec = co_await out_.write_chunk(data, head_bytes_);
    head_bytes_.clear();
    co_return ec;
}

net::task<boost::system::error_code> routed_call::write_end(std::string_view data, std::string_view payload)
{
    auto ec = co_await out_.write_end(data, payload, head_bytes_);
    head_bytes_.clear();
    co_return ec;
}

net::task<bool> routed_call::relay_buffered(const routing::plan::try_deployment& t,
                                                  std::optional<streaming::stream_trigger>* failure, bool* finished)
{
    const auto data = sse_buffer_.data();
    const std::string_view input(static_cast<const char*>(data.data()), data.size());
    std::size_t offset = 0;
    std::size_t run_start = 0;
    std::size_t run_len = 0;
    bool ok = true;

    // Consecutive forwarded events are contiguous in the buffer: written as one chunk, straight from the
    // bytes that were read (no copy).
    auto flush = [&]() -> net::task<bool> {
        if (run_len == 0) co_return true;
        auto ec = co_await write_chunk(input.substr(run_start, run_len));
        run_len = 0;
        co_return !ec;
    };

    while (ok && offset < input.size()) {
        auto ev = parser_.next(input.substr(offset));
        if (!ev) break;
        const auto action = stream_->on_event(*ev);
        switch (action.kind) {
            case streaming::stream_action_kind::forward:
                prepare_head(t);
                if (!first_token_at_ && ev->has_data) first_token_at_ = clock::now();
                if (run_len != 0 && run_start + run_len == offset) {
                    run_len += ev->size;
                } else {
                    ok = ok && co_await flush();
                    run_start = offset;
                    run_len = ev->size;
                }
                break;
            case streaming::stream_action_kind::drop:
                ok = co_await flush();
                break;
            case streaming::stream_action_kind::replace:
                ok = co_await flush();
                prepare_head(t);
                if (ok) ok = !(co_await write_chunk(action.payload));
                break;
            case streaming::stream_action_kind::done:
                // The pending run, the closing payload ([DONE], with the summed usage chunk when the client
                // asked for it) and the end of the body go out in one write.
                prepare_head(t);
                if (ok) ok = !(co_await write_end(input.substr(run_start, run_len), action.payload));
                run_len = 0;
                *finished = true;
                break;
            case streaming::stream_action_kind::fail:
                ok = co_await flush();
                *failure = action.trigger;
                break;
        }
        offset += ev->size;
        if (*finished || *failure) break;
    }
    if (ok) ok = co_await flush();
    // The parser's progress on a partial event stays valid: the unconsumed bytes start where its input did.
    sse_buffer_.consume(offset);
    co_return ok;
}

net::task<bool> routed_call::attempt_stream(const routing::plan::try_deployment& t)
{
    const auto& d = *t.target;
    const auto t0 = clock::now();
    // The next candidate after a committed failure continues (or restarts) the answer (SPEC §6).
    std::string body;
    if (stream_->committed()) {
        auto next = stream_->next_request(body_);
        next["model"] = t.upstream_model;
        body = json::serialize(next);
    } else {
        body = body_for(t);
    }
    log_stream_start(t);

    sse_buffer_.clear();
    parser_.reset();
    std::optional<streaming::stream_trigger> failure;
    bool finished = false;

    if (is_baton_provider(d)) {
        stream_->begin_hop();
        auto request = stream_->committed() ? json::parse(body).as_object() : body_;
        for (const auto& ev : echo_provider::stream(endpoint_, request, t.upstream_model, true)) {
            auto mb = sse_buffer_.prepare(ev.size());
            std::memcpy(mb.data(), ev.data(), ev.size());
            sse_buffer_.commit(ev.size());
        }
        if (!co_await relay_buffered(t, &failure, &finished)) {
            client_gone_ = true;
            co_return true;
        }
        if (!finished && !failure) {
            const auto end = stream_->on_upstream_end(true);
            if (end.kind == streaming::stream_action_kind::fail) failure = end.trigger;
        }
        const auto u = stream_->usage();
        report(t, failure ? streaming::to_failure_reason(*failure) : routing::failure_reason::none, 200, std::nullopt,
               clock::now() - t0, token_count(u));
        if (!failure) {
            prompt_tokens_ = u.prompt_tokens;
            completion_tokens_ = u.completion_tokens;
        }
        co_return !failure;
    }

    auto req = upstream_request_for(t, std::move(body));
    if (!req) {
        report_unusable_api_base(t, clock::now() - t0);
        co_return false;
    }

    d.health->begin_request();
    struct in_flight {
        const routing::deployment& d;
        ~in_flight() { d.health->end_request(); }
    } guard{d};

    auto opened = co_await reactor_.upstream().open(*req, &abort_);
    if (!opened) {
        upstream_time_ += clock::now() - t0;
        if (opened.error().code == net::upstream_errc::cancelled) co_return false;
        report_transport_failure(t, opened.error(), clock::now() - t0);
        co_return false;
    }
    auto& up = *opened;
    if (up.status() < 200 || up.status() >= 300) {
        auto rest = co_await up.read_rest(req->timeouts.total);
        upstream_time_ += clock::now() - t0;
        if (!rest && rest.error().code == net::upstream_errc::cancelled) co_return false;
        std::string err_body = rest ? std::move(*rest) : std::string{};
        auto reason = routing::classify(static_cast<int>(up.status()), err_body);
        last_ = {up.status(), up.content_type(), std::move(err_body)};
        report(t, reason, static_cast<int>(up.status()), parse_retry_after(up.retry_after()), clock::now() - t0);
        co_return false;
    }

    stream_->begin_hop();
    bool first_read = true;
    while (!finished && !failure) {
        const auto wait_start = clock::now();
        // First bytes within stream_timeout, then stream_idle_timeout between events.
        auto n = co_await up.read_some(sse_buffer_, first_read ? req->timeouts.first_event : req->timeouts.idle,
                                       first_read ? net::upstream_errc::first_event_timeout
                                                  : net::upstream_errc::idle_timeout);
        upstream_time_ += clock::now() - wait_start;
        first_read = false;
        if (!n || *n == 0) {
            // The upstream body ended (cleanly, or cut), or nothing came in time.
            if (!n && n.error().code == net::upstream_errc::cancelled) co_return false;
            const bool timed_out = !n && (n.error().code == net::upstream_errc::idle_timeout ||
                                          n.error().code == net::upstream_errc::first_event_timeout);
            const auto action = timed_out ? stream_->on_idle_timeout() : stream_->on_upstream_end(n.has_value());
            if (action.kind == streaming::stream_action_kind::fail) {
                failure = action.trigger;
            } else if (action.kind == streaming::stream_action_kind::done) {
                prepare_head(t);
                co_await write_end({}, action.payload);
                finished = true;
            }
            break;
        }
        if (!co_await relay_buffered(t, &failure, &finished)) {
            // The client is gone (a write failed): stop at once; the upstream is closed with `up`.
            client_gone_ = true;
            abort_.abort();
            co_return false;
        }
    }

    const auto latency = clock::now() - t0;
    if (finished) {
        // The client has its answer; read the upstream body's end (the chunked terminator after [DONE])
        // so the connection goes back to the pool instead of being closed. Bounded: a few reads, 1 s each.
        boost::beast::flat_buffer rest;
        for (int i = 0; i < 4; ++i) {
            rest.clear();
            auto n = co_await up.read_some(rest, std::chrono::milliseconds(1000), net::upstream_errc::idle_timeout);
            if (!n || *n == 0) break;
        }
        const auto u = stream_->usage();
        report(t, routing::failure_reason::none, 200, std::nullopt, latency, token_count(stream_->hops().back().usage));
        prompt_tokens_ = u.prompt_tokens;
        completion_tokens_ = u.completion_tokens;
        co_return true;
    }
    auto reason = failure ? streaming::to_failure_reason(*failure) : routing::failure_reason::connection;
    if (failure == streaming::stream_trigger::error_event) {
        // An in-band error may say more (rate limit, context window): classify its body.
        const auto refined = routing::classify(500, stream_->error_data());
        if (refined != routing::failure_reason::none) reason = refined;
    }
    last_ = {502, "application/json",
             net::openai_error_body("upstream stream failed: " +
                                        std::string(failure ? streaming::to_string(*failure) : "connection_cut"),
                                    "server_error", "stream_failed")};
    report(t, reason, 0, std::nullopt, latency);
    if (stream_->committed()) {
        const auto trig = failure ? streaming::to_string(*failure) : std::string_view("connection_cut");
        reactor_.metrics().stream_failover(trig);
        log_stream_failover(t, trig);
    }
    co_return false;
}

void routed_call::log_event(log_level level, std::string_view event, std::pair<std::string_view, std::string> field) const
{
    logger::global().write(level, event, {{"request_id", request_id_}, {field.first, field.second}});
}

void routed_call::log_stream_start(const routing::plan::try_deployment& t) const
{
    logger::global().info("stream_start", {{"request_id", request_id_},
                                           {"provider", t.target->provider},
                                           {"model", t.upstream_model},
                                           {"deployment", t.target->id},
                                           {"model_group", t.group},
                                           {"hop", static_cast<std::int64_t>(stream_->hop_count())}});
}

void routed_call::log_stream_failover(const routing::plan::try_deployment& t, std::string_view trigger) const
{
    logger::global().warning("stream_failover",
                             {{"request_id", request_id_},
                              {"deployment", t.target->id},
                              {"model_group", t.group},
                              {"trigger", trigger},
                              {"mode", routing::to_string(stream_mode_)},
                              {"chunks_relayed", static_cast<std::int64_t>(stream_->chunks_relayed())}});
}

void routed_call::finish_log(unsigned status)
{
    const auto total = clock::now() - started_;
    const auto overhead = total - upstream_time_;
    const std::string group = served_ ? served_group_ : plan_ ? plan_->primary_group() : std::string("unknown");
    auto& m = reactor_.metrics();
    m.request_finished(group, static_cast<int>(status), std::chrono::duration<double>(total).count(),
                       std::chrono::duration<double>(overhead).count());
    if (first_token_at_) {
        m.time_to_first_token(std::chrono::duration<double>(*first_token_at_ - started_).count());
    }
    if (served_) {
        if (prompt_tokens_ > 0) m.tokens(served_group_, token_type::prompt, static_cast<std::uint64_t>(prompt_tokens_));
        if (completion_tokens_ > 0) {
            m.tokens(served_group_, token_type::completion, static_cast<std::uint64_t>(completion_tokens_));
        }
        if (plan_ && !plan_->alias_name().empty()) m.alias_resolved(plan_->alias_name(), served_group_);
    }
    auto& log = logger::global();
    if (!log.enabled(log_level::info)) return;
    json::object f{{"request_id", request_id_},
                   {"endpoint", endpoint_path(endpoint_)},
                   {"model", requested_model_},
                   {"model_group", group},
                   {"deployment", served_ ? served_->id : std::string()},
                   {"status", status},
                   {"stream", streamed_},
                   {"attempts", plan_ ? plan_->attempts_sent() : 0},
                   {"fallbacks", plan_ ? plan_->fallbacks_taken() : 0},
                   {"latency_ms", ms_of(total)},
                   {"overhead_ms", ms_of(overhead)},
                   {"prompt_tokens", prompt_tokens_},
                   {"completion_tokens", completion_tokens_}};
    if (first_token_at_) f["ttft_ms"] = ms_of(*first_token_at_ - started_);
    if (key_) f["client_key"] = key_->name;
    log.info("access", std::move(f));
}

}  // namespace baton::daemon
