#include <boost/test/unit_test.hpp>

#include "streaming/next_hop_request.hpp"

#include <boost/json.hpp>

#include <string>

using namespace baton::streaming;
using baton::routing::stream_failover_mode;
namespace json = boost::json;

namespace {

json::object obj(const std::string& text)
{
    return json::parse(text).as_object();
}

const std::string instruction(continuation_instruction);

}  // namespace

BOOST_AUTO_TEST_SUITE(next_hop_request_suite)

BOOST_AUTO_TEST_CASE(chat_continuation_appends_assistant_text_and_instruction)
{
    const json::object original =
        obj(R"({"model":"gpt-4o","messages":[{"role":"system","content":"be brief"},)"
            R"({"role":"user","content":"hi"}],)"
            R"("temperature":0.2,"stream":true,"stream_options":{"include_usage":false,"x":1}})");
    const json::object next =
        next_hop_request(original, stream_failover_mode::continue_, endpoint_kind::chat, "Hello \"wor");
    BOOST_TEST(next ==
               obj(R"({"model":"gpt-4o","messages":[{"role":"system","content":"be brief"},)"
                   R"({"role":"user","content":"hi"},{"role":"assistant","content":"Hello \"wor"},)"
                   R"({"role":"user","content":")" +
                   instruction +
                   R"("}],"temperature":0.2,"stream":true,"stream_options":{"include_usage":true,"x":1}})"));
    // The original is untouched.
    BOOST_TEST(original.at("messages").as_array().size() == 2u);
}

BOOST_AUTO_TEST_CASE(instruction_text)
{
    BOOST_TEST(
        continuation_instruction ==
        "Continue exactly where your previous message stops. Do not repeat any of it and do not add any "
        "introduction: your reply is appended to it verbatim.");
}

BOOST_AUTO_TEST_CASE(restart_and_off_use_the_original_with_stream_flags)
{
    const json::object original = obj(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})");
    const json::object expected = obj(R"({"model":"m","messages":[{"role":"user","content":"hi"}],)"
                                      R"("stream":true,"stream_options":{"include_usage":true}})");
    for (stream_failover_mode mode : {stream_failover_mode::restart, stream_failover_mode::off}) {
        BOOST_TEST(next_hop_request(original, mode, endpoint_kind::chat, "partial") == expected);
    }
    // continue with nothing relayed yet is a plain retry.
    BOOST_TEST(next_hop_request(original, stream_failover_mode::continue_, endpoint_kind::chat, "") ==
               expected);
}

BOOST_AUTO_TEST_CASE(stream_flags_are_forced)
{
    const json::object original = obj(R"({"model":"m","messages":[],"stream":false,"stream_options":null})");
    BOOST_TEST(next_hop_request(original, stream_failover_mode::restart, endpoint_kind::chat, "") ==
               obj(R"({"model":"m","messages":[],"stream":true,"stream_options":{"include_usage":true}})"));
}

BOOST_AUTO_TEST_CASE(chat_without_messages_restarts)
{
    const json::object original = obj(R"({"model":"m","messages":"oops"})");
    BOOST_TEST(
        next_hop_request(original, stream_failover_mode::continue_, endpoint_kind::chat, "abc") ==
        obj(R"({"model":"m","messages":"oops","stream":true,"stream_options":{"include_usage":true}})"));
}

BOOST_AUTO_TEST_CASE(text_continuation_extends_the_prompt)
{
    BOOST_TEST(next_hop_request(obj(R"({"model":"m","prompt":"Say:","echo":true,"max_tokens":9})"),
                                stream_failover_mode::continue_, endpoint_kind::text, " one two") ==
               obj(R"({"model":"m","prompt":"Say: one two","max_tokens":9,"stream":true,)"
                   R"("stream_options":{"include_usage":true}})"));
    BOOST_TEST(
        next_hop_request(obj(R"({"model":"m","prompt":["Say:"]})"), stream_failover_mode::continue_,
                         endpoint_kind::text, " one") ==
        obj(R"({"model":"m","prompt":["Say: one"],"stream":true,"stream_options":{"include_usage":true}})"));
}

BOOST_AUTO_TEST_CASE(text_prompt_that_is_not_text_restarts)
{
    for (const char* prompt : {R"([1,2,3])", R"(["a","b"])", R"([[1,2]])"}) {
        const json::object original =
            obj(std::string(R"({"model":"m","echo":true,"prompt":)") + prompt + "}");
        json::object expected = original;
        expected["stream"] = true;
        expected["stream_options"] = json::object{{"include_usage", true}};
        BOOST_TEST(next_hop_request(original, stream_failover_mode::continue_, endpoint_kind::text, "x") ==
                   expected);
    }
    BOOST_TEST(next_hop_request(obj(R"({"model":"m"})"), stream_failover_mode::continue_, endpoint_kind::text,
                                "x") ==
               obj(R"({"model":"m","stream":true,"stream_options":{"include_usage":true}})"));
}

BOOST_AUTO_TEST_CASE(continuation_strategies)
{
    using baton::routing::continuation;
    const json::object original =
        obj(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true})");
    // prefill: the partial answer is the last message, nothing after it.
    BOOST_TEST(
        next_hop_request(original, stream_failover_mode::continue_, endpoint_kind::chat, "Hel",
                         continuation::prefill) ==
        obj(R"({"model":"m","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"Hel"}],)"
            R"("stream":true,"stream_options":{"include_usage":true}})"));
    // instruct: the default.
    BOOST_TEST(next_hop_request(original, stream_failover_mode::continue_, endpoint_kind::chat, "Hel",
                                continuation::instruct) ==
               next_hop_request(original, stream_failover_mode::continue_, endpoint_kind::chat, "Hel"));
    // none: a restart.
    BOOST_TEST(next_hop_request(original, stream_failover_mode::continue_, endpoint_kind::chat, "Hel",
                                continuation::none) ==
               obj(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true,)"
                   R"("stream_options":{"include_usage":true}})"));
    // Text completions: prefill and instruct both extend the prompt; none restarts.
    const json::object text = obj(R"({"model":"m","prompt":"Say:","stream":true})");
    for (const auto c : {continuation::prefill, continuation::instruct}) {
        BOOST_TEST(next_hop_request(text, stream_failover_mode::continue_, endpoint_kind::text, " hi", c)
                       .at("prompt") == "Say: hi");
    }
    BOOST_TEST(next_hop_request(text, stream_failover_mode::continue_, endpoint_kind::text, " hi",
                                continuation::none)
                   .at("prompt") == "Say:");
}

BOOST_AUTO_TEST_CASE(a_client_prefill_is_extended_not_doubled)
{
    using baton::routing::continuation;
    const json::object original = obj(R"({"model":"m","messages":[{"role":"user","content":"hi"},)"
                                      R"({"role":"assistant","content":"Sure: "}]})");
    BOOST_TEST(
        next_hop_request(original, stream_failover_mode::continue_, endpoint_kind::chat, "one two",
                         continuation::prefill)
            .at("messages") ==
        json::parse(R"([{"role":"user","content":"hi"},{"role":"assistant","content":"Sure: one two"}])"));
    const json::object instructed = next_hop_request(original, stream_failover_mode::continue_,
                                                     endpoint_kind::chat, "one two", continuation::instruct);
    BOOST_TEST(instructed.at("messages").as_array().size() == 3u);
    BOOST_TEST(instructed.at("messages").as_array()[1].at("content") == "Sure: one two");
}

BOOST_AUTO_TEST_SUITE_END()
