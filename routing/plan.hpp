#pragma once

#include "routing/deployment.hpp"
#include "routing/errc.hpp"
#include "routing/failure_reason.hpp"
#include "routing/health_registry.hpp"
#include "routing/route_table.hpp"
#include "routing/time.hpp"

#include <boost/system/result.hpp>
#include <functional>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace baton::routing {

/// What a request adds to routing (SPEC §4 body extensions and the calling key). A plain value, copied into
/// the plan.
struct request_options {
    /// Per-request `fallbacks`: when set (even to an empty list) it replaces backup_models in step 2 of §5.4.
    std::optional<std::vector<std::string>> fallbacks;
    /// The calling key's backup_models (step 2 when `fallbacks` is unset). Group or alias names; entries that
    /// name nothing are skipped with a note.
    std::vector<std::string> backup_models;
    /// The calling key's `models` (SPEC §3 `keys:`): the names it may reach, on every hop of the plan (see
    /// plan::make). Null: no key scope (no key, or a key without `models`). Borrowed from the config
    /// snapshot: it must outlive the plan.
    const std::vector<std::string>* scope = nullptr;
    /// `disable_fallbacks: true`: only the groups the model itself names (an alias's whole chain included);
    /// no backup, configured, default, context-window or content-policy fallbacks.
    bool disable_fallbacks = false;
    /// Overrides router_settings.num_retries when set; negative counts as 0.
    std::optional<int> num_retries;
    /// No backoff wait crosses it (a wait that would end after it is not taken: the plan moves on). The
    /// default is "none". Attempts themselves are not bounded by it: the caller enforces its own total
    /// timeout.
    time_point deadline = time_point::max();
};

/// One entry of the request's attempt list, as listed in `fallbacks_exhausted` errors (SPEC §4).
struct attempt {
    std::string deployment_id;
    std::string model_group;  ///< configured group name (the wildcard pattern for a wildcard group)
    /// none for the successful attempt; cooling_down for skips.
    failure_reason reason = failure_reason::none;
    int status = 0;            ///< upstream HTTP status; 0 for transport failures and skips
    bool skipped = false;      ///< passed over because it was cooling down (never sent)
    double latency_ms = 0;     ///< outcome::latency in milliseconds; 0 for skips
};

/// A move from one deployment to the next: `from_group == to_group` for a same-group re-pick (or a new
/// num_retries round). `reason` is the failure that caused it; cooling_down when the first request goes to a
/// later group because every deployment before it was passed over. One per hop, for baton_fallback_total
/// and the routing log.
struct transition {
    std::string from_group;
    std::string to_group;
    failure_reason reason = failure_reason::none;
};

/// What an attempt came to, as the daemon reports it.
struct outcome {
    failure_reason reason = failure_reason::none;  ///< none = success (use classify() for the rest)
    int status = 0;                                ///< upstream HTTP status, 0 when none
    std::optional<duration> retry_after;           ///< parsed Retry-After, when given (any status)
    duration latency = duration::zero();           ///< time spent on this attempt
    /// The attempt was a hop of a stream the client already reads (committed, SPEC §6): the deployment is
    /// never tried again in this request, and a format failure (a refused continuation, a restart that
    /// drifted) moves on to the next candidate instead of ending the request.
    bool mid_stream = false;
};

