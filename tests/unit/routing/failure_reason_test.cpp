#include "routing/failure_reason.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

using namespace baton::routing;
using net_errc = baton::net::upstream_errc;

namespace {

const std::vector<failure_reason> all_reasons{
    failure_reason::none,           failure_reason::rate_limit,     failure_reason::timeout,
    failure_reason::connection,     failure_reason::server_error,   failure_reason::auth,
    failure_reason::billing,        failure_reason::not_found,      failure_reason::bad_response,
    failure_reason::context_window, failure_reason::content_policy, failure_reason::format,
    failure_reason::cooling_down,
};

}  // namespace

BOOST_AUTO_TEST_SUITE(failure_reason_test)

BOOST_AUTO_TEST_CASE(names_are_stable_and_round_trip)
{
    BOOST_TEST(to_string(failure_reason::none) == "none");
    BOOST_TEST(to_string(failure_reason::rate_limit) == "rate_limit");
    BOOST_TEST(to_string(failure_reason::timeout) == "timeout");
    BOOST_TEST(to_string(failure_reason::connection) == "connection");
    BOOST_TEST(to_string(failure_reason::server_error) == "server_error");
    BOOST_TEST(to_string(failure_reason::auth) == "auth");
    BOOST_TEST(to_string(failure_reason::billing) == "billing");
    BOOST_TEST(to_string(failure_reason::not_found) == "not_found");
    BOOST_TEST(to_string(failure_reason::bad_response) == "bad_response");
    BOOST_TEST(to_string(failure_reason::context_window) == "context_window");
    BOOST_TEST(to_string(failure_reason::content_policy) == "content_policy");
    BOOST_TEST(to_string(failure_reason::format) == "format");
    BOOST_TEST(to_string(failure_reason::cooling_down) == "cooling_down");
    for (const auto r : all_reasons) {
        BOOST_TEST((failure_reason_from_string(to_string(r)) == r));
    }
    BOOST_TEST(!failure_reason_from_string("Rate_Limit"));
    BOOST_TEST(!failure_reason_from_string(""));
    BOOST_TEST(!failure_reason_from_string("teapot"));
}

BOOST_AUTO_TEST_CASE(predicates_follow_the_table_of_spec_5_3)
{
    const std::vector<failure_reason> retryable{
        failure_reason::rate_limit,   failure_reason::timeout,      failure_reason::connection,
        failure_reason::server_error, failure_reason::auth,         failure_reason::billing,
        failure_reason::not_found,    failure_reason::bad_response,
    };
    const std::vector<failure_reason> at_once{failure_reason::rate_limit, failure_reason::auth,
                                              failure_reason::billing};
    const std::vector<failure_reason> counted{failure_reason::timeout, failure_reason::connection,
                                              failure_reason::server_error, failure_reason::not_found,
                                              failure_reason::bad_response};
    auto in = [](const std::vector<failure_reason>& v, failure_reason r) {
        return std::find(v.begin(), v.end(), r) != v.end();
    };
    for (const auto r : all_reasons) {
        BOOST_TEST_CONTEXT(to_string(r))
        {
            BOOST_TEST(is_retryable(r) == in(retryable, r));
            BOOST_TEST(cools_down_at_once(r) == in(at_once, r));
            BOOST_TEST(counts_toward_allowed_fails(r) == in(counted, r));
            // A reason either cools down at once or counts, never both.
            BOOST_TEST(!(cools_down_at_once(r) && counts_toward_allowed_fails(r)));
        }
    }
}

BOOST_AUTO_TEST_CASE(transport_failures)
{
    BOOST_TEST((classify(net_errc::connect_timeout) == failure_reason::timeout));
    BOOST_TEST((classify(net_errc::tls_timeout) == failure_reason::timeout));
    BOOST_TEST((classify(net_errc::head_timeout) == failure_reason::timeout));
    BOOST_TEST((classify(net_errc::first_event_timeout) == failure_reason::timeout));
    BOOST_TEST((classify(net_errc::idle_timeout) == failure_reason::timeout));
    BOOST_TEST((classify(net_errc::total_timeout) == failure_reason::timeout));
    BOOST_TEST((classify(net_errc::connection) == failure_reason::connection));
    BOOST_TEST((classify(net_errc::tls) == failure_reason::connection));
    BOOST_TEST((classify(net_errc::bad_response) == failure_reason::bad_response));
    BOOST_TEST((classify(net_errc::bad_target) == failure_reason::connection));
}

BOOST_AUTO_TEST_CASE(net_errors_have_their_own_category)
{
    const boost::system::error_code ec = net_errc::idle_timeout;
    BOOST_TEST(std::string(ec.category().name()) == "baton.upstream");
    BOOST_TEST(ec.message() == "idle_timeout");
    BOOST_TEST(static_cast<bool>(ec));
}

