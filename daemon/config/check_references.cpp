#include "daemon/config/check_references.hpp"

#include "daemon/config/quoted_text.hpp"

namespace baton::daemon::config_detail {

void check_references(const config_draft& draft, const routing::route_table& table, config_diagnostics& diag)
{
    using kind = model_reference::kind;
    const auto is_group = [&](const std::string& name) {
        return table.match_group(name) != nullptr || draft.broken_groups.contains(name);
    };
    const auto is_alias = [&](const std::string& name) {
        return table.find_alias(name) != nullptr || draft.broken_aliases.contains(name);
    };
    const auto is_renamed = [&](const std::string& name) {
        return draft.router.model_group_alias.contains(name);
    };
    // LiteLLM routes a deployment's model_info.id to that deployment: fallbacks may name one.
    const auto is_deployment = [&](const std::string& name) {
        return table.find_deployment(name) != nullptr;
    };

    for (const auto& [a, path] : draft.aliases) {
        if (table.group(a.name) != nullptr) {
            diag.error(path, "clashes with the model group of the same name");
        } else if (const auto it = draft.model_group_alias_paths.find(a.name);
                   it != draft.model_group_alias_paths.end()) {
            diag.error(path, "clashes with " + it->second.str());
        }
    }
    for (const auto& [name, path] : draft.model_group_alias_paths) {
        if (table.group(name) != nullptr) {
            diag.warning(path, "shadows the model group of the same name");
        }
    }

    for (const auto& ref : draft.references) {
        switch (ref.what) {
        case kind::group:
            if (!is_group(ref.name)) {
                diag.error(ref.path, "unknown model group " + quoted_text(ref.name));
            }
            break;
        case kind::group_or_alias:
            if (!is_group(ref.name) && !is_alias(ref.name)) {
                diag.error(ref.path, "unknown model group or alias " + quoted_text(ref.name));
            }
            break;
        case kind::model:
            if (!is_group(ref.name) && !is_alias(ref.name) && !is_renamed(ref.name) &&
                !is_deployment(ref.name)) {
                diag.error(ref.path, "unknown model group or alias " + quoted_text(ref.name));
            }
            break;
        case kind::backup:
            if (!is_group(ref.name) && !is_alias(ref.name) && !is_renamed(ref.name) &&
                !is_deployment(ref.name)) {
                diag.warning(ref.path, "names no model group or alias; skipped (with a logged reason) at request time");
            }
            break;
        case kind::fallback_source:
            if (!is_group(ref.name) && !is_alias(ref.name) && !is_renamed(ref.name)) {
                diag.warning(ref.path, "names no model group or alias; never used");
            }
            break;
        }
    }
}

}  // namespace baton::daemon::config_detail
