#include "daemon/config/parse_router_settings.hpp"

#include "daemon/config/apply_router_key.hpp"

#include <algorithm>
#include <array>

namespace baton::daemon::config_detail {

void parse_router_settings(yaml_reader& reader, const YAML::Node& node, config_draft& draft)
{
    static constexpr std::array<std::string_view, 22> known{"routing_strategy",
                                                            "enable_weighted_failover",
                                                            "num_retries",
                                                            "max_fallbacks",
                                                            "allowed_fails",
                                                            "cooldown_time",
                                                            "retry_after_cap",
                                                            "retry_after_max_wait",
                                                            "fallbacks",
                                                            "context_window_fallbacks",
                                                            "content_policy_fallbacks",
                                                            "default_fallbacks",
                                                            "model_group_alias",
                                                            "stream_failover",
                                                            "stream_idle_timeout",
                                                            "stream_hedging",
                                                            "request_budget",
                                                            "timeout",
                                                            "stream_timeout",
                                                            "redis_host",
                                                            "redis_port",
                                                            "redis_password"};
    const auto m = reader.map(node, config_path().key("router_settings"));
    if (!m) {
        return;
    }
    for (const auto& e : m->entries()) {
        if (e.key.starts_with("redis_") && std::find(known.begin(), known.end(), e.key) != known.end()) {
            reader.diag().warning(e.path, "shared state across instances is not supported yet; ignored");
            continue;
        }
        if (!e.value.IsDefined() || e.value.IsNull()) {
            if (std::find(known.begin(), known.end(), e.key) == known.end()) {
                reader.diag().unknown_key(e.path, known);
            }
            continue;
        }
        if (!apply_router_key(reader, e.key, e, draft)) {
            reader.diag().unknown_key(e.path, known);
        }
    }
}

}  // namespace baton::daemon::config_detail
