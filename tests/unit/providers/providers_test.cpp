#define BOOST_TEST_MODULE providers
// Provider adapters (providers/): the registry, and what each adapter derives, writes and reads. Pure.

#include "providers/registry.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

namespace json = boost::json;
using namespace baton;
using providers::api_endpoint;

namespace {

routing::deployment make(std::string provider, std::string model, std::string key = "sk-test")
{
    routing::deployment d;
    d.id = "d";
    d.group = "g";
    d.provider = std::move(provider);
    d.upstream_model = std::move(model);
    d.api_key = std::move(key);
    d.api_version = "2024-10-21";
    return d;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(registry)

BOOST_AUTO_TEST_CASE(every_registered_provider_is_found_by_its_prefix_and_nothing_else)
{
    for (const auto& p : providers::all_providers()) {
        BOOST_TEST_CONTEXT(p.name)
        {
            BOOST_TEST(providers::find_provider(p.name) == &p);
            BOOST_TEST(&providers::adapter_for(p.name) == p.via);
        }
    }
    BOOST_TEST(providers::find_provider("OpenAI") == nullptr);  // prefixes are exact
    BOOST_TEST(providers::find_provider("vllm") == nullptr);
    // An unknown prefix (with an api_base, which the config loader requires) is an OpenAI-compatible server.
    BOOST_TEST(&providers::adapter_for("vllm") == &providers::openai_compatible());
}

BOOST_AUTO_TEST_CASE(provider_facts_the_config_loader_reads)
{
    const auto* openai = providers::find_provider("openai");
    BOOST_REQUIRE(openai != nullptr);
    BOOST_TEST(openai->default_api_base == "https://api.openai.com/v1");
    BOOST_TEST(openai->api_key_env == "OPENAI_API_KEY");
    BOOST_TEST(!openai->key_env_with_any_base);

    const auto* azure = providers::find_provider("azure");
    BOOST_REQUIRE(azure != nullptr);
    BOOST_TEST(azure->default_api_base.empty());
    BOOST_TEST(azure->api_base_env == "AZURE_API_BASE");
    BOOST_TEST(azure->api_version_env == "AZURE_API_VERSION");
    BOOST_TEST(azure->key_env_with_any_base);

    const auto* baton = providers::find_provider("baton");
    BOOST_REQUIRE(baton != nullptr);
    BOOST_TEST(baton->via->local());
    BOOST_TEST(baton->models.size() == 1u);
    BOOST_TEST(baton->models[0] == "echo");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(openai_dialect)

BOOST_AUTO_TEST_CASE(targets_and_bearer_header)
{
    const auto d = make("openai", "gpt-4o");
    const auto& a = providers::adapter_for("openai");
    const auto r = a.route(d, "/v1");
    BOOST_TEST(r.via == &a);
    BOOST_TEST(r.targets[0] == "/v1/chat/completions");
    BOOST_TEST(r.targets[1] == "/v1/completions");
    BOOST_TEST(r.targets[2] == "/v1/embeddings");
    BOOST_TEST(r.headers == "authorization: Bearer sk-test\r\n");
    std::string scratch;
    BOOST_TEST(a.target(r, d, api_endpoint::embeddings, "other-model", scratch) == "/v1/embeddings");
    // No key, no header line.
    BOOST_TEST(a.route(make("openai", "m", ""), "/v1").headers.empty());
}

BOOST_AUTO_TEST_CASE(the_body_gets_the_upstream_model)
{
    auto body = json::parse(R"({"model":"alias","messages":[],"temperature":1})").as_object();
    std::string out;
    providers::adapter_for("openai").write_body(body, "gpt-4o", api_endpoint::chat_completions, out);
    BOOST_TEST(out == R"({"model":"gpt-4o","messages":[],"temperature":1})");
}

BOOST_AUTO_TEST_CASE(a_2xx_body_is_relayed_when_it_is_a_json_object)
{
    const auto& a = providers::adapter_for("openai");
    std::string scratch;
    const std::string body = R"( {"usage":{"prompt_tokens":4,"completion_tokens":2,"total_tokens":6}})";
    const auto r = a.read(body, scratch);
    BOOST_TEST(r.usable);
    BOOST_TEST(r.body.data() == body.data());  // the upstream's own bytes, not a copy
    BOOST_TEST(r.usage.prompt_tokens == 4);
    BOOST_TEST(r.usage.completion_tokens == 2);
    BOOST_TEST(!a.read("<html>", scratch).usable);
    BOOST_TEST(!a.read("", scratch).usable);
    BOOST_TEST(!a.read("  \n", scratch).usable);
}

BOOST_AUTO_TEST_CASE(errors_are_classified_as_section_5_3_says)
{
    const auto& a = providers::adapter_for("openai");
    BOOST_TEST((a.classify(429, "") == routing::failure_reason::rate_limit));
    BOOST_TEST((a.classify(529, "") == routing::failure_reason::server_error));
    BOOST_TEST((a.classify(400, R"({"error":{"code":"context_length_exceeded"}})") ==
                routing::failure_reason::context_window));
    BOOST_TEST(a.translator(api_endpoint::chat_completions) == nullptr);  // relayed byte for byte
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(azure)

BOOST_AUTO_TEST_CASE(deployment_path_api_version_and_api_key_header)
{
    const auto d = make("azure", "gpt4o-deploy", "az-key");
    const auto& a = providers::adapter_for("azure");
    const auto r = a.route(d, "/base");
    BOOST_TEST(r.targets[0] == "/base/openai/deployments/gpt4o-deploy/chat/completions?api-version=2024-10-21");
    BOOST_TEST(r.targets[2] == "/base/openai/deployments/gpt4o-deploy/embeddings?api-version=2024-10-21");
    BOOST_TEST(r.headers == "api-key: az-key\r\n");
    // A wildcard deployment sends the requested model: it is part of the path.
    std::string scratch;
    BOOST_TEST(a.target(r, d, api_endpoint::chat_completions, "other", scratch) ==
               "/base/openai/deployments/other/chat/completions?api-version=2024-10-21");
    BOOST_TEST(a.target(r, d, api_endpoint::chat_completions, "gpt4o-deploy", scratch).data() == r.targets[0].data());
}

// Issue #11: the model is one path segment whatever it holds (routing refuses such names before; this is
// the second line).
BOOST_AUTO_TEST_CASE(the_model_is_one_percent_encoded_path_segment)
{
    const auto d = make("azure", "*", "az-key");
    const auto& a = providers::adapter_for("azure");
    const auto r = a.route(d, "/base");
    std::string scratch;
    BOOST_TEST(a.target(r, d, api_endpoint::chat_completions, "../x y/\r\n?#%", scratch) ==
               "/base/openai/deployments/..%2Fx%20y%2F%0D%0A%3F%23%25/chat/completions?api-version=2024-10-21");
    BOOST_TEST(a.target(r, d, api_endpoint::chat_completions, "gpt-4o_mini.1~", scratch) ==
               "/base/openai/deployments/gpt-4o_mini.1~/chat/completions?api-version=2024-10-21");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(echo)

BOOST_AUTO_TEST_CASE(answers_chat_with_the_last_user_message)
{
    const auto& a = providers::adapter_for("baton");
    const auto r = a.answer(api_endpoint::chat_completions,
                            R"({"model":"echo","messages":[{"role":"user","content":"hello baton"}]})", false);
    BOOST_TEST(r.status == 200u);
    const auto v = json::parse(r.body);
    BOOST_TEST(v.at("choices").at(0).at("message").at("content") == "hello baton");
    BOOST_TEST(v.at("model") == "echo");
    BOOST_TEST(v.at("usage").at("completion_tokens") == 2);
}

BOOST_AUTO_TEST_CASE(streams_one_chunk_per_word_with_usage_when_asked)
{
    const auto& a = providers::adapter_for("baton");
    const auto r = a.answer(api_endpoint::chat_completions,
                            R"({"model":"echo","messages":[{"role":"user","content":"a b"}],"stream":true,)"
                            R"("stream_options":{"include_usage":true}})",
                            true);
    BOOST_TEST(r.body.starts_with("data: {"));
    BOOST_TEST(r.body.ends_with("data: [DONE]\n\n"));
    BOOST_TEST(r.body.find(R"("content":"a ")") != std::string::npos);
    BOOST_TEST(r.body.find(R"("usage":{)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(embeddings_are_deterministic)
{
    const auto& a = providers::adapter_for("baton");
    const auto x = a.answer(api_endpoint::embeddings, R"({"model":"echo","input":"hello"})", false);
    const auto y = a.answer(api_endpoint::embeddings, R"({"model":"echo","input":"hello"})", false);
    BOOST_TEST(x.body == y.body);
    BOOST_TEST(json::parse(x.body).at("data").at(0).at("embedding").as_array().size() == 8u);
}

BOOST_AUTO_TEST_SUITE_END()
