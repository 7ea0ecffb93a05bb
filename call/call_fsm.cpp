#include "call/call_fsm.hpp"

#include "call/errc.hpp"
#include "providers/registry.hpp"
#include "routing/hedge_delay.hpp"
#include "routing/retry_after.hpp"
#include "streaming/final_error_event.hpp"
#include "streaming/stream_trigger.hpp"

#include <algorithm>

namespace baton::call {

namespace {

using routing::failure_reason;
using streaming::stream_action;
using streaming::stream_action_kind;

/// `text` with every occurrence of `secret` replaced by "[redacted]" (an upstream error that quotes the key
/// it was sent). Secrets shorter than 4 bytes are left alone: they could not be told from ordinary text.
void redact(std::string& text, std::string_view secret)
{
    if (secret.size() < 4) {
        return;
    }
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
        text.replace(at, secret.size(), "[redacted]");
    }
}

std::uint64_t token_count(const streaming::token_usage& u)
{
    return static_cast<std::uint64_t>(std::max<std::int64_t>(0, u.total_tokens));
}

streaming::endpoint_kind stream_kind(providers::api_endpoint e)
{
    return e == providers::api_endpoint::completions ? streaming::endpoint_kind::text
                                                     : streaming::endpoint_kind::chat;
}

}  // namespace

void call_observer::plan_notes(const std::vector<std::string>&) {}

void call_observer::attempt_started(const routing::plan::try_deployment&, std::optional<std::size_t>) {}

void call_observer::attempt_ended(const routing::plan::try_deployment&, failure_reason, int,
                                  routing::duration, std::string_view)
{
}

void call_observer::params_dropped(const routing::plan::try_deployment&, std::string_view) {}

void call_observer::stream_failed_over(const routing::plan::try_deployment&, streaming::stream_trigger,
                                       std::size_t)
{
}

void call_observer::event_dropped(const routing::plan::try_deployment&, streaming::drop_reason, std::size_t)
{
}

void call_observer::hedge_ended(const routing::plan::try_deployment&, std::string_view) {}

call_fsm::call_fsm(call_context ctx, call_observer& observer) : ctx_(ctx), observer_(observer) {}

call_fsm::~call_fsm()
{
    end_in_flight();
    if (other_.in_flight != nullptr) {
        other_.in_flight->health->end_request();  // a race's other attempt, abandoned with the call
    }
}

action_kind call_fsm::start(routed_request request, const key_scope* scope,
                            routing::stream_failover_mode default_mode, routing::time_point now, double draw)
{
    request_.emplace(std::move(request));
    const routed_request& req = *request_;
    endpoint_ = req.endpoint;
    mode_ = req.stream_failover.value_or(default_mode);
    const routing::route_table& routes = *ctx_.routes;
    routing::request_options options = std::move(request_->options);

    if (scope != nullptr) {
        if (scope->models != nullptr && scope->models->has_value()) {
            options.scope = &**scope->models;
        }
        if (scope->backup_models != nullptr) {
            options.backup_models = *scope->backup_models;
        }
    }
    options.deadline = now + ctx_.budget;

    std::vector<std::string> notes;
    auto made = routing::plan::make(routes, *ctx_.health, request_->model, std::move(options), &notes);
    if (!notes.empty()) {
        observer_.plan_notes(notes);
    }
    if (!made) {
        routing::plan::refusal r = made.error();
        return fail({.ec = r.why, .message = std::move(r.message), .param = std::move(r.param)});
    }
    plan_.emplace(std::move(*made));
    if (request_->stream) {
        streaming::stream_options so;
        so.mode = mode_;
        so.client_wants_usage = request_->client_wants_usage;
        so.endpoint = stream_kind(endpoint_);
        stream_.emplace(so);
    }
    return next(now, draw);
}

action_kind call_fsm::next(routing::time_point now, double draw)
{
    const bool committed = stream_ && stream_->committed();
    if (committed && !stream_->can_fail_over()) {
        return end_stream();
    }
    auto step = plan_->next(now, draw);
    if (auto* t = std::get_if<routing::plan::try_deployment>(&step)) {
        return send(*t, now);
    }
    if (auto* w = std::get_if<routing::plan::wait>(&step)) {
        delay_ = w->delay;
        return action_kind::wait;
    }
    if (committed) {
        // After the first byte the answer can only end in-band (SPEC §6).
        return end_stream();
    }
    if (auto* x = std::get_if<routing::plan::exhausted>(&step)) {
        return fail({.ec = x->why,
                     .model = request_->model.empty() ? plan_->requested() : request_->model,
                     .attempts = &plan_->attempts()});
    }
    return give_back();
}

