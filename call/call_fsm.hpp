#pragma once

#include "call/call_error.hpp"
#include "call/key_scope.hpp"
#include "call/routed_request.hpp"
#include "providers/adapter.hpp"
#include "routing/health_registry.hpp"
#include "routing/plan.hpp"
#include "routing/route_table.hpp"
#include "streaming/sse_parser.hpp"
#include "streaming/stream_state.hpp"

#include "net/upstream_errc.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace baton::call {

/// What the machine reads from the running config; borrowed, must outlive the machine (the executor keeps
/// the snapshot alive for the call).
struct call_context {
    const routing::route_table* routes = nullptr;
    routing::health_registry* health = nullptr;
    /// Each deployment's adapter and derived route, indexed by routing::deployment::index.
    std::span<const providers::deployment_route> providers;
    /// The request's whole budget for retries, backoff and fallbacks (router_settings.request_budget).
    routing::duration budget = std::chrono::seconds(600);
};

/// One upstream answer with an HTTP status, as the executor read it (whole: a non-streamed response, or
/// the error body of a stream whose head was not 2xx).
struct upstream_answer {
    unsigned status = 0;
    std::string content_type;
    std::string retry_after;  ///< the raw Retry-After header, empty when absent
    std::string body;
    /// When the answer came, on the wall clock: what an HTTP-date Retry-After is counted from. Needed only
    /// when `retry_after` is set.
    std::chrono::system_clock::time_point received_at{};
};

/// Side effects the machine announces (logs and metrics); the executor implements them, tests record
/// them. Every method has an empty default. Called synchronously from the machine's methods.
class call_observer {
public:
    virtual ~call_observer() = default;
    /// Entries of the plan were skipped (they name nothing, lie outside the key's scope, or are no model
    /// name), one line each: called once per request, when the plan is built, and only when there are some.
    virtual void plan_notes(const std::vector<std::string>& notes);
    /// An attempt at `t` is about to be sent (`t.hop` set when it is a failover). `stream_hop` is the
    /// number of stream hops before it, for a streamed call; nullopt otherwise.
    virtual void attempt_started(const routing::plan::try_deployment& t,
                                 std::optional<std::size_t> stream_hop);
    /// The attempt at `t` ended: `reason` none for a success. `detail` is for logs (never secrets).
    virtual void attempt_ended(const routing::plan::try_deployment& t, routing::failure_reason reason,
                               int status, routing::duration latency, std::string_view detail);
    /// The attempt at `t` left out request parameters its provider cannot take (`names`, comma-separated):
    /// worth a debug log line, never an error.
    virtual void params_dropped(const routing::plan::try_deployment& t, std::string_view names);
    /// A committed stream lost its upstream (`trigger`) after `chunks_relayed` chunks: a stream failover.
    virtual void stream_failed_over(const routing::plan::try_deployment& t, streaming::stream_trigger trigger,
                                    std::size_t chunks_relayed);
    /// The upstream of `t` sent an event the stream dropped for `why` (a malformed one); `dropped` counts
    /// them over the stream so far (1 for the first).
    virtual void event_dropped(const routing::plan::try_deployment& t, streaming::drop_reason why,
                               std::size_t dropped);
    /// The hedge race of a streamed request ended (issue #10, point 5): `hedge` is the attempt started beside
    /// the original; `outcome` is "won" (the hedge serves), "lost" (the original does) or "failed" (neither
    /// produced an event).
    virtual void hedge_ended(const routing::plan::try_deployment& hedge, std::string_view outcome);
};

/// What the executor must do next (Boost.Redis's run_fsm shape: the machine answers, the shell performs).
enum class action_kind {
    send,        ///< send order() to its deployment, then report with on_response / on_transport_error /
                 ///< on_stream_open
    relay,       ///< a stream's 2xx head arrived: give each upstream event to on_event(), the end to
                 ///< on_upstream_end() / on_idle_timeout(), then call on_hop_end()
    wait,        ///< wait delay(), then call on_wait_over()
    respond,     ///< write answer() (an upstream's answer: the success, or the one given back), then stop
    fail,        ///< answer with error() (daemon/error_answer.hpp picks status and body), then stop
    end_stream,  ///< a committed stream failed for good: write stream_error() as its last event, end it, stop
    finish,      ///< nothing more to do (a stream completed)
};

