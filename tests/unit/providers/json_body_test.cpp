// A 2xx body is checked whole (issue #11, defect 7) and its usage read in the same pass, without a DOM.

#include "providers/json_body.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using baton::providers::json_body;
using baton::providers::read_json_body;
using baton::providers::read_json_body_exact;

namespace {

// The one-pass check and the basic_parser reference agree on the verdict and the usage.
void same_as_exact(const std::string& body)
{
    const json_body fast = read_json_body(body);
    const json_body exact = read_json_body_exact(body);
    BOOST_TEST(fast.object == exact.object, body);
    BOOST_TEST(fast.usage.prompt_tokens == exact.usage.prompt_tokens, body);
    BOOST_TEST(fast.usage.completion_tokens == exact.usage.completion_tokens, body);
    BOOST_TEST(fast.usage.total_tokens == exact.usage.total_tokens, body);
}

const std::string completion =
    R"({"id":"chatcmpl-1","object":"chat.completion","created":1796526205,"model":"chat","choices":[{"index":0,)"
    R"("message":{"role":"assistant","content":"ok from chat"},"logprobs":null,"finish_reason":"stop"}],)"
    R"("usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}})";

}  // namespace

BOOST_AUTO_TEST_SUITE(json_body_suite)

BOOST_AUTO_TEST_CASE(a_whole_object_is_read_with_its_top_level_usage)
{
    const auto r = read_json_body(
        R"( {"id":"x","choices":[{"message":{"content":"usage: {\"prompt_tokens\": 99}"},"usage":{"prompt_tokens":7}}],)"
        R"("usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12,"prompt_tokens_details":{"cached_tokens":3}}})"
        "\n");
    BOOST_TEST(r.object);
    BOOST_TEST(r.usage.prompt_tokens == 5);
    BOOST_TEST(r.usage.completion_tokens == 7);
    BOOST_TEST(r.usage.total_tokens == 12);
}

BOOST_AUTO_TEST_CASE(a_missing_total_is_the_sum_and_missing_usage_is_zero)
{
    const auto a = read_json_body(R"({"usage":{"completion_tokens":4,"prompt_tokens":3}})");
    BOOST_TEST(a.object);
    BOOST_TEST(a.usage.total_tokens == 7);
    const auto b = read_json_body(R"({"object":"embedding","data":[]})");
    BOOST_TEST(b.object);
    BOOST_TEST(b.usage.total_tokens == 0);
    const auto c =
        read_json_body(R"({"usage":{"prompt_tokens":"many","completion_tokens":-3,"total_tokens":2.5}})");
    BOOST_TEST(c.object);
    BOOST_TEST(c.usage.prompt_tokens == 0);
    BOOST_TEST(c.usage.completion_tokens == 0);
    BOOST_TEST(c.usage.total_tokens == 0);
}

BOOST_AUTO_TEST_CASE(a_long_key_never_passes_for_a_short_one)
{
    const auto r =
        read_json_body(R"({"usage":{"prompt_tokens_but_much_longer_than_the_buffer":9,"prompt_tokens":2}})");
    BOOST_TEST(r.object);
    BOOST_TEST(r.usage.prompt_tokens == 2);
}

BOOST_AUTO_TEST_CASE(anything_but_one_whole_object_is_refused)
{
    for (const std::string& body :
         std::vector<std::string>{"", " ", "{", R"({"id":"x")", R"({"id":"x","choices":[)",
                                  R"({"id":"x"} trailing)", R"({"id":"x",})", R"({"a":1}{"b":2})", "[1,2]",
                                  "\"text\"", "42", "null", "this is not json{{", R"({"a":"\x"})",
                                  R"({"a":"\ud800"} )", "{\"a\":\"\xff\"}", R"({/*c*/"a":1})",
                                  std::string(100, '[') + std::string(100, ']'),
                                  "{\"a\":" + std::string(70, '[') + std::string(70, ']') + "}"}) {
        BOOST_TEST(!read_json_body(body).object, body);
    }
}

BOOST_AUTO_TEST_CASE(counts_after_a_nested_details_object_are_read)
{
    const auto r = read_json_body(
        R"({"usage":{"prompt_tokens_details":{"cached_tokens":3},"prompt_tokens":5,"completion_tokens":7}})");
    BOOST_TEST(r.object);
    BOOST_TEST(r.usage.prompt_tokens == 5);
    BOOST_TEST(r.usage.completion_tokens == 7);
    BOOST_TEST(r.usage.total_tokens == 12);
    const auto exact = read_json_body_exact(
        R"({"usage":{"prompt_tokens_details":{"cached_tokens":3},"prompt_tokens":5,"completion_tokens":7}})");
    BOOST_TEST(exact.usage.prompt_tokens == 5);
    BOOST_TEST(exact.usage.completion_tokens == 7);
}

BOOST_AUTO_TEST_CASE(every_truncation_of_a_completion_is_refused)
{
    BOOST_TEST(read_json_body(completion).object);
    BOOST_TEST(read_json_body(completion).usage.total_tokens == 12);
    for (std::size_t n = 0; n < completion.size(); ++n) {
        BOOST_TEST(!read_json_body(completion.substr(0, n)).object, n);
    }
}

