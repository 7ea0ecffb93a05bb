// providers/anthropic/to_messages_request: every rule of the OpenAI → Messages API request translation.

#include "providers/anthropic/to_messages_request.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

namespace json = boost::json;
using baton::providers::anthropic::to_messages_request;

namespace {

struct translated {
    json::object body;
    std::string dropped;
};

translated translate(std::string_view openai, std::string_view model = "claude-x")
{
    std::string out;
    translated t;
    to_messages_request(json::parse(openai).as_object(), model, out, t.dropped);
    boost::system::error_code ec;
    const json::value v = json::parse(out, ec);
    BOOST_REQUIRE_MESSAGE(!ec && v.is_object(), "not a JSON object: " << out);
    t.body = v.as_object();
    return t;
}

json::value j(std::string_view text)
{
    return json::parse(text);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(anthropic_request)

BOOST_AUTO_TEST_CASE(system_messages_become_system_blocks_and_the_model_is_the_upstream_one)
{
    const auto t = translate(R"({"model":"alias","messages":[
        {"role":"system","content":"Be brief."},
        {"role":"developer","content":[{"type":"text","text":"Use metric units.","cache_control":{"type":"ephemeral"}}]},
        {"role":"user","content":"Hi"}]})");
    BOOST_TEST(t.body.at("model") == "claude-x");
    BOOST_TEST(t.body.at("system") == j(R"([{"type":"text","text":"Be brief."},
        {"type":"text","text":"Use metric units.","cache_control":{"type":"ephemeral"}}])"));
    BOOST_TEST(t.body.at("messages") == j(R"([{"role":"user","content":[{"type":"text","text":"Hi"}]}])"));
    BOOST_TEST(t.dropped.empty());
}

BOOST_AUTO_TEST_CASE(consecutive_messages_of_one_role_are_merged)
{
    const auto t = translate(R"({"messages":[
        {"role":"user","content":"one"},{"role":"user","content":"two"},
        {"role":"assistant","content":"three"},{"role":"assistant","content":"four"},
        {"role":"user","content":"five"}]})");
    BOOST_TEST(t.body.at("messages") == j(R"([
        {"role":"user","content":[{"type":"text","text":"one"},{"type":"text","text":"two"}]},
        {"role":"assistant","content":[{"type":"text","text":"three"},{"type":"text","text":"four"}]},
        {"role":"user","content":[{"type":"text","text":"five"}]}])"));
}

BOOST_AUTO_TEST_CASE(image_parts_by_url_and_by_data_uri)
{
    const auto t = translate(R"({"messages":[{"role":"user","content":[
        {"type":"text","text":"What is this?"},
        {"type":"image_url","image_url":{"url":"https://example.com/cat.png","detail":"high"}},
        {"type":"image_url","image_url":"data:image/jpeg;base64,AAAA"}]}]})");
    BOOST_TEST(t.body.at("messages").at(0).at("content") == j(R"([
        {"type":"text","text":"What is this?"},
        {"type":"image","source":{"type":"url","url":"https://example.com/cat.png"}},
        {"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"AAAA"}}])"));
}

BOOST_AUTO_TEST_CASE(a_pdf_file_part_becomes_a_document_and_native_blocks_pass)
{
    const auto t = translate(R"({"messages":[{"role":"user","content":[
        {"type":"file","file":{"file_data":"data:application/pdf;base64,JVBER"}},
        {"type":"document","source":{"type":"url","url":"https://x/y.pdf"}},
        {"type":"input_audio","input_audio":{}}]}]})");
    BOOST_TEST(t.body.at("messages").at(0).at("content") == j(R"([
        {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBER"}},
        {"type":"document","source":{"type":"url","url":"https://x/y.pdf"}}])"));
    BOOST_TEST(t.dropped == "input_audio");
}

BOOST_AUTO_TEST_CASE(empty_texts_are_left_out)
{
    const auto t = translate(R"({"messages":[{"role":"user","content":"q"},
        {"role":"assistant","content":"","tool_calls":[{"id":"c1","type":"function",
         "function":{"name":"f","arguments":"{\"a\": 1}"}}]}]})");
    BOOST_TEST(t.body.at("messages").at(1) == j(R"({"role":"assistant","content":[
        {"type":"tool_use","id":"c1","name":"f","input":{"a":1}}]})"));
}