action_kind call_fsm::send(const routing::plan::try_deployment& t, routing::time_point now)
{
    current_ = t;
    const routing::deployment& d = *t.target;
    sent_at_ = now;
    if (d.index >= ctx_.providers.size() || ctx_.providers[d.index].via == nullptr) {
        // Cannot happen with a snapshot built by the daemon; fail the attempt rather than the process.
        observer_.attempt_started(*current_, stream_ ? std::optional(stream_->hop_count()) : std::nullopt);
        via_ = &providers::openai_compatible();
        return on_transport_error(net::upstream_errc::bad_target, {}, now, 0.0);
    }
    const providers::deployment_route& route = ctx_.providers[d.index];
    via_ = route.via;
    strategy_ = routing::continuation::none;
    if (stream_ && stream_->committed()) {
        // The next candidate continues (or restarts) the answer the client already has part of (SPEC §6), the
        // way this deployment continues (issue #10, point 2); a half-emitted tool call is restarted.
        if (mode_ == routing::stream_failover_mode::continue_ && !stream_->partial_text().empty() &&
            !stream_->tool_call_relayed()) {
            strategy_ = strategy_for(d);
        }
        auto next_body = stream_->next_request(request_->body, strategy_);
        if (strategy_ == routing::continuation::prefill &&
            stream_->options().endpoint == streaming::endpoint_kind::chat) {
            via_->mark_prefill(next_body);
        }
        via_->write_body(route, next_body, t.upstream_model, endpoint_, body_text_, dropped_);
    } else {
        via_->write_body(route, request_->body, t.upstream_model, endpoint_, body_text_, dropped_);
    }
    observer_.attempt_started(*current_, stream_ ? std::optional(stream_->hop_count()) : std::nullopt);
    if (!dropped_.empty()) {
        observer_.params_dropped(*current_, dropped_);
    }
    order_ = send_order{.attempt = &*current_,
                        .via = via_,
                        .target = via_->target(route, d, endpoint_, t.upstream_model, target_scratch_),
                        .headers = route.headers,
                        .body = body_text_,
                        .streamed = request_->stream};
    if (!via_->local()) {
        d.health->begin_request();
        in_flight_ = &d;
        if (stream_ && !stream_->committed() && !hedged_) {
            // A streamed request whose first event is late may be hedged (issue #10, point 5).
            const routing::hedge_settings& hs = ctx_.routes->settings.hedging_for(t.group);
            if (hs.enabled) {
                order_.hedge_after = routing::hedge_delay(*d.health, hs);
            }
        }
    }
    return action_kind::send;
}

action_kind call_fsm::on_response(upstream_answer a, routing::time_point now, double draw)
{
    end_in_flight();
    const int status = static_cast<int>(a.status);
    const failure_reason reason = via_->classify(status, a.body);
    if (reason == failure_reason::none && !stream_) {
        success_ = std::move(a);
        const providers::response_reading reading =
            via_->read(success_.body, request_->created, read_scratch_);
        if (!reading.usable) {
            // A 2xx that is no answer: the upstream misbehaved; fail over.
            last_ =
                call_error{.ec = errc::unparseable_body, .message = "upstream returned an unparseable body"};
            report(failure_reason::bad_response, status, std::nullopt, now, 0,
                   "a 2xx body that is not one JSON object");
            return next(now, draw);
        }
        report(failure_reason::none, status, std::nullopt, now, token_count(reading.usage));
        served_ = current_;
        usage_ = {reading.usage.prompt_tokens, reading.usage.completion_tokens};
        answer_ = {success_.status, success_.content_type, reading.body};
        return action_kind::respond;
    }
    if (reason == failure_reason::format && strategy_ != routing::continuation::none) {
        // A continuation request refused (a 400 for prefill, say): the deployment is asked again with the
        // next strategy; the refusal never becomes the client's error (issue #10, point 2).
        const routing::deployment& d = *current_->target;
        const routing::continuation next_strategy =
            stream_->options().endpoint == streaming::endpoint_kind::text
                ? routing::continuation::none  // a prompt is continued one way only: the other is a restart
                : routing::next_continuation(strategy_).value_or(routing::continuation::none);
        downgraded_.emplace_back(d.id, next_strategy);
        observer_.attempt_ended(*current_, reason, status, now - sent_at_,
                                std::string("continuation by ") + std::string(routing::to_string(strategy_)) +
                                    " refused; asking again by " +
                                    std::string(routing::to_string(next_strategy)));
        routing::plan::try_deployment again = *current_;
        again.hop.reset();
        return send(again, now);
    }
    const auto retry_after = routing::parse_retry_after(a.retry_after, a.received_at);
    // A 2xx for a stream comes through on_stream_open; here it could only be a broken exchange.
    const failure_reason r = reason == failure_reason::none ? failure_reason::bad_response : reason;
    // Classified in the provider's words; given back (if it is) in OpenAI's, and never with the deployment's
    // key in it.
    via_->rewrite_error(a.body);
    redact(a.body, current_->target->api_key);
    last_ = std::move(a);
    report(r, status, retry_after, now);
    return next(now, draw);
}