/// An upstream exchange to perform.
struct send_order {
    const routing::plan::try_deployment* attempt = nullptr;  ///< the deployment, group and upstream model
    const providers::adapter* via = nullptr;                 ///< local() adapters answer without network
    std::string_view target;                                 ///< path and query
    std::string_view headers;                                ///< provider header lines (secrets)
    std::string_view body;                                   ///< the upstream body
    bool streamed = false;
    /// Set on a streamed call's first attempt when it may be hedged: call on_hedge_due() when no event came
    /// this long after the send (the deployment's hedge delay, routing::hedge_delay).
    std::optional<routing::duration> hedge_after;
};

/// A whole answer to write to the client.
struct client_answer {
    unsigned status = 200;
    std::string_view content_type;
    std::string_view body;
};

/// Tokens the call's upstreams reported (summed over a stream's hops).
struct call_usage {
    std::int64_t prompt_tokens = 0;
    std::int64_t completion_tokens = 0;
};

/// The pure per-request state machine of a routed call (issue #9): it owns the request's routing plan
/// (routing::plan), its stream state across hops (streaming::stream_state), the classification of every
/// attempt's outcome through the deployment's adapter (status and body, transport error, in-band stream
/// error, a 2xx that is no answer), the request budget, and the choice between responding, failing over,
/// waiting and ending a stream. It reads no clock and does no I/O: `now` and a uniform `draw` in [0, 1)
/// are arguments, and every side effect is announced to the call_observer.
///
/// Use: start(); then loop on the returned action (see action_kind) until respond, fail, end_stream or
/// finish. Accessors valid for an action (order(), answer(), error(), stream_error(), delay()) stay valid
/// until the next non-const call. Not thread-safe: one call, one reactor. Ends an in-flight attempt's
/// deployment in_flight count on destruction (a call abandoned because its client left).
class call_fsm {
public:
    call_fsm(call_context ctx, call_observer& observer);
    ~call_fsm();
    call_fsm(const call_fsm&) = delete;
    call_fsm& operator=(const call_fsm&) = delete;

    /// Starts the call for `request` (already parsed; call once) on behalf of `scope`: checks the model
    /// against the key's scope, builds the plan (model_not_found when it names nothing) and returns the first
    /// action.
    action_kind start(routed_request request, const key_scope* scope,
                      routing::stream_failover_mode default_mode, routing::time_point now, double draw);

    /// The attempt of the last send ended with an HTTP answer.
    action_kind on_response(upstream_answer a, routing::time_point now, double draw);
    /// The attempt of the last send failed without an HTTP status (`cancelled` must not be reported).
    action_kind on_transport_error(net::upstream_errc e, std::string_view detail, routing::time_point now,
                                   double draw);
    /// The streamed attempt of the last send got a 2xx head: relay.
    action_kind on_stream_open(routing::time_point now);
    /// The next complete upstream event at the start of `input` (the relay's unconsumed bytes), or
    /// nullopt when none is complete yet; see streaming::sse_parser.
    std::optional<streaming::sse_event> next_event(std::string_view input) { return parser_.next(input); }
    /// What to do with one event of the running hop (the relay's hot path).
    streaming::stream_action on_event(const streaming::sse_event& ev);
    /// The upstream body ended (`clean_eof`: an orderly end; else a cut).
    streaming::stream_action on_upstream_end(bool clean_eof);
    /// Nothing arrived within the first-event or idle deadline.
    streaming::stream_action on_idle_timeout();
    /// The relay holds more than stream()->options().max_event_bytes of one incomplete event.
    streaming::stream_action on_oversized_event();
    /// The hop is over (it completed, failed, or its events ran out): reports it and returns what next.
    action_kind on_hop_end(routing::time_point now, double draw);
    /// The running hop's first event reached the client at `now` (or, for a hedge that won, was read then):
    /// its deployment's time to first event is recorded (routing::deployment_health::record_ttft).
    void on_first_event(routing::time_point now);

