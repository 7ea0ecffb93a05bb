#include "daemon/config/yaml_map.hpp"

#include <algorithm>
#include <span>

namespace baton::daemon::config_detail {

const map_entry* yaml_map::find(std::string_view key) const
{
    const auto it = std::find_if(entries_.begin(), entries_.end(), [&](const map_entry& e) { return e.key == key; });
    if (it == entries_.end() || !it->value.IsDefined() || it->value.IsNull()) {
        return nullptr;
    }
    return &*it;
}

void yaml_map::warn_unknown(config_diagnostics& diag, std::initializer_list<std::string_view> known) const
{
    warn_unknown(diag, std::span<const std::string_view>(known.begin(), known.size()));
}

void yaml_map::warn_unknown(config_diagnostics& diag, std::span<const std::string_view> known) const
{
    for (const auto& e : entries_) {
        if (std::find(known.begin(), known.end(), e.key) == known.end()) {
            diag.unknown_key(e.path, known);
        }
    }
}

}  // namespace baton::daemon::config_detail