action_kind call_fsm::on_transport_error(net::upstream_errc e, std::string_view detail,
                                         routing::time_point now, double draw)
{
    end_in_flight();
    last_ = call_error{.ec = e};
    report(routing::classify(e), 0, std::nullopt, now, 0, detail);
    return next(now, draw);
}

action_kind call_fsm::on_stream_open(routing::time_point)
{
    stream_->begin_hop();
    parser_.reset();
    translator_ = via_->translator(endpoint_, request_->created);
    hop_failed_ = false;
    hop_done_ = false;
    return action_kind::relay;
}

stream_action call_fsm::observed(const stream_action& a)
{
    if (a.dropped != streaming::drop_reason::none) {
        observer_.event_dropped(*current_, a.dropped, stream_->events_dropped());
    }
    return a;
}

stream_action call_fsm::on_event(const streaming::sse_event& ev)
{
    if (!translator_) {
        const stream_action a = stream_->on_event(ev);
        if (a.kind == stream_action_kind::forward || a.kind == stream_action_kind::replace) {
            if (!served_) {
                served_ = current_;
            }
        } else if (a.kind == stream_action_kind::done) {
            hop_done_ = true;
            if (!served_) {
                served_ = current_;
            }
        } else if (a.kind == stream_action_kind::fail) {
            hop_failed_ = true;
        } else if (a.dropped != streaming::drop_reason::none) {
            return observed(a);
        }
        return a;
    }

    // Another dialect: the event becomes zero or more OpenAI events, each decided as if relayed; what they
    // come to goes out as one replacement.
    translated_.clear();
    translator_->translate(ev, translated_);
    translated_out_.clear();
    translated_parser_.reset();
    std::size_t offset = 0;
    while (auto t = translated_parser_.next(std::string_view(translated_).substr(offset))) {
        const stream_action a = stream_->on_event(*t);
        switch (a.kind) {
        case stream_action_kind::forward:
            translated_out_.append(translated_, offset, t->size);
            break;
        case stream_action_kind::replace:
            translated_out_.append(a.payload);
            break;
        case stream_action_kind::drop:
            observed(a);
            break;
        case stream_action_kind::done:
            hop_done_ = true;
            translated_out_.append(a.payload);
            if (!served_) {
                served_ = current_;
            }
            return {stream_action_kind::done, a.trigger, translated_out_};
        case stream_action_kind::fail:
            hop_failed_ = true;
            return a;
        }
        offset += t->size;
    }
    if (translated_out_.empty()) {
        return {};
    }
    if (!served_) {
        served_ = current_;
    }
    return {stream_action_kind::replace, streaming::stream_trigger::connection_cut, translated_out_};
}

stream_action call_fsm::on_upstream_end(bool clean_eof)
{
    const stream_action a = stream_->on_upstream_end(clean_eof);
    hop_done_ = hop_done_ || a.kind == stream_action_kind::done;
    hop_failed_ = hop_failed_ || a.kind == stream_action_kind::fail;
    if (a.kind == stream_action_kind::done && !served_) {
        served_ = current_;
    }
    return a;
}

stream_action call_fsm::on_oversized_event()
{
    const stream_action a = stream_->on_oversized_event();
    hop_done_ = hop_done_ || a.kind == stream_action_kind::done;
    hop_failed_ = hop_failed_ || a.kind == stream_action_kind::fail;
    if (a.kind == stream_action_kind::done && !served_) {
        served_ = current_;
    }
    return a;
}

stream_action call_fsm::on_idle_timeout()
{
    const stream_action a = stream_->on_idle_timeout();
    hop_done_ = hop_done_ || a.kind == stream_action_kind::done;
    hop_failed_ = hop_failed_ || a.kind == stream_action_kind::fail;
    if (a.kind == stream_action_kind::done && !served_) {
        served_ = current_;
    }
    return a;
}