    // The hedge race (issue #10, point 5). The original attempt is exchange 0; a hedge, exchange 1. The
    // executor reports every end of either before its first event with the on_racer_* calls, and the first
    // event with on_race_won; outside a race, the plain calls above.
    /// The original attempt's order().hedge_after passed with no event: true when a hedge starts beside it
    /// (order() then describes it: exchange 1), false when there is none (a hedge was started already, the
    /// stream committed, no candidate). At most one hedge per request.
    bool on_hedge_due(routing::time_point now, double draw);
    /// Exchange `x` produced the first event: it serves the call. The other, when still running, must be
    /// cancelled at once; the machine forgets it (counted as sent, its in-flight count ended, no health
    /// change) and abandons a hop it had opened. Then on_stream_open() for `x`, unless it was opened already.
    void on_race_won(int x, routing::time_point now);
    /// Exchange `x` ended with an HTTP answer before its first event. While the other exchange runs the
    /// failure is only recorded (nullopt: keep racing); when it was the last, this is on_response().
    std::optional<action_kind> on_racer_response(int x, upstream_answer a, routing::time_point now,
                                                 double draw);
    /// As on_racer_response, for a failure without a status (a stream that ended or timed out before its
    /// first event is reported as `connection` / `first_event_timeout`).
    std::optional<action_kind> on_racer_transport_error(int x, net::upstream_errc e, std::string_view detail,
                                                        routing::time_point now, double draw);
    /// Exchange `x` (whose stream was opened with on_stream_open) failed before its first event: as
    /// on_hop_end(), but nullopt while the other exchange still runs.
    std::optional<action_kind> on_racer_hop_end(int x, routing::time_point now, double draw);
    /// True from on_hedge_due() == true until on_race_won() or both exchanges failed.
    bool racing() const noexcept { return racing_[0] || racing_[1]; }
    /// True while exchange `x` of a race has not ended.
    bool racer_running(int x) const noexcept { return racing_[x & 1]; }
    /// The wait is over.
    action_kind on_wait_over(routing::time_point now, double draw);

    // The current action's data.
    const send_order& order() const noexcept { return order_; }
    const client_answer& answer() const noexcept { return answer_; }
    const call_error& error() const noexcept { return error_; }
    std::string_view stream_error() const noexcept { return stream_error_; }
    routing::duration delay() const noexcept { return delay_; }

    // What the call came to, for headers, metrics and the access log.
    /// The attempt that answered the client (a success, or a stream's first committed hop); null before.
    const routing::plan::try_deployment* served() const noexcept { return served_ ? &*served_ : nullptr; }
    /// The plan, once start() built one.
    const routing::plan* plan() const noexcept { return plan_ ? &*plan_ : nullptr; }
    /// Upstream attempts sent, counting the one in flight when `in_flight` (a stream's head goes out while
    /// its attempt still runs).
    int attempts_sent(bool in_flight = false) const noexcept;
    /// The model the request named; empty before start() (a body that did not parse).
    std::string_view requested_model() const noexcept
    {
        return request_ ? std::string_view(request_->model) : std::string_view();
    }
    /// Whether the request asked for a stream; false before start().
    bool streamed() const noexcept { return request_ && request_->stream; }
    providers::api_endpoint endpoint() const noexcept { return endpoint_; }
    routing::stream_failover_mode stream_mode() const noexcept { return mode_; }
    /// Tokens reported by the served attempt (the hops' sums for a stream).
    call_usage usage() const noexcept { return usage_; }
    const streaming::stream_state* stream() const noexcept { return stream_ ? &*stream_ : nullptr; }

private:
    action_kind next(routing::time_point now, double draw);
    action_kind send(const routing::plan::try_deployment& t, routing::time_point now);
    action_kind fail(call_error e);
    action_kind give_back();
    action_kind end_stream();
    void report(routing::failure_reason reason, int status, std::optional<routing::duration> retry_after,
                routing::time_point now, std::uint64_t tokens = 0, std::string_view detail = {});
    void end_in_flight() noexcept;
    /// How a continuation to `d` is asked for in this request: a strategy it refused is not asked again.
    routing::continuation strategy_for(const routing::deployment& d) const;
    /// Whether `d` can still continue by prefill (after a restart drifted, nothing else can help).
    bool continues_by_prefill(const routing::deployment& d) const;
    streaming::stream_action observed(const streaming::stream_action& a);
    /// Reports the running hop's failure (plan, observer); the trigger it failed with.
    streaming::stream_trigger record_hop_failure(routing::time_point now);

