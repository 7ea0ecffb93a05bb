#pragma once
// The one builder of the batond configs integration tests write: deployments that are names on the fake
// upstream, router_settings, top-level extras and general_settings on an ephemeral port.
//
// Settings are "key: value" lines. Each layer may replace a line of the layer below with a line of the
// same key (the text before the first ':'): the builder's own lines, then a test file's config_defaults,
// then what one test or one deployment says. A replaced line is left out, never written twice.

#include "support/fake_upstream_process.hpp"

#include <optional>
#include <string>
#include <vector>

namespace baton::test {

/// One deployment of a test config. With the defaults it is the fake upstream's deployment `id`:
///
///     - model_name: <group>
///       litellm_params:
///         model: openai/up-<id>
///         api_base: <fake.base_url(id)>     # http://127.0.0.1:PORT/<id>/v1
///         api_key: key-<id>
///       model_info:
///         id: <id>
///
/// so a recorded call tells which deployment was asked for which model with which key. Positional
/// initialization covers the common fields ({"grp", "a", 1, {"timeout: 0.3"}}); designated initializers
/// name the others ({.group = "g", .id = "d", .api_keys = {"k1", "k2"}}).
struct dep {
    std::string group;                         ///< model_name
    std::string id;                            ///< model_info.id, and the deployment's name on the fake
    std::optional<long> weight = {};           ///< litellm_params.weight; nullopt: the file's default, if any
    std::vector<std::string> extra = {};       ///< more litellm_params lines ("timeout: 0.3", "rpm: 1")
    std::optional<std::string> api_base = {};  ///< default: the fake's base_url(id)
    std::optional<std::string> api_key = {};   ///< default: "key-<id>"
    std::vector<std::string> api_keys = {};    ///< when not empty, `api_keys: [..]` is written, not api_key
    std::string provider = "openai";           ///< the model's prefix; "azure" adds api_version "2024-10-21"
    std::optional<std::string> model = {};     ///< the upstream model; default: "up-<id>"
    std::vector<std::string> model_info = {};  ///< more model_info lines, after `id`
};

/// The settings all configs of a test file share, below what a test or a deployment says.
struct config_defaults {
    /// Every deployment's litellm_params, after model, api_base and key; dep::weight and dep::extra
    /// replace them. The default bounds each attempt, so a bug never leaves a test waiting for batond's
    /// 600 s. An azure deployment also gets `api_version: "2024-10-21"`.
    std::vector<std::string> litellm_params = {"timeout: 5"};
    /// router_settings lines.
    std::vector<std::string> router_settings = {};
    /// general_settings lines, over the builder's `listen: 127.0.0.1:0` and `threads: 1`.
    std::vector<std::string> general_settings = {};
};

/// A whole test config, besides the deployments' and the file's defaults.
struct test_config {
    std::vector<dep> deployments;
    std::vector<std::string> router = {};  ///< router_settings lines ("allowed_fails: 3")
    std::string top = {};  ///< top-level YAML written verbatim (aliases:, keys:, default_model:)
    std::vector<std::string> general =
        {};  ///< general_settings lines ("master_key: ...", "log_level: debug")
};

/// `model_list:` with one entry per deployment, in order (see dep). `litellm_params` are every
/// deployment's default lines, below its dep::weight and dep::extra.
std::string model_list(const fake_upstream_process& fake, const std::vector<dep>& deps,
                       const std::vector<std::string>& litellm_params = config_defaults{}.litellm_params);

/// `router_settings:` with `defaults`, then `lines`. With neither, the section is empty (batond's defaults).
std::string router_settings(const std::vector<std::string>& lines,
                            const std::vector<std::string>& defaults = {});

/// `general_settings:` with `listen: 127.0.0.1:0` (batond logs the port the OS chose; baton_process reads
/// it) and `threads: 1` (one reactor), then `defaults`, then `lines`.
std::string general_settings(const std::vector<std::string>& lines = {},
                             const std::vector<std::string>& defaults = {});

/// The config file: model_list, router_settings, `config.top`, general_settings.
std::string config_yaml(const fake_upstream_process& fake, const test_config& config,
                        const config_defaults& defaults = {});

/// Shorthand for config_yaml(fake, {deps, router, top}, defaults).
std::string config(const fake_upstream_process& fake, const std::vector<dep>& deps,
                   const std::vector<std::string>& router = {}, const std::string& top = {},
                   const config_defaults& defaults = {});

}  // namespace baton::test