action_kind call_fsm::on_hop_end(routing::time_point now, double draw)
{
    end_in_flight();
    translator_.reset();
    if (hop_done_) {
        const streaming::token_usage total = stream_->usage();
        report(failure_reason::none, 200, std::nullopt, now, token_count(stream_->hops().back().usage));
        usage_ = {total.prompt_tokens, total.completion_tokens};
        return action_kind::finish;
    }
    const streaming::stream_trigger trigger = record_hop_failure(now);
    if (trigger == streaming::stream_trigger::restart_drift && !prefill_only_) {
        // A restart did not match what the client has: another restart (or an instruction a model may answer
        // by starting over) could drift as well; only a candidate that extends the text by prefill can help.
        prefill_only_ = true;
        plan_->restrict([this](const routing::deployment& d) { return continues_by_prefill(d); });
    }
    return next(now, draw);
}

streaming::stream_trigger call_fsm::record_hop_failure(routing::time_point now)
{
    const streaming::stream_trigger trigger =
        hop_failed_ ? stream_->last_failure().value_or(streaming::stream_trigger::connection_cut)
                    : streaming::stream_trigger::connection_cut;
    failure_reason reason = streaming::to_failure_reason(trigger);
    if (trigger == streaming::stream_trigger::error_event) {
        // An in-band error may say more (rate limit, context window): classify its body.
        const failure_reason refined = via_->classify(500, stream_->error_data());
        if (refined != failure_reason::none) {
            reason = refined;
        }
    }
    last_ = call_error{.ec = trigger};
    detail_ = std::string(streaming::to_string(trigger)) + ": " + std::string(streaming::describe(trigger));
    report(reason, 0, std::nullopt, now, 0, detail_);
    if (stream_->committed()) {
        observer_.stream_failed_over(*current_, trigger, stream_->chunks_relayed());
    }
    return trigger;
}

void call_fsm::on_first_event(routing::time_point now)
{
    if (current_ && current_->target->health) {
        current_->target->health->record_ttft(
            std::chrono::duration<double, std::milli>(now - sent_at_).count());
    }
}

bool call_fsm::on_hedge_due(routing::time_point now, double draw)
{
    if (hedged_ || !stream_ || stream_->committed() || !current_ || !plan_ || racing()) {
        return false;
    }
    std::optional<routing::plan::try_deployment> t = plan_->hedge(now, draw, *current_->target);
    if (!t) {
        return false;
    }
    const routing::deployment& d = *t->target;
    if (d.index >= ctx_.providers.size() || ctx_.providers[d.index].via == nullptr ||
        ctx_.providers[d.index].via->local()) {
        plan_->abandon(
            d);  // cannot happen with a snapshot built by the daemon (a local adapter is never slow)
        return false;
    }
    hedged_ = true;
    hedge_attempt_ = *t;
    swap_attempts();  // the original waits in other_ while send() prepares the hedge in the primary fields
    send(*t, now);
    order_.hedge_after.reset();
    swap_attempts();  // back: the hedge waits in other_
    order_.attempt = &*other_.attempt;
    racing_[0] = true;
    racing_[1] = true;
    return true;
}

void call_fsm::on_race_won(int x, routing::time_point)
{
    x &= 1;
    if (x != primary_exchange_) {
        if (stream_->hop_running()) {
            stream_->abandon_hop();  // the original had opened its stream; nothing of it reached the client
        }
        swap_attempts();
    }
    if (racing_[x ^ 1] && other_.attempt) {
        // The loser: cancelled by the executor; counted as sent, no health change.
        if (other_.in_flight != nullptr) {
            other_.in_flight->health->end_request();
            other_.in_flight = nullptr;
        }
        plan_->abandon(*other_.attempt->target);
    }
    racing_[0] = false;
    racing_[1] = false;
    race_over(x == 1 ? "won" : "lost");
}

std::optional<action_kind> call_fsm::on_racer_response(int x, upstream_answer a, routing::time_point now,
                                                       double draw)
{
    x &= 1;
    racing_[x] = false;
    if (x != primary_exchange_) {
        swap_attempts();
    }
    if (!racing_[x ^ 1]) {
        race_over("failed");
        return on_response(std::move(a), now, draw);
    }
    // The other exchange still runs: record this failure and go on with it alone.
    end_in_flight();
    const int status = static_cast<int>(a.status);
    const failure_reason reason = via_->classify(status, a.body);
    const auto retry_after = routing::parse_retry_after(a.retry_after, a.received_at);
    last_ = std::move(a);
    report(reason == failure_reason::none ? failure_reason::bad_response : reason, status, retry_after, now);
    swap_attempts();
    return std::nullopt;
}

