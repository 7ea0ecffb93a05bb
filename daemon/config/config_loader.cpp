#include "daemon/config/config_loader.hpp"

#include "daemon/config/check_references.hpp"
#include "daemon/config/config_diagnostics.hpp"
#include "daemon/config/config_draft.hpp"
#include "daemon/config/expand_deployments.hpp"
#include "daemon/config/merge_includes.hpp"
#include "daemon/config/parse_aliases.hpp"
#include "daemon/config/parse_client_keys.hpp"
#include "daemon/config/parse_general_settings.hpp"
#include "daemon/config/parse_litellm_settings.hpp"
#include "daemon/config/parse_model_list.hpp"
#include "daemon/config/parse_router_settings.hpp"
#include "daemon/config/quoted_text.hpp"
#include "daemon/config/yaml_reader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <filesystem>

namespace baton::daemon {

namespace {

using namespace config_detail;

constexpr std::size_t max_file_size = 16 << 20;  // a config this large is a mistake (or not a config)

constexpr std::array<std::string_view, 8> top_level_keys{"model_list",       "router_settings", "litellm_settings",
                                                         "aliases",          "default_model",   "keys",
                                                         "general_settings", "environment_variables"};

load_result failed(const config_diagnostics& diag)
{
    load_result r;
    r.errors = diag.errors();
    r.warnings = diag.warnings();
    return r;
}

// yaml-cpp messages can quote a character of the input (say, a bad escape): keep the error on one line.
std::string printable(const std::string& message)
{
    const std::string q = quoted_text(message);
    return q.substr(1, q.size() - 2);
}

YAML::Node section(const yaml_map& top, std::string_view key)
{
    const auto* e = top.find(key);
    return e != nullptr ? e->value : YAML::Node();
}

// LiteLLM's generic fallback (`fallbacks: [{"*": [...]}]`) is what default_fallbacks means in baton.
void move_generic_fallbacks(config_draft& draft, config_diagnostics& diag)
{
    auto& r = draft.router;
    const auto it = r.fallbacks.find("*");
    if (it == r.fallbacks.end()) {
        return;
    }
    if (r.default_fallbacks.empty()) {
        r.default_fallbacks = std::move(it->second);
    } else {
        const auto at = draft.router_keys_set.find("fallbacks");
        diag.warning(at != draft.router_keys_set.end() ? at->second : config_path().key("router_settings"),
                     "the \"*\" entry is ignored because default_fallbacks is set");
    }
    r.fallbacks.erase(it);
}

routing::route_table make_table(const config_draft& draft, std::vector<routing::deployment> deployments)
{
    routing::route_table table;
    for (auto& d : deployments) {
        table.add(std::move(d));
    }
    for (const auto& [a, path] : draft.aliases) {
        table.add_alias(a);
    }
    table.settings = draft.router;
    table.default_model = draft.default_model;
    return table;
}

void load(const YAML::Node& root, const std::string& source_name, yaml_reader& reader, config_draft& draft)
{
    config_diagnostics& diag = reader.diag();
    if (root.IsDefined() && !root.IsNull() && !root.IsMap()) {
        diag.error_line(source_name + ": expected a mapping at the top level (model_list, router_settings, ...)");
        return;
    }
    const auto top = reader.map(root, config_path());
    if (!top) {
        return;
    }
    for (const auto& e : top->entries()) {
        if (e.key == "environment_variables") {
            diag.warning(e.path, "ignored; baton reads os.environ/NAME from its own environment");
        } else if (std::find(top_level_keys.begin(), top_level_keys.end(), e.key) == top_level_keys.end()) {
            diag.unknown_key(e.path, top_level_keys);
        }
    }

    parse_model_list(reader, section(*top, "model_list"), draft);
    parse_aliases(reader, section(*top, "aliases"), draft);
    parse_router_settings(reader, section(*top, "router_settings"), draft);
    parse_litellm_settings(reader, section(*top, "litellm_settings"), draft);
    move_generic_fallbacks(draft, diag);
    if (draft.max_retries && !draft.router_keys_set.contains("num_retries")) {
        // litellm_params.max_retries retries one deployment; baton retries a group (num_retries extra
        // rounds).
        draft.router.num_retries = *draft.max_retries;
    }
    if (const auto* e = top->find("default_model")) {
        if (auto v = reader.non_empty_string(e->value, e->path)) {
            draft.references.push_back({e->path, *v, model_reference::kind::model});
            draft.default_model = std::move(*v);
        }
    }
    parse_general_settings(reader, section(*top, "general_settings"), draft);
    parse_client_keys(reader, section(*top, "keys"), draft);

}

}  // namespace

env_lookup process_environment()
{
    return [](std::string_view name) -> std::optional<std::string> {
        const char* v = std::getenv(std::string(name).c_str());
        return v != nullptr ? std::optional<std::string>(v) : std::nullopt;
    };
}

load_result load_config_text(std::string_view yaml_text, const std::string& source_name, const env_lookup& env,
                             routing::health_registry& health)
{
    config_diagnostics diag;
    yaml_reader reader(diag, env);
    config_draft draft;
    try {
        YAML::Node root = YAML::Load(std::string(yaml_text));
        merge_includes(root, source_name, diag);
        load(root, source_name, reader, draft);
    } catch (const YAML::ParserException& e) {
        if (e.mark.line >= 0 && e.mark.column >= 0) {
            diag.error_line(source_name + ":" + std::to_string(e.mark.line + 1) + ":" +
                            std::to_string(e.mark.column + 1) + ": " + printable(e.msg));
        } else {
            diag.error_line(source_name + ": " + printable(e.msg));
        }
        return failed(diag);
    } catch (const YAML::Exception& e) {
        diag.error_line(source_name + ": " + printable(e.msg));
        return failed(diag);
    }

    std::vector<routing::deployment> deployments = expand_deployments(draft, diag);
    {
        const routing::route_table check_table = make_table(draft, deployments);
        check_references(draft, check_table, diag);
    }
    if (diag.has_errors()) {
        return failed(diag);
    }
    if (draft.general.master_key.empty() && draft.keys.empty()) {
        diag.warning(config_path().key("general_settings").key("master_key"),
                     "not set and no keys configured: clients are not authenticated");
    }

    // Only a config that loads may touch the shared registry: a rejected reload changes nothing.
    for (auto& d : deployments) {
        d.health = health.cell(d.id, d.group);
    }
    load_result r;
    r.warnings = diag.warnings();
    config c;
    c.routes = make_table(draft, std::move(deployments));
    c.general = std::move(draft.general);
    c.keys = std::move(draft.keys);
    c.warnings = r.warnings;
    c.source_path = source_name;
    r.value = std::move(c);
    return r;
}

load_result load_config_file(const std::string& path, const env_lookup& env, routing::health_registry& health)
{
    const auto cannot_read = [&](const std::string& reason) {
        load_result r;
        r.errors.push_back(path + ": cannot read: " + reason);
        return r;
    };
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        return cannot_read("is a directory");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return cannot_read(std::strerror(errno));
    }
    std::string text;
    char buffer[65536];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        text.append(buffer, static_cast<std::size_t>(in.gcount()));
        if (text.size() > max_file_size) {
            return cannot_read("larger than 16 MiB");
        }
    }
    if (in.bad()) {
        return cannot_read(std::strerror(errno));
    }
    return load_config_text(text, path, env, health);
}

}  // namespace baton::daemon
