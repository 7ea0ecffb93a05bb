#pragma once

#include "routing/deployment.hpp"
#include "routing/failure_reason.hpp"
#include "routing/health_registry.hpp"
#include "routing/route_table.hpp"
#include "routing/time.hpp"

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace baton::routing {

/// What a request adds to routing (SPEC §4 body extensions and the calling key).
struct request_options {
    std::optional<std::vector<std::string>> fallbacks;  ///< per-request `fallbacks` (replaces backup_models)
    std::vector<std::string> backup_models;             ///< the calling key's backup_models
    bool disable_fallbacks = false;                     ///< stop after the groups the model names
    std::optional<int> num_retries;                     ///< overrides router_settings.num_retries
    time_point deadline = time_point::max();            ///< no backoff wait crosses it
};

/// One upstream attempt, as listed in `fallbacks_exhausted` errors (SPEC §4).
struct attempt {
    std::string deployment_id;
    std::string model_group;
    failure_reason reason = failure_reason::none;  ///< none for the successful attempt
    int status = 0;            ///< upstream HTTP status; 0 for transport failures and skips
    bool skipped = false;      ///< passed over because it was cooling down (never sent)
    double latency_ms = 0;
};

/// A move from one deployment to the next after a failure: `from_group == to_group` for a same-group
/// re-pick. One per hop, for baton_fallback_total and the routing log.
struct transition {
    std::string from_group;
    std::string to_group;
    failure_reason reason = failure_reason::none;
};

/// What an attempt came to, as the daemon reports it.
struct outcome {
    failure_reason reason = failure_reason::none;  ///< none = success
    int status = 0;                                ///< upstream HTTP status, 0 when none
    std::optional<duration> retry_after;           ///< parsed Retry-After, when given
    duration latency = duration::zero();           ///< time spent on this attempt
};

/// The routing plan of one request (SPEC §5): which deployment to try next given what happened so far.
/// Pure: the caller passes `now` and a uniform random draw in [0, 1); the plan reads no clock and does no
/// I/O. It records outcomes in the shared health_registry (cooldowns) and keeps the request's excluded ids.
/// Not thread-safe: a plan belongs to one request on one reactor. The route_table and health_registry
/// must outlive it.
class plan {
public:
    /// Send the request to `target`. `upstream_model` is the model name to put in the upstream body (the
    /// deployment's own, or the requested name's wildcard part). `hop` is set for every attempt after
    /// the first.
    struct try_deployment {
        const deployment* target = nullptr;
        std::string group;
        std::string upstream_model;
        std::optional<transition> hop;
    };
    /// Wait `delay` (backoff before another round, honouring Retry-After), then call next() again.
    struct wait {
        duration delay = duration::zero();
    };
    /// Nothing is left: answer `fallbacks_exhausted` with `status` and attempts().
    struct exhausted {
        int status = 502;
    };
    /// Return the last upstream response to the client as it is (format errors; context window or
    /// content policy errors with no such fallbacks configured).
    struct give_back {};

    using step = std::variant<try_deployment, wait, exhausted, give_back>;

    /// Resolves `model` (empty = default_model) through model_group_alias and aliases into the plan of
    /// §5.4. Returns nullopt when it names no group, alias or wildcard match (model_not_found). Entries of
    /// fallbacks/backup_models that name nothing are skipped; each skip adds a line to `notes`.
    static std::optional<plan> make(const route_table& table, health_registry& health, std::string_view model,
                                    request_options options, std::vector<std::string>* notes = nullptr);

    /// The next step given everything reported so far. Cooling-down deployments met on the way are
    /// recorded as skipped attempts and never returned.
    step next(time_point now, double draw);

    /// Reports how the attempt at `target` (returned by the last next()) ended: records the attempt, the
    /// exclusion and the health/cooldown update. A success ends the plan.
    void report(const deployment& target, const outcome& o, time_point now);

    /// Every attempt so far, in order (skips included).
    const std::vector<attempt>& attempts() const noexcept { return attempts_; }
    /// Upstream attempts actually sent (x-baton-attempts).
    int attempts_sent() const noexcept;
    /// Cross-group hops taken so far (x-baton-fallbacks).
    int fallbacks_taken() const noexcept { return fallbacks_taken_; }
    /// The alias the request named, or empty when it named a plain group.
    const std::string& alias_name() const noexcept { return alias_; }
    /// The name the request asked for, after default_model (for logs).
    const std::string& requested() const noexcept { return requested_; }
    /// The group of the plan's first stage (metrics label before any group served).
    const std::string& primary_group() const noexcept;

private:
    plan(const route_table& table, health_registry& health) : table_(&table), health_(&health) {}

    struct stage_group {
        std::string name;           // configured group name
        std::string upstream_model; // non-empty for a wildcard group: the model to send
    };

    const route_table* table_;
    health_registry* health_;
    request_options options_;
    std::string requested_;
    std::string alias_;
    std::vector<stage_group> groups_;        // the plan, in order, each group once
    std::size_t primary_count_ = 0;          // how many of groups_ come from step 1 (the model itself)
    std::size_t current_ = 0;                // index into groups_
    std::set<std::string> excluded_;         // deployment ids never to try again in this request/round
    std::set<std::string> skipped_;          // ids already recorded as skipped
    std::vector<attempt> attempts_;
    int fallbacks_taken_ = 0;
    int rounds_used_ = 0;
    bool done_ = false;
    failure_reason last_reason_ = failure_reason::none;
    std::string last_group_;
    std::optional<duration> round_retry_after_;
    bool special_path_ = false;              // switched to context-window/content-policy fallbacks
};

}  // namespace baton::routing
