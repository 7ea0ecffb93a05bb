#pragma once

#include "daemon/config/config_draft.hpp"
#include "daemon/config/yaml_reader.hpp"

#include <yaml-cpp/yaml.h>

namespace baton::daemon::config_detail {

/// Reads `aliases` (SPEC §5.5) into draft.aliases: `name: {description, chain: [groups]}`, or the short form
/// `name: [groups]`. The chain must not be empty; its entries are checked later as model group references
/// (an alias names groups, not other aliases: resolution is never recursive).
void parse_aliases(yaml_reader& reader, const YAML::Node& node, config_draft& draft);

}  // namespace baton::daemon::config_detail
