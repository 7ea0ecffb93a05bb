#pragma once

#include "daemon/config/config.hpp"
#include "routing/health_registry.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace baton::daemon {

/// Looks up an environment variable for `os.environ/NAME`; nullopt when it is not set. Tests inject a map;
/// production uses process_environment().
using env_lookup = std::function<std::optional<std::string>(std::string_view name)>;

/// The real environment (getenv). Not safe against a concurrent setenv, like getenv itself.
env_lookup process_environment();

/// What loading a config came to: either a config or every error found, never half of one.
struct load_result {
    /// The loaded config; nullopt when `errors` is not empty.
    std::optional<config> value;
    /// Every error, each one line `<path>: <message>` (SPEC §2), e.g.
    /// `model_list[2].litellm_params.weight: must be >= 0`; a YAML syntax error is `<file>:<line>:<col>:
    /// <message>` (1-based). Never contains a secret's value.
    std::vector<std::string> errors;
    /// Every warning (unknown keys, ignored LiteLLM settings), path-qualified; also kept in
    /// value->warnings on success. An unknown key repeated in many list entries is warned about once.
    std::vector<std::string> warnings;

    /// True when the config loaded.
    bool ok() const noexcept { return value.has_value(); }
};

/// Parses and validates a config (SPEC §3) from YAML text. `source_name` names it in YAML syntax errors
/// and becomes config::source_path. `os.environ/NAME` anywhere a value is expected is replaced by `env`'s
/// answer. On success every deployment gets its health cell from `health.cell(id, group)` (so cooldowns
/// survive reloads for ids that still exist); on failure the registry is not touched, which keeps a
/// rejected reload from changing anything. Never throws for bad input (only std::bad_alloc).
/// Thread safety: safe to call concurrently (the registry is thread-safe; `env` must be too).
load_result load_config_text(std::string_view yaml_text, const std::string& source_name, const env_lookup& env,
                             routing::health_registry& health);

/// Reads the file at `path` and loads it as load_config_text(text, path, env, health) does. An unreadable
/// file gives one error `<path>: cannot read: <reason>`.
load_result load_config_file(const std::string& path, const env_lookup& env, routing::health_registry& health);

}  // namespace baton::daemon
