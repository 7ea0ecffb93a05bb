#include "daemon/config/apply_router_key.hpp"


#include <climits>
#include <initializer_list>
#include <map>

namespace baton::daemon::config_detail {

namespace {

using fallback_map = std::map<std::string, std::vector<std::string>, std::less<>>;

// LiteLLM's shape, a list of single-key mappings `[{gpt-4o: [claude]}, ...]` (a mapping with several keys
// is read as several entries, as LiteLLM does); a plain mapping `{gpt-4o: [claude]}` is accepted too.
// `generic` says whether a "*" key (LiteLLM's fallback for any group) is kept.
std::optional<fallback_map> parse_fallbacks(yaml_reader& reader, const map_entry& e, config_draft& draft, bool generic)
{
    std::vector<list_item> items;
    if (e.value.IsMap()) {
        items.push_back({e.value, e.path});
    } else if (auto list = reader.list(e.value, e.path)) {
        items = std::move(*list);
    } else {
        return std::nullopt;
    }
    fallback_map out;
    std::map<std::string, config_path, std::less<>> first_at;
    bool ok = true;
    for (const auto& item : items) {
        const auto m = reader.map(item.value, item.path);
        if (!m) {
            ok = false;
            continue;
        }
        for (const auto& f : m->entries()) {
            auto targets = reader.string_list(f.value, f.path);
            if (!targets) {
                ok = false;
                continue;
            }
            if (f.key == "*" && !generic) {
                reader.diag().warning(f.path, "a \"*\" entry is only supported in fallbacks; ignored");
                continue;
            }
            if (const auto it = first_at.find(f.key); it != first_at.end()) {
                reader.diag().error(f.path, "already given at " + it->second.str());
                ok = false;
                continue;
            }
            first_at.emplace(f.key, f.path);
            if (f.key != "*") {
                draft.references.push_back({f.path, f.key, model_reference::kind::fallback_source});
            }
            for (std::size_t i = 0; i < targets->size(); ++i) {
                draft.references.push_back({f.path.index(i), (*targets)[i], model_reference::kind::model});
            }
            out.emplace(f.key, std::move(*targets));
        }
    }
    if (!ok) {
        return std::nullopt;
    }
    return out;
}

void parse_model_group_alias(yaml_reader& reader, const map_entry& e, config_draft& draft)
{
    const auto m = reader.map(e.value, e.path);
    if (!m) {
        return;
    }
    for (const auto& a : m->entries()) {
        std::optional<std::string> target;
        config_path target_path = a.path;
        if (a.value.IsMap()) {
            // LiteLLM's long form: {model: gpt-4o, hidden: true}.
            const auto sub = reader.map(a.value, a.path);
            if (!sub) {
                continue;
            }
            sub->warn_unknown(reader.diag(), {"model", "hidden"});
            if (const auto* h = sub->find("hidden")) {
                if (const auto hidden = reader.boolean(h->value, h->path); hidden && *hidden) {
                    reader.diag().warning(h->path, "hidden aliases are not supported; it is listed like the others");
                }
            }
            const auto* model = sub->find("model");
            if (model == nullptr) {
                reader.diag().error(a.path.key("model"), "is required");
                continue;
            }
            target_path = model->path;
            target = reader.non_empty_string(model->value, model->path);
        } else if (!a.value.IsDefined() || a.value.IsNull()) {
            reader.diag().error(a.path, "must not be empty");
        } else {
            target = reader.non_empty_string(a.value, a.path);
        }
        if (!target) {
            continue;
        }
        draft.references.push_back({target_path, *target, model_reference::kind::group_or_alias});
        draft.model_group_alias_paths.emplace(a.key, a.path);
        draft.router.model_group_alias.emplace(a.key, std::move(*target));
    }
}

template <class Enum>
void read_choice(yaml_reader& reader, const map_entry& e, std::initializer_list<std::pair<std::string_view, Enum>> choices,
                 std::string_view listed, Enum& target)
{
    const auto v = reader.string(e.value, e.path);
    if (!v) {
        return;
    }
    for (const auto& [name, value] : choices) {
        if (*v == name) {
            target = value;
            return;
        }
    }
    reader.diag().error(e.path, "must be one of " + std::string(listed));
}

void read_int(yaml_reader& reader, const map_entry& e, int& target)
{
    if (const auto v = reader.integer(e.value, e.path, bound::non_negative, INT_MAX)) {
        target = static_cast<int>(*v);
    }
}

void read_seconds(yaml_reader& reader, const map_entry& e, bound b, double& target)
{
    if (const auto v = reader.number(e.value, e.path, b)) {
        target = *v;
    }
}

void read_optional_seconds(yaml_reader& reader, const map_entry& e, std::optional<double>& target)
{
    if (const auto v = reader.number(e.value, e.path, bound::positive)) {
        target = *v;
    }
}

// One stream_hedging block (the global one, or a group's): fields it leaves out keep `into`'s values.
void read_hedging(yaml_reader& reader, const yaml_map& m, routing::hedge_settings& into)
{
    if (const auto* e = m.find("enabled")) {
        if (const auto v = reader.boolean(e->value, e->path)) {
            into.enabled = *v;
        }
    }
    if (const auto* e = m.find("min_delay")) {
        read_seconds(reader, *e, bound::non_negative, into.min_delay);
    }
    if (const auto* e = m.find("max_delay")) {
        read_seconds(reader, *e, bound::non_negative, into.max_delay);
    }
}

// router_settings.stream_hedging: {enabled, min_delay, max_delay, groups: {<group>: {enabled, min_delay,
// max_delay}}}; `false` alone turns hedging off. A group's block starts from the global values, whatever
// the order of the keys.
void parse_stream_hedging(yaml_reader& reader, const map_entry& e, config_draft& draft)
{
    routing::router_settings& r = draft.router;
    if (e.value.IsScalar()) {
        if (const auto v = reader.boolean(e.value, e.path)) {
            r.hedging.enabled = *v;
        }
        return;
    }
    const auto m = reader.map(e.value, e.path);
    if (!m) {
        return;
    }
    m->warn_unknown(reader.diag(), {"enabled", "min_delay", "max_delay", "groups"});
    read_hedging(reader, *m, r.hedging);
    if (r.hedging.min_delay > r.hedging.max_delay) {
        reader.diag().error(e.path.key("min_delay"), "must be <= max_delay");
    }
    const auto* groups = m->find("groups");
    if (groups == nullptr) {
        return;
    }
    const auto gm = reader.map(groups->value, groups->path);
    if (!gm) {
        return;
    }
    for (const auto& g : gm->entries()) {
        const auto one = reader.map(g.value, g.path);
        if (!one) {
            continue;
        }
        one->warn_unknown(reader.diag(), {"enabled", "min_delay", "max_delay"});
        routing::hedge_settings h = r.hedging;
        read_hedging(reader, *one, h);
        if (h.min_delay > h.max_delay) {
            reader.diag().error(g.path.key("min_delay"), "must be <= max_delay");
        }
        draft.references.push_back({g.path, g.key, model_reference::kind::fallback_source});
        r.group_hedging[g.key] = h;
    }
}

}  // namespace

bool apply_router_key(yaml_reader& reader, std::string_view key, const map_entry& e, config_draft& draft)
{
    using routing::routing_strategy;
    using routing::stream_failover_mode;
    routing::router_settings& r = draft.router;
    if (key == "routing_strategy") {
        read_choice<routing_strategy>(reader, e,
                                      {{"simple-shuffle", routing_strategy::simple_shuffle},
                                       {"least-busy", routing_strategy::least_busy},
                                       {"latency-based-routing", routing_strategy::latency_based},
                                       {"usage-based-routing", routing_strategy::usage_based},
                                       {"usage-based-routing-v2", routing_strategy::usage_based}},
                                      "simple-shuffle, least-busy, latency-based-routing, usage-based-routing",
                                      r.strategy);
    } else if (key == "enable_weighted_failover") {
        if (const auto v = reader.boolean(e.value, e.path)) {
            r.enable_weighted_failover = *v;
        }
    } else if (key == "num_retries") {
        read_int(reader, e, r.num_retries);
    } else if (key == "max_fallbacks") {
        read_int(reader, e, r.max_fallbacks);
    } else if (key == "allowed_fails") {
        read_int(reader, e, r.allowed_fails);
    } else if (key == "cooldown_time") {
        read_seconds(reader, e, bound::non_negative, r.cooldown_time);
    } else if (key == "retry_after_cap") {
        read_seconds(reader, e, bound::non_negative, r.retry_after_cap);
    } else if (key == "retry_after_max_wait") {
        read_seconds(reader, e, bound::non_negative, r.retry_after_max_wait);
    } else if (key == "fallbacks") {
        if (auto v = parse_fallbacks(reader, e, draft, true)) {
            r.fallbacks = std::move(*v);
        }
    } else if (key == "context_window_fallbacks") {
        if (auto v = parse_fallbacks(reader, e, draft, false)) {
            r.context_window_fallbacks = std::move(*v);
        }
    } else if (key == "content_policy_fallbacks") {
        if (auto v = parse_fallbacks(reader, e, draft, false)) {
            r.content_policy_fallbacks = std::move(*v);
        }
    } else if (key == "default_fallbacks") {
        if (auto v = reader.string_list(e.value, e.path)) {
            for (std::size_t i = 0; i < v->size(); ++i) {
                draft.references.push_back({e.path.index(i), (*v)[i], model_reference::kind::model});
            }
            r.default_fallbacks = std::move(*v);
        }
    } else if (key == "model_group_alias") {
        parse_model_group_alias(reader, e, draft);
    } else if (key == "stream_failover") {
        read_choice<stream_failover_mode>(reader, e,
                                          {{"continue", stream_failover_mode::continue_},
                                           {"restart", stream_failover_mode::restart},
                                           {"off", stream_failover_mode::off}},
                                          "continue, restart, off", r.stream_failover);
    } else if (key == "stream_hedging") {
        parse_stream_hedging(reader, e, draft);
    } else if (key == "stream_idle_timeout") {
        read_seconds(reader, e, bound::positive, r.stream_idle_timeout);
    } else if (key == "request_budget") {
        read_seconds(reader, e, bound::positive, r.request_budget);
    } else if (key == "timeout") {
        read_optional_seconds(reader, e, draft.default_timeout);
    } else if (key == "stream_timeout") {
        read_optional_seconds(reader, e, draft.default_stream_timeout);
    } else {
        return false;
    }
    draft.router_keys_set.emplace(std::string(key), e.path);
    return true;
}

}  // namespace baton::daemon::config_detail
