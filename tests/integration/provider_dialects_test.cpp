#define BOOST_TEST_MODULE provider_dialects
#include <boost/test/unit_test.hpp>

// Providers through a real batond (issue #13): Anthropic's Messages API (non-stream, stream, tools,
// failover on 529 before and during a stream, context-window classification, errors given back), mid-stream
// continuation across dialects, Azure's URL shape and content filter, the provider defaults taken from
// LiteLLM's environment variables, litellm_params request defaults, and --check-config on LiteLLM-style
// configs. Every deployment is a name on one scripted fake upstream (fake_upstream/README.md), which speaks
// both dialects.

#include "support/harness.hpp"

#include "streaming/next_hop_request.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace json = boost::json;
using namespace std::chrono_literals;
using namespace baton::test;

namespace {

// B is picked first with probability 1 / 1000001: A's behaviour is what a test scripts.
constexpr long heavy = 1000000;

// Every attempt bounded; a failure never cools a deployment down across the test's requests.
const config_defaults defaults{.litellm_params = {"timeout: 5", "stream_timeout: 2"},
                               .router_settings = {"stream_idle_timeout: 1", "allowed_fails: 1000"}};

// A deployment `id` of `provider` on the fake (support/config_builder.hpp's dep, with the provider first).
dep on(std::string provider, std::string group, std::string id, std::optional<long> weight = {},
       std::vector<std::string> extra = {})
{
    dep d{std::move(group), std::move(id), weight, std::move(extra)};
    d.provider = std::move(provider);
    return d;
}

std::string dialect_config(const fake_upstream_process& fake, const std::vector<dep>& deps,
                           const std::vector<std::string>& router = {})
{
    return baton::test::config(fake, deps, router, {}, defaults);
}

json::array strings(const std::vector<std::string>& v)
{
    json::array a;
    for (const auto& s : v) a.emplace_back(s);
    return a;
}

json::value streams(const std::vector<std::string>& pieces, json::object more = {})
{
    json::object s{{"pieces", strings(pieces)}};
    for (auto& [k, v] : more) s[k] = v;
    return json::object{{"stream", std::move(s)}};
}

json::object chat(std::string_view model = "chat", bool stream = false, json::object extra = {})
{
    json::object o{{"model", model},
                   {"messages", json::array{json::object{{"role", "system"}, {"content", "Be brief."}},
                                            json::object{{"role", "user"}, {"content", "Count for me."}}}}};
    if (stream) {
        o["stream"] = true;
        o["stream_options"] = json::object{{"include_usage", true}};
    }
    for (auto& [k, v] : extra) o[k] = v;
    return o;
}

struct read_stream {
    http_response head;
    std::vector<json::object> chunks;
    std::string content;
    int role_chunks = 0;
    std::vector<json::object> usage;
    std::vector<std::string> finish_reasons;
    bool done = false;
    stream_status final_status = stream_status::end;
};

read_stream stream_call(http_client& c, const json::object& body)
{
    read_stream s;
    s.head = c.open_stream("/v1/chat/completions", body, deadline_after(10s));
    auto r = c.read_events(deadline_after(10s));
    s.final_status = r.final_status;
    for (const auto& e : r.events) {
        if (e.is_done()) {
            s.done = true;
            continue;
        }
        boost::system::error_code ec;
        auto v = json::parse(e.data, ec);
        if (ec || !v.is_object()) continue;
        auto& o = v.as_object();
        if (const auto* u = o.if_contains("usage"); u && u->is_object()) s.usage.push_back(u->as_object());
        if (const auto* ch = o.if_contains("choices"); ch && ch->is_array() && !ch->as_array().empty()) {
            const auto& c0 = ch->as_array()[0].as_object();
            if (const auto* d = c0.if_contains("delta"); d && d->is_object()) {
                if (d->as_object().contains("role")) ++s.role_chunks;
                if (const auto* t = d->as_object().if_contains("content"); t && t->is_string())
                    s.content += t->as_string();
            }
            if (const auto* f = c0.if_contains("finish_reason"); f && f->is_string()) {
                s.finish_reasons.emplace_back(f->as_string());
            }
        }
        s.chunks.push_back(std::move(o));
    }
    return s;
}

json::object only_call(fake_upstream_process& fake, std::string_view name)
{
    const auto calls = fake.calls(name);
    BOOST_REQUIRE_EQUAL(calls.size(), 1u);
    return calls[0].as_object();
}

json::object body_of(const json::object& call)
{
    return call.at("json").as_object();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(anthropic)

BOOST_AUTO_TEST_CASE(a_chat_completion_goes_to_the_messages_api_and_comes_back_openai_shaped)
{
    fake_upstream_process fake;
    baton_process baton{dialect_config(fake, {on("anthropic", "chat", "A")})};
    http_client c{baton.port()};
    const auto r =
        c.post_json("/v1/chat/completions", chat("chat", false, {{"max_tokens", 50}, {"seed", 3}}));
    BOOST_TEST(r.status == 200u, r.body);
    const auto v = r.json();
    BOOST_TEST(v.at("object") == "chat.completion");
    BOOST_TEST(v.at("choices").at(0).at("message").at("content") == "ok from A");
    BOOST_TEST(v.at("choices").at(0).at("finish_reason") == "stop");
    BOOST_TEST(v.at("usage").at("prompt_tokens") == 5);
    BOOST_TEST(v.at("usage").at("completion_tokens") == 7);
    BOOST_TEST(v.at("model") == "up-A");
    BOOST_TEST(v.at("created").as_int64() > 1700000000);
    BOOST_TEST(r.header("x-baton-resolved").value_or("") == "anthropic/up-A");

    const auto call = only_call(fake, "A");
    BOOST_TEST(call.at("path") == "/A/v1/messages");
    BOOST_TEST(call_header(call, "x-api-key") == "key-A");
    BOOST_TEST(call_header(call, "anthropic-version") == "2023-06-01");
    BOOST_TEST(call_header(call, "authorization") == "<absent>");
    const auto sent = body_of(call);
    BOOST_TEST(sent.at("model") == "up-A");
    BOOST_TEST(sent.at("max_tokens") == 50);
    BOOST_TEST(sent.at("system") == json::parse(R"([{"type":"text","text":"Be brief."}])"));
    BOOST_TEST(sent.at("messages") ==
               json::parse(R"([{"role":"user","content":[{"type":"text","text":"Count for me."}]}])"));
    BOOST_TEST(!sent.contains("seed"));  // dropped: the Messages API has none
}

BOOST_AUTO_TEST_CASE(a_stream_is_translated_event_by_event)
{
    fake_upstream_process fake;
    fake.set_script("A", streams({"one ", "two ", "three"}));
    baton_process baton{dialect_config(fake, {on("anthropic", "chat", "A")})};
    http_client c{baton.port()};
    const auto s = stream_call(c, chat("chat", true));
    BOOST_TEST(s.head.status == 200u);
    BOOST_TEST(s.head.header("content-type").value_or("").starts_with("text/event-stream"));
    BOOST_TEST(s.content == "one two three");
    BOOST_TEST(s.role_chunks == 1);
    BOOST_TEST(s.finish_reasons == std::vector<std::string>{"stop"}, boost::test_tools::per_element());
    BOOST_REQUIRE_EQUAL(s.usage.size(), 1u);
    BOOST_TEST(s.usage[0].at("prompt_tokens") == 5);
    BOOST_TEST(s.usage[0].at("completion_tokens") == 3);
    BOOST_TEST(s.done);
    // One id and one created for every chunk: message_start's id.
    for (const auto& ch : s.chunks) {
        BOOST_TEST(ch.at("id") == s.chunks.front().at("id"));
        BOOST_TEST(ch.at("created") == s.chunks.front().at("created"));
    }
    BOOST_TEST(std::string(s.chunks.front().at("id").as_string()).starts_with("msg_fake-"));
    BOOST_TEST(body_of(only_call(fake, "A")).at("stream") == true);
}

BOOST_AUTO_TEST_CASE(tools_go_both_ways)
{
    fake_upstream_process fake;
    fake.set_script("A",
                    json::object{
                        {"body",
                         R"({"id":"msg_t","type":"message","role":"assistant","model":"up-A",)"
                         R"("content":[{"type":"text","text":"Let me check."},)"
                         R"({"type":"tool_use","id":"toolu_1","name":"weather","input":{"city":"Paris"}}],)"
                         R"("stop_reason":"tool_use","usage":{"input_tokens":9,"output_tokens":4}})"}});
    baton_process baton{dialect_config(fake, {on("anthropic", "chat", "A")})};
    http_client c{baton.port()};
    auto body = chat();
    body["tools"] =
        json::parse(R"([{"type":"function","function":{"name":"weather","description":"Weather now",
        "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}])");
    body["tool_choice"] = "auto";
    const auto r = c.post_json("/v1/chat/completions", body);
    BOOST_TEST(r.status == 200u, r.body);
    const auto msg = r.json().at("choices").at(0).at("message");
    BOOST_TEST(msg.at("content") == "Let me check.");
    BOOST_TEST(msg.at("tool_calls").at(0).at("id") == "toolu_1");
    BOOST_TEST(json::parse(msg.at("tool_calls").at(0).at("function").at("arguments").as_string()) ==
               json::parse(R"({"city":"Paris"})"));
    BOOST_TEST(r.json().at("choices").at(0).at("finish_reason") == "tool_calls");
    const auto sent = body_of(only_call(fake, "A"));
    BOOST_TEST(sent.at("tools").at(0).at("name") == "weather");
    BOOST_TEST(sent.at("tools").at(0).at("input_schema").at("required") == json::parse(R"(["city"])"));
    BOOST_TEST(sent.at("tool_choice") == json::parse(R"({"type":"auto"})"));

    // The tool's answer goes back as a tool_result.
    fake.clear_calls();
    auto next = chat();
    auto& m = next["messages"].as_array();
    m.push_back(
        json::parse(R"({"role":"assistant","content":null,"tool_calls":[{"id":"toolu_1","type":"function",
        "function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}}]})"));
    m.push_back(json::parse(R"({"role":"tool","tool_call_id":"toolu_1","content":"18C"})"));
    BOOST_TEST(c.post_json("/v1/chat/completions", next).status == 200u);
    const auto sent2 = body_of(only_call(fake, "A"));
    BOOST_TEST(sent2.at("messages").at(1) == json::parse(R"({"role":"assistant","content":[
        {"type":"tool_use","id":"toolu_1","name":"weather","input":{"city":"Paris"}}]})"));
    BOOST_TEST(sent2.at("messages").at(2) == json::parse(R"({"role":"user","content":[
        {"type":"tool_result","tool_use_id":"toolu_1","content":"18C"}]})"));
}

