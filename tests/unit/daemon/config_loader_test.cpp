#include "daemon/config/config_loader.hpp"
#include "daemon/config/sha256_hex.hpp"
#include "routing/health_registry.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

using baton::daemon::load_config_file;
using baton::daemon::load_config_text;
using baton::daemon::load_result;
using baton::routing::deployment;
using strings = std::vector<std::string>;

namespace {

using env_map = std::map<std::string, std::string, std::less<>>;

baton::daemon::env_lookup lookup(env_map env)
{
    return [env = std::move(env)](std::string_view name) -> std::optional<std::string> {
        const auto it = env.find(name);
        return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
}

// Each test gets its own registry, so cells never leak between tests.
struct loader {
    baton::routing::health_registry registry;

    load_result load(const std::string& yaml, env_map env = {})
    {
        return load_config_text(yaml, "baton.yaml", lookup(std::move(env)), registry);
    }

    // Loads a config that must be valid; fails the test with its errors otherwise.
    baton::daemon::config ok(const std::string& yaml, env_map env = {})
    {
        auto r = load(yaml, std::move(env));
        BOOST_TEST_INFO("errors: " << join(r.errors));
        BOOST_REQUIRE(r.ok());
        BOOST_TEST(r.errors.empty());
        return std::move(*r.value);
    }

    // The errors of a config that must be rejected.
    strings errors(const std::string& yaml, env_map env = {})
    {
        auto r = load(yaml, std::move(env));
        BOOST_TEST(!r.ok());
        return r.errors;
    }

    static std::string join(const strings& lines)
    {
        std::string out;
        for (const auto& l : lines) {
            out += "\n  " + l;
        }
        return out;
    }
};

const std::string echo_entry = R"(
  - model_name: echo
    litellm_params:
      model: baton/echo
)";

// A valid config with one echo deployment plus `extra` at the top level.
std::string with_echo(const std::string& extra = "", const std::string& more_models = "")
{
    return "model_list:" + echo_entry + more_models + extra;
}

const deployment& only(const baton::daemon::config& c)
{
    BOOST_REQUIRE_EQUAL(c.routes.deployments().size(), 1u);
    return c.routes.deployments().front();
}

const deployment& by_id(const baton::daemon::config& c, const std::string& id)
{
    const deployment* d = c.routes.find_deployment(id);
    BOOST_TEST_INFO("deployment id " << id);
    BOOST_REQUIRE(d != nullptr);
    return *d;
}

bool is_hex16(const std::string& s)
{
    return s.size() == 16 && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(config_loader)

BOOST_AUTO_TEST_CASE(minimal_echo_config_loads_with_defaults)
{
    loader l;
    const auto c = l.ok(with_echo() + "general_settings: {master_key: sk-test-master-0000}\n");
    const deployment& d = only(c);
    BOOST_TEST(d.group == "echo");
    BOOST_TEST(d.provider == "baton");
    BOOST_TEST(d.upstream_model == "echo");
    BOOST_TEST(d.api_base.empty());
    BOOST_TEST(d.api_key.empty());
    BOOST_TEST(!d.weight.has_value());
    BOOST_TEST(d.timeout_seconds == 600.0);
    BOOST_TEST(d.stream_timeout_seconds == 30.0);
    BOOST_TEST(is_hex16(d.id));
    BOOST_REQUIRE(d.health != nullptr);
    BOOST_TEST(d.health == l.registry.cell(d.id, d.group));
    BOOST_TEST(c.routes.group_names() == strings{"echo"}, boost::test_tools::per_element());
    BOOST_TEST(c.source_path == "baton.yaml");
    BOOST_TEST(c.warnings.empty());

    const auto& g = c.general;
    BOOST_REQUIRE_EQUAL(g.listen.size(), 1u);
    BOOST_TEST(g.listen[0].to_string() == "127.0.0.1:4000");
    BOOST_TEST(g.threads == 0);
    BOOST_TEST(g.data_dir == "./data");
    BOOST_TEST(g.max_request_body_mb == 10.0);
    BOOST_TEST(g.graceful_shutdown_seconds == 30.0);
    BOOST_TEST(g.log_level == "info");
    BOOST_TEST(g.header_read_timeout_seconds == 10.0);
    BOOST_TEST(g.idle_timeout_seconds == 60.0);
    BOOST_TEST(g.max_connections == 10000);
    BOOST_TEST(g.master_key == "sk-test-master-0000");
    BOOST_TEST(g.master_key_sha256 == baton::daemon::sha256_hex("sk-test-master-0000"));

    const auto& r = c.routes.settings;
    BOOST_TEST((r.strategy == baton::routing::routing_strategy::simple_shuffle));
    BOOST_TEST(r.enable_weighted_failover);
    BOOST_TEST(r.num_retries == 0);
    BOOST_TEST(r.max_fallbacks == 5);
    BOOST_TEST(r.allowed_fails == 3);
    BOOST_TEST(r.cooldown_time == 5.0);
    BOOST_TEST(r.retry_after_cap == 300.0);
    BOOST_TEST((r.stream_failover == baton::routing::stream_failover_mode::continue_));
    BOOST_TEST(r.stream_idle_timeout == 30.0);
}

BOOST_AUTO_TEST_CASE(litellm_config_using_spec_keys_loads_unchanged)
{
    // A LiteLLM proxy config.yaml as people write them, limited to the keys of SPEC §3.
    const std::string yaml = R"(
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: azure/gpt-4o-eu
      api_base: os.environ/AZURE_API_BASE_EU
      api_key: os.environ/AZURE_API_KEY_EU
      api_version: "2024-10-21"
      rpm: 6
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/OPENAI_API_KEY
      rpm: 1440
      timeout: 300
      stream_timeout: 60
    model_info:
      id: gpt4o-openai
  - model_name: claude-sonnet
    litellm_params:
      model: anthropic/claude-3-5-sonnet-20241022
      api_key: "os.environ/ANTHROPIC_API_KEY"
  - model_name: llama3
    litellm_params:
      model: hosted_vllm/meta-llama/Meta-Llama-3-8B-Instruct
      api_base: http://10.0.0.5:8000/v1/
    tpm: 100000
    rpm: 100
  - model_name: "openai/*"
    litellm_params:
      model: "openai/*"
      api_key: os.environ/OPENAI_API_KEY

router_settings:
  routing_strategy: usage-based-routing-v2
  num_retries: 2
  allowed_fails: 3
  cooldown_time: 30
  fallbacks: [{"gpt-4o": ["claude-sonnet"]}, {"claude-sonnet": ["llama3"]}]
  context_window_fallbacks: [{"gpt-4o": ["claude-sonnet"]}]
  model_group_alias: {"gpt-4": "gpt-4o"}

litellm_settings:
  request_timeout: 600

general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
)";
    loader l;
    const auto c = l.ok(yaml, {{"AZURE_API_BASE_EU", "https://eu.openai.azure.com/"},
                               {"AZURE_API_KEY_EU", "azure-eu-key-0123456789"},
                               {"OPENAI_API_KEY", "sk-openai-0123456789abcdef"},
                               {"ANTHROPIC_API_KEY", "sk-ant-0123456789abcdef"},
                               {"LITELLM_MASTER_KEY", "sk-1234-master-key"}});
    BOOST_TEST(c.warnings.empty(), "warnings:" << loader::join(c.warnings));
    BOOST_TEST(c.routes.deployments().size() == 5u);
    BOOST_TEST(c.routes.group_names() == (strings{"gpt-4o", "claude-sonnet", "llama3", "openai/*"}),
               boost::test_tools::per_element());

    const deployment& azure = c.routes.deployments()[0];
    BOOST_TEST(azure.provider == "azure");
    BOOST_TEST(azure.upstream_model == "gpt-4o-eu");
    BOOST_TEST(azure.api_base == "https://eu.openai.azure.com");
    BOOST_TEST(azure.api_key == "azure-eu-key-0123456789");
    BOOST_TEST(azure.api_version == "2024-10-21");
    BOOST_TEST(azure.rpm == 6.0);
    BOOST_TEST(azure.timeout_seconds == 600.0);  // litellm_settings.request_timeout
    BOOST_TEST(is_hex16(azure.id));

    const deployment& openai = by_id(c, "gpt4o-openai");
    BOOST_TEST(openai.provider == "openai");
    BOOST_TEST(openai.api_base == "https://api.openai.com/v1");
    BOOST_TEST(openai.api_key == "sk-openai-0123456789abcdef");
    BOOST_TEST(openai.timeout_seconds == 300.0);
    BOOST_TEST(openai.stream_timeout_seconds == 60.0);

    const deployment& claude = c.routes.deployments()[2];
    BOOST_TEST(claude.provider == "anthropic");
    BOOST_TEST(claude.upstream_model == "claude-3-5-sonnet-20241022");
    BOOST_TEST(claude.api_base == "https://api.anthropic.com");
    BOOST_TEST(claude.api_key == "sk-ant-0123456789abcdef");

    const deployment& llama = c.routes.deployments()[3];
    BOOST_TEST(llama.provider == "hosted_vllm");
    BOOST_TEST(llama.upstream_model == "meta-llama/Meta-Llama-3-8B-Instruct");
    BOOST_TEST(llama.api_base == "http://10.0.0.5:8000/v1");
    BOOST_TEST(llama.rpm == 100.0);
    BOOST_TEST(llama.tpm == 100000.0);

    const deployment& wildcard = c.routes.deployments()[4];
    BOOST_TEST(wildcard.group == "openai/*");
    BOOST_TEST(wildcard.upstream_model == "*");

    const auto& r = c.routes.settings;
    BOOST_TEST((r.strategy == baton::routing::routing_strategy::usage_based));
    BOOST_TEST(r.num_retries == 2);
    BOOST_TEST(r.cooldown_time == 30.0);
    BOOST_REQUIRE_EQUAL(r.fallbacks.size(), 2u);
    BOOST_TEST(r.fallbacks.at("gpt-4o") == strings{"claude-sonnet"}, boost::test_tools::per_element());
    BOOST_TEST(r.fallbacks.at("claude-sonnet") == strings{"llama3"}, boost::test_tools::per_element());
    BOOST_TEST(r.context_window_fallbacks.at("gpt-4o") == strings{"claude-sonnet"},
               boost::test_tools::per_element());
    BOOST_TEST(r.model_group_alias.at("gpt-4") == "gpt-4o");
    BOOST_TEST(c.general.master_key == "sk-1234-master-key");
}

BOOST_AUTO_TEST_CASE(shipped_default_config_loads)
{
    const char* source_dir = std::getenv("BATON_SOURCE_DIR");
    const std::string path = std::string(source_dir != nullptr ? source_dir : ".") + "/conf/baton.yaml";
    baton::routing::health_registry registry;
    // An empty environment: the default config must need no keys at all.
    auto r = load_config_file(path, lookup({}), registry);
    BOOST_TEST_INFO("errors: " << loader::join(r.errors));
    BOOST_REQUIRE(r.ok());
    const auto& c = *r.value;
    BOOST_TEST(c.warnings == strings{"general_settings.master_key: not set and no keys configured: clients are "
                                     "not authenticated"},
               boost::test_tools::per_element());
    BOOST_TEST(c.source_path == path);
    BOOST_REQUIRE_EQUAL(c.general.listen.size(), 1u);
    BOOST_TEST(c.general.listen[0].to_string() == "127.0.0.1:4000");
    BOOST_TEST(c.routes.group("echo") != nullptr);
    BOOST_TEST(c.routes.group("gpt-4o-mini") != nullptr);
    for (const auto& d : c.routes.deployments()) {
        BOOST_TEST(d.provider == "baton");
        BOOST_TEST(d.upstream_model == "echo");
    }
    BOOST_TEST(c.routes.find_alias("fast") != nullptr);
    BOOST_TEST(c.routes.default_model == "fast");
}

BOOST_AUTO_TEST_CASE(os_environ_resolves_anywhere_a_value_is_expected)
{
    loader l;
    const auto c = l.ok(R"(
model_list:
  - model_name: os.environ/GROUP
    litellm_params:
      model: openai/gpt-4o
      api_base: os.environ/BASE
      api_key: os.environ/KEY
      weight: os.environ/WEIGHT
      ssl_verify: os.environ/VERIFY
general_settings:
  master_key: os.environ/MASTER
  listen: os.environ/LISTEN
)",
                        {{"GROUP", "gpt-4o"},
                         {"BASE", "https://proxy.example/v1"},
                         {"KEY", "sk-from-env-abcdef"},
                         {"WEIGHT", "2.5"},
                         {"VERIFY", "false"},
                         {"MASTER", "sk-master-from-env"},
                         {"LISTEN", "0.0.0.0:8080"}});
    const deployment& d = only(c);
    BOOST_TEST(d.group == "gpt-4o");
    BOOST_TEST(d.api_base == "https://proxy.example/v1");
    BOOST_TEST(d.api_key == "sk-from-env-abcdef");
    BOOST_TEST(d.weight.value_or(-1) == 2.5);
    BOOST_TEST(!d.ssl_verify);
    BOOST_TEST(c.general.master_key == "sk-master-from-env");
    BOOST_TEST(c.general.listen[0].to_string() == "0.0.0.0:8080");
}

