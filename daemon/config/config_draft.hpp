#pragma once

#include "daemon/config/config.hpp"
#include "daemon/config/config_path.hpp"
#include "routing/deployment.hpp"
#include "routing/route_table.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace baton::daemon::config_detail {

/// A name that must resolve once every section is read (checked by check_references).
struct model_reference {
    enum class kind {
        group,           ///< a model group, exactly or by wildcard (alias chains)
        group_or_alias,  ///< also an `aliases:` entry (model_group_alias targets)
        model,           ///< also a model_group_alias name (fallbacks, default_model, keys' models)
        fallback_source, ///< a fallbacks key: one naming nothing is only warned about ("*" = any group)
        backup,          ///< a key's backup_models entry: one naming nothing is skipped per request (SPEC §5.4)
    };
    config_path path;
    std::string name;
    kind what = kind::model;
};

/// One model_list entry as parsed, before ids are assigned and api_keys expanded.
struct entry_draft {
    config_path path;                    ///< model_list[i]
    routing::deployment base;            ///< everything but id, api_key and health
    std::vector<std::string> keys;       ///< one per deployment: api_key, or api_keys (d, d__key_1, ...)
    std::vector<config_path> key_paths;  ///< where each of `keys` was given (for id clash errors)
    std::optional<std::string> explicit_id;  ///< model_info.id
    config_path id_path;                 ///< model_info.id's path
    std::string hash_id;                 ///< deployment_id_hash of the entry
    bool timeout_set = false;
    bool stream_timeout_set = false;
};

/// Everything one load has read so far: the loader's sections fill it, check_references validates the
/// names in it, and build_config turns it into a config.
struct config_draft {
    std::vector<entry_draft> entries;                    ///< valid model_list entries only
    std::set<std::string, std::less<>> broken_groups;    ///< model_names of entries that had errors
    std::set<std::string, std::less<>> broken_aliases;   ///< names of aliases that had errors
    std::vector<std::pair<routing::alias, config_path>> aliases;
    routing::router_settings router;
    std::map<std::string, config_path, std::less<>> model_group_alias_paths;
    std::map<std::string, config_path, std::less<>> router_keys_set;  ///< router keys given, by their path
    std::optional<double> default_timeout;         ///< router_settings.timeout / litellm request_timeout
    std::optional<double> default_stream_timeout;  ///< router_settings.stream_timeout
    std::string default_model;
    general_settings general;
    std::vector<client_key> keys;
    std::vector<model_reference> references;
    /// The largest litellm_params.max_retries, and where the first one was given: LiteLLM retries a
    /// deployment that many times; baton's nearest setting is router_settings.num_retries.
    std::optional<int> max_retries;
    std::optional<config_path> max_retries_path;
};

}  // namespace baton::daemon::config_detail