BOOST_AUTO_TEST_CASE(overloaded_529_fails_over_before_a_stream)
{
    fake_upstream_process fake;
    fake.set_script("A", json::object{{"status", 529}});
    baton_process baton{
        dialect_config(fake, {on("anthropic", "chat", "A", heavy), on("openai", "chat", "B", 1)})};
    http_client c{baton.port()};
    const auto s = stream_call(c, chat("chat", true));
    BOOST_TEST(s.head.status == 200u);
    BOOST_TEST(s.content == "B-0 B-1 B-2 ");
    BOOST_TEST(s.head.header("x-baton-attempts").value_or("") == "2");
    BOOST_TEST(s.head.header("x-baton-deployment-id").value_or("") == "B");
    BOOST_TEST(fake.calls("A").size() == 1u);
    // Non-streamed likewise.
    const auto r = c.post_json("/v1/chat/completions", chat());
    BOOST_TEST(r.status == 200u);
    BOOST_TEST(r.json().at("choices").at(0).at("message").at("content") == "ok from B");
}

BOOST_AUTO_TEST_CASE(an_error_event_mid_stream_fails_over_and_continues_on_openai)
{
    fake_upstream_process fake;
    fake.set_script("A", streams({"Alpha ", "beta ", "gamma "}, {{"error_after", 2}}));
    fake.set_script("B", streams({"gamma ", "delta"}));
    baton_process baton{
        dialect_config(fake, {on("anthropic", "chat", "A", heavy), on("openai", "chat", "B", 1)})};
    http_client c{baton.port()};
    const auto s = stream_call(c, chat("chat", true));
    BOOST_TEST(s.content == "Alpha beta gamma delta");
    BOOST_TEST(s.role_chunks == 1);
    BOOST_TEST(s.done);
    // A's counts come with its message_delta, which it never sent: the one usage chunk is B's (5 in, 2 out).
    BOOST_REQUIRE_EQUAL(s.usage.size(), 1u);
    BOOST_TEST(s.usage[0].at("prompt_tokens") == 5);
    BOOST_TEST(s.usage[0].at("completion_tokens") == 2);
    // B continues the answer: the partial text in context, then the instruction.
    const auto sent = body_of(only_call(fake, "B"));
    const auto& m = sent.at("messages").as_array();
    BOOST_REQUIRE_EQUAL(m.size(), 4u);
    BOOST_TEST(m[2] == json::parse(R"({"role":"assistant","content":"Alpha beta "})"));
    BOOST_TEST(m[3].at("role") == "user");
    BOOST_TEST(m[3].at("content") == json::value(baton::streaming::continuation_instruction));
}

