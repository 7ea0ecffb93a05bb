#include "daemon/config/parse_client_keys.hpp"

#include "daemon/config/quoted_text.hpp"
#include "daemon/config/sha256_hex.hpp"

#include <algorithm>
#include <map>

namespace baton::daemon::config_detail {

namespace {

std::optional<std::string> read_hash(yaml_reader& reader, const map_entry& e)
{
    auto v = reader.string(e.value, e.path);
    if (!v) {
        return std::nullopt;
    }
    std::string h = *v;
    std::transform(h.begin(), h.end(), h.begin(),
                   [](char c) { return c >= 'A' && c <= 'F' ? static_cast<char>(c - 'A' + 'a') : c; });
    const bool hex = h.size() == 64 && std::all_of(h.begin(), h.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    });
    if (!hex) {
        reader.diag().error(e.path, "expected 64 hex digits (the key's SHA-256)");
        return std::nullopt;
    }
    return h;
}

void read_limit(yaml_reader& reader, const yaml_map& m, std::string_view key, std::uint64_t& target)
{
    if (const auto* e = m.find(key)) {
        if (const auto v = reader.integer(e->value, e->path, bound::non_negative)) {
            target = static_cast<std::uint64_t>(*v);
        }
    }
}

void add_references(config_draft& draft, const config_path& at, const std::vector<std::string>& names,
                    model_reference::kind what = model_reference::kind::model)
{
    for (std::size_t i = 0; i < names.size(); ++i) {
        draft.references.push_back({at.index(i), names[i], what});
    }
}

}  // namespace

void parse_client_keys(yaml_reader& reader, const YAML::Node& node, config_draft& draft)
{
    const auto items = reader.list(node, config_path().key("keys"));
    if (!items) {
        return;
    }
    std::map<std::string, config_path> names;
    std::map<std::string, config_path> hashes;
    for (const auto& item : *items) {
        const auto m = reader.map(item.value, item.path);
        if (!m) {
            continue;
        }
        m->warn_unknown(reader.diag(), {"name", "key", "key_sha256", "models", "backup_models", "rpm_limit",
                                        "tpm_limit", "max_parallel_requests"});
        const std::size_t errors_before = reader.diag().error_count();
        client_key k;
        if (const auto* e = m->find("name")) {
            if (auto v = reader.non_empty_string(e->value, e->path)) {
                if (const auto it = names.find(*v); it != names.end()) {
                    reader.diag().error(e->path, "duplicate key name " + quoted_text(*v) + " (also " + it->second.str() + ")");
                } else {
                    names.emplace(*v, e->path);
                    k.name = std::move(*v);
                }
            }
        } else {
            reader.diag().error(item.path.key("name"), "is required");
        }

        const auto* raw = m->find("key");
        const auto* hashed = m->find("key_sha256");
        const map_entry* key_entry = raw != nullptr ? raw : hashed;
        if (raw != nullptr && hashed != nullptr) {
            reader.diag().error(item.path, "key and key_sha256 are mutually exclusive");
        } else if (raw != nullptr) {
            if (auto v = reader.non_empty_string(raw->value, raw->path)) {
                k.key_sha256 = sha256_hex(*v);
            }
        } else if (hashed != nullptr) {
            if (auto v = read_hash(reader, *hashed)) {
                k.key_sha256 = std::move(*v);
            }
        } else {
            reader.diag().error(item.path, "one of key or key_sha256 is required");
        }
        if (!k.key_sha256.empty()) {
            if (const auto it = hashes.find(k.key_sha256); it != hashes.end()) {
                reader.diag().error(key_entry->path, "same key as " + it->second.str());
            } else if (k.key_sha256 == draft.general.master_key_sha256) {
                reader.diag().error(key_entry->path, "same key as general_settings.master_key");
            } else {
                hashes.emplace(k.key_sha256, item.path);
            }
        }

        if (const auto* e = m->find("models")) {
            if (auto v = reader.string_list(e->value, e->path)) {
                add_references(draft, e->path, *v);
                k.models = std::move(*v);
            }
        }
        if (const auto* e = m->find("backup_models")) {
            if (auto v = reader.string_list(e->value, e->path)) {
                add_references(draft, e->path, *v, model_reference::kind::backup);
                k.backup_models = std::move(*v);
            }
        }
        read_limit(reader, *m, "rpm_limit", k.rpm_limit);
        read_limit(reader, *m, "tpm_limit", k.tpm_limit);
        read_limit(reader, *m, "max_parallel_requests", k.max_parallel_requests);
        if (reader.diag().error_count() == errors_before) {
            draft.keys.push_back(std::move(k));
        }
    }
}

}  // namespace baton::daemon::config_detail
