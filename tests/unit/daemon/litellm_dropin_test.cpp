// LiteLLM configs load unchanged (issue #13, point 4): the provider prefixes and their defaults, numbers
// with digit separators, include:, fallbacks naming deployment ids and wildcard groups, the "*" catch-all,
// request parameters in litellm_params, max_retries, and the LiteLLM-style configs under
// tests/litellm_configs.

#include "daemon/config/config_loader.hpp"
#include "routing/health_registry.hpp"
#include "routing/plan.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

using baton::daemon::load_config_file;
using baton::daemon::load_config_text;
using baton::daemon::load_result;
using strings = std::vector<std::string>;
namespace fs = std::filesystem;

namespace {

using env_map = std::map<std::string, std::string, std::less<>>;

baton::daemon::env_lookup lookup(env_map env)
{
    return [env = std::move(env)](std::string_view name) -> std::optional<std::string> {
        const auto it = env.find(name);
        return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
}

std::string join(const strings& lines)
{
    std::string out;
    for (const auto& l : lines) {
        out += "\n  " + l;
    }
    return out;
}

struct loader {
    baton::routing::health_registry registry;

    baton::daemon::config ok(const std::string& yaml, env_map env = {})
    {
        auto r = load_config_text(yaml, "baton.yaml", lookup(std::move(env)), registry);
        BOOST_TEST_INFO("errors: " << join(r.errors));
        BOOST_REQUIRE(r.ok());
        return std::move(*r.value);
    }

    strings errors(const std::string& yaml, env_map env = {})
    {
        auto r = load_config_text(yaml, "baton.yaml", lookup(std::move(env)), registry);
        BOOST_TEST(!r.ok());
        return r.errors;
    }
};

// A fresh directory under the system's temporary directory, removed at the end of the test.
struct scratch_dir {
    fs::path path;
    scratch_dir()
    {
        std::string tmpl = (fs::temp_directory_path() / "baton-config-XXXXXX").string();
        BOOST_REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~scratch_dir()
    {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    void write(const std::string& name, const std::string& text) const
    {
        fs::create_directories((path / name).parent_path());
        std::ofstream(path / name) << text;
    }
};

const baton::routing::deployment& by_group(const baton::daemon::config& c, std::string_view group)
{
    for (const auto& d : c.routes.deployments()) {
        if (d.group == group) {
            return d;
        }
    }
    BOOST_FAIL("no deployment in group " << group);
    throw;
}

// Every environment variable the configs under tests/litellm_configs name.
env_map dummy_environment()
{
    env_map env;
    for (const auto* name :
         {"AZURE_API_KEY_EU", "AZURE_API_KEY_CA", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "AZURE_API_BASE",
          "AZURE_API_KEY", "GROQ_API_KEY", "REDIS_HOST", "REDIS_PASSWORD", "OPENROUTER_API_KEY",
          "MISTRAL_API_KEY", "XAI_API_KEY", "GEMINI_API_KEY", "DEEPSEEK_API_KEY"}) {
        env[name] = std::string("dummy-") + name;
    }
    env["AZURE_API_BASE"] = "https://example.openai.azure.com";
    env["REDIS_PORT"] = "6379";
    return env;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(litellm_dropin)

BOOST_AUTO_TEST_CASE(a_model_without_a_provider_prefix_is_openai)
{
    loader l;
    const auto c = l.ok("model_list:\n  - model_name: g\n    litellm_params: {model: gpt-4o-mini}\n",
                        {{"OPENAI_API_KEY", "sk-openai-0000"}});
    const auto& d = c.routes.deployments()[0];
    BOOST_TEST(d.provider == "openai");
    BOOST_TEST(d.upstream_model == "gpt-4o-mini");
    BOOST_TEST(d.api_base == "https://api.openai.com/v1");
    BOOST_TEST(d.api_key == "sk-openai-0000");
}

BOOST_AUTO_TEST_CASE(the_clouds_need_no_api_base_and_read_their_key_variable)
{
    loader l;
    const auto c = l.ok(R"(
model_list:
  - {model_name: a, litellm_params: {model: groq/llama-3.3-70b}}
  - {model_name: b, litellm_params: {model: mistral/mistral-large-latest}}
  - {model_name: c, litellm_params: {model: ollama/llama3}}
  - {model_name: d, litellm_params: {model: hosted_vllm/m}}
  - {model_name: e, litellm_params: {model: groq/llama-3.3-70b, api_base: "http://127.0.0.1:9/v1"}}
)",
                        {{"GROQ_API_KEY", "gsk-groq-0000"},
                         {"MISTRAL_API_KEY", "mistral-0000"},
                         {"HOSTED_VLLM_API_BASE", "http://10.0.0.5:8000/v1/"}});
    const auto& ds = c.routes.deployments();
    BOOST_TEST(ds[0].api_base == "https://api.groq.com/openai/v1");
    BOOST_TEST(ds[0].api_key == "gsk-groq-0000");
    BOOST_TEST(ds[1].api_base == "https://api.mistral.ai/v1");
    BOOST_TEST(ds[1].api_key == "mistral-0000");
    BOOST_TEST(ds[2].api_base == "http://localhost:11434");
    BOOST_TEST(ds[2].api_key.empty());
    BOOST_TEST(ds[3].api_base == "http://10.0.0.5:8000/v1");  // LiteLLM's HOSTED_VLLM_API_BASE
    BOOST_TEST(ds[4].api_key.empty());  // a key meant for groq never goes to another server
}

BOOST_AUTO_TEST_CASE(the_api_base_variable_wins_over_the_default)
{
    loader l;
    const auto c = l.ok("model_list:\n  - {model_name: a, litellm_params: {model: groq/x}}\n",
                        {{"GROQ_API_BASE", "https://groq-proxy.example/openai/v1"}});
    BOOST_TEST(c.routes.deployments()[0].api_base == "https://groq-proxy.example/openai/v1");
}

BOOST_AUTO_TEST_CASE(azure_api_version_has_a_default)
{
    loader l;
    const auto c = l.ok(
        "model_list:\n  - {model_name: a, litellm_params: {model: azure/dep, api_base: "
        "'https://x.openai.azure.com'}}\n");
    BOOST_TEST(c.routes.deployments()[0].api_version == "2025-02-01-preview");
}

BOOST_AUTO_TEST_CASE(numbers_may_have_digit_separators)
{
    loader l;
    const auto c = l.ok(R"(
model_list:
  - model_name: a
    litellm_params: {model: baton/echo, rpm: 1_000, tpm: 20_000, weight: 1_0.5, max_parallel_requests: 1_0}
router_settings:
  cooldown_time: 1_0
)");
    const auto& d = c.routes.deployments()[0];
    BOOST_TEST(d.rpm == 1000.0);
    BOOST_TEST(d.tpm == 20000.0);
    BOOST_TEST(d.weight.value() == 10.5);
    BOOST_TEST(d.max_parallel_requests == 10);
    BOOST_TEST(c.routes.settings.cooldown_time == 10.0);
    // A separator must stand between digits.
    BOOST_TEST(l.errors("model_list:\n  - {model_name: a, litellm_params: {model: baton/echo, rpm: _1}}\n") ==
                   strings{"model_list[0].litellm_params.rpm: expected a number"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(include_merges_files_relative_to_the_including_file)
{
    scratch_dir dir;
    dir.write("conf/main.yaml", R"(
include:
  - parts/models.yaml
model_list:
  - model_name: own
    litellm_params: {model: baton/echo}
router_settings:
  cooldown_time: 7
)");
    dir.write("conf/parts/models.yaml", R"(
model_list:
  - model_name: included
    litellm_params: {model: baton/echo}
router_settings:
  cooldown_time: 9
include: [nested.yaml]
)");
    baton::routing::health_registry registry;
    const auto r = load_config_file((dir.path / "conf/main.yaml").string(), lookup({}), registry);
    BOOST_TEST_INFO("errors: " << join(r.errors));
    BOOST_REQUIRE(r.ok());
    const auto& ds = r.value->routes.deployments();
    BOOST_REQUIRE_EQUAL(ds.size(), 2u);
    BOOST_TEST(ds[0].group == "own");                           // the including file's entries first
    BOOST_TEST(ds[1].group == "included");                      // lists extend
    BOOST_TEST(r.value->routes.settings.cooldown_time == 9.0);  // other values are replaced, as LiteLLM does
    BOOST_TEST(std::count(r.warnings.begin(), r.warnings.end(),
                          "include[0]: an included file's own include is not followed") == 1);

    dir.write(
        "conf/broken.yaml",
        "include: [missing.yaml]\nmodel_list:\n  - {model_name: a, litellm_params: {model: baton/echo}}\n");
    const auto bad = load_config_file((dir.path / "conf/broken.yaml").string(), lookup({}), registry);
    BOOST_REQUIRE_EQUAL(bad.errors.size(), 1u);
    BOOST_TEST(bad.errors[0].starts_with("include[0]: cannot read \""));
    BOOST_TEST(bad.errors[0].ends_with("missing.yaml\": No such file or directory"));
}

BOOST_AUTO_TEST_CASE(a_fallback_may_name_a_deployment_id)
{
    loader l;
    const auto c = l.ok(R"(
model_list:
  - {model_name: a, litellm_params: {model: baton/echo}, model_info: {id: a-1}}
  - {model_name: b, litellm_params: {model: baton/echo}, model_info: {id: b-1}}
  - {model_name: b, litellm_params: {model: baton/echo}, model_info: {id: b-2}}
router_settings:
  fallbacks: [{a: [b-2]}]
)");
    baton::routing::health_registry health;
    auto p = baton::routing::plan::make(c.routes, health, "a", {});
    BOOST_REQUIRE(p.has_value());
    auto first = std::get<baton::routing::plan::try_deployment>(p->next({}, 0.0));
    BOOST_TEST(first.target->id == "a-1");
    baton::routing::outcome fail;
    fail.reason = baton::routing::failure_reason::server_error;
    fail.status = 500;
    p->report(*first.target, fail, {});
    auto second = std::get<baton::routing::plan::try_deployment>(p->next({}, 0.99));
    BOOST_TEST(second.target->id == "b-2");  // only the deployment named, never b-1
    BOOST_TEST(second.group == "b");
    p->report(*second.target, fail, {});
    BOOST_TEST(std::holds_alternative<baton::routing::plan::exhausted>(p->next({}, 0.0)));
}

BOOST_AUTO_TEST_CASE(a_catch_all_group_and_wildcard_fallbacks)
{
    loader l;
    const auto c = l.ok(R"(
model_list:
  - {model_name: "openai/*", litellm_params: {model: "openai/*"}}
  - {model_name: "anthropic/*", litellm_params: {model: "anthropic/*"}}
  - {model_name: "*", litellm_params: {model: "*"}}
router_settings:
  fallbacks: [{"openai/*": ["anthropic/*"]}]
)",
                        {{"OPENAI_API_KEY", "sk-1"}, {"ANTHROPIC_API_KEY", "sk-2"}});
    const auto& any = by_group(c, "*");
    BOOST_TEST(any.provider == "openai");
    BOOST_TEST(any.upstream_model == "*");
    baton::routing::health_registry health;
    // The catch-all serves a name nothing else matches, with the name as the model.
    auto p = baton::routing::plan::make(c.routes, health, "some-model", {});
    BOOST_REQUIRE(p.has_value());
    auto t = std::get<baton::routing::plan::try_deployment>(p->next({}, 0.0));
    BOOST_TEST(t.group == "*");
    BOOST_TEST(t.upstream_model == "some-model");
    // A fallback to a wildcard group sends the requested model without its provider prefix.
    auto q = baton::routing::plan::make(c.routes, health, "openai/gpt-4o", {});
    auto first = std::get<baton::routing::plan::try_deployment>(q->next({}, 0.0));
    BOOST_TEST(first.upstream_model == "gpt-4o");
    baton::routing::outcome fail;
    fail.reason = baton::routing::failure_reason::server_error;
    fail.status = 500;
    q->report(*first.target, fail, {});
    auto second = std::get<baton::routing::plan::try_deployment>(q->next({}, 0.0));
    BOOST_TEST(second.group == "anthropic/*");
    BOOST_TEST(second.upstream_model == "gpt-4o");
}

BOOST_AUTO_TEST_CASE(request_parameters_in_litellm_params_become_request_defaults)
{
    loader l;
    const auto c = l.ok(R"(
model_list:
  - model_name: a
    litellm_params:
      model: openai/gpt-4o
      api_key: sk-x
      temperature: 0.2
      max_tokens: 1_024
      stop: ["END", "STOP"]
      response_format: {type: json_object}
      user: "007"
      extra_body: {top_k: 5}
      extra_headers: {X-Team: blue, X-Other: x}
      organization: org-1
      input_cost_per_token: 0.000002
)");
    const auto& d = c.routes.deployments()[0];
    BOOST_TEST(boost::json::parse(d.request_defaults) ==
               boost::json::parse(R"({"temperature":0.2,"max_tokens":1024,"stop":["END","STOP"],
                   "response_format":{"type":"json_object"},"user":"007","top_k":5})"));
    BOOST_REQUIRE_EQUAL(d.extra_headers.size(), 3u);
    BOOST_TEST(d.extra_headers[0].first == "OpenAI-Organization");  // as the OpenAI client sends it
    BOOST_TEST(d.extra_headers[0].second == "org-1");
    BOOST_TEST(d.extra_headers[1].first == "X-Team");
    BOOST_TEST(d.extra_headers[1].second == "blue");
    // Keys that are not request parameters are still warned about.
    BOOST_TEST(std::count(c.warnings.begin(), c.warnings.end(),
                          "model_list[0].litellm_params.input_cost_per_token: unknown key, ignored") == 1);
    BOOST_TEST(l.errors(
                   "model_list:\n  - model_name: a\n    litellm_params: {model: baton/echo, extra_headers: "
                   "{'bad name': x}}\n") ==
                   strings{"model_list[0].litellm_params.extra_headers[\"bad name\"]: "
                           "is not a valid header name"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(max_retries_maps_to_num_retries)
{
    loader l;
    auto c = l.ok(R"(
model_list:
  - {model_name: a, litellm_params: {model: baton/echo, max_retries: 2}}
  - {model_name: b, litellm_params: {model: baton/echo, max_retries: 3}}
)");
    BOOST_TEST(c.routes.settings.num_retries == 3);
    c = l.ok(R"(
model_list:
  - {model_name: a, litellm_params: {model: baton/echo, max_retries: 2}}
router_settings: {num_retries: 0}
)");
    BOOST_TEST(c.routes.settings.num_retries == 0);  // set explicitly: it wins
}

BOOST_AUTO_TEST_CASE(the_litellm_style_configs_load_with_warnings_only)
{
    const char* source_dir = std::getenv("BATON_SOURCE_DIR");
    const fs::path dir = fs::path(source_dir != nullptr ? source_dir : ".") / "tests/litellm_configs";
    std::size_t loaded = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.path().extension() != ".yaml") {
            continue;
        }
        BOOST_TEST_CONTEXT(entry.path().filename())
        {
            baton::routing::health_registry registry;
            const auto r = load_config_file(entry.path().string(), lookup(dummy_environment()), registry);
            BOOST_TEST_INFO("errors: " << join(r.errors));
            BOOST_TEST(r.ok());
            ++loaded;
        }
    }
    BOOST_TEST(loaded >= 7u);
}

BOOST_AUTO_TEST_SUITE_END()