BOOST_AUTO_TEST_CASE(missing_environment_variables_are_errors)
{
    loader l;
    const auto errors = l.errors(R"(
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/OPENAI_API_KEY
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_keys: [os.environ/K1, os.environ/K2]
general_settings:
  master_key: os.environ/
)",
                                 {{"K1", "sk-k1-0123456789"}});
    BOOST_TEST(errors ==
                   (strings{"model_list[0].litellm_params.api_key: environment variable OPENAI_API_KEY is not set",
                            "model_list[1].litellm_params.api_keys[1]: environment variable K2 is not set",
                            "general_settings.master_key: os.environ/ needs a variable name"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(api_keys_expand_into_one_deployment_per_key)
{
    loader l;
    const auto c = l.ok(R"(
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_keys: [os.environ/K1, os.environ/K2, sk-literal-key-3333]
      weight: 4
      rpm: 60
    model_info:
      id: d
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_base: https://other.example/v1
      api_keys: [sk-a-000000000000, sk-b-000000000000]
)",
                        {{"K1", "sk-one-1111111111"}, {"K2", "sk-two-2222222222"}});
    const auto& ds = c.routes.deployments();
    BOOST_REQUIRE_EQUAL(ds.size(), 5u);
    BOOST_TEST(ds[0].id == "d");
    BOOST_TEST(ds[1].id == "d__key_1");
    BOOST_TEST(ds[2].id == "d__key_2");
    BOOST_TEST(ds[0].api_key == "sk-one-1111111111");
    BOOST_TEST(ds[1].api_key == "sk-two-2222222222");
    BOOST_TEST(ds[2].api_key == "sk-literal-key-3333");
    for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST(ds[i].group == "gpt-4o");
        BOOST_TEST(ds[i].weight.value_or(-1) == 4.0);
        BOOST_TEST(ds[i].rpm == 60.0);
        BOOST_TEST(ds[i].index == i);
    }
    // Each key has its own health cell: one rate-limited key never blocks the others (SPEC §5.6).
    BOOST_TEST(ds[0].health != ds[1].health);
    BOOST_TEST(ds[1].health != ds[2].health);
    BOOST_TEST(ds[1].health->id() == "d__key_1");

    BOOST_TEST(is_hex16(ds[3].id));
    BOOST_TEST(ds[4].id == ds[3].id + "__key_1");
    BOOST_TEST(ds[4].api_key == "sk-b-000000000000");
    BOOST_TEST(c.routes.group("gpt-4o")->size() == 5u);
}

BOOST_AUTO_TEST_CASE(generated_ids_are_stable_and_ignore_secrets_and_tuning)
{
    const auto id_of = [](const std::string& params) {
        loader l;
        const auto c = l.ok("model_list:\n  - model_name: g\n    litellm_params:\n" + params);
        return only(c).id;
    };
    const std::string base = "      model: openai/gpt-4o\n      api_base: https://a.example/v1\n";
    const std::string id = id_of(base);
    BOOST_TEST(id == id_of(base));
    BOOST_TEST(id == id_of(base + "      api_key: sk-one-0000000000\n"));
    BOOST_TEST(id == id_of(base + "      api_key: sk-two-0000000000\n      weight: 9\n      rpm: 5\n"));
    BOOST_TEST(id == id_of("      api_base: https://a.example/v1\n      model: openai/gpt-4o\n"));
    BOOST_TEST(id != id_of("      model: openai/gpt-4o\n      api_base: https://b.example/v1\n"));
    BOOST_TEST(id != id_of("      model: openai/gpt-4o-mini\n      api_base: https://a.example/v1\n"));
}

BOOST_AUTO_TEST_CASE(identical_entries_get_distinct_generated_ids)
{
    // The same model listed twice with two keys (a common LiteLLM pattern) is not a duplicate.
    loader l;
    const auto c = l.ok(R"(
model_list:
  - model_name: g
    litellm_params: {model: openai/gpt-4o, api_key: sk-first-000000000}
  - model_name: g
    litellm_params: {model: openai/gpt-4o, api_key: sk-second-00000000}
)");
    const auto& ds = c.routes.deployments();
    BOOST_REQUIRE_EQUAL(ds.size(), 2u);
    BOOST_TEST(ds[1].id == ds[0].id + "-2");
}

BOOST_AUTO_TEST_CASE(duplicate_explicit_ids_are_errors)
{
    loader l;
    const auto errors = l.errors(R"(
model_list:
  - model_name: a
    litellm_params: {model: baton/echo}
    model_info: {id: same}
  - model_name: b
    litellm_params: {model: baton/echo}
    model_info: {id: same}
  - model_name: c
    litellm_params: {model: openai/gpt-4o, api_keys: [sk-x-00000000000, sk-y-00000000000]}
    model_info: {id: x}
  - model_name: c
    litellm_params: {model: baton/echo}
    model_info: {id: x__key_1}
)");
    BOOST_TEST(errors == (strings{"model_list[1].model_info.id: duplicate deployment id \"same\" (also model_list[0])",
                                  "model_list[3].model_info.id: duplicate deployment id \"x__key_1\" (also model_list[2])"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(failed_load_leaves_the_registry_untouched)
{
    loader l;
    const auto errors = l.errors(with_echo("router_settings: {num_retries: -1}\n"));
    BOOST_TEST(errors.size() == 1u);
    BOOST_TEST(l.registry.all().empty());
}

BOOST_AUTO_TEST_CASE(reload_reuses_health_cells_by_id)
{
    loader l;
    const std::string yaml = "model_list:\n  - model_name: g\n    litellm_params: {model: baton/echo}\n"
                             "    model_info: {id: keep}\n";
    const auto first = l.ok(yaml);
    const auto second = l.ok(yaml);
    BOOST_TEST(only(first).health == only(second).health);
}

BOOST_AUTO_TEST_CASE(params_is_a_synonym_of_litellm_params)
{
    loader l;
    const auto c = l.ok("model_list:\n  - model_name: g\n    params: {model: baton/echo, weight: 2}\n");
    BOOST_TEST(only(c).weight.value_or(-1) == 2.0);
    BOOST_TEST(l.errors("model_list:\n  - model_name: g\n    params: {model: baton/echo}\n"
                        "    litellm_params: {model: baton/echo}\n") ==
                   strings{"model_list[0]: litellm_params and params are synonyms; give only one"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(rpm_and_tpm_may_sit_at_the_entry_top_level)
{
    loader l;
    auto r = l.load(R"(
model_list:
  - model_name: g
    litellm_params: {model: baton/echo}
    rpm: 10
    tpm: 2000
  - model_name: g
    litellm_params: {model: baton/echo, rpm: 7}
    rpm: 99
)");
    BOOST_REQUIRE(r.ok());
    const auto& ds = r.value->routes.deployments();
    BOOST_TEST(ds[0].rpm == 10.0);
    BOOST_TEST(ds[0].tpm == 2000.0);
    BOOST_TEST(ds[1].rpm == 7.0);
    BOOST_TEST(r.warnings.front() == "model_list[1].rpm: also set in litellm_params, which wins");
}

BOOST_AUTO_TEST_CASE(timeouts_default_from_router_and_litellm_settings)
{
    loader l;
    const auto c = l.ok(R"(
model_list:
  - model_name: a
    litellm_params: {model: baton/echo}
  - model_name: b
    litellm_params: {model: baton/echo, timeout: 5, stream_timeout: 2}
router_settings:
  timeout: 120
  stream_timeout: 15
litellm_settings:
  request_timeout: 999
)");
    const auto& ds = c.routes.deployments();
    BOOST_TEST(ds[0].timeout_seconds == 120.0);
    BOOST_TEST(ds[0].stream_timeout_seconds == 15.0);
    BOOST_TEST(ds[1].timeout_seconds == 5.0);
    BOOST_TEST(ds[1].stream_timeout_seconds == 2.0);
    BOOST_TEST(c.warnings.front() == "litellm_settings.request_timeout: ignored: router_settings.timeout is set");
}

BOOST_AUTO_TEST_CASE(provider_env_fallbacks_like_litellm)
{
    loader l;
    const auto c = l.ok(R"(
model_list:
  - model_name: a
    litellm_params: {model: openai/gpt-4o}
  - model_name: b
    litellm_params: {model: openai/gpt-4o, api_base: "http://127.0.0.1:9/v1"}
  - model_name: c
    litellm_params: {model: azure/dep}
  - model_name: d
    litellm_params: {model: anthropic/claude}
)",
                        {{"OPENAI_API_KEY", "sk-openai-env-0000"},
                         {"ANTHROPIC_API_KEY", "sk-ant-env-000000"},
                         {"AZURE_API_KEY", "azure-env-key-0000"},
                         {"AZURE_API_BASE", "https://res.openai.azure.com/"},
                         {"AZURE_API_VERSION", "2024-06-01"}});
    const auto& ds = c.routes.deployments();
    BOOST_TEST(ds[0].api_key == "sk-openai-env-0000");
    BOOST_TEST(ds[1].api_key.empty());  // a key meant for OpenAI never goes to another server
    BOOST_TEST(ds[2].api_base == "https://res.openai.azure.com");
    BOOST_TEST(ds[2].api_version == "2024-06-01");
    BOOST_TEST(ds[2].api_key == "azure-env-key-0000");
    BOOST_TEST(ds[3].api_key == "sk-ant-env-000000");
}

BOOST_AUTO_TEST_CASE(every_model_list_error_has_its_exact_message)
{
    struct error_case {
        std::string params;  // litellm_params of model_list[0], flow style body
        std::string message;
    };
    const std::vector<error_case> cases{
        {"weight: -1", "model_list[0].litellm_params.weight: must be >= 0"},
        {"weight: heavy", "model_list[0].litellm_params.weight: expected a number"},
        {"weight: .nan", "model_list[0].litellm_params.weight: expected a number"},
        {"weight: [1]", "model_list[0].litellm_params.weight: expected a number"},
        {"rpm: -5", "model_list[0].litellm_params.rpm: must be >= 0"},
        {"tpm: -5", "model_list[0].litellm_params.tpm: must be >= 0"},
        {"timeout: 0", "model_list[0].litellm_params.timeout: must be > 0"},
        {"stream_timeout: -1", "model_list[0].litellm_params.stream_timeout: must be > 0"},
        {"max_parallel_requests: 1.5", "model_list[0].litellm_params.max_parallel_requests: expected an integer"},
        {"max_parallel_requests: -1", "model_list[0].litellm_params.max_parallel_requests: must be >= 0"},
        {"ssl_verify: maybe", "model_list[0].litellm_params.ssl_verify: expected true or false"},
        {"api_base: ftp://x", "model_list[0].litellm_params.api_base: must be an http:// or https:// URL"},
        {"api_base: ''", "model_list[0].litellm_params.api_base: must not be empty"},
        {"api_keys: []", "model_list[0].litellm_params.api_keys: must not be empty"},
        {"api_keys: sk-not-a-list", "model_list[0].litellm_params.api_keys: expected a list"},
        {"api_keys: [sk-a-0000000000, {}]", "model_list[0].litellm_params.api_keys[1]: expected a string"},
        {"api_key: sk-a-0000000000, api_keys: [sk-b-0000000000]",
         "model_list[0].litellm_params.api_keys: cannot be used together with api_key"},
    };
    for (const auto& c : cases) {
        loader l;
        const std::string yaml = "model_list:\n  - model_name: g\n    litellm_params: {model: openai/gpt-4o, " +
                                 c.params + "}\n";
        BOOST_TEST_CONTEXT(c.params)
        {
            BOOST_TEST(l.errors(yaml) == strings{c.message}, boost::test_tools::per_element());
        }
    }
}

BOOST_AUTO_TEST_CASE(model_and_provider_errors)
{
    struct error_case {
        std::string entry;
        std::string message;
    };
    const std::vector<error_case> cases{
        {"model_name: g\n    litellm_params: {model: /gpt-4o}",
         "model_list[0].litellm_params.model: expected <provider>/<model> (e.g. openai/gpt-4o), got "
         "\"/gpt-4o\""},
        {"model_name: g\n    litellm_params: {model: openai/}",
         "model_list[0].litellm_params.model: expected <provider>/<model> (e.g. openai/gpt-4o), got "
         "\"openai/\""},
        {"model_name: g\n    litellm_params: {model: nowhere/llama3-70b}",
         "model_list[0].litellm_params.model: unknown provider \"nowhere\"; set api_base to use it as an "
         "OpenAI-compatible server"},
        {"model_name: g\n    litellm_params: {model: bedrock/anthropic.claude-3}",
         "model_list[0].litellm_params.model: provider \"bedrock\" is not supported: it needs AWS SigV4 "
         "request "
         "signing, which baton does not do"},
        {"model_name: g\n    litellm_params: {model: vertex_ai/gemini-pro, api_base: 'https://x'}",
         "model_list[0].litellm_params.model: provider \"vertex_ai\" is not supported: it needs Google Cloud "
         "OAuth "
         "credentials, which baton does not do"},
        {"model_name: g\n    litellm_params: {model: hosted_vllm/llama}",
         "model_list[0].litellm_params.api_base: is required for hosted_vllm"},
        {"model_name: g\n    litellm_params: {model: baton/parrot}",
         "model_list[0].litellm_params.model: unknown baton model \"parrot\" (built-in: echo)"},
        {"model_name: g\n    litellm_params: {model: azure/dep, api_version: '2024-10-21'}",
         "model_list[0].litellm_params.api_base: is required for azure"},
        {"model_name: g\n    litellm_params: {model: 'openai/*'}",
         "model_list[0].litellm_params.model: \"*\" needs a wildcard model_name"},
        {"model_name: 'openai/*'\n    litellm_params: {model: 'openai/gpt-*'}",
         "model_list[0].litellm_params.model: the upstream model may be \"*\" or a name without '*'"},
        {"model_name: 'a*b*'\n    litellm_params: {model: baton/echo}",
         "model_list[0].model_name: may contain at most one '*'"},
        {"model_name: ''\n    litellm_params: {model: baton/echo}",
         "model_list[0].model_name: must not be empty"},
        {"litellm_params: {model: baton/echo}", "model_list[0].model_name: is required"},
        {"model_name: g", "model_list[0].litellm_params: is required"},
        {"model_name: g\n    litellm_params: {weight: 1}", "model_list[0].litellm_params.model: is required"},
        {"model_name: g\n    litellm_params: [model, baton/echo]",
         "model_list[0].litellm_params: expected a mapping"},
        {"model_name: g\n    litellm_params: {model: baton/echo}\n    model_info: {id: 'has space'}",
         "model_list[0].model_info.id: must be printable ASCII without spaces"},
        {"model_name: g\n    litellm_params: {model: baton/echo}\n    rpm: -1",
         "model_list[0].rpm: must be >= 0"},
    };
    for (const auto& c : cases) {
        loader l;
        BOOST_TEST_CONTEXT(c.entry)
        {
            BOOST_TEST(l.errors("model_list:\n  - " + c.entry + "\n") == strings{c.message},
                       boost::test_tools::per_element());
        }
    }
}

BOOST_AUTO_TEST_CASE(model_list_shape_errors)
{
    loader l;
    BOOST_TEST(l.errors("") == strings{"model_list: is required"}, boost::test_tools::per_element());
    BOOST_TEST(l.errors("model_list: []\n") == strings{"model_list: must not be empty"},
               boost::test_tools::per_element());
    BOOST_TEST(l.errors("model_list: {a: b}\n") == strings{"model_list: expected a list"},
               boost::test_tools::per_element());
    BOOST_TEST(l.errors("model_list:\n  - just a string\n") == strings{"model_list[0]: expected a mapping"},
               boost::test_tools::per_element());
    BOOST_TEST(l.errors("- a\n- b\n") ==
                   strings{"baton.yaml: expected a mapping at the top level (model_list, router_settings, ...)"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(several_errors_are_reported_at_once)
{
    loader l;
    const auto errors = l.errors(R"(
model_list:
  - model_name: a
    litellm_params: {model: baton/echo}
  - model_name: b
    litellm_params: {model: openai/gpt-4o, weight: -2, timeout: 0}
  - model_name: c
    litellm_params: {model: openai/gpt-4o, api_key: os.environ/NOPE}
router_settings:
  routing_strategy: round-robin
  fallbacks: [{a: [zzz]}]
  num_retries: many
general_settings:
  listen: [127.0.0.1:4000, "localhost"]
  log_level: loud
default_model: nothing
)");
    BOOST_TEST(errors == (strings{
                             "model_list[1].litellm_params.weight: must be >= 0",
                             "model_list[1].litellm_params.timeout: must be > 0",
                             "model_list[2].litellm_params.api_key: environment variable NOPE is not set",
                             "router_settings.routing_strategy: must be one of simple-shuffle, least-busy, "
                             "latency-based-routing, usage-based-routing",
                             "router_settings.num_retries: expected an integer",
                             "general_settings.listen[1]: expected host:port, got \"localhost\"",
                             "general_settings.log_level: must be one of debug, info, warning, error",
                             "router_settings.fallbacks[0].a[0]: unknown model group or alias \"zzz\"",
                             "default_model: unknown model group or alias \"nothing\"",
                         }),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(references_to_broken_entries_do_not_cascade)
{
    loader l;
    const auto errors = l.errors(with_echo(R"(
router_settings:
  fallbacks: [{echo: [broken]}]
)",
                                           R"(
  - model_name: broken
    litellm_params: {model: openai/gpt-4o, weight: -1}
)"));
    BOOST_TEST(errors == strings{"model_list[1].litellm_params.weight: must be >= 0"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(router_settings_are_read_and_validated)
{
    loader l;
    const auto c = l.ok(with_echo(R"(
router_settings:
  routing_strategy: latency-based-routing
  enable_weighted_failover: false
  num_retries: 1
  max_fallbacks: 2
  allowed_fails: 0
  cooldown_time: 0.5
  retry_after_cap: 60
  stream_failover: restart
  stream_idle_timeout: 12.5
  fallbacks: {gpt-4o: [echo, fast]}
  content_policy_fallbacks: [{gpt-4o: [echo], echo: [gpt-4o]}]
  default_fallbacks: [echo]
  model_group_alias: {gpt4: {model: gpt-4o}, e: echo}
aliases:
  fast: [echo]
)",
                                  "  - model_name: gpt-4o\n    litellm_params: {model: baton/echo}\n"));
    const auto& r = c.routes.settings;
    BOOST_TEST((r.strategy == baton::routing::routing_strategy::latency_based));
    BOOST_TEST(!r.enable_weighted_failover);
    BOOST_TEST(r.num_retries == 1);
    BOOST_TEST(r.max_fallbacks == 2);
    BOOST_TEST(r.allowed_fails == 0);
    BOOST_TEST(r.cooldown_time == 0.5);
    BOOST_TEST(r.retry_after_cap == 60.0);
    BOOST_TEST((r.stream_failover == baton::routing::stream_failover_mode::restart));
    BOOST_TEST(r.stream_idle_timeout == 12.5);
    BOOST_TEST(r.fallbacks.at("gpt-4o") == (strings{"echo", "fast"}), boost::test_tools::per_element());
    BOOST_TEST(r.content_policy_fallbacks.size() == 2u);
    BOOST_TEST(r.default_fallbacks == strings{"echo"}, boost::test_tools::per_element());
    BOOST_TEST(r.model_group_alias.at("gpt4") == "gpt-4o");
    BOOST_TEST(r.model_group_alias.at("e") == "echo");

    const std::vector<std::pair<std::string, std::string>> cases{
        {"stream_failover: sometimes", "router_settings.stream_failover: must be one of continue, restart, off"},
        {"stream_idle_timeout: 0", "router_settings.stream_idle_timeout: must be > 0"},
        {"max_fallbacks: -1", "router_settings.max_fallbacks: must be >= 0"},
        {"allowed_fails: 99999999999", "router_settings.allowed_fails: must be <= 2147483647"},
        {"cooldown_time: -3", "router_settings.cooldown_time: must be >= 0"},
        {"enable_weighted_failover: 2", "router_settings.enable_weighted_failover: expected true or false"},
        {"fallbacks: 3", "router_settings.fallbacks: expected a list"},
        {"fallbacks: [echo]", "router_settings.fallbacks[0]: expected a mapping"},
        {"fallbacks: [{echo: echo}]", "router_settings.fallbacks[0].echo: expected a list"},
        {"fallbacks: [{echo: [x1]}]", "router_settings.fallbacks[0].echo[0]: unknown model group or alias \"x1\""},
        {"fallbacks: [{echo: [echo]}, {echo: [echo]}]",
         "router_settings.fallbacks[1].echo: already given at router_settings.fallbacks[0].echo"},
        {"default_fallbacks: [echo, nope]", "router_settings.default_fallbacks[1]: unknown model group or alias \"nope\""},
        {"model_group_alias: {gpt4: gpt-5}", "router_settings.model_group_alias.gpt4: unknown model group or alias \"gpt-5\""},
        {"model_group_alias: {gpt4: {hidden: true}}", "router_settings.model_group_alias.gpt4.model: is required"},
        {"model_group_alias: {\"gpt-3.5\": gpt-5}",
         "router_settings.model_group_alias[\"gpt-3.5\"]: unknown model group or alias \"gpt-5\""},
    };
    for (const auto& [settings, message] : cases) {
        loader bad;
        BOOST_TEST_CONTEXT(settings)
        {
            BOOST_TEST(bad.errors(with_echo("router_settings:\n  " + settings + "\n")) == strings{message},
                       boost::test_tools::per_element());
        }
    }
}

// Issue #10: retry_after_max_wait, stream_hedging (global and per group) and each deployment's continuation.
BOOST_AUTO_TEST_CASE(stream_integrity_settings_are_read_and_validated)
{
    loader defaults;
    const auto d = defaults.ok(with_echo());
    BOOST_TEST(d.routes.settings.retry_after_max_wait == 3.0);
    BOOST_TEST(d.routes.settings.hedging.enabled);
    BOOST_TEST(d.routes.settings.hedging.min_delay == 1.0);
    BOOST_TEST(d.routes.settings.hedging.max_delay == 10.0);
    BOOST_TEST(d.routes.settings.group_hedging.empty());
    BOOST_TEST(!d.routes.deployments()[0].continuation.has_value());

    loader l;
    const auto c = l.ok(
        with_echo(R"(
router_settings:
  retry_after_max_wait: 5
  stream_hedging:
    min_delay: 0.5
    max_delay: 4
    groups:
      slow: {max_delay: 30}
      echo: {enabled: false}
)",
                  "  - model_name: slow\n    litellm_params: {model: openai/x, api_base: http://h/v1}\n"
                  "    model_info: {id: s1, stream_continuation: prefill}\n"
                  "  - model_name: slow\n    litellm_params: {model: openai/y, api_base: http://h/v1}\n"
                  "    model_info: {id: s2, supports_assistant_prefill: false}\n"
                  "  - model_name: slow\n    litellm_params: {model: openai/z, api_base: http://h/v1}\n"
                  "    model_info: {id: s3, supports_assistant_prefill: true, stream_continuation: none}\n"));
    const auto& r = c.routes.settings;
    BOOST_TEST(r.retry_after_max_wait == 5.0);
    BOOST_TEST(r.hedging.min_delay == 0.5);
    BOOST_TEST(r.hedging.max_delay == 4.0);
    BOOST_TEST(r.hedging_for("slow").min_delay == 0.5);  // from the global block
    BOOST_TEST(r.hedging_for("slow").max_delay == 30.0);
    BOOST_TEST(!r.hedging_for("echo").enabled);
    BOOST_TEST(r.hedging_for("other").max_delay == 4.0);
    using baton::routing::continuation;
    BOOST_TEST((c.routes.find_deployment("s1")->continuation == continuation::prefill));
    BOOST_TEST((c.routes.find_deployment("s2")->continuation == continuation::instruct));
    BOOST_TEST(
        (c.routes.find_deployment("s3")->continuation == continuation::none));  // the explicit key wins
    const std::string no_auth =
        "general_settings.master_key: not set and no keys configured: clients are not authenticated";
    BOOST_TEST(c.warnings == strings{no_auth}, boost::test_tools::per_element());

    loader off;
    BOOST_TEST(
        !off.ok(with_echo("router_settings: {stream_hedging: false}\n")).routes.settings.hedging.enabled);

    const std::vector<std::pair<std::string, std::string>> cases{
        {"router_settings: {retry_after_max_wait: -1}", "router_settings.retry_after_max_wait: must be >= 0"},
        {"router_settings: {stream_hedging: {min_delay: 5, max_delay: 2}}",
         "router_settings.stream_hedging.min_delay: must be <= max_delay"},
        {"router_settings: {stream_hedging: {groups: {echo: {min_delay: 20}}}}",
         "router_settings.stream_hedging.groups.echo.min_delay: must be <= max_delay"},
        {"router_settings: {stream_hedging: {enabled: sometimes}}",
         "router_settings.stream_hedging.enabled: expected true or false"},
    };
    for (const auto& [settings, message] : cases) {
        loader bad;
        BOOST_TEST_CONTEXT(settings)
        {
            BOOST_TEST(bad.errors(with_echo(settings + "\n")) == strings{message},
                       boost::test_tools::per_element());
        }
    }
    loader bad;
    BOOST_TEST(
        bad.errors(with_echo("",
                             "  - model_name: g\n    litellm_params: {model: baton/echo}\n"
                             "    model_info: {stream_continuation: sometimes}\n")) ==
            strings{"model_list[1].model_info.stream_continuation: must be one of prefill, instruct, none"},
        boost::test_tools::per_element());
    // A group of its own naming nothing is only warned about.
    loader warn;
    const auto w =
        warn.ok(with_echo("router_settings: {stream_hedging: {groups: {nope: {enabled: false}}}}\n"));
    BOOST_TEST(
        w.warnings ==
            (strings{"router_settings.stream_hedging.groups.nope: names no model group or alias; never used",
                     no_auth}),
        boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(fallback_targets_may_be_groups_aliases_renames_or_wildcard_matches)
{
    loader l;
    auto r = l.load(with_echo(R"(
router_settings:
  fallbacks:
    - echo: [fast, openai/gpt-4o, gpt4]
    - ghost: [echo]
  model_group_alias: {gpt4: echo}
aliases:
  fast: {chain: [echo]}
)",
                              "  - model_name: 'openai/*'\n    litellm_params: {model: 'openai/*'}\n"));
    BOOST_TEST_INFO("errors: " << loader::join(r.errors));
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r.warnings == (strings{"router_settings.fallbacks[1].ghost: names no model group or alias; never used",
                                      "general_settings.master_key: not set and no keys configured: clients are "
                                      "not authenticated"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(generic_star_fallback_becomes_default_fallbacks)
{
    loader l;
    const auto c = l.ok(with_echo("router_settings:\n  fallbacks: [{\"*\": [echo]}]\n"));
    BOOST_TEST(c.routes.settings.fallbacks.empty());
    BOOST_TEST(c.routes.settings.default_fallbacks == strings{"echo"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(litellm_settings_map_to_router_settings)
{
    loader l;
    auto r = l.load(with_echo(R"(
litellm_settings:
  num_retries: 3
  fallbacks: [{echo: [echo2]}]
  context_window_fallbacks: [{echo: [echo2]}]
  default_fallbacks: [echo2]
  allowed_fails: 1
  cooldown_time: 9
  drop_params: true
  set_verbose: false
router_settings:
  allowed_fails: 2
environment_variables:
  OPENAI_API_KEY: sk-should-be-ignored-0000
)",
                              "  - model_name: echo2\n    litellm_params: {model: baton/echo}\n"));
    BOOST_REQUIRE(r.ok());
    const auto& s = r.value->routes.settings;
    BOOST_TEST(s.num_retries == 3);
    BOOST_TEST(s.fallbacks.at("echo") == strings{"echo2"}, boost::test_tools::per_element());
    BOOST_TEST(s.context_window_fallbacks.at("echo") == strings{"echo2"}, boost::test_tools::per_element());
    BOOST_TEST(s.default_fallbacks == strings{"echo2"}, boost::test_tools::per_element());
    BOOST_TEST(s.allowed_fails == 2);
    BOOST_TEST(s.cooldown_time == 9.0);
    BOOST_TEST(r.warnings == (strings{
                                 "environment_variables: ignored; baton reads os.environ/NAME from its own environment",
                                 "litellm_settings.allowed_fails: ignored: router_settings.allowed_fails is set",
                                 "litellm_settings.drop_params: not supported by baton, ignored",
                                 "litellm_settings.set_verbose: not supported by baton, ignored",
                                 "general_settings.master_key: not set and no keys configured: clients are not "
                                 "authenticated",
                             }),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unknown_keys_are_warned_about_once_never_fatal)
{
    loader l;
    auto r = l.load(R"(
model_list:
  - model_name: a
    litellm_params: {model: baton/echo, wieght: 3, input_cost_per_token: 1}
    model_info: {id: a, mode: chat}
  - model_name: b
    litellm_params: {model: baton/echo, input_cost_per_token: 1}
    model_info: {id: b, mode: chat}
  - model_name: c
    litellm_params: {model: baton/echo}
    model_info: {id: c, mode: chat}
router_settings:
  redis_host: localhost
  enable_pre_call_checks: true
general_settings:
  master_key: sk-master-000000000
  database_url: postgres://x
extras: [other.yaml]
)");
    BOOST_TEST_INFO("errors: " << loader::join(r.errors));
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r.warnings ==
                   (strings{
                       "extras: unknown key, ignored",
                       "model_list[0].litellm_params.wieght: unknown key, ignored (did you mean \"weight\"?)",
                       "model_list[0].litellm_params.input_cost_per_token: unknown key, ignored (and 1 more "
                       "like it)",
                       "model_list[0].model_info.mode: unknown key, ignored (and 2 more like it)",
                       "router_settings.redis_host: shared state across instances is not supported yet; "
                       "ignored",
                       "router_settings.enable_pre_call_checks: unknown key, ignored",
                       "general_settings.database_url: unknown key, ignored",
                   }),
               boost::test_tools::per_element());
    BOOST_TEST(r.value->warnings == r.warnings, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(yaml_syntax_errors_give_file_line_and_column)
{
    loader l;
    const auto errors = l.errors("model_list:\n  - model_name: echo\n    litellm_params: {model: baton/echo\n");
    BOOST_REQUIRE_EQUAL(errors.size(), 1u);
    BOOST_TEST(errors[0] == "baton.yaml:4:1: end of map flow not found");

    const auto nested = l.errors("model_list:\n  - model_name: a\n    litellm_params: x: y\n");
    BOOST_TEST(nested == strings{"baton.yaml:3:22: illegal map value"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(duplicate_yaml_keys_are_errors_and_merge_keys_work)
{
    loader l;
    BOOST_TEST(l.errors("model_list:\n  - model_name: a\n    model_name: b\n    litellm_params: {model: baton/echo}\n") ==
                   strings{"model_list[0].model_name: duplicate key"},
               boost::test_tools::per_element());

    const auto c = l.ok(R"(
common: &common
  model: baton/echo
  weight: 2
model_list:
  - model_name: a
    litellm_params:
      <<: *common
      weight: 5
  - model_name: b
    litellm_params: *common
general_settings: {master_key: sk-master-000000000}
)");
    BOOST_TEST(c.routes.deployments()[0].weight.value_or(-1) == 5.0);
    BOOST_TEST(c.routes.deployments()[1].weight.value_or(-1) == 2.0);
    BOOST_TEST(c.warnings == strings{"common: unknown key, ignored"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(aliases_and_default_model)
{
    loader l;
    const auto c = l.ok(with_echo(R"(
aliases:
  fast-text:
    description: "cheap and quick"
    chain: [echo, "openai/gpt-4o"]
default_model: fast-text
)",
                                  "  - model_name: 'openai/*'\n    litellm_params: {model: 'openai/*'}\n"));
    const auto* a = c.routes.find_alias("fast-text");
    BOOST_REQUIRE(a != nullptr);
    BOOST_TEST(a->description == "cheap and quick");
    BOOST_TEST(a->chain == (strings{"echo", "openai/gpt-4o"}), boost::test_tools::per_element());
    BOOST_TEST(c.routes.default_model == "fast-text");

    const std::vector<std::pair<std::string, std::string>> cases{
        {"aliases: {fast: {chain: []}}", "aliases.fast.chain: must not be empty"},
        {"aliases: {fast: {description: x}}", "aliases.fast.chain: is required"},
        {"aliases: {fast: {chain: [nope]}}", "aliases.fast.chain[0]: unknown model group \"nope\""},
        {"aliases: {fast: {chain: [other]}, other: [echo]}", "aliases.fast.chain[0]: unknown model group \"other\""},
        {"aliases: {echo: [echo]}", "aliases.echo: clashes with the model group of the same name"},
        {"aliases: {g: [echo]}\nrouter_settings: {model_group_alias: {g: echo}}",
         "aliases.g: clashes with router_settings.model_group_alias.g"},
        {"aliases: [fast]", "aliases: expected a mapping"},
        {"default_model: ''", "default_model: must not be empty"},
        {"default_model: missing", "default_model: unknown model group or alias \"missing\""},
    };
    for (const auto& [extra, message] : cases) {
        loader bad;
        BOOST_TEST_CONTEXT(extra)
        {
            BOOST_TEST(bad.errors(with_echo(extra + "\n")) == strings{message}, boost::test_tools::per_element());
        }
    }
}

BOOST_AUTO_TEST_CASE(client_keys_keep_only_the_hash)
{
    loader l;
    const std::string hash_b(64, 'A');
    const auto c = l.ok(with_echo(R"(
keys:
  - name: team-a
    key: os.environ/TEAM_A_KEY
    models: [echo, fast]
    backup_models: [echo]
    rpm_limit: 600
    tpm_limit: 100000
    max_parallel_requests: 20
  - name: team-b
    key_sha256: )" + hash_b + R"(
aliases:
  fast: [echo]
)"),
                        {{"TEAM_A_KEY", "team-a-secret-key-0001"}});
    BOOST_REQUIRE_EQUAL(c.keys.size(), 2u);
    const auto& a = c.keys[0];
    BOOST_TEST(a.name == "team-a");
    BOOST_TEST(a.key_sha256 == baton::daemon::sha256_hex("team-a-secret-key-0001"));
    BOOST_REQUIRE(a.models.has_value());
    BOOST_TEST(*a.models == (strings{"echo", "fast"}), boost::test_tools::per_element());
    BOOST_TEST(a.backup_models == strings{"echo"}, boost::test_tools::per_element());
    BOOST_TEST(a.rpm_limit == 600u);
    BOOST_TEST(a.tpm_limit == 100000u);
    BOOST_TEST(a.max_parallel_requests == 20u);
    BOOST_TEST(c.keys[1].max_parallel_requests == 0u);
    BOOST_TEST(c.keys[1].key_sha256 == std::string(64, 'a'));
    BOOST_TEST(!c.keys[1].models.has_value());
    BOOST_TEST(c.warnings.empty());

    const std::vector<std::pair<std::string, std::string>> cases{
        {"keys: [{key: sk-k-00000000000}]", "keys[0].name: is required"},
        {"keys: [{name: a}]", "keys[0]: one of key or key_sha256 is required"},
        {"keys: [{name: a, key: sk-k-00000000000, key_sha256: " + hash_b + "}]",
         "keys[0]: key and key_sha256 are mutually exclusive"},
        {"keys: [{name: a, key_sha256: abc}]", "keys[0].key_sha256: expected 64 hex digits (the key's SHA-256)"},
        {"keys: [{name: a, key: sk-k-00000000000}, {name: a, key: sk-j-00000000000}]",
         "keys[1].name: duplicate key name \"a\" (also keys[0].name)"},
        {"keys: [{name: a, key: sk-k-00000000000}, {name: b, key: sk-k-00000000000}]", "keys[1].key: same key as keys[0]"},
        {"keys: [{name: a, key: sk-master-000000000}]\ngeneral_settings: {master_key: sk-master-000000000}",
         "keys[0].key: same key as general_settings.master_key"},
        {"keys: [{name: a, key: sk-k-00000000000, models: [gpt-9]}]", "keys[0].models[0]: unknown model group or alias \"gpt-9\""},
        {"keys: [{name: a, key: sk-k-00000000000, rpm_limit: -1}]", "keys[0].rpm_limit: must be >= 0"},
        {"keys: {name: a}", "keys: expected a list"},
    };
    for (const auto& [extra, message] : cases) {
        loader bad;
        BOOST_TEST_CONTEXT(extra)
        {
            BOOST_TEST(bad.errors(with_echo(extra + "\n")) == strings{message}, boost::test_tools::per_element());
        }
    }

    // A backup naming nothing is not fatal: the plan skips it per request with a logged reason (SPEC §5.4).
    loader warned;
    const auto w = warned.ok(with_echo("keys: [{name: a, key: sk-k-00000000000, backup_models: [x, echo]}]\n"));
    BOOST_TEST(w.keys.at(0).backup_models == strings({"x", "echo"}), boost::test_tools::per_element());
    BOOST_TEST(w.warnings == strings{"keys[0].backup_models[0]: names no model group or alias; skipped (with a "
                                     "logged reason) at request time"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(general_settings_are_read_and_validated)
{
    loader l;
    const auto c = l.ok(with_echo(R"(
general_settings:
  listen: ["127.0.0.1:4000", "[::1]:4001", "localhost:0"]
  threads: 4
  master_key: sk-master-000000000
  data_dir: /var/lib/baton
  max_request_body_mb: 2.5
  graceful_shutdown_seconds: 0
  log_level: WARN
  header_read_timeout_seconds: 5
  body_read_timeout_seconds: 20
  idle_timeout_seconds: 30
  write_timeout_seconds: 40
  max_connections: 100
)"));
    const auto& g = c.general;
    BOOST_REQUIRE_EQUAL(g.listen.size(), 3u);
    BOOST_TEST(g.listen[1].host == "::1");
    BOOST_TEST(g.listen[1].port == 4001);
    BOOST_TEST(g.listen[1].to_string() == "[::1]:4001");
    BOOST_TEST(g.listen[2].port == 0);
    BOOST_TEST(g.threads == 4);
    BOOST_TEST(g.data_dir == "/var/lib/baton");
    BOOST_TEST(g.max_request_body_mb == 2.5);
    BOOST_TEST(g.graceful_shutdown_seconds == 0.0);
    BOOST_TEST(g.log_level == "warning");
    BOOST_TEST(g.header_read_timeout_seconds == 5.0);
    BOOST_TEST(g.body_read_timeout_seconds == 20.0);
    BOOST_TEST(g.idle_timeout_seconds == 30.0);
    BOOST_TEST(g.write_timeout_seconds == 40.0);
    BOOST_TEST(g.max_connections == 100);

    const std::vector<std::pair<std::string, std::string>> cases{
        {"listen: 127.0.0.1", "general_settings.listen: expected host:port, got \"127.0.0.1\""},
        {"listen: 127.0.0.1:99999", "general_settings.listen: port must be between 0 and 65535"},
        {"listen: ::1:4000", "general_settings.listen: expected host:port, got \"::1:4000\""},
        {"listen: []", "general_settings.listen: must not be empty"},
        {"listen: {a: b}", "general_settings.listen: expected host:port or a list of them"},
        {"listen: [127.0.0.1:1, 127.0.0.1:1]", "general_settings.listen[1]: duplicate address \"127.0.0.1:1\""},
        {"threads: -1", "general_settings.threads: must be >= 0"},
        {"threads: 5000", "general_settings.threads: must be <= 1024"},
        {"master_key: ''", "general_settings.master_key: must not be empty"},
        {"max_request_body_mb: 0", "general_settings.max_request_body_mb: must be > 0"},
        {"graceful_shutdown_seconds: -1", "general_settings.graceful_shutdown_seconds: must be >= 0"},
        {"idle_timeout_seconds: 0", "general_settings.idle_timeout_seconds: must be > 0"},
        {"max_connections: 0", "general_settings.max_connections: must be > 0"},
        {"log_level: trace", "general_settings.log_level: must be one of debug, info, warning, error"},
    };
    for (const auto& [settings, message] : cases) {
        loader bad;
        BOOST_TEST_CONTEXT(settings)
        {
            BOOST_TEST(bad.errors(with_echo("general_settings:\n  " + settings + "\n")) == strings{message},
                       boost::test_tools::per_element());
        }
    }
}

BOOST_AUTO_TEST_CASE(unreadable_file_is_one_error)
{
    baton::routing::health_registry registry;
    const auto r = load_config_file("/nonexistent/baton.yaml", lookup({}), registry);
    BOOST_TEST(!r.ok());
    BOOST_TEST(r.errors == strings{"/nonexistent/baton.yaml: cannot read: No such file or directory"},
               boost::test_tools::per_element());
    const auto dir = load_config_file("/", lookup({}), registry);
    BOOST_TEST(dir.errors == strings{"/: cannot read: is a directory"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(secrets_never_appear_in_errors)
{
    loader l;
    const std::string secret = "sk-very-secret-value-9876";
    const auto errors = l.errors(R"(
model_list:
  - model_name: g
    litellm_params:
      model: openai/gpt-4o
      weight: os.environ/SECRET
      api_key: [os.environ/SECRET]
general_settings:
  master_key: {value: os.environ/SECRET}
  threads: os.environ/SECRET
)",
                                 {{"SECRET", secret}});
    BOOST_TEST(errors.size() == 4u);
    for (const auto& e : errors) {
        BOOST_TEST(e.find("secret-value") == std::string::npos, e);
    }
}

BOOST_AUTO_TEST_SUITE_END()
