#include "daemon/config/config_loader.hpp"
#include "daemon/config/describe_config.hpp"
#include "daemon/config/mask_secret.hpp"
#include "routing/health_registry.hpp"

#include <boost/test/unit_test.hpp>

#include <map>
#include <string>
#include <vector>

using baton::daemon::describe_config;
using baton::daemon::mask_secret;

namespace {

baton::daemon::config load(const std::string& yaml, std::map<std::string, std::string, std::less<>> env)
{
    baton::routing::health_registry registry;
    auto r = baton::daemon::load_config_text(
        yaml, "test.yaml",
        [env = std::move(env)](std::string_view name) -> std::optional<std::string> {
            const auto it = env.find(name);
            return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
        },
        registry);
    BOOST_REQUIRE_MESSAGE(r.ok(), (r.errors.empty() ? std::string() : r.errors.front()));
    return std::move(*r.value);
}

// True when any 5-character piece of `secret` occurs in `text`: masking may show the last 4, never more.
bool leaks(const std::string& text, const std::string& secret)
{
    for (std::size_t i = 0; i + 5 <= secret.size(); ++i) {
        if (text.find(secret.substr(i, 5)) != std::string::npos) {
            return true;
        }
    }
    return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(describe)

BOOST_AUTO_TEST_CASE(mask_secret_shows_at_most_the_last_four_characters)
{
    BOOST_TEST(mask_secret("") == "(none)");
    BOOST_TEST(mask_secret("short") == "****");
    BOOST_TEST(mask_secret("elevenchars") == "****");
    BOOST_TEST(mask_secret("twelve-chars") == "...hars");
    BOOST_TEST(mask_secret("sk-proj-ABCDEFGHIJKLMNOPwxyz") == "sk-...wxyz");
    BOOST_TEST(mask_secret("0123456789abcdef0123456789abcdef") == "...cdef");
}

BOOST_AUTO_TEST_CASE(describes_every_deployment_without_any_secret)
{
    const std::string openai_key = "sk-proj-QUOKKAmarmotPLATYPUS7391";
    const std::string azure_key_1 = "azKEYoneWOMBATnumbat4821";
    const std::string azure_key_2 = "azKEYtwoECHIDNAdingo5932";
    const std::string short_key = "tinyKEY9";
    const std::string master_key = "sk-MASTERkookaburra2468";
    const std::string client_key = "client-KEYwallabyBILBY1357";
    const std::string url_password = "hunterPASSWORD77";
    const auto c = load(R"(
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/OPENAI_KEY
      weight: 3
      rpm: 600
      tpm: 200000
      timeout: 120
      stream_timeout: 15
      max_parallel_requests: 8
    model_info: {id: gpt4o-openai}
  - model_name: gpt-4o
    litellm_params:
      model: azure/gpt-4o-eu
      api_base: os.environ/AZURE_BASE
      api_version: "2024-10-21"
      api_keys: [os.environ/AZ1, os.environ/AZ2]
    model_info: {id: gpt4o-azure}
  - model_name: local
    litellm_params:
      model: hosted_vllm/llama
      api_base: http://127.0.0.1:8000/v1
      api_key: os.environ/SHORT
      ssl_verify: false
  - model_name: echo
    litellm_params: {model: baton/echo}
    model_info: {id: echo-1}
router_settings:
  fallbacks: [{gpt-4o: [local, echo]}]
  default_fallbacks: [echo]
  model_group_alias: {gpt4: gpt-4o}
aliases:
  fast: {description: "cheap and quick", chain: [local, echo]}
default_model: fast
keys:
  - name: team-a
    key: os.environ/CLIENT
    models: [gpt-4o, fast]
general_settings:
  master_key: os.environ/MASTER
  listen: ["127.0.0.1:4000", "[::1]:4000"]
)",
                        {{"OPENAI_KEY", openai_key},
                         {"AZ1", azure_key_1},
                         {"AZ2", azure_key_2},
                         {"SHORT", short_key},
                         {"MASTER", master_key},
                         {"CLIENT", client_key},
                         {"AZURE_BASE", "https://user:" + url_password + "@eu.openai.azure.com/?sig=" + url_password}});
    const std::string text = describe_config(c);
    BOOST_TEST_MESSAGE(text);

    for (const auto& secret : {openai_key, azure_key_1, azure_key_2, short_key, master_key, client_key, url_password}) {
        BOOST_TEST(!leaks(text, secret), "secret leaked: " << secret);
    }

    const auto has = [&](const std::string& line) {
        BOOST_TEST(text.find(line) != std::string::npos, "missing: " << line);
    };
    has("config: test.yaml\n");
    has("deployments: 5\n");
    has("  gpt4o-openai  group=gpt-4o  model=openai/gpt-4o  api_base=https://api.openai.com/v1  api_key=sk-...7391"
        "  weight=3  rpm=600  tpm=200000  timeout=120s  stream_timeout=15s  max_parallel_requests=8"
        "  ssl_verify=true\n");
    has("  gpt4o-azure  group=gpt-4o  model=azure/gpt-4o-eu  api_base=https://***@eu.openai.azure.com/?***"
        "  api_key=...4821  api_version=2024-10-21  weight=unset");
    has("  gpt4o-azure__key_1  group=gpt-4o  model=azure/gpt-4o-eu");
    has("api_key=...5932");
    has("group=local  model=hosted_vllm/llama  api_base=http://127.0.0.1:8000/v1  api_key=****");
    has("ssl_verify=false\n");
    has("  echo-1  group=echo  model=baton/echo  api_base=(none)  api_key=(none)");
    has("groups: 3\n  gpt-4o: gpt4o-openai, gpt4o-azure, gpt4o-azure__key_1\n");
    has("aliases: 1\n  fast: local -> echo  (cheap and quick)\n");
    has("default_model: fast\n");
    has("model_group_alias:\n  gpt4 -> gpt-4o\n");
    has("fallbacks:\n  gpt-4o -> local, echo\n");
    has("context_window_fallbacks: (none)\n");
    has("default_fallbacks: echo\n");
    has("  routing_strategy: simple-shuffle\n");
    has("  listen: 127.0.0.1:4000, [::1]:4000\n");
    has("  master_key: sk-...2468\n");
    has("keys: 1\n  team-a  sha256=");
    has("models=gpt-4o, fast  rpm_limit=unlimited  tpm_limit=unlimited\n");
    has("warnings: 0\n");
}

BOOST_AUTO_TEST_CASE(reports_absent_master_key_and_warnings)
{
    const auto c = load("model_list:\n  - model_name: e\n    litellm_params: {model: baton/echo, colour: red}\n", {});
    const std::string text = describe_config(c);
    BOOST_TEST(text.find("  master_key: (none)\n") != std::string::npos);
    BOOST_TEST(text.find("warnings: 2\n  model_list[0].litellm_params.colour: unknown key, ignored\n") !=
               std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
