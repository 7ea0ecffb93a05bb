#include "batches/batch_lifecycle.hpp"

#include <boost/test/unit_test.hpp>

using namespace baton::batches;

namespace {

batch_record fresh()
{
    batch_record b;
    b.id = "batch_x";
    b.created_at = 1000;
    b.expires_at = expiry_of(1000, 86400);
    return b;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(batch_lifecycle_suite)

BOOST_AUTO_TEST_CASE(the_lifecycle_edges_are_exactly_openais)
{
    using enum batch_status;
    int edges = 0;
    for (const auto from : all_statuses) {
        for (const auto to : all_statuses) {
            edges += can_transition(from, to) ? 1 : 0;
        }
    }
    BOOST_TEST(edges == 8);
    BOOST_TEST(can_transition(validating, in_progress));
    BOOST_TEST(can_transition(validating, failed));
    BOOST_TEST(can_transition(validating, cancelling));
    BOOST_TEST(can_transition(in_progress, finalizing));
    BOOST_TEST(can_transition(in_progress, cancelling));
    BOOST_TEST(can_transition(in_progress, expired));
    BOOST_TEST(can_transition(finalizing, completed));
    BOOST_TEST(can_transition(cancelling, cancelled));
    for (const auto s : {completed, failed, expired, cancelled}) {
        BOOST_TEST(is_final(s));
    }
    for (const auto s : all_statuses) {
        BOOST_TEST((status_from_string(to_string(s)) == s));
    }
    BOOST_TEST(!status_from_string("done").has_value());
}

BOOST_AUTO_TEST_CASE(a_completed_run_stamps_every_timestamp_once)
{
    auto b = fresh();
    BOOST_TEST(start_running(b, 1001, 3, {{"invalid_url", "m", "url", 2}}));
    BOOST_TEST((b.status == batch_status::in_progress));
    BOOST_TEST(*b.in_progress_at == 1001);
    BOOST_TEST(b.counts.total == 3);
    BOOST_TEST(b.errors.size() == 1u);
    BOOST_TEST(!start_running(b, 1002, 9, {}));  // no second start
    BOOST_TEST(b.counts.total == 3);
    BOOST_TEST(begin_finalizing(b, 1010));
    BOOST_TEST(*b.finalizing_at == 1010);
    BOOST_TEST(finish(b, 1011, std::string("file-out"), std::nullopt, batch_status::completed));
    BOOST_TEST((b.status == batch_status::completed));
    BOOST_TEST(*b.completed_at == 1011);
    BOOST_TEST(*b.output_file_id == "file-out");
    BOOST_TEST(!b.error_file_id.has_value());
    BOOST_TEST(!b.failed_at.has_value());
    BOOST_TEST(!b.cancelled_at.has_value());
}

BOOST_AUTO_TEST_CASE(no_valid_line_fails_the_batch)
{
    auto b = fresh();
    BOOST_TEST(fail(b, 1001, {{"invalid_json_line", "This line is not parseable as valid JSON.", "", 2}}));
    BOOST_TEST((b.status == batch_status::failed));
    BOOST_TEST(*b.failed_at == 1001);
    BOOST_TEST(b.counts.total == 0);
    BOOST_TEST(*b.errors.front().line == 2);
    BOOST_TEST(!fail(b, 1002, {}));
}

BOOST_AUTO_TEST_CASE(cancel_from_each_status)
{
    auto b = fresh();
    BOOST_TEST((request_cancel(b, 1005) == cancel_result::cancelling));
    BOOST_TEST(*b.cancelling_at == 1005);
    BOOST_TEST((request_cancel(b, 1006) == cancel_result::unchanged));
    BOOST_TEST(*b.cancelling_at == 1005);
    BOOST_TEST(finish(b, 1007, std::nullopt, std::nullopt, batch_status::cancelled));
    BOOST_TEST(*b.cancelled_at == 1007);
    BOOST_TEST((request_cancel(b, 1008) == cancel_result::unchanged));

    auto running = fresh();
    start_running(running, 1001, 1, {});
    BOOST_TEST((request_cancel(running, 1002) == cancel_result::cancelling));

    for (const auto s :
         {batch_status::completed, batch_status::failed, batch_status::expired, batch_status::finalizing}) {
        auto done = fresh();
        done.status = s;
        BOOST_TEST((request_cancel(done, 1002) == cancel_result::refused));
        BOOST_TEST((done.status == s));
        BOOST_TEST(!done.cancelling_at.has_value());
        BOOST_TEST(cancel_refusal(done).message ==
                   "Cannot cancel a batch with status '" + std::string(to_string(s)) + "'.");
        BOOST_TEST((cancel_refusal(done).code == errc::cannot_cancel));
    }
}

BOOST_AUTO_TEST_CASE(expiry_with_a_fake_clock)
{
    auto b = fresh();
    BOOST_TEST(b.expires_at == 87400);
    BOOST_TEST(!window_over(b, 87399));
    BOOST_TEST(window_over(b, 87400));
    start_running(b, 1001, 2, {});
    BOOST_TEST(window_over(b, 90000));
    BOOST_TEST(finish(b, 87400, std::nullopt, std::string("file-err"), batch_status::expired));
    BOOST_TEST(*b.expired_at == 87400);
    BOOST_TEST(!window_over(b, 90000));  // a final batch is never "running late"
    BOOST_TEST(!finish(b, 90001, std::nullopt, std::nullopt, batch_status::completed));
}

BOOST_AUTO_TEST_CASE(finish_refuses_failed_and_non_final_statuses)
{
    auto b = fresh();
    start_running(b, 1001, 1, {});
    BOOST_TEST(!finish(b, 1002, std::nullopt, std::nullopt, batch_status::failed));
    BOOST_TEST(!finish(b, 1002, std::nullopt, std::nullopt, batch_status::finalizing));
    BOOST_TEST(!finish(b, 1002, std::nullopt, std::nullopt, batch_status::completed));  // not finalizing yet
    BOOST_TEST((b.status == batch_status::in_progress));
}

BOOST_AUTO_TEST_CASE(batch_json_round_trips)
{
    auto b = fresh();
    b.input_file_id = "file-1";
    b.endpoint = "/v1/chat/completions";
    b.metadata = std::vector<std::pair<std::string, std::string>>{{"b", "2"}, {"a", "1"}};
    start_running(b, 1001, 2, {{"streaming_unsupported", "no", "body.stream", 2}});
    b.counts.completed = 1;
    const std::string text = batch_json(b);
    BOOST_TEST(
        text ==
        R"({"id":"batch_x","object":"batch","endpoint":"/v1/chat/completions","errors":{"object":"list",)"
        R"("data":[{"code":"streaming_unsupported","line":2,"message":"no","param":"body.stream"}]},)"
        R"("input_file_id":"file-1","completion_window":"24h","status":"in_progress","output_file_id":null,)"
        R"("error_file_id":null,"created_at":1000,"in_progress_at":1001,"expires_at":87400,"finalizing_at":null,)"
        R"("completed_at":null,"failed_at":null,"expired_at":null,"cancelling_at":null,"cancelled_at":null,)"
        R"("request_counts":{"total":2,"completed":1,"failed":0},"metadata":{"b":"2","a":"1"}})");
    const auto back = parse_batch_json(text);
    BOOST_REQUIRE(back.has_value());
    BOOST_TEST(batch_json(*back) == text);
    BOOST_TEST(!parse_batch_json("{}").has_value());
    BOOST_TEST(!parse_batch_json("not json").has_value());
}

BOOST_AUTO_TEST_CASE(no_errors_is_null_and_no_metadata_is_null)
{
    const std::string text = batch_json(fresh());
    BOOST_TEST(text.find(R"("errors":null)") != std::string::npos);
    BOOST_TEST(text.find(R"("metadata":null)") != std::string::npos);
    BOOST_TEST(text.find(R"("status":"validating")") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
