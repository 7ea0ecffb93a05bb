#pragma once

#include "daemon/config/config_diagnostics.hpp"
#include "daemon/config/config_path.hpp"

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace baton::daemon::config_detail {

/// One key of a YAML mapping, with the path of its value. Construct or copy-construct it, never assign one:
/// assigning a YAML::Node writes through to the document the node belongs to.
struct map_entry {
    std::string key;
    YAML::Node value;
    config_path path;
};

/// A YAML mapping as the loader reads it: keys in document order, duplicates already reported and dropped,
/// `<<` merge keys already expanded (see yaml_reader::map). Value type.
class yaml_map {
public:
    /// An empty mapping.
    yaml_map() = default;
    /// A mapping of `entries`, already checked (see yaml_reader::map).
    explicit yaml_map(std::vector<map_entry> entries) : entries_(std::move(entries)) {}

    /// The entry for `key`, or nullptr. An entry whose value is YAML null (`key:` or `key: ~`) counts as
    /// absent: nullptr too.
    const map_entry* find(std::string_view key) const;
    /// Every entry in document order (null values included).
    const std::vector<map_entry>& entries() const noexcept { return entries_; }

    /// Reports every key not in `known` to `diag` as an unknown key (a warning, never an error).
    void warn_unknown(config_diagnostics& diag, std::initializer_list<std::string_view> known) const;
    /// The same for a list built at run time.
    void warn_unknown(config_diagnostics& diag, std::span<const std::string_view> known) const;

private:
    std::vector<map_entry> entries_;
};

}  // namespace baton::daemon::config_detail