/// The routing plan of one request (SPEC §5): which deployment to try next given what happened so far.
/// Pure: the caller passes `now` and a uniform random draw in [0, 1); the plan reads no clock and does no
/// I/O. It records outcomes in the shared health_registry (cooldowns, latency) and keeps the request's
/// excluded ids. Not thread-safe: a plan belongs to one request on one reactor. The route_table and
/// health_registry must outlive it.
///
/// Use: loop on next(); for try_deployment send the request and report() how it ended before calling
/// next() again; for wait, wait then call next(); exhausted and give_back end the request (a success ends it
/// too: next() then says give_back, i.e. "answer with what the upstream sent").
///
/// Plan order for model M (§5.4), each (group, wildcard model) at most once:
///  1. what M names, after one model_group_alias rename: an exact group, else an alias (its chain, in order),
///     else the best wildcard group; empty M means default_model;
///  2. request fallbacks, else the key's backup_models (each entry a group, alias or wildcard match);
///  3. router_settings.fallbacks looked up by M, then by M renamed, then by the first group of step 1, then
///     by the generic "*" entry; only M's own entry is used, never the fallback groups' own (no recursion);
///  4. default_fallbacks.
/// Within a group, a retryable failure excludes the deployment for the request and re-picks among the rest
/// (router_settings.strategy; when enable_weighted_failover is off the group ends instead), for every
/// strategy. When nothing is eligible, the next group at once. A group that failed for real gets up to
/// num_retries more rounds, each after a `wait`; a round brings back the group's deployments except those
/// *banned* for the request: one that timed out (no head, no first event, a stall), one that failed while
/// the client's stream was running (outcome::mid_stream; once that happens every deployment that failed in
/// the request is banned), and one whose Retry-After (capped by retry_after_cap) is longer than
/// router_settings.retry_after_max_wait. Every move to another group counts against max_fallbacks.
/// context_window / content_policy failures drop the rest of the plan for the matching *_fallbacks of M
/// (looked up as in 3), and give_back when there are none; format failures give_back at once.
class plan {
public:
    /// Send the request to `target` (a deployment of `table`, valid while the table lives) as part of
    /// `group` (its configured group name). `upstream_model` is the model name to put in the upstream body:
    /// the deployment's own, except that a '*' in it is replaced by what the wildcard group's '*' matched in
    /// the requested name (deployment "*" in group "openai/*", request "openai/gpt-4o" → "gpt-4o"). `hop`
    /// is set for every attempt after the first, and for a first attempt that goes to a later group than the
    /// primary one (reason cooling_down).
    struct try_deployment {
        const deployment* target = nullptr;
        std::string group;
        std::string upstream_model;
        std::optional<transition> hop;
        /// Started beside the attempt in flight (a hedged first token, hedge()), not after a failure; `hop`
        /// is then unset.
        bool hedge = false;
    };
    /// Wait `delay`, then call next() again. Comes before another num_retries round over the same group:
    /// 0.25 s doubling per round, capped at 8 s, times (0.5 + 0.5 × draw) for jitter; at least the largest
    /// Retry-After of the round that is no longer than retry_after_max_wait (after retry_after_cap; a
    /// longer one bans its deployment instead). Never offered when it would end after
    /// request_options::deadline, or when every deployment of the group is banned or would still be cooling
    /// down when it ends.
    struct wait {
        duration delay = duration::zero();
    };
    /// Nothing is left: answer `fallbacks_exhausted` with attempts(). `why`: nothing_sent when nothing was
    /// sent (every candidate cooling down or saturated); all_rate_limited when every sent attempt was
    /// rate-limited; all_timed_out when every sent attempt timed out; all_failed otherwise. The status it
    /// becomes is the daemon's choice (daemon/error_answer.hpp).
    struct exhausted {
        errc why = errc::all_failed;
    };
    /// Return the last upstream response to the client as it is (format errors; context window or
    /// content policy errors with no such fallbacks configured or allowed; also after a success).
    struct give_back {};

    using step = std::variant<try_deployment, wait, exhausted, give_back>;

    /// Why make() built no plan: the name refused, the request field it came from ("model", or "fallbacks"
    /// for a per-request fallback), and the reason in words for the client.
    struct refusal {
        /// model_not_found: the model names no group, alias or wildcard match (or an alias none of whose
        /// chain entries exists); model_not_allowed: the model is outside the key's scope;
        /// invalid_model_name: the model holds a '*', or the model or a per-request fallback makes a wildcard
        /// group capture something that is no model name (routing/model_name.hpp). A fallback may name a
        /// wildcard group by its pattern.
        errc why = errc::model_not_found;
        std::string name;
        std::string param = "model";
        std::string message;
    };

