// providers/anthropic/raw_json: the allocation-free reader the translators use.

#include "providers/anthropic/raw_json.hpp"

#include <boost/test/unit_test.hpp>

using namespace baton::providers::anthropic;

BOOST_AUTO_TEST_SUITE(raw_json)

BOOST_AUTO_TEST_CASE(members_come_as_raw_text)
{
    raw_object o(R"( {"a": "x\"y", "b" :{"c":[1,{"d":"}"}]}, "n": -1.5e3, "t":true, "z":null} )");
    std::string_view k;
    std::string_view v;
    BOOST_REQUIRE(o.next(k, v));
    BOOST_TEST(k == "a");
    BOOST_TEST(v == R"("x\"y")");
    BOOST_REQUIRE(o.next(k, v));
    BOOST_TEST(v == R"({"c":[1,{"d":"}"}]})");
    BOOST_REQUIRE(o.next(k, v));
    BOOST_TEST(v == "-1.5e3");
    BOOST_REQUIRE(o.next(k, v));
    BOOST_TEST(v == "true");
    BOOST_REQUIRE(o.next(k, v));
    BOOST_TEST(v == "null");
    BOOST_TEST(!o.next(k, v));
    BOOST_TEST(o.ok());
    BOOST_TEST(o.find("b") == R"({"c":[1,{"d":"}"}]})");
    BOOST_TEST(o.find("missing").empty());
}

BOOST_AUTO_TEST_CASE(malformed_text_is_noticed)
{
    for (const auto* text :
         {"", "x", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":\"\\x\"}", "{\"a\":[1}", "{\"a\":1} {",
          "{\"a\":\"\x01\"}", "{\"a\":\"\\u12\"}",
          // Not UTF-8, or a surrogate alone: a JSON parser would refuse the copy.
          "{\"a\":\"\xff\"}", "{\"a\":\"\xc0\xaf\"}", "{\"a\":\"\xe2\x82\"}", "{\"a\":\"\xed\xa0\x80\"}",
          "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00x\"}", "{\"a\":\"\\ud800\\u0041\"}"}) {
        raw_object o(text);
        std::string_view k;
        std::string_view v;
        while (o.next(k, v)) {
        }
        BOOST_TEST_CONTEXT(text)
        {
            BOOST_TEST(!o.ok());
        }
    }
    raw_object fine("{\"a\":\"\\ud83d\\ude00 \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}");
    std::string_view fk;
    std::string_view fv;
    BOOST_TEST(fine.next(fk, fv));
    BOOST_TEST(fine.ok());
    raw_object empty("{}");
    std::string_view k;
    std::string_view v;
    BOOST_TEST(!empty.next(k, v));
    BOOST_TEST(empty.ok());
}

BOOST_AUTO_TEST_CASE(counts_escapes_and_unescapes)
{
    BOOST_TEST(raw_count("42").value() == 42);
    BOOST_TEST(!raw_count("-1"));
    BOOST_TEST(!raw_count("1.5"));
    BOOST_TEST(!raw_count("\"3\""));
    std::string out;
    append_escaped(out, "a\"b\\c\nd\x01");
    BOOST_TEST(out == "a\\\"b\\\\c\\nd\\u0001");
    BOOST_TEST(unescape(R"(a\"b\\c\nd\u00e9)") == "a\"b\\c\nd\xc3\xa9");
}

BOOST_AUTO_TEST_SUITE_END()