BOOST_AUTO_TEST_CASE(an_openai_stream_continues_on_anthropic_with_a_final_user_turn)
{
    fake_upstream_process fake;
    fake.set_script("A", streams({"Alpha ", "beta ", "gamma "}, {{"cut_after", 2}}));
    fake.set_script("B", streams({"gamma ", "delta"}));
    baton_process baton{
        dialect_config(fake, {on("openai", "chat", "A", heavy), on("anthropic", "chat", "B", 1)})};
    http_client c{baton.port()};
    const auto s = stream_call(c, chat("chat", true));
    BOOST_TEST(s.content == "Alpha beta gamma delta");
    BOOST_TEST(s.role_chunks == 1);  // Anthropic's role chunk dropped: one message
    BOOST_TEST(s.done);
    const auto call = only_call(fake, "B");
    BOOST_TEST(call.at("path") == "/B/v1/messages");
    const auto sent = body_of(call);
    const auto& m = sent.at("messages").as_array();
    BOOST_REQUIRE_EQUAL(m.size(), 3u);
    BOOST_TEST(m[1] ==
               json::parse(R"({"role":"assistant","content":[{"type":"text","text":"Alpha beta "}]})"));
    // Current Claude models refuse an assistant prefill: the request ends with a user turn.
    BOOST_TEST(m[2].at("role") == "user");
    BOOST_TEST(m[2].at("content").at(0).at("text") ==
               json::value(baton::streaming::continuation_instruction));
}

