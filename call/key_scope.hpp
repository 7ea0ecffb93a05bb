#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace baton::call {

/// What a client key may do to routing (SPEC §3 `keys:`): the groups and aliases it may name, and the
/// backup_models tried before configured fallbacks. Views the key's config entry (valid while the config
/// snapshot lives).
struct key_scope {
    /// Group or alias names the key may call (nullopt inside = all); null = no key, all.
    const std::optional<std::vector<std::string>>* models = nullptr;
    /// SPEC §5.4 step 2 when the request gives no `fallbacks`; null = none.
    const std::vector<std::string>* backup_models = nullptr;
};

/// True when `models` (a key's scope; nullopt = everything) lets the key name `name`. Pure.
inline bool model_allowed(const std::optional<std::vector<std::string>>& models, std::string_view name)
{
    return !models || std::find(models->begin(), models->end(), name) != models->end();
}

}  // namespace baton::call