    call_context ctx_;
    call_observer& observer_;
    /// Move-constructed in place: its body keeps the executor's arena (a move assignment across memory
    /// resources would copy the whole DOM).
    std::optional<routed_request> request_;
    providers::api_endpoint endpoint_ = providers::api_endpoint::chat_completions;
    routing::stream_failover_mode mode_ = routing::stream_failover_mode::continue_;
    std::optional<routing::plan> plan_;
    std::optional<routing::plan::try_deployment> current_;  // the attempt in flight (or last sent)
    std::optional<routing::plan::try_deployment> served_;
    const providers::adapter* via_ = nullptr;         // current_'s adapter
    const routing::deployment* in_flight_ = nullptr;  // begin_request() without its end yet
    routing::time_point sent_at_{};
    std::string body_text_;       // the upstream body of the current attempt
    std::string target_scratch_;  // a target built per attempt (azure wildcards)
    std::string read_scratch_;    // a translated response body
    std::string dropped_;         // parameters the current attempt's provider left out
    send_order order_;
    client_answer answer_;
    call_error error_;
    std::string stream_error_;
    std::string detail_;  // a failed stream hop's trigger, for the log
    routing::duration delay_{};
    /// The last failure's answer, given back when the plan says so: an upstream's own, or baton's error.
    std::variant<std::monostate, upstream_answer, call_error> last_;
    upstream_answer success_;  // the successful answer being relayed
    call_usage usage_;

    // Streaming.
    std::optional<streaming::stream_state> stream_;
    streaming::sse_parser parser_;
    std::unique_ptr<providers::stream_translator> translator_;
    std::string translated_;  // the running hop's translated events
    streaming::sse_parser translated_parser_;
    std::string translated_out_;  // what a translated event stands for, relayed as a replacement
    bool hop_failed_ = false;     // the running hop's outcome, once known
    bool hop_done_ = false;
    /// The continuation strategy of the attempt in flight (a committed continue stream's hop); none for a
    /// restart or the original request.
    routing::continuation strategy_ = routing::continuation::none;
    /// Strategies refused in this request, by deployment: the next one is used instead (issue #10, point 2).
    std::vector<std::pair<std::string, routing::continuation>> downgraded_;
    bool prefill_only_ = false;  // a restart drifted: the plan is restricted to prefill candidates

    // Hedging: the other attempt of a race lives here, swapped with the primary fields above whenever the
    // machine works on it (so every other member function sees the attempt it works on as current_).
    struct other_attempt {
        std::optional<routing::plan::try_deployment> attempt;
        const providers::adapter* via = nullptr;
        const routing::deployment* in_flight = nullptr;
        routing::time_point sent_at{};
        std::string body;
        std::string target_scratch;
    };
    void swap_attempts() noexcept;
    void race_over(std::string_view outcome);
    other_attempt other_;
    int primary_exchange_ = 0;  // the exchange the primary fields describe
    bool racing_[2] = {false, false};
    bool hedged_ = false;                                         // at most one hedge per request
    std::optional<routing::plan::try_deployment> hedge_attempt_;  // for hedge_ended
};

}  // namespace baton::call
