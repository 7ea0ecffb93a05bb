#include "daemon/config/parse_litellm_settings.hpp"

#include "daemon/config/apply_router_key.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace baton::daemon::config_detail {

void parse_litellm_settings(yaml_reader& reader, const YAML::Node& node, config_draft& draft)
{
    // litellm_settings key -> router setting it stands for.
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 8> mapped{{
        {"num_retries", "num_retries"},
        {"fallbacks", "fallbacks"},
        {"context_window_fallbacks", "context_window_fallbacks"},
        {"content_policy_fallbacks", "content_policy_fallbacks"},
        {"default_fallbacks", "default_fallbacks"},
        {"allowed_fails", "allowed_fails"},
        {"cooldown_time", "cooldown_time"},
        {"request_timeout", "timeout"},
    }};
    const auto m = reader.map(node, config_path().key("litellm_settings"));
    if (!m) {
        return;
    }
    for (const auto& e : m->entries()) {
        const auto it = std::find_if(mapped.begin(), mapped.end(), [&](const auto& p) { return p.first == e.key; });
        if (it == mapped.end()) {
            reader.diag().warning(e.path, "not supported by baton, ignored");
            continue;
        }
        if (const auto set = draft.router_keys_set.find(it->second); set != draft.router_keys_set.end()) {
            reader.diag().warning(e.path, "ignored: " + set->second.str() + " is set");
            continue;
        }
        if (!e.value.IsDefined() || e.value.IsNull()) {
            continue;
        }
        apply_router_key(reader, it->second, e, draft);
    }
}

}  // namespace baton::daemon::config_detail