BOOST_AUTO_TEST_CASE(tool_calls_become_tool_use_and_tool_messages_tool_results)
{
    const auto t = translate(R"({"messages":[
        {"role":"user","content":"Weather in Paris and Rome?"},
        {"role":"assistant","content":"Let me look.","tool_calls":[
            {"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}},
            {"id":"call_2","type":"function","function":{"name":"weather","arguments":"not json"}}]},
        {"role":"tool","tool_call_id":"call_1","content":"18C"},
        {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"21C"}]},
        {"role":"user","content":"Thanks"}]})");
    BOOST_TEST(t.body.at("messages") == j(R"([
        {"role":"user","content":[{"type":"text","text":"Weather in Paris and Rome?"}]},
        {"role":"assistant","content":[{"type":"text","text":"Let me look."},
            {"type":"tool_use","id":"call_1","name":"weather","input":{"city":"Paris"}},
            {"type":"tool_use","id":"call_2","name":"weather","input":{}}]},
        {"role":"user","content":[
            {"type":"tool_result","tool_use_id":"call_1","content":"18C"},
            {"type":"tool_result","tool_use_id":"call_2","content":[{"type":"text","text":"21C"}]},
            {"type":"text","text":"Thanks"}]}])"));
}

BOOST_AUTO_TEST_CASE(tools_and_tool_choice)
{
    const auto t = translate(R"({"messages":[{"role":"user","content":"q"}],
        "tools":[{"type":"function","function":{"name":"weather","description":"Look up",
                  "parameters":{"type":"object","properties":{"city":{"type":"string"}}}}},
                 {"type":"function","function":{"name":"now"}}],
        "tool_choice":"required"})");
    BOOST_TEST(t.body.at("tools") == j(R"([
        {"name":"weather","description":"Look up",
         "input_schema":{"type":"object","properties":{"city":{"type":"string"}}}},
        {"name":"now","input_schema":{"type":"object","properties":{}}}])"));
    BOOST_TEST(t.body.at("tool_choice") == j(R"({"type":"any"})"));

    BOOST_TEST(translate(R"({"messages":[],"tool_choice":"auto"})").body.at("tool_choice") ==
               j(R"({"type":"auto"})"));
    BOOST_TEST(translate(R"({"messages":[],"tool_choice":"none"})").body.at("tool_choice") ==
               j(R"({"type":"none"})"));
    BOOST_TEST(translate(R"({"messages":[],"tool_choice":{"type":"function","function":{"name":"now"}}})")
                   .body.at("tool_choice") == j(R"({"type":"tool","name":"now"})"));
    BOOST_TEST(translate(R"({"messages":[],"parallel_tool_calls":false})").body.at("tool_choice") ==
               j(R"({"type":"auto","disable_parallel_tool_use":true})"));
    BOOST_TEST(translate(R"({"messages":[],"tool_choice":"required","parallel_tool_calls":false})")
                   .body.at("tool_choice") == j(R"({"type":"any","disable_parallel_tool_use":true})"));
    BOOST_TEST(!translate(R"({"messages":[],"parallel_tool_calls":true})").body.contains("tool_choice"));
}

BOOST_AUTO_TEST_CASE(max_tokens_and_its_default)
{
    BOOST_TEST(translate(R"({"messages":[]})").body.at("max_tokens") == 4096);
    BOOST_TEST(translate(R"({"messages":[],"max_tokens":100})").body.at("max_tokens") == 100);
    BOOST_TEST(translate(R"({"messages":[],"max_completion_tokens":200})").body.at("max_tokens") == 200);
    BOOST_TEST(
        translate(R"({"messages":[],"max_completion_tokens":200,"max_tokens":100})").body.at("max_tokens") ==
        200);
    BOOST_TEST(
        translate(R"({"messages":[],"max_tokens":100,"max_completion_tokens":200})").body.at("max_tokens") ==
        200);
}

