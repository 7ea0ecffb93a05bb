#pragma once

#include "routing/deployment.hpp"
#include "routing/time.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace baton::routing {

/// router_settings.routing_strategy (SPEC §3, §5.1): how one deployment is chosen among a group's eligible
/// ones.
enum class routing_strategy { simple_shuffle, least_busy, latency_based, usage_based };
/// router_settings.stream_failover (SPEC §6): what happens when a stream's upstream dies after the first
/// byte.
enum class stream_failover_mode { continue_, restart, off };

/// The config spelling: "simple-shuffle", "least-busy", "latency-based-routing", "usage-based-routing".
std::string_view to_string(routing_strategy s) noexcept;
/// The config spelling: "continue", "restart", "off".
std::string_view to_string(stream_failover_mode m) noexcept;
/// Inverse of to_string(routing_strategy); nullopt for an unknown spelling (the config loader reports it).
std::optional<routing_strategy> routing_strategy_from_string(std::string_view s) noexcept;
/// Inverse of to_string(stream_failover_mode); nullopt for an unknown spelling.
std::optional<stream_failover_mode> stream_failover_mode_from_string(std::string_view s) noexcept;

/// router_settings.stream_hedging, globally or for one group (issue #10, point 5): a streamed request with no
/// first event after a deployment's hedge delay starts the next candidate beside it; the first to produce an
/// event serves. The delay is the deployment's smoothed time to first event plus four deviations (TCP's
/// retransmission timeout, RFC 6298), within [min_delay, max_delay]; max_delay before any was measured.
struct hedge_settings {
    bool enabled = true;    ///< hedge streamed requests at all
    double min_delay = 1;   ///< seconds: never sooner (a hedge costs a second upstream request)
    double max_delay = 10;  ///< seconds: never later (no stream waits longer for its first event unhedged)
};

/// router_settings of the config (SPEC §3), with its defaults.
struct router_settings {
    routing_strategy strategy = routing_strategy::simple_shuffle;  ///< how a group's deployment is picked
    bool enable_weighted_failover = true;  ///< re-pick in the same group after a retryable failure
    int num_retries = 0;                   ///< extra rounds over a group, with backoff
    int max_fallbacks = 5;                 ///< cross-group hops per request
    int allowed_fails = 3;                 ///< counted failures within 60 s that start a cooldown
    double cooldown_time = 5;              ///< seconds
    double retry_after_cap = 300;          ///< seconds; cap on an honoured Retry-After (waits and cooldowns)
    /// Seconds: a Retry-After (after retry_after_cap) no longer than this, on a group's last eligible
    /// deployment, is waited out and that deployment retried within num_retries before any cross-group
    /// fallback; a rate limit's cooldown is then exactly that Retry-After (cooldown_time does not stretch
    /// it). A longer one is not waited for in the request: its deployment is not retried in it.
    double retry_after_max_wait = 3;
    /// Model (group or alias name, or "*" for every model without its own entry) → fallback groups/aliases.
    std::map<std::string, std::vector<std::string>, std::less<>> fallbacks;
    /// As `fallbacks`, used instead of the rest of the plan after a context_window failure.
    std::map<std::string, std::vector<std::string>, std::less<>> context_window_fallbacks;
    /// As `fallbacks`, used instead of the rest of the plan after a content_policy failure.
    std::map<std::string, std::vector<std::string>, std::less<>> content_policy_fallbacks;
    /// Tried last, for every model (step 4 of §5.4).
    std::vector<std::string> default_fallbacks;
    /// Requested name → the group or alias it stands for (one level, applied before anything else).
    std::map<std::string, std::string, std::less<>> model_group_alias;
    stream_failover_mode stream_failover = stream_failover_mode::continue_;  ///< SPEC §6
    double stream_idle_timeout = 30;                                         ///< seconds
    /// A request's whole budget for retries, backoff waits and fallbacks, in seconds (no backoff wait is
    /// taken past it). baton's own key; LiteLLM's default request timeout.
    double request_budget = 600;
    /// stream_hedging: the default for every group.
    hedge_settings hedging;
    /// stream_hedging.groups: a group's own settings (fields it left out come from `hedging`).
    std::map<std::string, hedge_settings, std::less<>> group_hedging;

    /// The hedge settings of `group`: its own, else the default.
    const hedge_settings& hedging_for(std::string_view group) const
    {
        const auto it = group_hedging.find(group);
        return it != group_hedging.end() ? it->second : hedging;
    }
};

/// A named chain of model groups (SPEC §5.5).
struct alias {
    std::string name;                ///< what clients ask for
    std::string description;         ///< free text for /v1/aliases
    std::vector<std::string> chain;  ///< group names (or wildcard matches), tried in order
};

/// The routing half of a config snapshot: deployments, groups, aliases and settings. Immutable once built
/// and shared read-only by all reactors (held by shared_ptr<const>). Move-only: groups refer to
/// deployments by index.
class route_table {
public:
    /// An empty table with default settings.
    route_table() = default;
    route_table(route_table&&) = default;
    route_table& operator=(route_table&&) = default;
    route_table(const route_table&) = delete;
    route_table& operator=(const route_table&) = delete;

    /// Adds a deployment (sets its index) and files it under its group; a new group goes to the end of
    /// group_names(). Ids are expected to be unique (the config loader checks); with duplicates,
    /// find_deployment() returns the first. Only while building (not thread-safe).
    void add(deployment d);
    /// Adds an alias (SPEC §5.5). Names are expected to be unique; find_alias() returns the first. Only while
    /// building.
    void add_alias(alias a) { aliases_.push_back(std::move(a)); }

    router_settings settings;   ///< set while building; read-only afterwards
    std::string default_model;  ///< used when a request names no model (group or alias name)

    /// Every deployment in config order; deployments()[i].index == i.
    const std::vector<deployment>& deployments() const noexcept { return deployments_; }
    /// Every alias in config order.
    const std::vector<alias>& aliases() const noexcept { return aliases_; }
    /// Group names in config order.
    const std::vector<std::string>& group_names() const noexcept { return group_order_; }

    /// Deployment indices of the group named exactly `name`; nullptr when none.
    const std::vector<std::size_t>* group(std::string_view name) const;
    /// Like group(), but also matches wildcard groups ("openai/*" matches "openai/gpt-4o"); `matched` gets
    /// the group's configured name. Exact names win over wildcards; the longest wildcard prefix wins.
    /// Between wildcards with prefixes of equal length, the longer literal suffix wins.
    const std::vector<std::size_t>* match_group(std::string_view name, std::string* matched = nullptr) const;
    /// The alias named exactly `name`; nullptr when none.
    const alias* find_alias(std::string_view name) const;
    /// The deployment with id `id`; nullptr when none.
    const deployment* find_deployment(std::string_view id) const;

    /// What the '*' of `pattern` stands for in `name` ("openai/*", "openai/gpt-4o" → "gpt-4o"); nullopt when
    /// `pattern` has no '*' or does not match. Only the first '*' is a wildcard; it stands for one character
    /// or more. The view points into `name`.
    static std::optional<std::string_view> wildcard_capture(std::string_view pattern, std::string_view name);

private:
    std::vector<deployment> deployments_;
    std::vector<alias> aliases_;
    std::vector<std::string> group_order_;
    std::map<std::string, std::vector<std::size_t>, std::less<>> groups_;
    std::vector<std::string> wildcard_groups_;  // names holding a '*', in config order
    std::map<std::string, std::size_t, std::less<>> by_id_;
};

}  // namespace baton::routing
