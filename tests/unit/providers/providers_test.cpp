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
            // A provider baton cannot serve never gets this far (the config refuses it): the fallback.
            BOOST_TEST(&providers::adapter_for(p.name) ==
                       (p.via != nullptr ? p.via : &providers::openai_compatible()));
            BOOST_TEST((p.via == nullptr) == !p.unsupported.empty());
        }
    }
    BOOST_TEST(providers::find_provider("OpenAI") == nullptr);  // prefixes are exact
    BOOST_TEST(providers::find_provider("my_vllm") == nullptr);
    // An unknown prefix (with an api_base, which the config loader requires) is an OpenAI-compatible server.
    BOOST_TEST(&providers::adapter_for("my_vllm") == &providers::openai_compatible());
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

BOOST_AUTO_TEST_CASE(the_openai_compatible_clouds_have_litellms_defaults)
{
    struct row {
        std::string_view name, base, key_env;
    };
    for (const row& r :
         {row{"groq", "https://api.groq.com/openai/v1", "GROQ_API_KEY"},
          row{"openrouter", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY"},
          row{"together_ai", "https://api.together.xyz/v1", "TOGETHER_API_KEY"},
          row{"mistral", "https://api.mistral.ai/v1", "MISTRAL_API_KEY"},
          row{"deepseek", "https://api.deepseek.com/beta", "DEEPSEEK_API_KEY"},
          row{"fireworks_ai", "https://api.fireworks.ai/inference/v1", "FIREWORKS_API_KEY"},
          row{"xai", "https://api.x.ai/v1", "XAI_API_KEY"},
          row{"cerebras", "https://api.cerebras.ai/v1", "CEREBRAS_API_KEY"},
          row{"perplexity", "https://api.perplexity.ai", "PERPLEXITYAI_API_KEY"},
          row{"deepinfra", "https://api.deepinfra.com/v1/openai", "DEEPINFRA_API_KEY"},
          row{"gemini", "https://generativelanguage.googleapis.com/v1beta/openai", "GEMINI_API_KEY"},
          row{"nvidia_nim", "https://integrate.api.nvidia.com/v1", "NVIDIA_NIM_API_KEY"},
          row{"ollama", "http://localhost:11434", ""}, row{"ollama_chat", "http://localhost:11434", ""},
          row{"hosted_vllm", "", "HOSTED_VLLM_API_KEY"}, row{"lm_studio", "", "LM_STUDIO_API_KEY"}}) {
        BOOST_TEST_CONTEXT(r.name)
        {
            const auto* p = providers::find_provider(r.name);
            BOOST_REQUIRE(p != nullptr);
            BOOST_REQUIRE(p->via != nullptr);
            BOOST_TEST(p->via->name() == r.name);
            BOOST_TEST(p->default_api_base == r.base);
            BOOST_TEST(p->api_key_env == r.key_env);
            BOOST_TEST(p->via->translator(api_endpoint::chat_completions, 0) == nullptr);  // OpenAI dialect
        }
    }
    // Ollama's OpenAI-compatible API is under /v1 of the server's root.
    const auto& ollama = providers::adapter_for("ollama");
    BOOST_TEST(ollama.route(make("ollama", "llama3"), "").targets[0] == "/v1/chat/completions");
    BOOST_TEST(ollama.route(make("ollama", "llama3"), "/v1").targets[0] == "/v1/chat/completions");
}

BOOST_AUTO_TEST_CASE(providers_baton_cannot_serve_say_why)
{
    for (const auto* name : {"bedrock", "vertex_ai", "sagemaker", "vllm"}) {
        BOOST_TEST_CONTEXT(name)
        {
            const auto* p = providers::find_provider(name);
            BOOST_REQUIRE(p != nullptr);
            BOOST_TEST(p->via == nullptr);
            BOOST_TEST(!p->unsupported.empty());
            BOOST_TEST(&providers::adapter_for(name) == &providers::openai_compatible());  // never null
        }
    }
    BOOST_TEST(providers::default_provider == "openai");
    BOOST_TEST(providers::find_provider("azure")->default_api_version == "2025-02-01-preview");
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
    std::string dropped;
    const auto& a = providers::adapter_for("openai");
    a.write_body(a.route(make("openai", "gpt-4o"), "/v1"), body, "gpt-4o", api_endpoint::chat_completions,
                 out, dropped);
    BOOST_TEST(out == R"({"model":"gpt-4o","messages":[],"temperature":1})");
}

BOOST_AUTO_TEST_CASE(request_defaults_fill_what_the_client_left_out_for_one_attempt)
{
    auto d = make("openai", "gpt-4o");
    d.request_defaults = R"({"temperature":0.2,"max_tokens":100,"stop":["END"]})";
    d.extra_headers = {{"x-team", "blue"}};
    const auto& a = providers::adapter_for("openai");
    const auto r = a.route(d, "/v1");
    BOOST_TEST(r.headers == "authorization: Bearer sk-test\r\nx-team: blue\r\n");
    auto body = json::parse(R"({"model":"m","messages":[],"temperature":1})").as_object();
    std::string out;
    std::string dropped;
    a.write_body(r, body, "gpt-4o", api_endpoint::chat_completions, out, dropped);
    BOOST_TEST(
        json::parse(out) ==
        json::parse(R"({"model":"gpt-4o","messages":[],"temperature":1,"max_tokens":100,"stop":["END"]})"));
    // The body is as it was for the next attempt.
    BOOST_TEST(json::value(body) == json::parse(R"({"model":"gpt-4o","messages":[],"temperature":1})"));
}

BOOST_AUTO_TEST_CASE(a_2xx_body_is_relayed_when_it_is_a_json_object)
{
    const auto& a = providers::adapter_for("openai");
    std::string scratch;
    const std::string body = R"( {"usage":{"prompt_tokens":4,"completion_tokens":2,"total_tokens":6}})";
    const auto r = a.read(body, 0, scratch);
    BOOST_TEST(r.usable);
    BOOST_TEST(r.body.data() == body.data());  // the upstream's own bytes, not a copy
    BOOST_TEST(r.usage.prompt_tokens == 4);
    BOOST_TEST(r.usage.completion_tokens == 2);
    BOOST_TEST(!a.read("<html>", 0, scratch).usable);
    BOOST_TEST(!a.read("", 0, scratch).usable);
    BOOST_TEST(!a.read("  \n", 0, scratch).usable);
}

BOOST_AUTO_TEST_CASE(errors_are_classified_as_section_5_3_says)
{
    const auto& a = providers::adapter_for("openai");
    BOOST_TEST((a.classify(429, "") == routing::failure_reason::rate_limit));
    BOOST_TEST((a.classify(529, "") == routing::failure_reason::server_error));
    BOOST_TEST((a.classify(400, R"({"error":{"code":"context_length_exceeded"}})") ==
                routing::failure_reason::context_window));
    BOOST_TEST(a.translator(api_endpoint::chat_completions, 0) == nullptr);  // relayed byte for byte
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(azure)

BOOST_AUTO_TEST_CASE(deployment_path_api_version_and_api_key_header)
{
    const auto d = make("azure", "gpt4o-deploy", "az-key");
    const auto& a = providers::adapter_for("azure");
    const auto r = a.route(d, "/base");
    BOOST_TEST(r.targets[0] ==
               "/base/openai/deployments/gpt4o-deploy/chat/completions?api-version=2024-10-21");
    BOOST_TEST(r.targets[2] == "/base/openai/deployments/gpt4o-deploy/embeddings?api-version=2024-10-21");
    BOOST_TEST(r.headers == "api-key: az-key\r\n");
    // A wildcard deployment sends the requested model: it is part of the path.
    std::string scratch;
    BOOST_TEST(a.target(r, d, api_endpoint::chat_completions, "other", scratch) ==
               "/base/openai/deployments/other/chat/completions?api-version=2024-10-21");
    BOOST_TEST(a.target(r, d, api_endpoint::chat_completions, "gpt4o-deploy", scratch).data() ==
               r.targets[0].data());
}

// Issue #11: the model is one path segment whatever it holds (routing refuses such names before; this is
// the second line).
BOOST_AUTO_TEST_CASE(the_model_is_one_percent_encoded_path_segment)
{
    const auto d = make("azure", "*", "az-key");
    const auto& a = providers::adapter_for("azure");
    const auto r = a.route(d, "/base");
    std::string scratch;
    BOOST_TEST(
        a.target(r, d, api_endpoint::chat_completions, "../x y/\r\n?#%", scratch) ==
        "/base/openai/deployments/..%2Fx%20y%2F%0D%0A%3F%23%25/chat/completions?api-version=2024-10-21");
    BOOST_TEST(a.target(r, d, api_endpoint::chat_completions, "gpt-4o_mini.1~", scratch) ==
               "/base/openai/deployments/gpt-4o_mini.1~/chat/completions?api-version=2024-10-21");
}

BOOST_AUTO_TEST_CASE(content_filter_400_is_content_policy)
{
    // Azure's answer when its content management policy filtered the prompt.
    const auto& a = providers::adapter_for("azure");
    BOOST_TEST(
        (a.classify(400,
                    R"({"error":{"message":"The response was filtered due to the prompt triggering Azure )"
                    R"(OpenAI's content management policy.","type":null,"param":"prompt",)"
                    R"("code":"content_filter","status":400}})") == routing::failure_reason::content_policy));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(anthropic)

BOOST_AUTO_TEST_CASE(messages_path_version_and_key_headers)
{
    const auto& a = providers::adapter_for("anthropic");
    BOOST_TEST(a.name() == "anthropic");
    BOOST_TEST(providers::find_provider("anthropic")->default_api_base == "https://api.anthropic.com");
    const auto d = make("anthropic", "claude-x", "sk-ant-1");
    const auto r = a.route(d, "");
    BOOST_TEST(r.targets[0] == "/v1/messages");
    BOOST_TEST(r.targets[1] == "/v1/completions");
    BOOST_TEST(r.targets[2] == "/v1/embeddings");
    BOOST_TEST(r.headers == "x-api-key: sk-ant-1\r\nanthropic-version: 2023-06-01\r\n");
    BOOST_TEST(a.route(d, "/v1").targets[0] == "/v1/messages");  // ends in /v1: + /messages
    BOOST_TEST(a.route(d, "/proxy/v1/messages").targets[0] == "/proxy/v1/messages");  // used as it is
    BOOST_TEST(a.route(d, "/proxy").targets[0] == "/proxy/v1/messages");
    BOOST_TEST(a.route(make("anthropic", "c", ""), "").headers == "anthropic-version: 2023-06-01\r\n");
    BOOST_TEST((a.default_continuation() == providers::continuation::instruct));
}

BOOST_AUTO_TEST_CASE(the_body_is_translated_with_the_deployments_defaults)
{
    auto d = make("anthropic", "claude-x");
    d.request_defaults = R"({"max_tokens":64,"temperature":0.1})";
    const auto& a = providers::adapter_for("anthropic");
    const auto r = a.route(d, "");
    auto body =
        json::parse(R"({"model":"c","messages":[{"role":"user","content":"hi"}],"temperature":0.9,"seed":1})")
            .as_object();
    std::string out;
    std::string dropped;
    a.write_body(r, body, "claude-x", api_endpoint::chat_completions, out, dropped);
    const auto v = json::parse(out);
    BOOST_TEST(v.at("model") == "claude-x");
    BOOST_TEST(v.at("max_tokens") == 64);
    BOOST_TEST(v.at("temperature") == 0.9);  // the client's value wins
    BOOST_TEST(dropped == "seed");
    BOOST_TEST(!body.contains("max_tokens"));
}

BOOST_AUTO_TEST_CASE(responses_and_streams_are_translated)
{
    const auto& a = providers::adapter_for("anthropic");
    std::string scratch;
    const auto rd =
        a.read(R"({"id":"msg_1","type":"message","model":"claude-x","content":[{"type":"text","text":"hi"}],)"
               R"("stop_reason":"end_turn","usage":{"input_tokens":3,"output_tokens":1}})",
               1700000000, scratch);
    BOOST_TEST(rd.usable);
    BOOST_TEST(rd.body.data() == scratch.data());
    BOOST_TEST(json::parse(rd.body).at("created") == 1700000000);
    BOOST_TEST(rd.usage.prompt_tokens == 3);
    BOOST_TEST(!a.read("{}", 0, scratch).usable);
    BOOST_TEST(a.translator(api_endpoint::chat_completions, 0) != nullptr);
    BOOST_TEST(
        (a.classify(529, R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})") ==
         routing::failure_reason::server_error));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(echo)

BOOST_AUTO_TEST_CASE(answers_chat_with_the_last_user_message)
{
    const auto& a = providers::adapter_for("baton");
    const auto r =
        a.answer(api_endpoint::chat_completions,
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
