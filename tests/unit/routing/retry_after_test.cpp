// Retry-After as upstreams send it (RFC 9110 §10.2.3): seconds, fractions, the three HTTP-date forms, and
// values beyond any cap. The wall-clock time is an argument: these run on fixed dates.

#include "routing/retry_after.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

using namespace baton::routing;
using namespace std::chrono_literals;

namespace {

// Sun, 06 Nov 1994 08:49:37 GMT
const auto rfc_example = std::chrono::sys_days(std::chrono::year(1994) / 11 / 6) + 8h + 49min + 37s;

std::optional<duration> at_example(std::string_view v, duration cap = retry_after_ceiling)
{
    return parse_retry_after(v, rfc_example - 30s, cap);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(retry_after_test)

BOOST_AUTO_TEST_CASE(delay_seconds)
{
    BOOST_TEST((parse_retry_after("2", {}) == duration(2s)));
    BOOST_TEST((parse_retry_after(" 120 ", {}) == duration(120s)));
    BOOST_TEST((parse_retry_after("0", {}) == duration::zero()));
    BOOST_TEST((parse_retry_after("1.5", {}) == duration(1500ms)));
    BOOST_TEST((parse_retry_after("0.001", {}) == duration(1ms)));
}

BOOST_AUTO_TEST_CASE(values_beyond_the_cap_give_the_cap_however_long)
{
    BOOST_TEST((parse_retry_after("86401", {}) == retry_after_ceiling));
    BOOST_TEST((parse_retry_after("99999999999999999999999", {}) == retry_after_ceiling));
    BOOST_TEST((parse_retry_after(std::string(400, '9'), {}) == retry_after_ceiling));
    BOOST_TEST((parse_retry_after(std::string(400, '9') + ".5", {}) == retry_after_ceiling));
    BOOST_TEST((parse_retry_after("301", {}, 300s) == duration(300s)));
    BOOST_TEST((parse_retry_after("299.9", {}, 300s) == duration(299900ms)));
}

BOOST_AUTO_TEST_CASE(the_three_http_date_forms)
{
    BOOST_TEST((at_example("Sun, 06 Nov 1994 08:49:37 GMT") == duration(30s)));
    BOOST_TEST((at_example("Sunday, 06-Nov-94 08:49:37 GMT") == duration(30s)));
    BOOST_TEST((at_example("Sun Nov  6 08:49:37 1994") == duration(30s)));
    BOOST_TEST((at_example("Sun Nov 16 08:49:37 1994", std::chrono::days(30)) ==
                duration(std::chrono::days(10) + 30s)));
    // The wall clock's sub-second part counts.
    BOOST_TEST(
        (parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", rfc_example - 1500ms) == duration(1500ms)));
}

BOOST_AUTO_TEST_CASE(a_past_date_is_now_and_a_far_date_is_the_cap)
{
    BOOST_TEST((at_example("Sat, 05 Nov 1994 08:49:37 GMT") == duration::zero()));
    BOOST_TEST((at_example("Fri, 31 Dec 9999 23:59:59 GMT") == retry_after_ceiling));
    BOOST_TEST((at_example("Sun, 06 Nov 1994 09:49:37 GMT", 300s) == duration(300s)));
    // Two-digit years: 70-99 are the 1900s, the rest the 2000s.
    BOOST_TEST((at_example("Sunday, 06-Nov-60 08:49:37 GMT") == retry_after_ceiling));
}

BOOST_AUTO_TEST_CASE(unreadable_values_are_nothing)
{
    for (const std::string v :
         {"", "   ", "soon", "-1", "+5", "1e3", "1.", ".5", "5s", "0x10", "Sun, 06 Nov 1994 08:49:37 UTC",
          "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 31 Feb 1994 08:49:37 GMT",
          "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:49:37 GMT trailing",
          "Sun Nov 6 08:49:37 1994", "Sunday, 06-Nov-1994 08:49:37 GMT", "06 Nov 1994 08:49:37 GMT"}) {
        BOOST_TEST(!parse_retry_after(v, rfc_example).has_value(), "'" << v << "'");
    }
}

BOOST_AUTO_TEST_SUITE_END()