BOOST_AUTO_TEST_CASE(sampling_stop_user_and_stream)
{
    const auto t = translate(R"({"messages":[],"temperature":0.5,"top_p":0.9,"top_k":40,"stop":"END",
        "user":"u-42","stream":true,"stream_options":{"include_usage":true},"n":1})");
    BOOST_TEST(t.body.at("temperature") == 0.5);
    BOOST_TEST(t.body.at("top_p") == 0.9);
    BOOST_TEST(t.body.at("top_k") == 40);
    BOOST_TEST(t.body.at("stop_sequences") == j(R"(["END"])"));
    BOOST_TEST(t.body.at("metadata") == j(R"({"user_id":"u-42"})"));
    BOOST_TEST(t.body.at("stream") == true);
    BOOST_TEST(!t.body.contains("stream_options"));
    BOOST_TEST(t.dropped.empty());
    BOOST_TEST(translate(R"({"messages":[],"stop":["a","b"]})").body.at("stop_sequences") ==
               j(R"(["a","b"])"));
}

BOOST_AUTO_TEST_CASE(reasoning_effort_becomes_a_thinking_budget)
{
    auto t = translate(R"({"messages":[],"reasoning_effort":"medium"})");
    BOOST_TEST(t.body.at("thinking") == j(R"({"type":"enabled","budget_tokens":2048})"));
    BOOST_TEST(t.body.at("max_tokens") == 2048 + 4096);  // above the budget
    t = translate(R"({"messages":[],"reasoning_effort":"low","max_tokens":3000})");
    BOOST_TEST(t.body.at("thinking") == j(R"({"type":"enabled","budget_tokens":1024})"));
    BOOST_TEST(t.body.at("max_tokens") == 3000);
    BOOST_TEST(
        translate(R"({"messages":[],"reasoning_effort":"high"})").body.at("thinking").at("budget_tokens") ==
        4096);
    BOOST_TEST(!translate(R"({"messages":[],"reasoning_effort":"none"})").body.contains("thinking"));
    // The client's own thinking wins.
    t = translate(
        R"({"messages":[],"reasoning_effort":"high","thinking":{"type":"enabled","budget_tokens":5000}})");
    BOOST_TEST(t.body.at("thinking").at("budget_tokens") == 5000);
}

BOOST_AUTO_TEST_CASE(parameters_anthropic_lacks_are_dropped_and_named)
{
    const auto t = translate(R"({"messages":[],"presence_penalty":1,"frequency_penalty":1,"logprobs":true,
        "response_format":{"type":"json_object"},"seed":7,"n":2})");
    BOOST_TEST(t.dropped == "presence_penalty,frequency_penalty,logprobs,response_format,seed,n");
    for (const auto* k :
         {"presence_penalty", "frequency_penalty", "logprobs", "response_format", "seed", "n"}) {
        BOOST_TEST(!t.body.contains(k));
    }
}

BOOST_AUTO_TEST_CASE(a_continuation_ends_with_the_user_turn_asking_to_go_on)
{
    // What the stream machine sends a continuing hop (instruct): the partial answer in context, then a user
    // turn. Anthropic gets a user message last, never an assistant prefill.
    const auto t = translate(R"({"messages":[{"role":"user","content":"Count to ten"},
        {"role":"assistant","content":"1 2 3 "},{"role":"user","content":"Continue exactly where you stopped."}],
        "stream":true,"stream_options":{"include_usage":true}})");
    const auto& m = t.body.at("messages").as_array();
    BOOST_TEST(m.size() == 3u);
    BOOST_TEST(m[1] == j(R"({"role":"assistant","content":[{"type":"text","text":"1 2 3 "}]})"));
    BOOST_TEST(m[2].at("role") == "user");
}

BOOST_AUTO_TEST_CASE(odd_values_never_throw)
{
    for (const auto* body : {R"({})", R"({"messages":"x"})", R"({"messages":[1,null,{"role":5}]})",
                             R"({"messages":[{"role":"user","content":{"a":1}}]})",
                             R"({"messages":[{"role":"assistant","tool_calls":[1,{"function":3}]}]})",
                             R"({"max_tokens":1.5e300,"tools":[1,{"function":null}],"tool_choice":7})",
                             R"({"messages":[{"role":"user","content":[{"type":"image_url"}]}]})"}) {
        BOOST_TEST_CONTEXT(body)
        {
            const auto t = translate(body);
            BOOST_TEST(t.body.contains("max_tokens"));
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
