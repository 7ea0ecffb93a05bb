// providers/anthropic/from_messages_response and classify_messages_error: the response and error rules.

#include "providers/anthropic/from_messages_response.hpp"
#include "providers/anthropic/classify_messages_error.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

namespace json = boost::json;
using namespace baton::providers::anthropic;
using baton::routing::failure_reason;

namespace {

json::value translate(std::string_view body, baton::streaming::token_usage* usage = nullptr)
{
    std::string out;
    baton::streaming::token_usage u;
    BOOST_REQUIRE(from_messages_response(body, 1700000000, out, u));
    if (usage != nullptr) {
        *usage = u;
    }
    return json::parse(out);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(anthropic_response)

BOOST_AUTO_TEST_CASE(text_usage_and_finish_reason)
{
    baton::streaming::token_usage u;
    const auto v = translate(R"({"id":"msg_1","type":"message","role":"assistant","model":"claude-x",
        "content":[{"type":"text","text":"Hello, "},{"type":"text","text":"\"world\"\n"}],
        "stop_reason":"end_turn","stop_sequence":null,
        "usage":{"input_tokens":10,"output_tokens":5,"cache_read_input_tokens":100,"cache_creation_input_tokens":20}})",
                             &u);
    BOOST_TEST(
        v == json::parse(R"({"id":"msg_1","object":"chat.completion","created":1700000000,"model":"claude-x",
        "choices":[{"index":0,"message":{"role":"assistant","content":"Hello, \"world\"\n"},"finish_reason":"stop"}],
        "usage":{"prompt_tokens":130,"completion_tokens":5,"total_tokens":135,
                 "prompt_tokens_details":{"cached_tokens":100},
                 "cache_read_input_tokens":100,"cache_creation_input_tokens":20}})"));
    BOOST_TEST(u.prompt_tokens == 130);
    BOOST_TEST(u.completion_tokens == 5);
    BOOST_TEST(u.total_tokens == 135);
}

BOOST_AUTO_TEST_CASE(tool_use_blocks_become_tool_calls)
{
    const auto v = translate(R"({"id":"msg_2","type":"message","role":"assistant","model":"m",
        "content":[{"type":"tool_use","id":"toolu_1","name":"weather","input":{"city": "Paris", "days": [1,2]}}],
        "stop_reason":"tool_use","usage":{"input_tokens":1,"output_tokens":2}})");
    const auto& msg = v.at("choices").at(0).at("message");
    BOOST_TEST(msg.at("content").is_null());
    BOOST_TEST(msg.at("tool_calls").at(0).at("id") == "toolu_1");
    BOOST_TEST(msg.at("tool_calls").at(0).at("type") == "function");
    BOOST_TEST(msg.at("tool_calls").at(0).at("function").at("name") == "weather");
    // arguments is a string holding the input object's JSON.
    BOOST_TEST(json::parse(msg.at("tool_calls").at(0).at("function").at("arguments").as_string()) ==
               json::parse(R"({"city":"Paris","days":[1,2]})"));
    BOOST_TEST(v.at("choices").at(0).at("finish_reason") == "tool_calls");
}

BOOST_AUTO_TEST_CASE(every_stop_reason)
{
    const auto finish = [](std::string_view stop) {
        const std::string body =
            std::string(R"({"type":"message","content":[{"type":"text","text":"x"}],"stop_reason":)") +
            std::string(stop) + "}";
        return std::string(translate(body).at("choices").at(0).at("finish_reason").as_string());
    };
    BOOST_TEST(finish(R"("end_turn")") == "stop");
    BOOST_TEST(finish(R"("stop_sequence")") == "stop");
    BOOST_TEST(finish(R"("pause_turn")") == "stop");
    BOOST_TEST(finish(R"("max_tokens")") == "length");
    BOOST_TEST(finish(R"("model_context_window_exceeded")") == "length");
    BOOST_TEST(finish(R"("tool_use")") == "tool_calls");
    BOOST_TEST(finish(R"("refusal")") == "content_filter");
    BOOST_TEST(finish("null") == "stop");
}

