#pragma once

#include "routing/deployment.hpp"
#include "routing/time.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace baton::routing {

enum class routing_strategy { simple_shuffle, least_busy, latency_based, usage_based };
enum class stream_failover_mode { continue_, restart, off };

std::string_view to_string(routing_strategy s) noexcept;
std::string_view to_string(stream_failover_mode m) noexcept;

/// router_settings of the config (SPEC §3), with its defaults.
struct router_settings {
    routing_strategy strategy = routing_strategy::simple_shuffle;
    bool enable_weighted_failover = true;  ///< re-pick in the same group after a retryable failure
    int num_retries = 0;                   ///< extra rounds over a group, with backoff
    int max_fallbacks = 5;                 ///< cross-group hops per request
    int allowed_fails = 3;
    double cooldown_time = 5;              ///< seconds
    double retry_after_cap = 300;          ///< seconds
    std::map<std::string, std::vector<std::string>, std::less<>> fallbacks;
    std::map<std::string, std::vector<std::string>, std::less<>> context_window_fallbacks;
    std::map<std::string, std::vector<std::string>, std::less<>> content_policy_fallbacks;
    std::vector<std::string> default_fallbacks;
    std::map<std::string, std::string, std::less<>> model_group_alias;
    stream_failover_mode stream_failover = stream_failover_mode::continue_;
    double stream_idle_timeout = 30;       ///< seconds
};

/// A named chain of model groups (SPEC §5.5).
struct alias {
    std::string name;
    std::string description;
    std::vector<std::string> chain;
};

/// The routing half of a config snapshot: deployments, groups, aliases and settings. Immutable once built
/// and shared read-only by all reactors (held by shared_ptr<const>). Move-only: groups refer to
/// deployments by index.
class route_table {
public:
    route_table() = default;
    route_table(route_table&&) = default;
    route_table& operator=(route_table&&) = default;
    route_table(const route_table&) = delete;
    route_table& operator=(const route_table&) = delete;

    /// Adds a deployment (sets its index) and files it under its group. Only while building.
    void add(deployment d);
    void add_alias(alias a) { aliases_.push_back(std::move(a)); }

    router_settings settings;
    std::string default_model;  ///< used when a request names no model (group or alias name)

    const std::vector<deployment>& deployments() const noexcept { return deployments_; }
    const std::vector<alias>& aliases() const noexcept { return aliases_; }
    /// Group names in config order.
    const std::vector<std::string>& group_names() const noexcept { return group_order_; }

    /// Deployment indices of the group named exactly `name`; nullptr when none.
    const std::vector<std::size_t>* group(std::string_view name) const;
    /// Like group(), but also matches wildcard groups ("openai/*" matches "openai/gpt-4o"); `matched` gets
    /// the group's configured name. Exact names win over wildcards; the longest wildcard prefix wins.
    const std::vector<std::size_t>* match_group(std::string_view name, std::string* matched = nullptr) const;
    const alias* find_alias(std::string_view name) const;
    const deployment* find_deployment(std::string_view id) const;

private:
    std::vector<deployment> deployments_;
    std::vector<alias> aliases_;
    std::vector<std::string> group_order_;
    std::map<std::string, std::vector<std::size_t>, std::less<>> groups_;
};

}  // namespace baton::routing
