#include "routing/deployment_health.hpp"
#include "routing/health_registry.hpp"

#include "unit/routing/routing_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <cmath>

using namespace baton::routing;
using namespace baton::routing::test;

BOOST_AUTO_TEST_SUITE(deployment_health_test)

BOOST_AUTO_TEST_CASE(a_new_cell_is_healthy_idle_and_unmeasured)
{
    const deployment_health h("d1", "gpt-4o");
    BOOST_TEST(h.id() == "d1");
    BOOST_TEST(h.group() == "gpt-4o");
    BOOST_TEST(!h.cooling(at(0)));
    BOOST_TEST((h.cooldown_remaining(at(0)) == duration::zero()));
    BOOST_TEST(h.in_flight() == 0);
    BOOST_TEST(h.latency_ewma_ms() < 0);
    BOOST_TEST(h.requests_this_minute(at(0)) == 0u);
    BOOST_TEST(h.tokens_this_minute(at(0)) == 0u);
    const auto s = h.snap(at(0));
    BOOST_TEST(s.healthy);
    BOOST_TEST(s.consecutive_failures == 0);
    BOOST_TEST(s.last_error.empty());
    BOOST_TEST(s.cooldown_remaining_seconds == 0.0);
    BOOST_TEST(s.cooldowns_total == 0u);
}

BOOST_AUTO_TEST_CASE(in_flight_counts_begins_and_ends)
{
    deployment_health h("d1", "g");
    h.begin_request();
    h.begin_request();
    BOOST_TEST(h.in_flight() == 2);
    h.end_request();
    BOOST_TEST(h.in_flight() == 1);
    h.end_request();
    BOOST_TEST(h.in_flight() == 0);
}

BOOST_AUTO_TEST_CASE(latency_is_an_ewma_with_alpha_0_3)
{
    deployment_health h("d1", "g");
    h.record_latency(100);
    BOOST_TEST(h.latency_ewma_ms() == 100.0);  // the first sample is taken as is
    h.record_latency(200);
    BOOST_TEST(h.latency_ewma_ms() == 130.0, boost::test_tools::tolerance(1e-9));  // 0.3*200 + 0.7*100
    h.record_latency(0);
    BOOST_TEST(h.latency_ewma_ms() == 91.0, boost::test_tools::tolerance(1e-9));  // 0.7*130
    h.record_latency(-50);                                                        // clamped to 0
    BOOST_TEST(h.latency_ewma_ms() == 63.7, boost::test_tools::tolerance(1e-9));
    h.record_latency(std::nan(""));  // ignored
    BOOST_TEST(h.latency_ewma_ms() == 63.7, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(usage_is_counted_per_minute_of_the_clock)
{
    // Minutes are whole 60 s spans of the clock's nanoseconds since its epoch; at(0) is exactly 60 minutes
    // in.
    deployment_health h("d1", "g");
    h.record_usage(at(0), 1, 100);
    h.record_usage(at(59.999), 2, 50);
    BOOST_TEST(h.requests_this_minute(at(30)) == 3u);
    BOOST_TEST(h.tokens_this_minute(at(30)) == 150u);
    // The next minute starts empty, whether or not anything was recorded in it.
    BOOST_TEST(h.requests_this_minute(at(60)) == 0u);
    BOOST_TEST(h.tokens_this_minute(at(60)) == 0u);
    h.record_usage(at(60), 1, 7);
    BOOST_TEST(h.requests_this_minute(at(61)) == 1u);
    BOOST_TEST(h.tokens_this_minute(at(61)) == 7u);
    // A late report for a minute already gone is dropped.
    h.record_usage(at(10), 5, 500);
    BOOST_TEST(h.requests_this_minute(at(61)) == 1u);
    BOOST_TEST(h.tokens_this_minute(at(61)) == 7u);
    // Reading an older minute than the one counted says nothing was used then (it is not kept).
    BOOST_TEST(h.requests_this_minute(at(30)) == 0u);
}

BOOST_AUTO_TEST_CASE(cooldown_remaining_and_snapshot)
{
    health_registry reg(cooldown_policy{});
    auto h = reg.cell("d1", "g");
    reg.record_failure(*h, failure_reason::rate_limit, at(0), 30s);
    BOOST_TEST(h->cooling(at(0)));
    BOOST_TEST(h->cooling(at(29.999)));
    BOOST_TEST(!h->cooling(at(30)));
    BOOST_TEST((h->cooldown_remaining(at(10)) == duration(20s)));
    BOOST_TEST((h->cooldown_remaining(at(31)) == duration::zero()));
    const auto s = h->snap(at(10));
    BOOST_TEST(!s.healthy);
    BOOST_TEST(s.consecutive_failures == 1);
    BOOST_TEST(s.last_error == "rate_limit");
    BOOST_TEST(s.cooldown_remaining_seconds == 20.0);
    BOOST_TEST(s.cooldowns_total == 1u);
    const auto later = h->snap(at(31));
    BOOST_TEST(later.healthy);
    BOOST_TEST(later.cooldown_remaining_seconds == 0.0);
    BOOST_TEST(later.last_error == "rate_limit");  // the last error stays for /v1/health
}

BOOST_AUTO_TEST_SUITE_END()
