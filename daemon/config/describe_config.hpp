#pragma once

#include "daemon/config/config.hpp"

#include <string>

namespace baton::daemon {

/// The report `batond --check-config` prints for a loaded config: the source, every deployment on one line
/// (id, group, provider/model, api_base, masked key, weight, rpm, tpm, timeouts, max_parallel_requests,
/// ssl_verify), groups with their deployment ids, aliases, default_model, model_group_alias, the fallback
/// maps, router and general settings, client keys and the warnings. Secrets never appear: deployment keys
/// and the master key are masked with mask_secret (at most the last 4 characters), client keys appear
/// only by name and the first 8 hex digits of their hash, and an api_base's user:password@ and query
/// string are masked. Lines end with '\n'. Pure; thread-safe.
std::string describe_config(const config& c);

}  // namespace baton::daemon