    /// Resolves `model` (empty = table.default_model) into the plan described above, or says why it cannot
    /// (refusal). The key's scope (request_options::scope) applies to every entry: a name is in scope when
    /// it is listed as written (a rename is not followed: its own name must be listed), an alias in scope
    /// brings its whole chain, a wildcard group listed by its pattern ("openai/*") brings every name it
    /// matches, and a deployment id is in scope when it or its group is listed. The model itself outside the
    /// scope refuses the request (model_not_allowed); any other entry outside it (per-request fallbacks,
    /// backup_models, configured, default, context-window and content-policy fallbacks, reached directly or
    /// through an alias or rename) is skipped with a note, as are entries that name nothing and configured
    /// entries that are no valid model name. Each note is a line of `notes` (when given) and of notes(). Does
    /// not touch the health registry.
    static boost::system::result<plan, refusal> make(const route_table& table, health_registry& health,
                                                     std::string_view model, request_options options,
                                                     std::vector<std::string>* notes = nullptr);

    /// The next step given everything reported so far, at `now`, with `draw` uniform in [0, 1) (used for the
    /// pick and for the backoff jitter). Cooling-down deployments met on the way are recorded as skipped
    /// attempts (once per request) and never returned. Calling it again after the plan ended repeats the
    /// ending (exhausted for the same reason, or give_back).
    step next(time_point now, double draw);

    /// Reports how the attempt at `target` (returned by the last next()) ended: records the attempt, the
    /// exclusion and the health update (record_success + record_latency, or record_failure with
    /// retry_after). A success ends the plan. Reason cooling_down (the caller found it cooling and did not
    /// send) is recorded as a skip. Ignored once the plan has ended. The plan does not touch in_flight or the
    /// per-minute usage: the caller brackets each upstream call with begin_request()/end_request() and
    /// calls record_usage() when it knows the tokens.
    void report(const deployment& target, const outcome& o, time_point now);

    /// A second candidate to run beside `in_flight` (the attempt the last next() handed out, not reported
    /// yet) whose first event is late: a hedge (issue #10, point 5). Picked as the next failover would be —
    /// the same group first, then the next groups (a move to another group counts against max_fallbacks) —
    /// but never after a wait; `in_flight` is excluded from then on. nullopt when there is none (the plan is
    /// left as it was). Each of the two attempts is then report()ed, or abandon()ed when it lost the race;
    /// either may end first.
    std::optional<try_deployment> hedge(time_point now, double draw, const deployment& in_flight);
    /// The attempt at `target` was cancelled unanswered (it lost a hedge race): it counts as sent and
    /// changes nothing else (no health update, no exclusion beyond the hedge's).
    void abandon(const deployment& target);

    /// From now on, only deployments `allowed` accepts are tried (the restriction applies to every later
    /// next(), rounds and stages included; a later call replaces it; an empty function lifts it). The
    /// request's machine uses it after a restarted stream drifted: only a candidate that continues by
    /// prefill can still help.
    void restrict(std::function<bool(const deployment&)> allowed) { allowed_ = std::move(allowed); }

    /// True when `id` will never be tried again in this request (see the class comment).
    bool banned(std::string_view id) const { return banned_.find(id) != banned_.end(); }

    /// Every attempt so far, in order (skips included, the successful one last).
    const std::vector<attempt>& attempts() const noexcept { return attempts_; }
    /// Upstream attempts actually sent (x-baton-attempts).
    int attempts_sent() const noexcept;
    /// Hops to another group taken so far (x-baton-fallbacks); at most router_settings.max_fallbacks.
    int fallbacks_taken() const noexcept { return fallbacks_taken_; }
    /// The alias (an `aliases:` entry) the request named, directly or through model_group_alias; empty when
    /// it named a plain group or a wildcard match (baton_alias_resolved_total counts only the former).
    const std::string& alias_name() const noexcept { return alias_; }
    /// The name the request asked for, after default_model (for logs).
    const std::string& requested() const noexcept { return requested_; }
    /// The group of the plan's first stage (metrics label before any group served).
    const std::string& primary_group() const noexcept;
    /// How long from `now` until the first deployment of the plan's groups (every stage, fallbacks included)
    /// that is cooling down gets out of its cooldown; nullopt when none is cooling. A caller whose plan ended
    /// with nothing sent (every candidate cooling or saturated) or all rate limited waits this long before it
    /// tries the request again (batch lines, SPEC §7). Reads the health cells; no side effect.
    std::optional<duration> earliest_cooldown_end(time_point now) const;
    /// Why entries were left out of the plan (fallbacks naming nothing), one line each, for the routing
    /// log. The lines passed to make() come first; entries of context-window/content-policy fallbacks met
    /// later are added when the plan switches to them.
    const std::vector<std::string>& notes() const noexcept { return notes_; }

private:
    plan(const route_table& table, health_registry& health) : table_(&table), health_(&health) {}

