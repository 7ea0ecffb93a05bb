#pragma once

#include "routing/deployment_health.hpp"
#include "routing/failure_reason.hpp"
#include "routing/time.hpp"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace baton::routing {

/// Cooldown policy, from router_settings (SPEC §5.7).
struct cooldown_policy {
    /// Counted failures within `window` that start a cooldown (the allowed_fails-th one does); 0 acts as 1.
    int allowed_fails = 3;
    duration window = std::chrono::seconds(60);            ///< how far back counted failures count
    duration cooldown_time = std::chrono::seconds(5);      ///< cooldown length, and the minimum for a 429
    duration retry_after_cap = std::chrono::seconds(300);  ///< cap on an honoured Retry-After
    /// A rate limit whose Retry-After (after the cap) is at most this cools down for exactly that long:
    /// cooldown_time does not stretch a wait the request itself may take
    /// (router_settings.retry_after_max_wait).
    duration retry_after_max_wait = std::chrono::seconds(3);
};

/// A health transition, as told to listeners.
struct health_event {
    std::string deployment_id;
    std::string model_group;
    bool healthy = true;                           ///< new state: false = cooling down
    failure_reason reason = failure_reason::none;  ///< what started the cooldown (when !healthy)
    duration cooldown = duration::zero();          ///< its length (when !healthy)
};

/// Owner of every deployment_health cell, shared by all reactors and kept across reloads (SPEC §5.7).
/// Thread safety: every member is safe to call from any thread. Listeners run on the thread that caused
/// the transition, outside the registry's own lock; one that throws is reported to the error sink and
/// never stops the others or the caller.
class health_registry {
public:
    using listener = std::function<void(const health_event&)>;
    using error_sink = std::function<void(const std::string& what)>;

    /// An empty registry with `policy`, no listeners and no error sink (listener errors are then dropped).
    explicit health_registry(cooldown_policy policy = {});

    /// The cell for `id`, created on first use; the same cell is returned after a reload (its state kept).
    /// `group` is used only when the cell is created (it labels health events).
    std::shared_ptr<deployment_health> cell(const std::string& id, const std::string& group);
    /// Drops cells whose id is not in `live_ids` (after a reload removed deployments). Holders of a dropped
    /// cell (an old table) keep it alive; a later cell() for that id starts afresh.
    void retain_only(const std::vector<std::string>& live_ids);

    /// Replaces the policy (on reload); running cooldowns keep their end time.
    void set_policy(const cooldown_policy& p);
    /// The current policy.
    cooldown_policy policy() const;

    /// Records a failed attempt. rate_limit/auth/billing cool down at once for
    /// max(min(retry_after, retry_after_cap), cooldown_time) (the cap bounds what the upstream asks for, not
    /// cooldown_time; a negative retry_after counts as 0) — except a rate_limit whose capped Retry-After is
    /// at most retry_after_max_wait, which cools down for exactly that Retry-After; counted reasons cool down
    /// once `allowed_fails` of them fall within the window (now - t < window), after which the count starts
    /// afresh. A new cooldown never shortens a running one.
    /// format/context_window/content_policy/cooling_down/none change nothing. Fires {healthy=false} when this
    /// starts a cooldown on a cell last announced healthy.
    void record_failure(deployment_health& h, failure_reason r, time_point now,
                        std::optional<duration> retry_after = std::nullopt);
    /// Records a success: resets the consecutive-failure count (not the window of counted failures, so a
    /// deployment failing often within a minute still cools down). Never ends a running cooldown; fires
    /// {healthy=true} when the cell was announced cooling and its cooldown is over by `now`.
    void record_success(deployment_health& h, time_point now);
    /// Announces cooldowns that have ended by `now` (cooling → healthy), once each. Call periodically (the
    /// daemon's timer; routing has none).
    void tick(time_point now);

    /// Adds a listener, called for every later transition (healthy → cooling, cooling → healthy) in the
    /// order added; never for steady states.
    void add_listener(listener l);
    /// Where a throwing listener's error goes (its what(), prefixed); a throwing sink is ignored.
    void set_error_sink(error_sink s);

    /// Every cell, sorted by id (for /v1/health and metrics).
    std::vector<std::shared_ptr<deployment_health>> all() const;

private:
    void notify(const health_event& e);

    mutable std::mutex mutex_;
    cooldown_policy policy_;
    std::map<std::string, std::shared_ptr<deployment_health>> cells_;
    std::vector<listener> listeners_;
    error_sink error_sink_;
};

}  // namespace baton::routing