BOOST_AUTO_TEST_CASE(trailing_bytes_and_html_after_the_brace_are_refused)
{
    for (const std::string& body : std::vector<std::string>{completion + " x",
                                                            completion + "}",
                                                            completion + std::string(1, '\0'),
                                                            completion + ",",
                                                            completion + completion,
                                                            "{<html><body>502 Bad Gateway</body></html>",
                                                            "{\"a\":1}<html>",
                                                            "{\"a\":1 \"b\":2}",
                                                            "{\"a\" 1}",
                                                            "{\"a\":}",
                                                            "{\"a\":[1,]}",
                                                            "{\"a\":[1 2]}",
                                                            "{\"a\":tru}",
                                                            "{\"a\":nul}",
                                                            "{\"a\":True}",
                                                            "{\"a\":01}",
                                                            "{\"a\":-}",
                                                            "{\"a\":1.}",
                                                            "{\"a\":.5}",
                                                            "{\"a\":1e}",
                                                            "{\"a\":+1}",
                                                            "{\"a\":[}",
                                                            "{\"a\":{]}",
                                                            "{1:2}",
                                                            "{\"a\":\"\t\"}",
                                                            "{\"a\":\"x\n\"}",
                                                            "{'a':1}",
                                                            "\xef\xbb\xbf{}",
                                                            "{\"a\":\"x\"}\x0b"}) {
        BOOST_TEST(!read_json_body(body).object, body);
        same_as_exact(body);
    }
}

BOOST_AUTO_TEST_CASE(escaped_quotes_and_brackets_inside_strings_are_text)
{
    for (
        const std::string& body : std::vector<std::string>{
            R"({"a":"\"}]\"{[","b":"\\","c":"\\\"","usage":{"prompt_tokens":2}})",
            R"({"a":"\\\\\"\\\"]}","usage":{"prompt_tokens":2}})",
            R"({"a":"\/\b\f\n\r\t","usage":{"prompt_tokens":2}})",
            R"({"a":"\u0022}","usage":{"prompt_tokens":2}})", R"({"us\u0061ge":{"prompt_tokens":2}})",
            R"({"a":"a long string of more than eight bytes with \"quotes\" and ] } brackets","usage":{"prompt_tokens":2}})"}) {
        const auto r = read_json_body(body);
        BOOST_TEST(r.object, body);
        BOOST_TEST(r.usage.prompt_tokens == 2, body);
        same_as_exact(body);
    }
    for (const std::string& body : std::vector<std::string>{R"({"a":"\"})", R"({"a":"\\\"})", R"({"a":"\q"})",
                                                            R"({"a":"\u12"})", R"({"a":"x\)"}) {
        BOOST_TEST(!read_json_body(body).object, body);
        same_as_exact(body);
    }
}

BOOST_AUTO_TEST_CASE(utf8_is_checked_as_boost_json_does)
{
    for (const std::string& body : std::vector<std::string>{
             "{\"a\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf \xef\xbf\xbf\"}",
             "{\"\xc3\xa9\":\"long enough to take the eight-byte path \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}"}) {
        BOOST_TEST(read_json_body(body).object, body);
        same_as_exact(body);
    }
    for (const std::string& body :
         std::vector<std::string>{"{\"a\":\"\xc0\xaf\"}", "{\"a\":\"\xc1\xbf\"}", "{\"a\":\"\xe0\x80\xaf\"}",
                                  "{\"a\":\"\xed\xa0\x80\"}", "{\"a\":\"\xf0\x80\x80\xaf\"}",
                                  "{\"a\":\"\xf4\x90\x80\x80\"}", "{\"a\":\"\xf5\x80\x80\x80\"}",
                                  "{\"a\":\"\x80\"}", "{\"a\":\"\xc3\"}", "{\"a\":\"\xe2\x82\"}",
                                  "{\"a\":\"abcdefgh\xff\"}", "{\"a\":1}\xc3\xa9"}) {
        BOOST_TEST(!read_json_body(body).object, body);
        same_as_exact(body);
    }
}

BOOST_AUTO_TEST_CASE(numbers_and_depth_agree_with_the_reference)
{
    for (const std::string& body : std::vector<std::string>{
             R"({"usage":{"prompt_tokens":-0,"completion_tokens":0,"total_tokens":0}})",
             R"({"usage":{"prompt_tokens":999999999999999999,"completion_tokens":1.0,"total_tokens":1e1}})",
             R"({"usage":{"prompt_tokens":9223372036854775807,"completion_tokens":18446744073709551615}})",
             R"({"usage":{"prompt_tokens":18446744073709551616,"completion_tokens":-9223372036854775808}})",
             R"({"usage":{"prompt_tokens":1,"prompt_tokens":2},"usage":{"completion_tokens":3}})",
             R"({"usage":[{"prompt_tokens":1}],"x":{"usage":{"prompt_tokens":4}}})",
             R"({"a":[1e99,1e999,-1E-400,0.000000000000000000000001,123456789012345678901234567890]})",
             "{\"a\":" + std::string(47, '[') + std::string(47, ']') + "}",
             "{\"a\":" + std::string(62, '[') + std::string(62, ']') + "}",
             "{\"a\":" + std::string(63, '[') + std::string(63, ']') + "}",
             "{\"a\":" + std::string(64, '[') + std::string(64, ']') + "}"}) {
        same_as_exact(body);
    }
    BOOST_TEST(read_json_body(R"({"usage":{"prompt_tokens":-0,"completion_tokens":3}})").usage.total_tokens ==
               3);
}

BOOST_AUTO_TEST_SUITE_END()
