#include "daemon/config/parse_model_list.hpp"

#include "daemon/config/deployment_id_hash.hpp"
#include "daemon/config/quoted_text.hpp"
#include "providers/registry.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <climits>

namespace baton::daemon::config_detail {

namespace {

// litellm_params keys LiteLLM hands to the provider with every request: baton sends them as request
// parameters (routing::deployment::request_defaults) unless the client set them.
constexpr std::array<std::string_view, 20> request_parameters{"temperature",
                                                              "top_p",
                                                              "max_tokens",
                                                              "max_completion_tokens",
                                                              "stop",
                                                              "n",
                                                              "presence_penalty",
                                                              "frequency_penalty",
                                                              "logit_bias",
                                                              "logprobs",
                                                              "top_logprobs",
                                                              "seed",
                                                              "response_format",
                                                              "user",
                                                              "tool_choice",
                                                              "parallel_tool_calls",
                                                              "reasoning_effort",
                                                              "service_tier",
                                                              "top_k",
                                                              "thinking"};

bool is_request_parameter(std::string_view key)
{
    return std::find(request_parameters.begin(), request_parameters.end(), key) != request_parameters.end();
}

// HTTP header names: RFC 9110 tokens (no separators, no controls), so a config can't split header lines.
bool is_header_name(std::string_view s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    });
}

bool has_control_characters(std::string_view s)
{
    return std::any_of(s.begin(), s.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7f;
    });
}

