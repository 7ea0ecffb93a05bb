#include "routing/route_table.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace baton::routing {

namespace {

constexpr std::array<std::pair<routing_strategy, std::string_view>, 4> strategy_names{{
    {routing_strategy::simple_shuffle, "simple-shuffle"},
    {routing_strategy::least_busy, "least-busy"},
    {routing_strategy::latency_based, "latency-based-routing"},
    {routing_strategy::usage_based, "usage-based-routing"},
}};

constexpr std::array<std::pair<stream_failover_mode, std::string_view>, 3> stream_mode_names{{
    {stream_failover_mode::continue_, "continue"},
    {stream_failover_mode::restart, "restart"},
    {stream_failover_mode::off, "off"},
}};

template <class Enum, std::size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum e) noexcept
{
    for (const auto& [value, name] : table) {
        if (value == e) {
            return name;
        }
    }
    return "unknown";
}

template <class Enum, std::size_t N>
std::optional<Enum> value_of(const std::array<std::pair<Enum, std::string_view>, N>& table,
                             std::string_view s) noexcept
{
    for (const auto& [value, name] : table) {
        if (name == s) {
            return value;
        }
    }
    return std::nullopt;
}

}  // namespace

std::string_view to_string(routing_strategy s) noexcept
{
    return name_of(strategy_names, s);
}

std::string_view to_string(stream_failover_mode m) noexcept
{
    return name_of(stream_mode_names, m);
}

std::optional<routing_strategy> routing_strategy_from_string(std::string_view s) noexcept
{
    return value_of(strategy_names, s);
}

std::optional<stream_failover_mode> stream_failover_mode_from_string(std::string_view s) noexcept
{
    return value_of(stream_mode_names, s);
}

void route_table::add(deployment d)
{
    d.index = deployments_.size();
    auto [it, inserted] = groups_.try_emplace(d.group);
    if (inserted) {
        group_order_.push_back(d.group);
        if (d.group.find('*') != std::string::npos) {
            wildcard_groups_.push_back(d.group);
        }
    }
    it->second.push_back(d.index);
    by_id_.try_emplace(d.id, d.index);
    deployments_.push_back(std::move(d));
}

const std::vector<std::size_t>* route_table::group(std::string_view name) const
{
    const auto it = groups_.find(name);
    return it == groups_.end() ? nullptr : &it->second;
}

const std::vector<std::size_t>* route_table::match_group(std::string_view name, std::string* matched) const
{
    if (const auto* exact = group(name)) {
        if (matched != nullptr) {
            *matched = std::string(name);
        }
        return exact;
    }
    const std::string* best = nullptr;
    std::size_t best_prefix = 0;
    std::size_t best_suffix = 0;
    for (const auto& pattern : wildcard_groups_) {
        if (!wildcard_capture(pattern, name)) {
            continue;
        }
        const std::size_t prefix = pattern.find('*');
        const std::size_t suffix = pattern.size() - prefix - 1;
        if (best == nullptr || prefix > best_prefix || (prefix == best_prefix && suffix > best_suffix)) {
            best = &pattern;
            best_prefix = prefix;
            best_suffix = suffix;
        }
    }
    if (best == nullptr) {
        return nullptr;
    }
    if (matched != nullptr) {
        *matched = *best;
    }
    return group(*best);
}

const alias* route_table::find_alias(std::string_view name) const
{
    const auto it =
        std::find_if(aliases_.begin(), aliases_.end(), [&](const alias& a) { return a.name == name; });
    return it == aliases_.end() ? nullptr : &*it;
}

const deployment* route_table::find_deployment(std::string_view id) const
{
    const auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : &deployments_[it->second];
}

std::optional<std::string_view> route_table::wildcard_capture(std::string_view pattern, std::string_view name)
{
    const std::size_t star = pattern.find('*');
    if (star == std::string_view::npos) {
        return std::nullopt;
    }
    const std::string_view prefix = pattern.substr(0, star);
    const std::string_view suffix = pattern.substr(star + 1);
    // The '*' stands for at least one character: "openai/" is not a model of "openai/*".
    if (name.size() <= prefix.size() + suffix.size() || !name.starts_with(prefix) ||
        !name.ends_with(suffix)) {
        return std::nullopt;
    }
    return name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
}

}  // namespace baton::routing
