// A 2xx body is checked whole (issue #11, defect 7) and its usage read in the same pass, without a DOM.

#include "providers/json_body.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using baton::providers::read_json_body;

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
    const auto c = read_json_body(R"({"usage":{"prompt_tokens":"many","completion_tokens":-3,"total_tokens":2.5}})");
    BOOST_TEST(c.object);
    BOOST_TEST(c.usage.prompt_tokens == 0);
    BOOST_TEST(c.usage.completion_tokens == 0);
    BOOST_TEST(c.usage.total_tokens == 0);
}

BOOST_AUTO_TEST_CASE(a_long_key_never_passes_for_a_short_one)
{
    const auto r = read_json_body(R"({"usage":{"prompt_tokens_but_much_longer_than_the_buffer":9,"prompt_tokens":2}})");
    BOOST_TEST(r.object);
    BOOST_TEST(r.usage.prompt_tokens == 2);
}

BOOST_AUTO_TEST_CASE(anything_but_one_whole_object_is_refused)
{
    for (const std::string& body : std::vector<std::string>{"", " ", "{", R"({"id":"x")", R"({"id":"x","choices":[)", R"({"id":"x"} trailing)", R"({"id":"x",})",
          R"({"a":1}{"b":2})", "[1,2]", "\"text\"", "42", "null", "this is not json{{", R"({"a":"\x"})",
          R"({"a":"\ud800"} )", "{\"a\":\"\xff\"}", R"({/*c*/"a":1})", std::string(100, '[') + std::string(100, ']'),
          "{\"a\":" + std::string(70, '[') + std::string(70, ']') + "}"}) {
        BOOST_TEST(!read_json_body(body).object, body);
    }
}

BOOST_AUTO_TEST_SUITE_END()