BOOST_AUTO_TEST_CASE(prompt_is_too_long_is_a_context_window_failure)
{
    fake_upstream_process fake;
    fake.set_script(
        "A", json::object{{"status", 400},
                          {"error",
                           json::object{{"type", "invalid_request_error"},
                                        {"message", "prompt is too long: 250000 tokens > 200000 maximum"}}}});
    baton_process baton{
        dialect_config(fake, {on("anthropic", "chat", "A"), {"other", "C"}, {"big", "B"}},
                       {"context_window_fallbacks: [{chat: [big]}]", "fallbacks: [{chat: [other]}]"})};
    http_client c{baton.port()};
    const auto r = c.post_json("/v1/chat/completions", chat());
    BOOST_TEST(r.status == 200u, r.body);
    BOOST_TEST(r.header("x-baton-deployment-id").value_or("") == "B");  // the context-window fallback only
    BOOST_TEST(fake.calls("C").empty());
}

BOOST_AUTO_TEST_CASE(a_format_error_is_given_back_in_openais_shape)
{
    fake_upstream_process fake;
    fake.set_script("A", json::object{{"status", 400},
                                      {"error", json::object{{"type", "invalid_request_error"},
                                                             {"message", "max_tokens: must be positive"}}}});
    baton_process baton{dialect_config(fake, {on("anthropic", "chat", "A")})};
    http_client c{baton.port()};
    const auto r = c.post_json("/v1/chat/completions", chat());
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(r.json().at("error").at("message") == "max_tokens: must be positive");
    BOOST_TEST(r.json().at("error").at("type") == "invalid_request_error");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(azure)

BOOST_AUTO_TEST_CASE(deployment_path_default_api_version_and_api_key)
{
    fake_upstream_process fake;
    // No api_version: Azure's default (the builder would write one). The api_base is the resource's root.
    baton_process baton{
        "model_list:\n  - model_name: chat\n    litellm_params:\n      model: azure/up-A\n"
        "      api_base: " +
        fake.root_url() + "/A\n      api_key: key-A\n" + general_settings()};
    http_client c{baton.port()};
    const auto r = c.post_json("/v1/chat/completions", chat());
    BOOST_TEST(r.status == 200u, r.body);
    const auto call = only_call(fake, "A");
    BOOST_TEST(call.at("path") ==
               "/A/openai/deployments/up-A/chat/completions?api-version=2025-02-01-preview");
    BOOST_TEST(call_header(call, "api-key") == "key-A");
    BOOST_TEST(call_header(call, "authorization") == "<absent>");
}

BOOST_AUTO_TEST_CASE(a_content_filter_400_goes_to_the_content_policy_fallbacks)
{
    fake_upstream_process fake;
    fake.set_script("A", json::object{{"status", 400},
                                      {"error",
                                       json::object{{"message",
                                                     "The response was filtered due to the prompt "
                                                     "triggering Azure OpenAI's content management policy."},
                                                    {"type", nullptr},
                                                    {"code", "content_filter"}}}});
    baton_process baton{dialect_config(fake, {on("azure", "chat", "A"), on("anthropic", "safe", "B")},
                                       {"content_policy_fallbacks: [{chat: [safe]}]"})};
    http_client c{baton.port()};
    const auto r = c.post_json("/v1/chat/completions", chat());
    BOOST_TEST(r.status == 200u, r.body);
    BOOST_TEST(r.json().at("choices").at(0).at("message").at("content") == "ok from B");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(defaults)

BOOST_AUTO_TEST_CASE(providers_take_litellms_environment_variables)
{
    fake_upstream_process fake;
    const std::string yaml =
        "model_list:\n"
        "  - {model_name: plain, litellm_params: {model: gpt-4o-mini}}\n"
        "  - {model_name: claude, litellm_params: {model: anthropic/claude-x}}\n"
        "  - {model_name: local, litellm_params: {model: ollama/llama3}}\n"
        "  - {model_name: fast, litellm_params: {model: groq/llama-3.3}}\n"
        "general_settings:\n  listen: 127.0.0.1:0\n  threads: 1\n";
    baton_process::options opts;
    opts.env = {{"OPENAI_API_BASE", fake.base_url("O")},
                {"OPENAI_API_KEY", "sk-openai-env"},
                {"ANTHROPIC_API_BASE", fake.root_url() + "/N"},
                {"ANTHROPIC_API_KEY", "sk-ant-env"},
                {"OLLAMA_API_BASE", fake.root_url() + "/L"},
                {"GROQ_API_BASE", fake.base_url("G")},
                {"GROQ_API_KEY", "gsk-env"}};
    baton_process baton{yaml, opts};
    http_client c{baton.port()};
    for (const auto* model : {"plain", "claude", "local", "fast"}) {
        BOOST_TEST_CONTEXT(model)
        {
            const auto r = c.post_json("/v1/chat/completions", chat(model));
            BOOST_TEST(r.status == 200u, r.body);
        }
    }
    const auto o = only_call(fake, "O");
    BOOST_TEST(o.at("path") == "/O/v1/chat/completions");
    BOOST_TEST(call_header(o, "authorization") == "Bearer sk-openai-env");
    BOOST_TEST(body_of(o).at("model") == "gpt-4o-mini");
    const auto n = only_call(fake, "N");
    BOOST_TEST(n.at("path") == "/N/v1/messages");
    BOOST_TEST(call_header(n, "x-api-key") == "sk-ant-env");
    const auto l = only_call(fake, "L");
    BOOST_TEST(l.at("path") == "/L/v1/chat/completions");  // Ollama's OpenAI API is under /v1
    const auto g = only_call(fake, "G");
    BOOST_TEST(call_header(g, "authorization") == "Bearer gsk-env");
}

BOOST_AUTO_TEST_CASE(litellm_params_request_defaults_and_extra_headers)
{
    fake_upstream_process fake;
    baton_process baton{
        dialect_config(fake, {on("openai", "chat", "A", {},
                                 {"temperature: 0.2", "max_tokens: 1_000", "extra_headers: {X-Team: blue}"}),
                              on("anthropic", "claude", "N", {}, {"max_tokens: 77", "stop: [END]"})})};
    http_client c{baton.port()};
    BOOST_TEST(c.post_json("/v1/chat/completions", chat("chat", false, {{"temperature", 1.0}})).status ==
               200u);
    const auto a = only_call(fake, "A");
    BOOST_TEST(body_of(a).at("temperature") == 1.0);  // the client's own value wins
    BOOST_TEST(body_of(a).at("max_tokens") == 1000);
    BOOST_TEST(call_header(a, "x-team") == "blue");
    BOOST_TEST(c.post_json("/v1/chat/completions", chat("claude")).status == 200u);
    const auto n = only_call(fake, "N");
    BOOST_TEST(body_of(n).at("max_tokens") == 77);
    BOOST_TEST(body_of(n).at("stop_sequences") == json::parse(R"(["END"])"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(check_config)

BOOST_AUTO_TEST_CASE(the_litellm_style_configs_pass_check_config)
{
    const std::filesystem::path dir =
        std::filesystem::path(std::getenv("BATON_SOURCE_DIR")) / "tests/litellm_configs";
    child_options opts;
    for (const auto* name :
         {"AZURE_API_KEY_EU", "AZURE_API_KEY_CA", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "AZURE_API_KEY",
          "GROQ_API_KEY", "REDIS_HOST", "REDIS_PASSWORD", "OPENROUTER_API_KEY", "MISTRAL_API_KEY",
          "XAI_API_KEY", "GEMINI_API_KEY", "DEEPSEEK_API_KEY"}) {
        opts.env.emplace_back(name, std::string("dummy-value-") + name);
    }
    opts.env.emplace_back("AZURE_API_BASE", "https://example.openai.azure.com");
    opts.env.emplace_back("REDIS_PORT", "6379");
    int checked = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".yaml") continue;
        BOOST_TEST_CONTEXT(entry.path().filename())
        {
            child_process p{bin_path("batond"), {"--check-config", entry.path().string()}, opts};
            const auto exit = p.wait_exit(deadline_after(10s));
            BOOST_REQUIRE(exit.has_value());
            BOOST_TEST(exit->success(), p.read_stderr());
            BOOST_TEST(p.read_stdout().find("deployments: ") != std::string::npos);
            ++checked;
        }
    }
    BOOST_TEST(checked >= 7);
}

BOOST_AUTO_TEST_CASE(an_unsupported_provider_is_one_clear_line)
{
    temp_dir dir{"baton-check"};
    const auto path = dir.write_file("bad.yaml",
                                     "model_list:\n  - model_name: claude\n    litellm_params:\n"
                                     "      model: bedrock/anthropic.claude-3-sonnet\n");
    child_process p{bin_path("batond"), {"--check-config", path.string()}};
    const auto exit = p.wait_exit(deadline_after(10s));
    BOOST_REQUIRE(exit.has_value());
    BOOST_TEST(exit->code == 1);
    const auto err = p.read_stderr();
    BOOST_TEST(err.find(
                   "model_list[0].litellm_params.model: provider \"bedrock\" is not supported: it needs AWS "
                   "SigV4 request signing, which baton does not do\n") != std::string::npos,
               err);
    BOOST_TEST(std::count(err.begin(), err.end(), '\n') == 2);  // that line and the error count
}

BOOST_AUTO_TEST_SUITE_END()
