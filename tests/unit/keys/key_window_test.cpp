#define BOOST_TEST_MODULE keys
// A client key's limits decided without a clock (SPEC §3 rpm_limit, tpm_limit, max_parallel_requests): the
// wall-clock minute and `now` are arguments.

#include "keys/key_window.hpp"

#include <boost/test/unit_test.hpp>

using namespace baton::keys;
using namespace std::chrono_literals;

namespace {

// 2024-06-01 12:00:00 UTC, the start of a minute, plus `s`.
wall_time at(double s)
{
    return wall_time(std::chrono::sys_days(std::chrono::year(2024) / 6 / 1) + 12h) +
           std::chrono::duration_cast<wall_clock::duration>(std::chrono::duration<double>(s));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(key_window_suite)

BOOST_AUTO_TEST_CASE(rpm_admits_up_to_the_limit_then_refuses_until_the_minute_ends)
{
    key_window w;
    const key_limits l{.rpm = 2};
    const auto a = admit(l, w, at(10));
    BOOST_TEST(a.admitted());
    BOOST_TEST(a.usage.requests == 1u);
    BOOST_TEST(a.usage.requests_remaining == 1u);
    BOOST_TEST(a.usage.reset.count() == 50'000);
    settle(w, 0, at(11));
    BOOST_TEST(admit(l, w, at(20)).admitted());
    settle(w, 0, at(21));
    const auto refused = admit(l, w, at(30.25));
    BOOST_TEST(!refused.admitted());
    BOOST_TEST((refused.refused_by == limit_kind::rpm));
    BOOST_TEST(refused.retry_after.count() == 29'750);
    BOOST_TEST(refused.usage.requests == 2u);
    BOOST_TEST(refused.usage.requests_remaining == 0u);
    BOOST_TEST(w.refused_total == 1u);
    BOOST_TEST(w.in_flight == 0u);  // a refusal is never in flight
    BOOST_TEST(
        refusal_message("team-a", refused) ==
        "Rate limit reached for key `team-a` on requests per minute (RPM): Limit 2, Used 2, Requested 1. "
        "Please try again in 29.75s.");
    // The next minute starts afresh.
    const auto next = admit(l, w, at(60));
    BOOST_TEST(next.admitted());
    BOOST_TEST(next.usage.requests == 1u);
    BOOST_TEST(next.usage.reset.count() == 60'000);
    BOOST_TEST(w.requests_total == 3u);
}

BOOST_AUTO_TEST_CASE(tpm_admits_while_under_the_limit_whatever_the_request_will_use)
{
    key_window w;
    const key_limits l{.tpm = 20};
    BOOST_TEST(admit(l, w, at(1)).admitted());
    settle(w, 12, at(2));
    const auto second = admit(l, w, at(3));
    BOOST_TEST(second.admitted());  // 12 < 20
    BOOST_TEST(second.usage.tokens_remaining == 8u);
    settle(w, 12, at(4));
    const auto third = admit(l, w, at(5));
    BOOST_TEST((third.refused_by == limit_kind::tpm));
    BOOST_TEST(third.usage.tokens == 24u);
    BOOST_TEST(third.usage.tokens_remaining == 0u);
    BOOST_TEST(refusal_message("k", third) ==
               "Rate limit reached for key `k` on tokens per minute (TPM): Limit 20, Used 24. Please try "
               "again in 55s.");
    BOOST_TEST(w.tokens_total == 24u);
}

BOOST_AUTO_TEST_CASE(tokens_of_a_request_that_crossed_a_minute_count_in_the_new_one)
{
    key_window w;
    const key_limits l{.tpm = 10};
    BOOST_TEST(admit(l, w, at(59)).admitted());
    settle(w, 15, at(61));
    BOOST_TEST((admit(l, w, at(62)).refused_by == limit_kind::tpm));
    BOOST_TEST(admit(l, w, at(120)).admitted());
}

BOOST_AUTO_TEST_CASE(parallel_requests_are_bounded_by_what_is_in_flight)
{
    key_window w;
    const key_limits l{.max_parallel = 2};
    BOOST_TEST(admit(l, w, at(1)).admitted());
    BOOST_TEST(admit(l, w, at(1)).admitted());
    const auto refused = admit(l, w, at(1));
    BOOST_TEST((refused.refused_by == limit_kind::parallel));
    BOOST_TEST(refused.retry_after.count() == 1000);
    BOOST_TEST(refusal_message("k", refused) ==
               "Rate limit reached for key `k` on parallel requests: Limit 2, In flight 2. Please try again "
               "when one "
               "of them has finished.");
    settle(w, 0, at(2));
    BOOST_TEST(admit(l, w, at(2)).admitted());
    // A settle too many never wraps around.
    key_window empty;
    settle(empty, 0, at(1));
    BOOST_TEST(empty.in_flight == 0u);
}

BOOST_AUTO_TEST_CASE(parallel_is_checked_before_rpm_and_rpm_before_tpm)
{
    key_window w;
    const key_limits l{.rpm = 1, .tpm = 1, .max_parallel = 1};
    BOOST_TEST(admit(l, w, at(1)).admitted());
    BOOST_TEST((admit(l, w, at(1)).refused_by == limit_kind::parallel));
    settle(w, 5, at(1));
    BOOST_TEST((admit(l, w, at(1)).refused_by == limit_kind::rpm));
    w.requests = 0;
    BOOST_TEST((admit(l, w, at(1)).refused_by == limit_kind::tpm));
}

BOOST_AUTO_TEST_CASE(an_unlimited_key_is_counted_and_never_refused)
{
    key_window w;
    for (int i = 0; i < 1000; ++i) BOOST_REQUIRE(admit({}, w, at(1)).admitted());
    BOOST_TEST(w.requests == 1000u);
    BOOST_TEST(w.in_flight == 1000u);
    BOOST_TEST(!key_limits{}.any());
    BOOST_TEST(key_limits{.tpm = 1}.any());
}

BOOST_AUTO_TEST_CASE(usage_reads_without_counting_and_sees_a_new_minute)
{
    key_window w;
    const key_limits l{.rpm = 5};
    admit(l, w, at(1));
    BOOST_TEST(usage_of(l, w, at(2)).requests == 1u);
    BOOST_TEST(usage_of(l, w, at(2)).requests_remaining == 4u);
    BOOST_TEST(usage_of(l, w, at(61)).requests == 0u);
    BOOST_TEST(usage_of(l, w, at(61)).in_flight == 1u);
    BOOST_TEST(w.requests == 1u);
}

BOOST_AUTO_TEST_CASE(reset_text_is_written_as_openai_writes_it)
{
    BOOST_TEST(reset_text(millis(0)) == "0ms");
    BOOST_TEST(reset_text(millis(250)) == "250ms");
    BOOST_TEST(reset_text(millis(1000)) == "1s");
    BOOST_TEST(reset_text(millis(1500)) == "1.5s");
    BOOST_TEST(reset_text(millis(12'340)) == "12.34s");
    BOOST_TEST(reset_text(millis(59'999)) == "59.999s");
    BOOST_TEST(reset_text(millis(60'000)) == "1m0s");
    BOOST_TEST(reset_text(millis(360'000)) == "6m0s");
    BOOST_TEST(reset_text(millis(-5)) == "0ms");
}

BOOST_AUTO_TEST_SUITE_END()
