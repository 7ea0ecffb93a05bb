#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <string_view>

namespace baton::daemon::config_detail {

/// The default deployment id (SPEC §3: no model_info.id): the first 16 hex digits of the SHA-256 of
/// `model_name` and a canonical form of `litellm_params` (keys sorted, values as written, before
/// `os.environ/` resolution) that leaves out
/// - secrets: api_key, api_keys, and at any depth keys that look like one (…secret…, …password…,
///   …credential…, …_key, …_token, authorization), so no secret ever feeds an id;
/// - tuning: weight, rpm, tpm, timeout, stream_timeout, max_parallel_requests, so that retuning a
///   deployment keeps its id, hence its health and cooldown state across a reload (SPEC §9).
/// nullopt when `litellm_params` is unreasonably large once expanded (YAML aliases can make a small
/// document huge). Pure; thread-safe.
std::optional<std::string> deployment_id_hash(std::string_view model_name, const YAML::Node& litellm_params);

}  // namespace baton::daemon::config_detail
