#pragma once

#include "daemon/config/config_draft.hpp"
#include "daemon/config/yaml_reader.hpp"

#include <yaml-cpp/yaml.h>

namespace baton::daemon::config_detail {

/// Reads `keys` (SPEC §3, client keys) into draft.keys: a unique non-empty name, exactly one of `key` (hashed
/// at once; the raw key is not kept) or `key_sha256` (64 hex digits), unique hashes, models and
/// backup_models (checked later as references), rpm_limit, tpm_limit and
/// max_parallel_requests (>= 0, 0 = unlimited). Call after
/// parse_general_settings: a key equal to the master key is an error.
void parse_client_keys(yaml_reader& reader, const YAML::Node& node, config_draft& draft);

}  // namespace baton::daemon::config_detail