std::optional<action_kind> call_fsm::on_racer_transport_error(int x, net::upstream_errc e,
                                                              std::string_view detail,
                                                              routing::time_point now, double draw)
{
    x &= 1;
    racing_[x] = false;
    if (x != primary_exchange_) {
        swap_attempts();
    }
    if (!racing_[x ^ 1]) {
        race_over("failed");
        return on_transport_error(e, detail, now, draw);
    }
    end_in_flight();
    last_ = call_error{.ec = e};
    report(routing::classify(e), 0, std::nullopt, now, 0, detail);
    swap_attempts();
    return std::nullopt;
}

std::optional<action_kind> call_fsm::on_racer_hop_end(int x, routing::time_point now, double draw)
{
    x &= 1;
    racing_[x] = false;
    if (x != primary_exchange_) {
        swap_attempts();
    }
    if (!racing_[x ^ 1]) {
        race_over("failed");
        return on_hop_end(now, draw);
    }
    end_in_flight();
    translator_.reset();
    record_hop_failure(now);
    swap_attempts();
    return std::nullopt;
}

void call_fsm::swap_attempts() noexcept
{
    std::swap(current_, other_.attempt);
    std::swap(via_, other_.via);
    std::swap(in_flight_, other_.in_flight);
    std::swap(sent_at_, other_.sent_at);
    body_text_.swap(other_.body);
    target_scratch_.swap(other_.target_scratch);
    primary_exchange_ ^= 1;
}

void call_fsm::race_over(std::string_view outcome)
{
    if (hedge_attempt_) {
        observer_.hedge_ended(*hedge_attempt_, outcome);
    }
}

action_kind call_fsm::on_wait_over(routing::time_point now, double draw)
{
    return next(now, draw);
}

action_kind call_fsm::fail(call_error e)
{
    error_ = std::move(e);
    return action_kind::fail;
}

action_kind call_fsm::give_back()
{
    if (const auto* a = std::get_if<upstream_answer>(&last_)) {
        answer_ = {a->status != 0 ? a->status : 502, a->content_type, a->body};
        return action_kind::respond;
    }
    if (const auto* e = std::get_if<call_error>(&last_)) {
        return fail(*e);
    }
    return fail({.ec = routing::errc::all_failed,
                 .model = request_->model.empty() ? plan_->requested() : request_->model,
                 .attempts = &plan_->attempts()});
}

action_kind call_fsm::end_stream()
{
    stream_error_ = stream_->final_error();
    const streaming::token_usage u = stream_->usage();
    usage_ = {u.prompt_tokens, u.completion_tokens};
    return action_kind::end_stream;
}

routing::continuation call_fsm::strategy_for(const routing::deployment& d) const
{
    for (auto it = downgraded_.rbegin(); it != downgraded_.rend(); ++it) {
        if (it->first == d.id) {
            return it->second;
        }
    }
    if (d.continuation) {
        return *d.continuation;
    }
    const providers::adapter* via = d.index < ctx_.providers.size() ? ctx_.providers[d.index].via : nullptr;
    return via != nullptr ? via->default_continuation() : routing::continuation::instruct;
}

bool call_fsm::continues_by_prefill(const routing::deployment& d) const
{
    const routing::continuation c = strategy_for(d);
    // A prompt is always extended, never answered anew, unless the deployment restarts.
    return stream_kind(endpoint_) == streaming::endpoint_kind::text ? c != routing::continuation::none
                                                                    : c == routing::continuation::prefill;
}

void call_fsm::report(failure_reason reason, int status, std::optional<routing::duration> retry_after,
                      routing::time_point now, std::uint64_t tokens, std::string_view detail)
{
    routing::outcome o;
    o.reason = reason;
    o.status = status;
    o.retry_after = retry_after;
    o.latency = now - sent_at_;
    o.mid_stream = stream_ && stream_->committed();
    plan_->report(*current_->target, o, now);
    // rpm/tpm use of this minute, for usage-based routing (tokens are known only for a success).
    if (reason != failure_reason::cooling_down) {
        current_->target->health->record_usage(now, 1, tokens);
    }
    observer_.attempt_ended(*current_, reason, status, o.latency, detail);
}

void call_fsm::end_in_flight() noexcept
{
    if (in_flight_ != nullptr) {
        in_flight_->health->end_request();
        in_flight_ = nullptr;
    }
}

int call_fsm::attempts_sent(bool in_flight) const noexcept
{
    return plan_ ? plan_->attempts_sent() + (in_flight ? 1 : 0) : 0;
}

}  // namespace baton::call
