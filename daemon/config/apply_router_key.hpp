#pragma once

#include "daemon/config/config_draft.hpp"
#include "daemon/config/yaml_map.hpp"
#include "daemon/config/yaml_reader.hpp"

#include <string_view>

namespace baton::daemon::config_detail {

/// Reads one router setting (SPEC §3 router_settings: routing_strategy, enable_weighted_failover,
/// num_retries, max_fallbacks, allowed_fails, cooldown_time, retry_after_cap, retry_after_max_wait,
/// fallbacks, context_window_fallbacks, content_policy_fallbacks, default_fallbacks, model_group_alias,
/// stream_failover, stream_idle_timeout, stream_hedging; plus LiteLLM's timeout and stream_timeout, the
/// defaults of deployments that set none) named `key` from `e` into `draft`, and records `e.path` in
/// draft.router_keys_set[key]. Names the setting refers to become draft.references. Returns false when
/// `key` is not a router setting (nothing is read). Shared by router_settings and litellm_settings.
bool apply_router_key(yaml_reader& reader, std::string_view key, const map_entry& e, config_draft& draft);

}  // namespace baton::daemon::config_detail
