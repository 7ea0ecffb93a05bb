#include "routing/hedge_delay.hpp"
#include "routing/deployment_health.hpp"
#include "routing/plan.hpp"

#include "unit/routing/routing_fixture.hpp"

#include <boost/test/unit_test.hpp>

// Issue #10, point 5: the hedged first token. The delay comes from each deployment's observed time to first
// event, within a floor and a ceiling; the plan picks the hedge like a failover, without moving when there
// is none, and never twice in one group.

using namespace baton::routing;
using namespace baton::routing::test;

namespace {

double seconds(duration d)
{
    return to_seconds(d);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hedge_delay_suite)

BOOST_AUTO_TEST_CASE(time_to_first_event_is_estimated_like_a_round_trip)
{
    deployment_health h("d", "g");
    BOOST_TEST(h.ttft_ms() < 0);
    h.record_ttft(400);
    BOOST_TEST(h.ttft_ms() == 400.0);
    BOOST_TEST(h.ttft_deviation_ms() == 200.0);
    h.record_ttft(800);  // deviation += (|400 - 800| - 200) / 4; ttft += (800 - 400) / 8
    BOOST_TEST(h.ttft_deviation_ms() == 250.0);
    BOOST_TEST(h.ttft_ms() == 450.0);
    h.record_ttft(-5);  // counts as 0
    BOOST_TEST(h.ttft_ms() == 393.75);
    h.record_ttft(std::nan(""));
    BOOST_TEST(h.ttft_ms() == 393.75);
}

BOOST_AUTO_TEST_CASE(the_delay_is_ttft_plus_four_deviations_within_floor_and_ceiling)
{
    const hedge_settings s;  // 1 s .. 10 s
    deployment_health fresh("fresh", "g");
    BOOST_TEST(seconds(hedge_delay(fresh, s)) == 10.0);  // nothing measured: the ceiling

    deployment_health steady("steady", "g");
    steady.record_ttft(2000);  // 2 s ± 1 s → 2 + 4 × 1 = 6 s
    BOOST_TEST(seconds(hedge_delay(steady, s)) == 6.0, boost::test_tools::tolerance(1e-9));

    deployment_health fast("fast", "g");
    fast.record_ttft(100);  // 0.1 + 0.2 = 0.3 s: the floor
    BOOST_TEST(seconds(hedge_delay(fast, s)) == 1.0);

    deployment_health slow("slow", "g");
    slow.record_ttft(20000);  // the ceiling
    BOOST_TEST(seconds(hedge_delay(slow, s)) == 10.0);

    hedge_settings tight{.enabled = true, .min_delay = 0.25, .max_delay = 3};
    BOOST_TEST(seconds(hedge_delay(fast, tight)) == 0.3, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(seconds(hedge_delay(fresh, tight)) == 3.0);
    hedge_settings inverted{.enabled = true, .min_delay = 5, .max_delay = 2};  // the ceiling wins
    BOOST_TEST(seconds(hedge_delay(fast, inverted)) == 2.0);
}

BOOST_AUTO_TEST_CASE(settings_per_group_fall_back_to_the_default)
{
    router_settings r;
    r.hedging.max_delay = 7;
    r.group_hedging["slow"] = hedge_settings{.enabled = true, .min_delay = 2, .max_delay = 30};
    r.group_hedging["cheap"] = hedge_settings{.enabled = false};
    BOOST_TEST(r.hedging_for("slow").max_delay == 30.0);
    BOOST_TEST(!r.hedging_for("cheap").enabled);
    BOOST_TEST(r.hedging_for("other").max_delay == 7.0);
    BOOST_TEST(r.hedging_for("other").enabled);
}

BOOST_AUTO_TEST_CASE(the_hedge_is_the_next_candidate_of_the_group_then_of_the_plan)
{
    world w(lenient_policy());
    w.add("A", "g", 100);
    w.add("B", "g", 1);
    w.add("F", "fb");
    w.table.settings.fallbacks["g"] = {"fb"};
    plan p = w.make("g");
    auto first = p.next(at(0), 0.0);
    const auto& a = std::get<plan::try_deployment>(first);
    BOOST_TEST(a.target->id == "A");
    auto hedge = p.hedge(at(2), 0.0, *a.target);
    BOOST_TEST_REQUIRE(hedge.has_value());
    BOOST_TEST(hedge->target->id == "B");
    BOOST_TEST(hedge->hedge);
    BOOST_TEST(!hedge->hop.has_value());  // not a failover: nothing failed
    BOOST_TEST(p.fallbacks_taken() == 0);

    // The hedge served; the original lost the race.
    p.abandon(*a.target);
    p.report(*hedge->target, ok(), at(3));
    BOOST_TEST(p.attempts_sent() == 2);
    BOOST_TEST(p.attempts().size() == 1u);
    BOOST_TEST(!w.cell("A").cooling(at(3)));

    // A group with one deployment: the hedge goes to the next group (a hop that counts).
    world v(lenient_policy());
    v.add("A", "g");
    v.add("F", "fb");
    v.table.settings.fallbacks["g"] = {"fb"};
    plan q = v.make("g");
    const auto only = std::get<plan::try_deployment>(q.next(at(0), 0.0));
    auto across = q.hedge(at(2), 0.0, *only.target);
    BOOST_TEST_REQUIRE(across.has_value());
    BOOST_TEST(across->target->id == "F");
    BOOST_TEST(across->group == "fb");
    BOOST_TEST(q.fallbacks_taken() == 1);
}

BOOST_AUTO_TEST_CASE(no_candidate_leaves_the_plan_as_it_was)
{
    world w(lenient_policy());
    w.add("A", "g");
    w.table.settings.num_retries = 1;
    plan p = w.make("g");
    const auto a = std::get<plan::try_deployment>(p.next(at(0), 0.0));
    BOOST_TEST(!p.hedge(at(2), 0.0, *a.target).has_value());
    // The original then fails: its group still gets its retry round (a wait, then A again).
    p.report(*a.target, server_error(), at(3));
    auto step = p.next(at(3), 0.0);
    BOOST_TEST(std::holds_alternative<plan::wait>(step));
}

BOOST_AUTO_TEST_CASE(either_racer_may_fail_first_and_each_is_recorded_in_its_own_group)
{
    world w(lenient_policy());
    w.add("A", "g");
    w.add("F", "fb");
    w.add("G", "fb2");
    w.table.settings.fallbacks["g"] = {"fb", "fb2"};
    plan p = w.make("g");
    const auto a = std::get<plan::try_deployment>(p.next(at(0), 0.0));
    const auto f = *p.hedge(at(2), 0.0, *a.target);
    // The original (group g) fails after the hedge moved the plan to fb: recorded under g.
    p.report(*a.target, server_error(), at(3));
    p.report(*f.target, server_error(), at(4));
    BOOST_TEST_REQUIRE(p.attempts().size() == 2u);
    BOOST_TEST(p.attempts()[0].model_group == "g");
    BOOST_TEST(p.attempts()[1].model_group == "fb");
    // Both failed: the plan goes on after the hedge's group.
    const auto next = std::get<plan::try_deployment>(p.next(at(4), 0.0));
    BOOST_TEST(next.target->id == "G");
}

BOOST_AUTO_TEST_SUITE_END()
