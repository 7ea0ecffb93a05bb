#pragma once

#include "daemon/config/config_diagnostics.hpp"
#include "daemon/config/config_loader.hpp"
#include "daemon/config/config_path.hpp"
#include "daemon/config/yaml_map.hpp"

#include <yaml-cpp/yaml.h>
#include <boost/json/value.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace baton::daemon::config_detail {

/// The range a number must fall in; the error names the bound ("must be >= 0", "must be > 0").
enum class bound { any, non_negative, positive };

/// One item of a YAML list, with its path. Like map_entry: never assign one (YAML::Node assignment writes
/// through to the document).
struct list_item {
    YAML::Node value;
    config_path path;
};

/// Typed, path-qualified reads of YAML nodes for the config loader. Every read reports its own errors to the
/// diagnostics and returns nullopt on error; a YAML null (`key:` / `~`) reads as nullopt without an error
/// (callers decide whether the value was required). Every scalar read first resolves `os.environ/NAME`
/// through the env lookup (missing: `environment variable NAME is not set`). Error messages never echo a
/// value, which could be a secret. Read each node once: a second read would report its errors twice.
/// Not thread-safe (one per load).
class yaml_reader {
public:
    /// Reports to `diag` and resolves `os.environ/` through `env`; both must outlive the reader.
    yaml_reader(config_diagnostics& diag, const env_lookup& env) : diag_(diag), env_(env) {}

    /// Where this reader reports (for checks the callers make themselves).
    config_diagnostics& diag() noexcept { return diag_; }

    /// The environment variable `name` itself (not an error when unset): LiteLLM-style fallbacks such as
    /// OPENAI_API_KEY.
    std::optional<std::string> environment(std::string_view name) const
    {
        return env_ ? env_(name) : std::nullopt;
    }

    /// A mapping: duplicate keys are errors (`<path>.<key>: duplicate key`, the first one wins), YAML merge
    /// keys (`<<: *anchor`) are expanded (explicit keys win). Null reads as an empty mapping; anything
    /// else but a mapping is `expected a mapping`.
    std::optional<yaml_map> map(const YAML::Node& node, const config_path& at);
    /// A list's items. Null reads as an empty list; anything else but a list is `expected a list`.
    std::optional<std::vector<list_item>> list(const YAML::Node& node, const config_path& at);

    /// Any scalar as text (numbers and booleans as written); `expected a string` otherwise.
    std::optional<std::string> string(const YAML::Node& node, const config_path& at);
    /// Like string(), but an empty result is `must not be empty`.
    std::optional<std::string> non_empty_string(const YAML::Node& node, const config_path& at);
    /// A finite decimal number within `b`; `expected a number` otherwise.
    std::optional<double> number(const YAML::Node& node, const config_path& at, bound b);
    /// A whole number within `b` and <= `max` (`must be <= max`); `expected an integer` otherwise.
    std::optional<std::int64_t> integer(const YAML::Node& node, const config_path& at, bound b,
                                        std::int64_t max = std::numeric_limits<std::int64_t>::max());
    /// true/false (also yes/no/on/off, any case); `expected true or false` otherwise.
    std::optional<bool> boolean(const YAML::Node& node, const config_path& at);
    /// Any value as JSON, the way PyYAML reads it: plain scalars are booleans (true/yes/on, false/no/off),
    /// null, integers (digit separators `_` allowed), finite decimals, else strings; quoted scalars and
    /// `os.environ/` values are strings; sequences and mappings nest (mappings as map() reads them). For
    /// LiteLLM's request parameters (litellm_params temperature, stop, extra_body, ...).
    std::optional<boost::json::value> json(const YAML::Node& node, const config_path& at, int depth = 0);
    /// A list of non-empty strings; nullopt when the list or any item is bad (each bad item is reported).
    std::optional<std::vector<std::string>> string_list(const YAML::Node& node, const config_path& at);

private:
    std::optional<std::string> scalar(const YAML::Node& node, const config_path& at, std::string_view expected);
    void collect(const YAML::Node& node, const config_path& at, int depth, std::vector<map_entry>& out,
                 bool& ok);

    config_diagnostics& diag_;
    const env_lookup& env_;
};

}  // namespace baton::daemon::config_detail
