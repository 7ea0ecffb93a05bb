#include "daemon/config/parse_aliases.hpp"

namespace baton::daemon::config_detail {

void parse_aliases(yaml_reader& reader, const YAML::Node& node, config_draft& draft)
{
    const auto m = reader.map(node, config_path().key("aliases"));
    if (!m) {
        return;
    }
    for (const auto& e : m->entries()) {
        const std::size_t errors_before = reader.diag().error_count();
        routing::alias a;
        a.name = e.key;
        std::optional<std::vector<std::string>> chain;
        config_path chain_path = e.path;
        if (!e.value.IsDefined() || e.value.IsNull()) {
            reader.diag().error(e.path.key("chain"), "is required");
        } else if (e.value.IsSequence()) {
            chain = reader.string_list(e.value, e.path);
        } else if (const auto am = reader.map(e.value, e.path)) {
            am->warn_unknown(reader.diag(), {"description", "chain"});
            if (const auto* d = am->find("description")) {
                if (auto v = reader.string(d->value, d->path)) {
                    a.description = std::move(*v);
                }
            }
            if (const auto* c = am->find("chain")) {
                chain_path = c->path;
                chain = reader.string_list(c->value, c->path);
            } else {
                reader.diag().error(e.path.key("chain"), "is required");
            }
        }
        if (chain && chain->empty()) {
            reader.diag().error(chain_path, "must not be empty");
        } else if (chain) {
            for (std::size_t i = 0; i < chain->size(); ++i) {
                draft.references.push_back({chain_path.index(i), (*chain)[i], model_reference::kind::group});
            }
            a.chain = std::move(*chain);
        }
        if (e.key.empty()) {
            reader.diag().error(e.path, "an alias name must not be empty");
        }
        if (reader.diag().error_count() != errors_before) {
            draft.broken_aliases.insert(e.key);
            continue;
        }
        draft.aliases.emplace_back(std::move(a), e.path);
    }
}

}  // namespace baton::daemon::config_detail
