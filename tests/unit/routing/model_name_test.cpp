// What a wildcard group's '*' may stand for (issue #11, defect 1): no header or request injection, no path
// walking, no literal '*'.

#include "routing/model_name.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using baton::routing::valid_model_capture;

BOOST_AUTO_TEST_SUITE(model_name_test)

BOOST_AUTO_TEST_CASE(real_model_names_pass)
{
    for (const std::string& name :
         std::vector<std::string>{"gpt-4o", "gpt-4o-2024-08-06", "meta-llama/Llama-3.1-8B-Instruct:free",
                                  "ft:gpt-4o-mini:org::id", "claude-3-5-sonnet@20240620",
                                  "llama3.1:8b-instruct-q4_K_M", "anthropic.claude-3-sonnet-20240229-v1:0",
                                  "accounts/fireworks/models/llama-v3-70b-instruct", "a", "c++", "v1.0..2",
                                  std::string(256, 'm')}) {
        BOOST_TEST(valid_model_capture(name), name);
    }
}

BOOST_AUTO_TEST_CASE(injection_walking_patterns_and_url_syntax_are_refused)
{
    for (const std::string& name : std::vector<std::string>{"",
                                                            "x\r\nSet-Cookie: a=b",
                                                            "x\nb",
                                                            "x\rb",
                                                            std::string("x\0b", 3),
                                                            "x\tb",
                                                            "x b",
                                                            "x\x7f",
                                                            "x\xc3\xa9",
                                                            "..",
                                                            ".",
                                                            "../x",
                                                            "x/..",
                                                            "x/../y",
                                                            "./x",
                                                            "x/.",
                                                            "/x",
                                                            "x/",
                                                            "a//b",
                                                            "x%2f..",
                                                            "x?y",
                                                            "x#y",
                                                            "*",
                                                            "gpt-*",
                                                            "x\\y",
                                                            "x\"y",
                                                            "x;y",
                                                            std::string(257, 'm')}) {
        BOOST_TEST(!valid_model_capture(name), name);
    }
}

BOOST_AUTO_TEST_SUITE_END()
