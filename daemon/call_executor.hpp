#pragma once

#include "call/call_fsm.hpp"
#include "daemon/config_store.hpp"
#include "daemon/metrics_shard.hpp"
#include "daemon/response_sink.hpp"
#include "daemon/upstream_transport.hpp"
#include "log/logger.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/json/monotonic_resource.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace baton::daemon {

/// What a call needs from the reactor it runs on; every member outlives the call.
struct call_services {
    upstream_transport* network = nullptr;  ///< the upstream client of the reactor
    upstream_transport* local = nullptr;    ///< local adapters (baton/echo)
    metrics_shard* metrics = nullptr;       ///< the reactor's shard
    const logger* log = nullptr;
    std::mt19937_64* rng = nullptr;              ///< the routing draws
    routing::health_registry* health = nullptr;  ///< cooldowns and health, shared by every reactor
};

/// The thin shell of one routed call (issue #9): runs call::call_fsm and performs each action it answers —
/// send through a transport, relay a stream, wait, write to the sink — measures, logs and counts. It holds
/// the sockets (through the transport and the sink) and the timers, and no policy: every `if` about what a
/// failure means lives in the machine. One call on one reactor; not thread-safe.
class call_executor final : private call::call_observer {
public:
    call_executor(call_services services, std::shared_ptr<const snapshot> snap,
                  providers::api_endpoint endpoint, response_sink& sink, std::string_view request_id,
                  const client_key* key);
    ~call_executor() override;

    /// Parses `body`, runs the call to its end and answers on the sink. Never throws for expected failures.
    net::task<void> run(std::string body);

    /// Stops the call now (the reader left): aborts the upstream exchange and any wait in progress.
    void cancel() noexcept;

    /// Once run() returned: the failure the machine answered with (its `fail` action), else null (an
    /// answer, the upstream's or a refused body's, went to the sink). A batch line reads it to tell a 429
    /// storm (routing::errc::nothing_sent / all_rate_limited) from an answer.
    const call::call_error* failure() const noexcept { return failed_ ? &fsm_.error() : nullptr; }
    /// The call's routing plan, once one was made (null for a body refused before routing).
    const routing::plan* plan() const noexcept { return fsm_.plan(); }
    /// The calling key's limit state, written as x-ratelimit-* headers on the answer; must outlive run().
    void set_limits(const keys::key_usage* usage) noexcept { limits_ = usage; }
    /// Tokens the upstream reported used so far (prompt + completion, every hop): what counts toward the
    /// key's tpm_limit.
    std::uint64_t tokens_used() const noexcept;

private:
    using clock = std::chrono::steady_clock;

    net::task<void> perform(call::action_kind next);
    net::task<call::action_kind> send_unary(const exchange& x);
    net::task<call::action_kind> send_stream(const exchange& x);
    /// Relays an opened stream (body_, with bytes already in buffer_ for a hedge that won) to its hop's end.
    net::task<call::action_kind> relay_stream(const exchange& x, clock::time_point t0);
    // The hedged first token (issue #10): a timer, a second exchange, the race between them.
    struct hedge_watch;
    struct hedge_exchange;
    void arm_hedge(const net::executor& ex, clock::time_point at);
    void disarm_hedge() noexcept;
    void hedge_due();
    net::task<void> run_hedge();
    net::task<call::action_kind> await_hedge();
    net::task<call::action_kind> serve_hedge();
    net::task<void> join_hedge();
    bool settle_race_for_original();
    std::optional<call::action_kind> report_hedge_failure();
    /// Relays the complete events now in buffer_; `progress` is set when one of them was an event with data
    /// that was not dropped as malformed. False when the client is gone (a write failed).
    net::task<bool> relay_buffered(bool* ended, bool* progress);
    net::task<bool> wait(routing::duration d);
    exchange exchange_for(const call::send_order& o) const;
    answer_meta meta(bool attempt_in_flight = false) const;
    void begin_stream_head();
    void finish_log(unsigned status);

    // call_observer: logs and metrics of what the machine decided.
    void plan_notes(const std::vector<std::string>& notes) override;
    void params_dropped(const routing::plan::try_deployment& t, std::string_view names) override;
    void attempt_started(const routing::plan::try_deployment& t,
                         std::optional<std::size_t> stream_hop) override;
    void attempt_ended(const routing::plan::try_deployment& t, routing::failure_reason reason, int status,
                       routing::duration latency, std::string_view detail) override;
    void stream_failed_over(const routing::plan::try_deployment& t, streaming::stream_trigger trigger,
                            std::size_t chunks_relayed) override;
    void event_dropped(const routing::plan::try_deployment& t, streaming::drop_reason why,
                       std::size_t dropped) override;
    void hedge_ended(const routing::plan::try_deployment& hedge, std::string_view outcome) override;

    static void on_gone(void* self);
    double draw();

    call_services services_;
    std::shared_ptr<const snapshot> snap_;
    providers::api_endpoint endpoint_;
    response_sink& sink_;
    std::string_view request_id_;  ///< the handler's; outlives the call
    const client_key* key_;
    const keys::key_usage* limits_ = nullptr;

    clock::time_point started_ = clock::now();
    clock::duration upstream_time_{};
    std::optional<clock::time_point> first_token_at_;
    /// The request's JSON lives in this arena (a buffer inside the call, then blocks that grow): parsing
    /// and rewriting a body costs no allocation per node, and it is all freed at once. Declared before the
    /// machine, which holds the body.
    alignas(16) unsigned char json_buffer_[4096];
    boost::json::monotonic_resource json_arena_{json_buffer_, sizeof json_buffer_};
    call::call_fsm fsm_;
    net::upstream_abort abort_;
    net::steady_timer* backoff_ = nullptr;  ///< the wait in progress, if any
    bool gone_ = false;
    bool head_begun_ = false;
    bool failed_ = false;  ///< the machine's last action was `fail`
    unsigned final_status_ = 0;
    boost::beast::flat_buffer buffer_;  ///< a stream's unconsumed upstream bytes
    std::string replaced_;              ///< replaced events of the read being relayed, written together
    std::unique_ptr<upstream_body> body_;
    std::shared_ptr<hedge_watch> hedge_watch_;  ///< the hedge timer, shared with its pending handler
    std::unique_ptr<hedge_exchange> hedge_;     ///< the hedge, once started (at most one per call)
    int race_winner_ = -1;                      ///< -1 undecided; 0 the original; 1 the hedge
    net::steady_timer* hedge_wait_ = nullptr;   ///< the main coroutine waiting for run_hedge
};

}  // namespace baton::daemon
