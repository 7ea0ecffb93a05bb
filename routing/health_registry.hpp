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

/// Cooldown policy, from router_settings.
struct cooldown_policy {
    int allowed_fails = 3;              ///< counted failures within `window` before a cooldown
    duration window = std::chrono::seconds(60);
    duration cooldown_time = std::chrono::seconds(5);
    duration retry_after_cap = std::chrono::seconds(300);
};

/// A health transition, as told to listeners.
struct health_event {
    std::string deployment_id;
    std::string model_group;
    bool healthy = true;                 ///< new state: false = cooling down
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

    explicit health_registry(cooldown_policy policy = {});

    /// The cell for `id`, created on first use; the same cell is returned after a reload.
    std::shared_ptr<deployment_health> cell(const std::string& id, const std::string& group);
    /// Drops cells whose id is not in `live_ids` (after a reload removed deployments).
    void retain_only(const std::vector<std::string>& live_ids);

    void set_policy(const cooldown_policy& p);
    cooldown_policy policy() const;

    /// Records a failed attempt. rate_limit/auth/billing cool down at once for
    /// max(retry_after, cooldown_time) capped at retry_after_cap; counted reasons cool down once
    /// `allowed_fails` of them fall within the window. A new cooldown never shortens a running one.
    /// format/context_window/content_policy/cooling_down change nothing.
    void record_failure(deployment_health& h, failure_reason r, time_point now,
                        std::optional<duration> retry_after = std::nullopt);
    /// Records a success: resets the consecutive-failure count.
    void record_success(deployment_health& h, time_point now);
    /// Announces cooldowns that have ended by `now` (cooling → healthy). Call periodically.
    void tick(time_point now);

    void add_listener(listener l);
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
