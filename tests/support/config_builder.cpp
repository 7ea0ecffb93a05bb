#include "support/config_builder.hpp"

#include <algorithm>
#include <string_view>

namespace baton::test {
namespace {

// The key of a "key: value" line: the text before the first ':', without surrounding blanks.
std::string_view key_of(std::string_view line)
{
    auto key = line.substr(0, line.find(':'));
    while (!key.empty() && key.front() == ' ') key.remove_prefix(1);
    while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
    return key;
}

// `below` without the lines whose key `above` sets too, then `above`.
std::vector<std::string> layered(const std::vector<std::string>& below, const std::vector<std::string>& above)
{
    std::vector<std::string> out;
    for (const auto& l : below) {
        const bool replaced = std::any_of(above.begin(), above.end(),
                                          [&](const std::string& a) { return key_of(a) == key_of(l); });
        if (!replaced) out.push_back(l);
    }
    out.insert(out.end(), above.begin(), above.end());
    return out;
}

std::string indented(const std::vector<std::string>& lines, std::string_view indent)
{
    std::string y;
    for (const auto& l : lines) y += std::string(indent) + l + "\n";
    return y;
}

}  // namespace

std::string model_list(const fake_upstream_process& fake, const std::vector<dep>& deps,
                       const std::vector<std::string>& litellm_params)
{
    std::string y = "model_list:\n";
    for (const auto& d : deps) {
        y += "  - model_name: " + d.group + "\n";
        y += "    litellm_params:\n";
        y += "      model: " + d.provider + "/" + d.model.value_or("up-" + d.id) + "\n";
        y += "      api_base: " + d.api_base.value_or(fake.base_url(d.id)) + "\n";
        if (d.api_keys.empty()) {
            y += "      api_key: " + d.api_key.value_or("key-" + d.id) + "\n";
        } else {
            y += "      api_keys: [";
            for (std::size_t i = 0; i < d.api_keys.size(); ++i) y += (i ? ", " : "") + d.api_keys[i];
            y += "]\n";
        }
        std::vector<std::string> defaults;
        if (d.provider == "azure") defaults.emplace_back("api_version: \"2024-10-21\"");
        defaults.insert(defaults.end(), litellm_params.begin(), litellm_params.end());
        std::vector<std::string> own;
        if (d.weight) own.push_back("weight: " + std::to_string(*d.weight));
        own.insert(own.end(), d.extra.begin(), d.extra.end());
        y += indented(layered(defaults, own), "      ");
        y += "    model_info:\n";
        y += "      id: " + d.id + "\n";
        y += indented(d.model_info, "      ");
    }
    return y;
}

std::string router_settings(const std::vector<std::string>& lines, const std::vector<std::string>& defaults)
{
    return "router_settings:\n" + indented(layered(defaults, lines), "  ");
}

std::string general_settings(const std::vector<std::string>& lines, const std::vector<std::string>& defaults)
{
    const std::vector<std::string> builder{"listen: 127.0.0.1:0", "threads: 1"};
    return "general_settings:\n" + indented(layered(layered(builder, defaults), lines), "  ");
}

std::string config_yaml(const fake_upstream_process& fake, const test_config& config,
                        const config_defaults& defaults)
{
    return model_list(fake, config.deployments, defaults.litellm_params) +
           router_settings(config.router, defaults.router_settings) + config.top +
           general_settings(config.general, defaults.general_settings);
}

std::string config(const fake_upstream_process& fake, const std::vector<dep>& deps,
                   const std::vector<std::string>& router, const std::string& top,
                   const config_defaults& defaults)
{
    return config_yaml(fake, {deps, router, top}, defaults);
}

}  // namespace baton::test
