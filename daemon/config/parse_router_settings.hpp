#pragma once

#include "daemon/config/config_draft.hpp"
#include "daemon/config/yaml_reader.hpp"

#include <yaml-cpp/yaml.h>

namespace baton::daemon::config_detail {

/// Reads `router_settings` (SPEC §3) into draft.router (see apply_router_key). redis_host, redis_port and
/// redis_password are warned about (shared state is a later capability); other keys are unknown keys.
void parse_router_settings(yaml_reader& reader, const YAML::Node& node, config_draft& draft);

}  // namespace baton::daemon::config_detail
