#include "daemon/config/expand_deployments.hpp"

#include "daemon/config/quoted_text.hpp"

#include <map>
#include <string>

namespace baton::daemon::config_detail {

namespace {

std::string expanded_id(const std::string& base, std::size_t i)
{
    return i == 0 ? base : base + "__key_" + std::to_string(i);
}

}  // namespace

std::vector<routing::deployment> expand_deployments(const config_draft& draft, config_diagnostics& diag)
{
    std::map<std::string, config_path, std::less<>> taken;  // id -> entry that owns it
    std::vector<std::string> bases(draft.entries.size());

    // Explicit ids first, so that a generated id never takes one the user chose.
    for (std::size_t n = 0; n < draft.entries.size(); ++n) {
        const entry_draft& entry = draft.entries[n];
        if (!entry.explicit_id) {
            continue;
        }
        bases[n] = *entry.explicit_id;
        for (std::size_t i = 0; i < entry.keys.size(); ++i) {
            const std::string id = expanded_id(bases[n], i);
            const config_path& at = i == 0 ? entry.id_path : entry.key_paths[i];
            if (const auto it = taken.find(id); it != taken.end()) {
                diag.error(at, "duplicate deployment id " + quoted_text(id) + " (also " + it->second.str() + ")");
                continue;
            }
            taken.emplace(id, entry.path);
        }
    }
    for (std::size_t n = 0; n < draft.entries.size(); ++n) {
        const entry_draft& entry = draft.entries[n];
        if (entry.explicit_id) {
            continue;
        }
        const auto is_free = [&](const std::string& base) {
            for (std::size_t i = 0; i < entry.keys.size(); ++i) {
                if (taken.contains(expanded_id(base, i))) {
                    return false;
                }
            }
            return true;
        };
        std::string base = entry.hash_id;
        for (std::size_t suffix = 2; !is_free(base); ++suffix) {
            base = entry.hash_id + "-" + std::to_string(suffix);
        }
        for (std::size_t i = 0; i < entry.keys.size(); ++i) {
            taken.emplace(expanded_id(base, i), entry.path);
        }
        bases[n] = std::move(base);
    }

    std::vector<routing::deployment> out;
    for (std::size_t n = 0; n < draft.entries.size(); ++n) {
        const entry_draft& entry = draft.entries[n];
        for (std::size_t i = 0; i < entry.keys.size(); ++i) {
            routing::deployment d = entry.base;
            d.id = expanded_id(bases[n], i);
            d.api_key = entry.keys[i];
            if (!entry.timeout_set && draft.default_timeout) {
                d.timeout_seconds = *draft.default_timeout;
            }
            if (!entry.stream_timeout_set && draft.default_stream_timeout) {
                d.stream_timeout_seconds = *draft.default_stream_timeout;
            }
            out.push_back(std::move(d));
        }
    }
    return out;
}

}  // namespace baton::daemon::config_detail
