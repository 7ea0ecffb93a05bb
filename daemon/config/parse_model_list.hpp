#pragma once

#include "daemon/config/config_draft.hpp"
#include "daemon/config/yaml_reader.hpp"

#include <yaml-cpp/yaml.h>

namespace baton::daemon::config_detail {

/// Reads `model_list` (SPEC §3) into draft.entries: provider/model split and checked, api_base defaults,
/// azure requirements, api_key / api_keys (exclusive), numbers in range, rpm/tpm from litellm_params or the
/// entry, model_info.id, the id hash. An entry with any error is left out of draft.entries and its
/// model_name goes to draft.broken_groups (so references to it don't cascade into more errors). A missing
/// `model_list` is `model_list: is required`; an empty one `model_list: must not be empty`.
void parse_model_list(yaml_reader& reader, const YAML::Node& model_list, config_draft& draft);

}  // namespace baton::daemon::config_detail