BOOST_AUTO_TEST_CASE(thinking_becomes_reasoning_content)
{
    const auto v =
        translate(R"({"type":"message","content":[{"type":"thinking","thinking":"Hmm.","signature":"s"},
        {"type":"text","text":"42"}],"stop_reason":"end_turn"})");
    BOOST_TEST(v.at("choices").at(0).at("message").at("reasoning_content") == "Hmm.");
    BOOST_TEST(v.at("choices").at(0).at("message").at("content") == "42");
}

BOOST_AUTO_TEST_CASE(what_is_no_message_is_unusable)
{
    std::string out;
    baton::streaming::token_usage u;
    for (const auto* body :
         {"", "<html>", "{}", R"({"type":"error","error":{"type":"api_error"},"content":[]})",
          R"({"content":"text"})", R"({"content":[{"type":"text","text":"x"})",
          R"({"content":[{"type":"text","text":"x"}]}trailing)"}) {
        BOOST_TEST_CONTEXT(body)
        {
            BOOST_TEST(!from_messages_response(body, 0, out, u));
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(anthropic_errors)

BOOST_AUTO_TEST_CASE(error_types_decide)
{
    const auto c = [](int status, std::string_view type, std::string_view message = "m") {
        return classify_messages_error(status, std::string(R"({"type":"error","error":{"type":")") +
                                                   std::string(type) + R"(","message":")" +
                                                   std::string(message) + R"("}})");
    };
    BOOST_TEST((c(529, "overloaded_error") == failure_reason::server_error));
    BOOST_TEST((c(500, "api_error") == failure_reason::server_error));
    BOOST_TEST((c(504, "timeout_error") == failure_reason::server_error));
    BOOST_TEST((c(429, "rate_limit_error") == failure_reason::rate_limit));
    BOOST_TEST((c(401, "authentication_error") == failure_reason::auth));
    BOOST_TEST((c(403, "permission_error") == failure_reason::auth));
    BOOST_TEST((c(402, "billing_error") == failure_reason::billing));
    BOOST_TEST((c(404, "not_found_error") == failure_reason::not_found));
    BOOST_TEST((c(413, "request_too_large") == failure_reason::format));
    BOOST_TEST((c(400, "invalid_request_error", "prompt is too long: 250000 tokens > 200000 maximum") ==
                failure_reason::context_window));
    BOOST_TEST((c(400, "invalid_request_error", "messages: roles must alternate") == failure_reason::format));
    // In-band (a stream's error event, after translation: the OpenAI shape keeps Anthropic's type).
    BOOST_TEST(
        (classify_messages_error(500, R"({"error":{"message":"Overloaded","type":"overloaded_error"}})") ==
         failure_reason::server_error));
    BOOST_TEST(
        (classify_messages_error(500, R"({"error":{"message":"slow down","type":"rate_limit_error"}})") ==
         failure_reason::rate_limit));
}

BOOST_AUTO_TEST_CASE(without_a_type_the_status_decides)
{
    BOOST_TEST((classify_messages_error(200, "anything") == failure_reason::none));
    BOOST_TEST((classify_messages_error(529, "") == failure_reason::server_error));
    BOOST_TEST((classify_messages_error(529, "<html>overloaded</html>") == failure_reason::server_error));
    BOOST_TEST((classify_messages_error(429, "") == failure_reason::rate_limit));
    BOOST_TEST((classify_messages_error(400, "prompt is too long") == failure_reason::context_window));
}

BOOST_AUTO_TEST_SUITE_END()

#include "providers/anthropic/to_openai_error.hpp"

BOOST_AUTO_TEST_SUITE(anthropic_error_bodies)

BOOST_AUTO_TEST_CASE(an_error_given_back_reads_as_openais)
{
    std::string body =
        R"({"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: too big"},)"
        R"("request_id":"req_1"})";
    to_openai_error(body);
    BOOST_TEST(json::parse(body) == json::parse(R"({"error":{"message":"max_tokens: too big",
        "type":"invalid_request_error","param":null,"code":"invalid_request_error"}})"));
    for (std::string other :
         {std::string("<html>"), std::string(R"({"error":{"message":"x"}})"), std::string("")}) {
        const std::string before = other;
        to_openai_error(other);
        BOOST_TEST(other == before);
    }
}

BOOST_AUTO_TEST_SUITE_END()