BOOST_AUTO_TEST_CASE(statuses)
{
    BOOST_TEST((classify(200, "") == failure_reason::none));
    BOOST_TEST((classify(201, "{}") == failure_reason::none));
    BOOST_TEST((classify(204, "") == failure_reason::none));
    BOOST_TEST((classify(429, "") == failure_reason::rate_limit));
    BOOST_TEST((classify(401, "") == failure_reason::auth));
    BOOST_TEST((classify(403, "") == failure_reason::auth));
    BOOST_TEST((classify(402, "") == failure_reason::billing));
    BOOST_TEST((classify(404, "") == failure_reason::not_found));
    BOOST_TEST((classify(408, "") == failure_reason::timeout));
    BOOST_TEST((classify(413, "") == failure_reason::format));
    BOOST_TEST((classify(422, "") == failure_reason::format));
    for (const int s : {500, 502, 503, 504, 529, 501, 505, 599}) {
        BOOST_TEST_CONTEXT(s)
        {
            BOOST_TEST((classify(s, "") == failure_reason::server_error));
        }
    }
    for (const int s : {405, 409, 410, 415, 418, 451, 499}) {
        BOOST_TEST_CONTEXT(s)
        {
            BOOST_TEST((classify(s, "") == failure_reason::format));
        }
    }
    // A redirect or an interim status where an API answer was expected: the upstream misbehaved.
    BOOST_TEST((classify(302, "") == failure_reason::bad_response));
    BOOST_TEST((classify(100, "") == failure_reason::bad_response));
    BOOST_TEST((classify(0, "") == failure_reason::bad_response));
}

BOOST_AUTO_TEST_CASE(body_is_read_only_for_400)
{
    const std::string context = R"({"error":{"code":"context_length_exceeded","message":"too long"}})";
    BOOST_TEST((classify(400, context) == failure_reason::context_window));
    BOOST_TEST((classify(413, context) == failure_reason::format));
    BOOST_TEST((classify(422, context) == failure_reason::format));
    BOOST_TEST((classify(500, context) == failure_reason::server_error));
    BOOST_TEST((classify(429, R"({"error":{"code":"content_filter"}})") == failure_reason::rate_limit));
}

BOOST_AUTO_TEST_CASE(context_window_bodies)
{
    const auto is_context = [](std::string_view body) {
        return classify(400, body) == failure_reason::context_window;
    };
    // OpenAI.
    BOOST_TEST(
        is_context(R"({"error":{"message":"This model's maximum context length is 8192 tokens. )"
                   R"(However, your messages resulted in 9000 tokens.","type":"invalid_request_error",)"
                   R"("param":"messages","code":"context_length_exceeded"}})"));
    // The message alone is enough (servers that leave code null).
    BOOST_TEST(is_context(R"({"error":{"message":"This model's maximum context length is 4096 tokens",)"
                          R"("type":"invalid_request_error","code":null}})"));
    // Anthropic.
    BOOST_TEST(is_context(R"({"type":"error","error":{"type":"invalid_request_error",)"
                          R"("message":"prompt is too long: 210000 tokens > 200000 maximum"}})"));
    // Fields at top level, and the code in `type`.
    BOOST_TEST(is_context(R"({"code":"context_length_exceeded"})"));
    BOOST_TEST(is_context(R"({"error":{"type":"context_length_exceeded"}})"));
    // Case does not matter.
    BOOST_TEST(is_context(R"({"error":{"code":"CONTEXT_LENGTH_EXCEEDED"}})"));
    // An error given as a plain string, and a body that is not JSON at all.
    BOOST_TEST(is_context(R"({"error":"Input exceeds the context window of this model"})"));
    BOOST_TEST(is_context("Bad Request: context length exceeded"));
}

BOOST_AUTO_TEST_CASE(content_policy_bodies)
{
    const auto is_content = [](std::string_view body) {
        return classify(400, body) == failure_reason::content_policy;
    };
    // Azure OpenAI.
    BOOST_TEST(is_content(R"({"error":{"message":"The response was filtered due to the prompt triggering )"
                          R"(Azure OpenAI's content management policy.","type":null,"param":"prompt",)"
                          R"("code":"content_filter","status":400}})"));
    // OpenAI images and moderation.
    BOOST_TEST(is_content(R"({"error":{"code":"content_policy_violation",)"
                          R"("message":"Your request was rejected as a result of our safety system."}})"));
    BOOST_TEST(is_content(R"({"error":{"message":"This request may violate our content policy."}})"));
    BOOST_TEST(is_content(R"({"error":{"type":"content_filter"}})"));
}

BOOST_AUTO_TEST_CASE(other_400s_are_format_errors)
{
    const auto is_format = [](std::string_view body) {
        return classify(400, body) == failure_reason::format;
    };
    BOOST_TEST(is_format(R"({"error":{"message":"invalid request format: tool_use.id missing",)"
                         R"("type":"invalid_request_error","code":null}})"));
    BOOST_TEST(is_format(""));
    BOOST_TEST(is_format("{"));
    BOOST_TEST(is_format("[1,2,3]"));
    BOOST_TEST(is_format(R"({"error":{"code":42,"message":["context length"]}})"));
    BOOST_TEST(is_format("<html>Bad Request</html>"));
}

BOOST_AUTO_TEST_SUITE_END()
