#include "batches/line_retry.hpp"

#include <boost/test/unit_test.hpp>

using namespace baton::batches;
using std::chrono::milliseconds;

BOOST_AUTO_TEST_SUITE(line_retry_suite)

BOOST_AUTO_TEST_CASE(waits_for_the_earliest_cooldown_end)
{
    BOOST_TEST(line_retry_delay(milliseconds(2000), 0, milliseconds(60'000))->count() == 2020);
    BOOST_TEST(line_retry_delay(milliseconds(2000), 7, milliseconds(60'000))->count() == 2020);
    BOOST_TEST(line_retry_delay(milliseconds(1), 0, milliseconds(60'000))->count() == 50);
}

BOOST_AUTO_TEST_CASE(backs_off_when_nothing_is_cooling)
{
    BOOST_TEST(line_retry_delay(std::nullopt, 0, milliseconds(600'000))->count() == 1000);
    BOOST_TEST(line_retry_delay(std::nullopt, 1, milliseconds(600'000))->count() == 2000);
    BOOST_TEST(line_retry_delay(std::nullopt, 4, milliseconds(600'000))->count() == 16000);
    BOOST_TEST(line_retry_delay(std::nullopt, 5, milliseconds(600'000))->count() == 30000);
    BOOST_TEST(line_retry_delay(std::nullopt, 50, milliseconds(600'000))->count() == 30000);
    BOOST_TEST(line_retry_delay(std::nullopt, -3, milliseconds(600'000))->count() == 1000);
}

BOOST_AUTO_TEST_CASE(never_past_the_completion_window)
{
    BOOST_TEST(!line_retry_delay(milliseconds(5000), 0, milliseconds(5000)).has_value());
    BOOST_TEST(!line_retry_delay(std::nullopt, 0, milliseconds(999)).has_value());
    BOOST_TEST(line_retry_delay(milliseconds(4000), 0, milliseconds(5000)).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