    struct stage_group {
        std::string name;            // configured group name
        std::string upstream_model;  // for a wildcard group: what the '*' matched (the model to send)
        std::optional<std::size_t> pinned;  // a fallback naming a deployment id: only that deployment
    };
    enum class ending { running, succeeded, gave_back, exhausted };
    /// What became of one entry of the plan.
    enum class entry_result { added, names_nothing, out_of_scope, invalid_name };

    entry_result add_entry(const std::string& entry, bool primary);
    entry_result add_group(const std::string& name, bool allowed);
    bool in_scope(std::string_view name) const;
    void add_stage(stage_group g);
    std::string pattern_model(const std::string& group) const;
    void add_list(const std::vector<std::string>& entries, std::string_view what);
    std::string note_for(entry_result r, std::string_view what, const std::string& entry) const;
    const std::vector<std::string>* lookup(
        const std::map<std::string, std::vector<std::string>, std::less<>>& fallbacks) const;
    std::shared_ptr<deployment_health> health_of(const deployment& d) const;
    bool eligible(const deployment& d) const;  // neither banned nor left out by restrict()
    // The next candidate from the current stage on: a try, a wait before another round (only when `rounds`),
    // or nothing left.
    std::variant<std::monostate, try_deployment, wait> scan(time_point now, double draw, bool rounds);
    std::size_t handed_stage(const deployment& target) const;  // the stage `target` was handed out for
    std::optional<duration> retry_delay(time_point now, double draw);
    void advance();
    void take_special_path(failure_reason r);
    errc exhausted_why() const;
    step finish(ending e);  // ends the plan; the step that says so

    const route_table* table_;
    health_registry* health_;
    request_options options_;
    std::string requested_;
    std::string alias_;
    std::vector<std::string> lookup_keys_;  // names the fallbacks maps are looked up by, in order
    std::vector<stage_group> groups_;       // the plan, in order, each (group, model) once
    std::size_t current_ = 0;               // index into groups_
    // Per stage (index into groups_): ids never to try again in this request (cleared for a num_retries
    // round). Per stage rather than per request only because a wildcard deployment asked for another model
    // by a later stage is another target; every other deployment belongs to exactly one stage.
    std::map<std::size_t, std::set<std::string, std::less<>>> excluded_;
    std::set<std::string> skipped_;  // ids already recorded as skipped
    // Ids never to try again in this request, whatever the round or stage (see the class comment).
    std::set<std::string, std::less<>> banned_;
    bool stream_committed_ = false;                    // a mid_stream outcome was reported
    std::function<bool(const deployment&)> allowed_;   // restrict(): candidates must pass it
    std::map<const deployment*, std::size_t> handed_;  // attempts handed out and not reported: their stage
    int abandoned_ = 0;                                // attempts that lost a hedge race
    std::vector<attempt> attempts_;
    std::vector<std::string> notes_;
    std::string invalid_detail_;  // why the last entry_result::invalid_name was
    int fallbacks_taken_ = 0;
    int rounds_used_ = 0;                    // extra rounds used on the current group
    int sent_in_round_ = 0;                  // attempts sent in the current group's current round
    bool round_over_ = false;                // weighted failover off: a failure ends the group's round
    std::optional<std::size_t> last_stage_;  // stage of the last attempt handed out
    failure_reason last_reason_ = failure_reason::none;
    std::optional<duration> round_retry_after_;
    ending ending_ = ending::running;
};

/// What boost::system::result<plan, plan::refusal>::value() throws when there is no plan: a
/// std::invalid_argument with the refusal's message.
[[noreturn]] void throw_exception_from_error(const plan::refusal& r, const boost::source_location& loc);

}  // namespace baton::routing