// Ids travel in headers (x-baton-deployment-id) and metric labels: visible ASCII only.
bool is_valid_id(std::string_view s)
{
    return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

bool is_http_url(std::string_view s)
{
    std::string head(s.substr(0, 8));
    std::transform(head.begin(), head.end(), head.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
    const std::size_t scheme = head.starts_with("https://") ? 8 : head.starts_with("http://") ? 7 : 0;
    return scheme != 0 && s.size() > scheme && s[scheme] != '/' && !has_control_characters(s) &&
           s.find(' ') == std::string_view::npos;
}

// A group name: what clients send and what x-baton-model-group echoes.
std::optional<std::string> read_group_name(yaml_reader& reader, const map_entry& e)
{
    auto name = reader.non_empty_string(e.value, e.path);
    if (!name) {
        return std::nullopt;
    }
    if (has_control_characters(*name)) {
        reader.diag().error(e.path, "must not contain control characters");
        return std::nullopt;
    }
    if (std::count(name->begin(), name->end(), '*') > 1) {
        reader.diag().error(e.path, "may contain at most one '*'");
        return std::nullopt;
    }
    return name;
}

class entry_parser {
public:
    entry_parser(yaml_reader& reader, config_draft& draft) : reader_(reader), diag_(reader.diag()), draft_(draft) {}

    void parse(const YAML::Node& node, const config_path& path)
    {
        const std::size_t errors_before = diag_.error_count();
        params_rpm_set_ = false;
        params_tpm_set_ = false;
        entry_draft entry;
        entry.path = path;
        std::optional<std::string> group;
        if (const auto m = reader_.map(node, path)) {
            group = parse_entry(*m, entry);
        }
        if (diag_.error_count() != errors_before) {
            if (group) {
                draft_.broken_groups.insert(*group);
            }
            return;
        }
        draft_.entries.push_back(std::move(entry));
    }

private:
    std::optional<std::string> parse_entry(const yaml_map& m, entry_draft& entry)
    {
        m.warn_unknown(diag_, {"model_name", "litellm_params", "params", "model_info", "rpm", "tpm"});
        std::optional<std::string> group;
        if (const auto* e = m.find("model_name")) {
            group = read_group_name(reader_, *e);
        } else {
            diag_.error(entry.path.key("model_name"), "is required");
        }
        if (group) {
            entry.base.group = *group;
        }

        const map_entry* params = m.find("litellm_params");
        if (const auto* synonym = m.find("params")) {
            if (params != nullptr) {
                diag_.error(entry.path, "litellm_params and params are synonyms; give only one");
            } else {
                params = synonym;
            }
        }
        if (params == nullptr) {
            diag_.error(entry.path.key("litellm_params"), "is required");
        } else if (const auto pm = reader_.map(params->value, params->path)) {
            parse_params(*pm, params->path, entry);
            if (group) {
                if (auto hash = deployment_id_hash(*group, params->value)) {
                    entry.hash_id = std::move(*hash);
                } else {
                    diag_.error(params->path, "too large once YAML aliases are expanded");
                }
            }
        }

        if (const auto* info = m.find("model_info")) {
            if (const auto im = reader_.map(info->value, info->path)) {
                im->warn_unknown(diag_, {"id"});
                if (const auto* id = im->find("id")) {
                    if (auto v = reader_.non_empty_string(id->value, id->path)) {
                        if (!is_valid_id(*v)) {
                            diag_.error(id->path, "must be printable ASCII without spaces");
                        } else {
                            entry.explicit_id = std::move(*v);
                            entry.id_path = id->path;
                        }
                    }
                }
            }
        }

        // LiteLLM also reads rpm/tpm at the entry's top level; litellm_params (where SPEC §3 puts them) wins.
        read_entry_budget(m, "rpm", params_rpm_set_, entry.base.rpm);
        read_entry_budget(m, "tpm", params_tpm_set_, entry.base.tpm);
        return group;
    }

    void read_entry_budget(const yaml_map& m, std::string_view key, bool set_in_params, double& target)
    {
        const auto* e = m.find(key);
        if (e == nullptr) {
            return;
        }
        const auto v = reader_.number(e->value, e->path, bound::non_negative);
        if (!v) {
            return;
        }
        if (set_in_params) {
            diag_.warning(e->path, "also set in litellm_params, which wins");
        } else {
            target = *v;
        }
    }

    void parse_params(const yaml_map& pm, const config_path& at, entry_draft& entry)
    {
        std::vector<std::string_view> known{"model",
                                            "api_base",
                                            "api_key",
                                            "api_keys",
                                            "api_version",
                                            "weight",
                                            "rpm",
                                            "tpm",
                                            "timeout",
                                            "stream_timeout",
                                            "max_parallel_requests",
                                            "ssl_verify",
                                            "extra_headers",
                                            "extra_body",
                                            "max_retries",
                                            "organization"};
        known.insert(known.end(), request_parameters.begin(), request_parameters.end());
        pm.warn_unknown(diag_, known);
        routing::deployment& d = entry.base;
        parse_request_defaults(pm, d);
        if (const auto* e = pm.find("max_retries")) {
            if (const auto v = reader_.integer(e->value, e->path, bound::non_negative, 10)) {
                draft_.max_retries = std::max(draft_.max_retries.value_or(0), static_cast<int>(*v));
                if (!draft_.max_retries_path) {
                    draft_.max_retries_path = e->path;
                }
            }
        }

        std::optional<std::string> api_base;
        if (const auto* e = pm.find("api_base")) {
            if (auto v = reader_.non_empty_string(e->value, e->path)) {
                if (!is_http_url(*v)) {
                    diag_.error(e->path, "must be an http:// or https:// URL");
                } else {
                    while (v->ends_with('/')) {
                        v->pop_back();
                    }
                    api_base = std::move(*v);
                }
            }
        }
        if (const auto* e = pm.find("api_version")) {
            if (auto v = reader_.non_empty_string(e->value, e->path)) {
                d.api_version = std::move(*v);
            }
        }

        const map_entry* model = pm.find("model");
        if (model == nullptr) {
            diag_.error(at.key("model"), "is required");
        } else if (auto v = reader_.non_empty_string(model->value, model->path)) {
            parse_model(*v, *model, at, pm, api_base.has_value(), d);
        }
        if (api_base) {
            d.api_base = std::move(*api_base);
        }

        parse_keys(pm, at, entry);

        if (const auto* e = pm.find("weight")) {
            if (const auto v = reader_.number(e->value, e->path, bound::non_negative)) {
                d.weight = *v;
            }
        }
        if (const auto* e = pm.find("rpm")) {
            params_rpm_set_ = true;
            if (const auto v = reader_.number(e->value, e->path, bound::non_negative)) {
                d.rpm = *v;
            }
        }
        if (const auto* e = pm.find("tpm")) {
            params_tpm_set_ = true;
            if (const auto v = reader_.number(e->value, e->path, bound::non_negative)) {
                d.tpm = *v;
            }
        }
        if (const auto* e = pm.find("timeout")) {
            entry.timeout_set = true;
            if (const auto v = reader_.number(e->value, e->path, bound::positive)) {
                d.timeout_seconds = *v;
            }
        }
        if (const auto* e = pm.find("stream_timeout")) {
            entry.stream_timeout_set = true;
            if (const auto v = reader_.number(e->value, e->path, bound::positive)) {
                d.stream_timeout_seconds = *v;
            }
        }
        if (const auto* e = pm.find("max_parallel_requests")) {
            if (const auto v = reader_.integer(e->value, e->path, bound::non_negative, INT_MAX)) {
                d.max_parallel_requests = static_cast<int>(*v);
            }
        }
        if (const auto* e = pm.find("ssl_verify")) {
            if (const auto v = reader_.boolean(e->value, e->path)) {
                d.ssl_verify = *v;
            }
        }
    }

    // LiteLLM's per-deployment request parameters: the known ones and extra_body's keys go into the body
    // unless the client set them; extra_headers go with every request.
    void parse_request_defaults(const yaml_map& pm, routing::deployment& d)
    {
        boost::json::object defaults;
        for (const auto& e : pm.entries()) {
            if (!is_request_parameter(e.key)) {
                continue;
            }
            if (auto v = reader_.json(e.value, e.path); v && !v->is_null()) {
                defaults[e.key] = std::move(*v);
            }
        }
        if (const auto* e = pm.find("extra_body")) {
            if (auto v = reader_.json(e->value, e->path)) {
                if (v->is_object()) {
                    for (auto& kv : v->get_object()) {
                        if (kv.key() == "model" || kv.key() == "messages" || kv.key() == "stream") {
                            diag_.error(e->path.key(kv.key()), "is set by the request, not the config");
                            continue;
                        }
                        defaults[kv.key()] = std::move(kv.value());
                    }
                } else if (!v->is_null()) {
                    diag_.error(e->path, "expected a mapping");
                }
            }
        }
        if (!defaults.empty()) {
            d.request_defaults = boost::json::serialize(defaults);
        }
        if (const auto* e = pm.find("organization")) {
            // LiteLLM hands it to the OpenAI client, which sends it as this header.
            if (auto v = reader_.string(e->value, e->path)) {
                if (has_control_characters(*v)) {
                    diag_.error(e->path, "must not contain control characters");
                } else {
                    d.extra_headers.emplace_back("OpenAI-Organization", std::move(*v));
                }
            }
        }
        if (const auto* e = pm.find("extra_headers")) {
            if (const auto m = reader_.map(e->value, e->path)) {
                for (const auto& h : m->entries()) {
                    auto v = reader_.string(h.value, h.path);
                    if (!v) {
                        continue;
                    }
                    if (!is_header_name(h.key)) {
                        diag_.error(h.path, "is not a valid header name");
                    } else if (has_control_characters(*v)) {
                        diag_.error(h.path, "must not contain control characters");
                    } else {
                        d.extra_headers.emplace_back(h.key, std::move(*v));
                    }
                }
            }
        }
    }

    void parse_model(const std::string& model, const map_entry& e, const config_path& at, const yaml_map& pm,
                     bool has_api_base, routing::deployment& d)
    {
        const std::size_t slash = model.find('/');
        if (slash == 0 || slash + 1 == model.size() || has_control_characters(model)) {
            diag_.error(e.path, "expected <provider>/<model> (e.g. openai/gpt-4o), got " + quoted_text(model));
            return;
        }
        if (slash == std::string::npos) {
            // As in LiteLLM, a model without a provider prefix is an OpenAI model.
            d.provider = std::string(providers::default_provider);
            d.upstream_model = model;
        } else {
            d.provider = model.substr(0, slash);
            d.upstream_model = model.substr(slash + 1);
        }

        const providers::provider_info* info = providers::find_provider(d.provider);
        if (info != nullptr && info->via == nullptr) {
            diag_.error(e.path, "provider " + quoted_text(d.provider) + " is not supported: it " +
                                    std::string(info->unsupported));
            return;
        }
        if (info != nullptr && !info->models.empty()) {
            // A local provider serves only its own models, and needs nothing else.
            if (std::find(info->models.begin(), info->models.end(), d.upstream_model) == info->models.end()) {
                std::string known;
                for (const auto m : info->models) {
                    known += known.empty() ? "" : ", ";
                    known += m;
                }
                diag_.error(e.path, "unknown " + d.provider + " model " + quoted_text(d.upstream_model) +
                                        " (built-in: " + known + ")");
            }
            return;
        }
        if (d.upstream_model.find('*') != std::string::npos) {
            if (d.upstream_model != "*") {
                diag_.error(e.path, "the upstream model may be \"*\" or a name without '*'");
                return;
            }
            if (d.group.find('*') == std::string::npos) {
                diag_.error(e.path, "\"*\" needs a wildcard model_name");
                return;
            }
        }
        if (info == nullptr) {
            if (!has_api_base) {
                diag_.error(e.path, "unknown provider " + quoted_text(d.provider) +
                                        "; set api_base to use it as an OpenAI-compatible server");
            }
            return;
        }
        // As in LiteLLM: api_base, else the provider's environment variable, else its usual endpoint.
        if (!has_api_base) {
            std::optional<std::string> v;
            if (!info->api_base_env.empty()) {
                v = reader_.environment(std::string(info->api_base_env));
            }
            if (v && is_http_url(*v)) {
                d.api_base = std::move(*v);
                while (d.api_base.ends_with('/')) {
                    d.api_base.pop_back();
                }
            } else if (!info->default_api_base.empty()) {
                d.api_base = info->default_api_base;
            } else {
                diag_.error(at.key("api_base"), "is required for " + d.provider);
            }
        }
        if (!info->api_version_env.empty() && pm.find("api_version") == nullptr) {
            if (auto v = reader_.environment(std::string(info->api_version_env)); v && !v->empty()) {
                d.api_version = std::move(*v);
            } else {
                d.api_version = info->default_api_version;
            }
        }
    }

    void parse_keys(const yaml_map& pm, const config_path& at, entry_draft& entry)
    {
        const auto* key = pm.find("api_key");
        const auto* keys = pm.find("api_keys");
        if (key != nullptr && keys != nullptr) {
            diag_.error(keys->path, "cannot be used together with api_key");
            return;
        }
        if (keys != nullptr) {
            if (auto list = reader_.string_list(keys->value, keys->path)) {
                if (list->empty()) {
                    diag_.error(keys->path, "must not be empty");
                    return;
                }
                for (std::size_t i = 0; i < list->size(); ++i) {
                    entry.keys.push_back(std::move((*list)[i]));
                    entry.key_paths.push_back(keys->path.index(i));
                }
            }
            return;
        }
        std::string value;
        if (key != nullptr) {
            if (auto v = reader_.string(key->value, key->path)) {
                value = std::move(*v);
            }
        } else if (const auto* info = providers::find_provider(entry.base.provider);
                   info != nullptr && !info->api_key_env.empty()) {
            // LiteLLM falls back to the provider's usual variable; baton does so only for the provider's own
            // endpoint (unless the provider always reads it, as azure does), so a key meant for a provider
            // never goes to a server named by api_base.
            if (info->key_env_with_any_base || pm.find("api_base") == nullptr) {
                value = reader_.environment(std::string(info->api_key_env)).value_or("");
            }
        }
        entry.keys.push_back(std::move(value));
        entry.key_paths.push_back(key != nullptr ? key->path : at.key("api_key"));
    }

    yaml_reader& reader_;
    config_diagnostics& diag_;
    config_draft& draft_;
    bool params_rpm_set_ = false;
    bool params_tpm_set_ = false;
};

}  // namespace

void parse_model_list(yaml_reader& reader, const YAML::Node& model_list, config_draft& draft)
{
    const config_path at = config_path().key("model_list");
    if (!model_list.IsDefined() || model_list.IsNull()) {
        reader.diag().error(at, "is required");
        return;
    }
    const auto items = reader.list(model_list, at);
    if (!items) {
        return;
    }
    if (items->empty()) {
        reader.diag().error(at, "must not be empty");
        return;
    }
    entry_parser parser(reader, draft);
    for (const auto& item : *items) {
        parser.parse(item.value, item.path);
    }
}

}  // namespace baton::daemon::config_detail
