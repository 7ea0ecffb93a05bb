#pragma once

#include "daemon/config/config_draft.hpp"
#include "daemon/config/yaml_reader.hpp"

#include <yaml-cpp/yaml.h>

namespace baton::daemon::config_detail {

/// Reads `general_settings` (SPEC §3) into draft.general: listen (host:port or a list of them; IPv6 as
/// [::1]:4000; port 0-65535), threads, master_key (hashed too), data_dir, max_request_body_mb,
/// graceful_shutdown_seconds, log_level and the downstream deadlines. Other keys (LiteLLM has many) are
/// unknown keys.
void parse_general_settings(yaml_reader& reader, const YAML::Node& node, config_draft& draft);

}  // namespace baton::daemon::config_detail
