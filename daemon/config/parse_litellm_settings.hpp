#pragma once

#include "daemon/config/config_draft.hpp"
#include "daemon/config/yaml_reader.hpp"

#include <yaml-cpp/yaml.h>

namespace baton::daemon::config_detail {

/// Reads LiteLLM's `litellm_settings` after router_settings. The keys LiteLLM's router takes from there
/// go to router settings as LiteLLM does: num_retries, fallbacks, context_window_fallbacks,
/// content_policy_fallbacks, default_fallbacks, allowed_fails, cooldown_time, and request_timeout (the
/// default deployment timeout, like router_settings.timeout). A key also given in router_settings is
/// ignored with a warning (router_settings wins); every other key is warned about as not supported.
void parse_litellm_settings(yaml_reader& reader, const YAML::Node& node, config_draft& draft);

}  // namespace baton::daemon::config_detail
