#include "batches/output_row.hpp"

#include <boost/test/unit_test.hpp>

using namespace baton::batches;

BOOST_AUTO_TEST_SUITE(output_row_suite)

BOOST_AUTO_TEST_CASE(row_ids_are_stable_and_distinct)
{
    const auto a = request_row_id("batch_1", 1);
    BOOST_TEST(a == request_row_id("batch_1", 1));
    BOOST_TEST(a.size() == std::string("batch_req_").size() + 24);
    BOOST_TEST(a.starts_with("batch_req_"));
    BOOST_TEST(a != request_row_id("batch_1", 2));
    BOOST_TEST(a != request_row_id("batch_2", 1));
}

BOOST_AUTO_TEST_CASE(a_2xx_answer_is_an_output_row_with_its_body_as_json)
{
    const auto r =
        response_row("batch_req_1", "c-1", 200, "req-9", "{\n  \"id\": \"chatcmpl-1\",\n  \"n\": 1\n}");
    BOOST_TEST((r.outcome == row_outcome::completed));
    BOOST_TEST(r.text ==
               R"({"id":"batch_req_1","custom_id":"c-1","response":{"status_code":200,"request_id":"req-9",)"
               R"("body":{"id":"chatcmpl-1","n":1}},"error":null})");
    BOOST_TEST(r.text.find('\n') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(other_statuses_are_error_rows_with_their_response)
{
    const auto r = response_row("id", "c", 429, "req", R"({"error":{"message":"slow down"}})");
    BOOST_TEST((r.outcome == row_outcome::failed));
    BOOST_TEST(r.text == R"({"id":"id","custom_id":"c","response":{"status_code":429,"request_id":"req",)"
                         R"("body":{"error":{"message":"slow down"}}},"error":null})");
    // A body that is not JSON is kept as a string.
    const auto t = response_row("id", "c", 502, "req", "bad\ngateway");
    BOOST_TEST(t.text.find(R"("body":"bad\ngateway")") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(unanswered_lines_have_an_error_and_no_response)
{
    const auto r = expired_row("id", "c-2");
    BOOST_TEST((r.outcome == row_outcome::failed));
    BOOST_TEST(r.text ==
               R"({"id":"id","custom_id":"c-2","response":null,"error":{"code":"batch_expired",)"
               R"("message":"This request could not be executed before the completion window expired."}})");
}

BOOST_AUTO_TEST_SUITE_END()
