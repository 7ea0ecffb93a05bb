#include "routing/picker.hpp"

#include "unit/routing/routing_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>
#include <map>

using namespace baton::routing;
using namespace baton::routing::test;

namespace {

deployment make_dep(const std::string& id, std::optional<double> weight = std::nullopt, double rpm = 0,
                    double tpm = 0)
{
    deployment d;
    d.id = id;
    d.group = "test-model";
    d.upstream_model = "gpt-4o";
    d.weight = weight;
    d.rpm = rpm;
    d.tpm = tpm;
    return d;
}

std::vector<const deployment*> ptrs(const std::vector<deployment>& ds)
{
    std::vector<const deployment*> out;
    for (const auto& d : ds) {
        out.push_back(&d);
    }
    return out;
}

std::vector<std::string> ids(const std::vector<const deployment*>& ds)
{
    std::vector<std::string> out;
    for (const auto* d : ds) {
        out.push_back(d->id);
    }
    return out;
}

std::string picked(const deployment* d)
{
    return d == nullptr ? "(none)" : d->id;
}

// How often each candidate wins over `n` evenly spaced draws in [0, 1).
std::map<std::string, int> sweep(const picker& p, const std::vector<const deployment*>& c,
                                 time_point now = at(0), int n = 1000)
{
    std::map<std::string, int> counts;
    for (int i = 0; i < n; ++i) {
        ++counts[picked(p.pick(c, now, (i + 0.5) / n))];
    }
    return counts;
}

using ex = std::set<std::string, std::less<>>;

}  // namespace

BOOST_AUTO_TEST_SUITE(picker_test)

// --- seed 003: LiteLLM's _get_excluded_filtered_deployments cases ---

BOOST_AUTO_TEST_CASE(no_excluded_returns_all)
{
    const std::vector<deployment> ds{make_dep("a"), make_dep("b")};
    BOOST_TEST(picker::without(ptrs(ds), ex{}).size() == 2u);
}

BOOST_AUTO_TEST_CASE(drops_excluded)
{
    const std::vector<deployment> ds{make_dep("a"), make_dep("b"), make_dep("c")};
    BOOST_TEST((ids(picker::without(ptrs(ds), ex{"b"})) == std::vector<std::string>{"a", "c"}));
}

BOOST_AUTO_TEST_CASE(all_excluded_returns_empty)
{
    // Never the original list: that would re-pick the deployment that just failed.
    const std::vector<deployment> ds{make_dep("a"), make_dep("b")};
    BOOST_TEST(picker::without(ptrs(ds), ex{"a", "b"}).empty());
    BOOST_TEST(
        picker(routing_strategy::simple_shuffle).pick(picker::without(ptrs(ds), ex{"a", "b"}), at(0), 0.5) ==
        nullptr);
}

BOOST_AUTO_TEST_CASE(excluded_set_with_unknown_ids)
{
    const std::vector<deployment> ds{make_dep("a"), make_dep("b")};
    BOOST_TEST(picker::without(ptrs(ds), ex{"zzz"}).size() == 2u);
}

BOOST_AUTO_TEST_CASE(null_candidates_are_dropped)
{
    // LiteLLM's "missing model_info" case: an entry that cannot be identified is not a candidate.
    const std::vector<deployment> ds{make_dep("b")};
    std::vector<const deployment*> c{nullptr, &ds[0]};
    BOOST_TEST(picker::without(c, ex{"b"}).empty());
    BOOST_TEST(picker::without(c, ex{}).size() == 1u);
    BOOST_TEST(picker().pick(c, at(0), 0.0) == &ds[0]);
}

// --- simple-shuffle (SPEC §5.1) ---

BOOST_AUTO_TEST_CASE(empty_candidates_give_nothing)
{
    BOOST_TEST(picker().pick({}, at(0), 0.5) == nullptr);
    BOOST_TEST(picker::weighted({}, 0.5) == nullptr);
}

BOOST_AUTO_TEST_CASE(weight_splits_the_draw_proportionally)
{
    const std::vector<deployment> ds{make_dep("a", 1), make_dep("b", 3)};
    const picker p;
    BOOST_TEST(picked(p.pick(ptrs(ds), at(0), 0.0)) == "a");
    BOOST_TEST(picked(p.pick(ptrs(ds), at(0), 0.2499)) == "a");
    BOOST_TEST(picked(p.pick(ptrs(ds), at(0), 0.25)) == "b");
    BOOST_TEST(picked(p.pick(ptrs(ds), at(0), 0.9999)) == "b");
    const auto counts = sweep(p, ptrs(ds));
    BOOST_TEST(counts.at("a") == 250);
    BOOST_TEST(counts.at("b") == 750);
}

BOOST_AUTO_TEST_CASE(weight_1_000_000_1_0)
{
    const std::vector<deployment> ds{make_dep("A", 1'000'000), make_dep("B", 1), make_dep("C", 0)};
    const picker p;
    BOOST_TEST(picked(p.pick(ptrs(ds), at(0), 0.5)) == "A");
    BOOST_TEST(picked(p.pick(ptrs(ds), at(0), 0.999999)) == "A");
    BOOST_TEST(picked(p.pick(ptrs(ds), at(0), 0.9999995)) == "B");
    // With A gone, B takes every draw: C weighs 0 and B is positive.
    const std::vector<const deployment*> rest{&ds[1], &ds[2]};
    for (const double d : {0.0, 0.5, 0.999999}) {
        BOOST_TEST(picked(p.pick(rest, at(0), d)) == "B");
    }
}

BOOST_AUTO_TEST_CASE(weight_zero_only_when_nothing_positive_remains)
{
    const std::vector<deployment> ds{make_dep("zero", 0), make_dep("pos", 1), make_dep("unset")};
    const auto counts = sweep(picker(), ptrs(ds));
    BOOST_TEST(counts.size() == 1u);
    BOOST_TEST(counts.at("pos") == 1000);
    // Only zero (and unset) weights left: they are picked, uniformly here (no rpm/tpm).
    const std::vector<const deployment*> zeros{&ds[0], &ds[2]};
    const auto z = sweep(picker(), zeros);
    BOOST_TEST(z.at("zero") == 500);
    BOOST_TEST(z.at("unset") == 500);
}

BOOST_AUTO_TEST_CASE(zero_weights_fall_through_to_rpm)
{
    const std::vector<deployment> ds{make_dep("a", 0, 100), make_dep("b", 0, 300), make_dep("c", 0, 0, 5000)};
    const auto counts = sweep(picker(), ptrs(ds));
    BOOST_TEST(counts.at("a") == 250);
    BOOST_TEST(counts.at("b") == 750);
    BOOST_TEST(!counts.contains("c"));  // rpm decides; c has none
}

BOOST_AUTO_TEST_CASE(zero_rpm_falls_through_to_tpm)
{
    const std::vector<deployment> ds{make_dep("a", 0, 0, 1000), make_dep("b", std::nullopt, 0, 9000),
                                     make_dep("c", 0, 0, 0)};
    const auto counts = sweep(picker(), ptrs(ds));
    BOOST_TEST(counts.at("a") == 100);
    BOOST_TEST(counts.at("b") == 900);
    BOOST_TEST(!counts.contains("c"));
}

BOOST_AUTO_TEST_CASE(all_metrics_zero_is_uniform)
{
    const std::vector<deployment> ds{make_dep("a"), make_dep("b", 0), make_dep("c"), make_dep("d")};
    const picker p;
    BOOST_TEST(picked(p.pick(ptrs(ds), at(0), 0.0)) == "a");
    BOOST_TEST(picked(p.pick(ptrs(ds), at(0), 0.26)) == "b");
    BOOST_TEST(picked(p.pick(ptrs(ds), at(0), 0.5)) == "c");
    BOOST_TEST(picked(p.pick(ptrs(ds), at(0), 0.99)) == "d");
    const auto counts = sweep(p, ptrs(ds));
    for (const auto& [id, n] : counts) {
        BOOST_TEST(n == 250);
    }
}

BOOST_AUTO_TEST_CASE(negative_and_non_finite_metrics_count_as_zero)
{
    const std::vector<deployment> ds{
        make_dep("neg", -5), make_dep("inf", std::numeric_limits<double>::infinity()), make_dep("pos", 2)};
    const auto counts = sweep(picker(), ptrs(ds));
    BOOST_TEST(counts.size() == 1u);
    BOOST_TEST(counts.at("pos") == 1000);
}

BOOST_AUTO_TEST_CASE(draws_out_of_range_are_clamped)
{
    const std::vector<deployment> ds{make_dep("a", 1), make_dep("b", 1)};
    const picker p;
    BOOST_TEST(picked(p.pick(ptrs(ds), at(0), -0.5)) == "a");
    BOOST_TEST(picked(p.pick(ptrs(ds), at(0), std::nan(""))) == "a");
    BOOST_TEST(picked(p.pick(ptrs(ds), at(0), 1.0)) == "b");
    BOOST_TEST(picked(p.pick(ptrs(ds), at(0), 7.0)) == "b");
    const std::vector<deployment> u{make_dep("x"), make_dep("y")};
    BOOST_TEST(picked(p.pick(ptrs(u), at(0), 1.0)) == "y");
}

// --- eligibility: max_parallel_requests for every strategy ---

BOOST_AUTO_TEST_CASE(max_parallel_requests_makes_a_busy_deployment_ineligible_for_every_strategy)
{
    world w;
    deployment busy = make_dep("busy", 1'000'000);
    busy.max_parallel_requests = 2;
    w.add(busy);
    w.add(make_dep("free", 1));
    w.cell("busy").begin_request();
    w.cell("busy").begin_request();
    for (const auto s : {routing_strategy::simple_shuffle, routing_strategy::least_busy,
                         routing_strategy::latency_based, routing_strategy::usage_based}) {
        BOOST_TEST_CONTEXT(to_string(s))
        {
            const picker p(s);
            BOOST_TEST(!p.eligible(w.dep("busy"), at(0)));
            BOOST_TEST(p.eligible(w.dep("free"), at(0)));
            const std::vector<const deployment*> c{&w.dep("busy"), &w.dep("free")};
            BOOST_TEST(picked(p.pick(c, at(0), 0.0)) == "free");
            const std::vector<const deployment*> only_busy{&w.dep("busy")};
            BOOST_TEST(p.pick(only_busy, at(0), 0.0) == nullptr);
        }
    }
    w.cell("busy").end_request();
    BOOST_TEST(picker().eligible(w.dep("busy"), at(0)));
}

BOOST_AUTO_TEST_CASE(a_deployment_without_a_health_cell_is_idle)
{
    deployment d = make_dep("bare", 1, 1, 1);
    d.max_parallel_requests = 1;
    for (const auto s : {routing_strategy::simple_shuffle, routing_strategy::least_busy,
                         routing_strategy::latency_based, routing_strategy::usage_based}) {
        BOOST_TEST(picker(s).eligible(d, at(0)));
        const std::vector<const deployment*> c{&d};
        BOOST_TEST(picker(s).pick(c, at(0), 0.3) == &d);
    }
}

// --- least-busy ---

BOOST_AUTO_TEST_CASE(least_busy_picks_fewest_in_flight_and_draws_among_ties)
{
    world w;
    w.add("a", "g", 1);
    w.add("b", "g", 1);
    w.add("c", "g", 3);
    w.cell("a").begin_request();
    w.cell("a").begin_request();
    w.cell("b").begin_request();
    w.cell("c").begin_request();
    const picker p(routing_strategy::least_busy);
    const std::vector<const deployment*> c{&w.dep("a"), &w.dep("b"), &w.dep("c")};
    // b and c tie at 1: weighted 1:3 between them.
    const auto counts = sweep(p, c);
    BOOST_TEST(counts.at("b") == 250);
    BOOST_TEST(counts.at("c") == 750);
    BOOST_TEST(!counts.contains("a"));
    w.cell("c").begin_request();
    BOOST_TEST(picked(p.pick(c, at(0), 0.99)) == "b");
    w.cell("a").end_request();
    w.cell("a").end_request();
    BOOST_TEST(picked(p.pick(c, at(0), 0.99)) == "a");
}

// --- latency-based ---

BOOST_AUTO_TEST_CASE(latency_based_picks_lowest_ewma_unmeasured_first)
{
    world w;
    w.add("slow", "g", 1);
    w.add("fast", "g", 1);
    w.add("new", "g", 1);
    w.cell("slow").record_latency(900);
    w.cell("fast").record_latency(50);
    const picker p(routing_strategy::latency_based);
    const std::vector<const deployment*> c{&w.dep("slow"), &w.dep("fast"), &w.dep("new")};
    BOOST_TEST(sweep(p, c).at("new") == 1000);  // never measured: goes first, to get measured
    w.cell("new").record_latency(200);
    BOOST_TEST(sweep(p, c).at("fast") == 1000);
    w.cell("fast").record_latency(2000);  // 0.3*2000 + 0.7*50 = 635
    BOOST_TEST(sweep(p, c).at("new") == 1000);
}

BOOST_AUTO_TEST_CASE(latency_based_ties_are_drawn_by_weight)
{
    world w;
    w.add("a", "g", 1);
    w.add("b", "g", 1);
    const picker p(routing_strategy::latency_based);
    const std::vector<const deployment*> c{&w.dep("a"), &w.dep("b")};
    const auto counts = sweep(p, c);
    BOOST_TEST(counts.at("a") == 500);
    BOOST_TEST(counts.at("b") == 500);
}

// --- usage-based ---

BOOST_AUTO_TEST_CASE(usage_based_picks_lowest_budget_share_this_minute)
{
    world w;
    w.add(make_dep("small", 1, 10));        // 5/10 = 0.5
    w.add(make_dep("big", 1, 100));         // 10/100 = 0.1
    w.add(make_dep("tokens", 1, 0, 1000));  // 300/1000 = 0.3
    w.cell("small").record_usage(at(0), 5, 0);
    w.cell("big").record_usage(at(0), 10, 0);
    w.cell("tokens").record_usage(at(0), 50, 300);
    const picker p(routing_strategy::usage_based);
    const std::vector<const deployment*> c{&w.dep("small"), &w.dep("big"), &w.dep("tokens")};
    BOOST_TEST(picked(p.pick(c, at(1), 0.5)) == "big");
    w.cell("big").record_usage(at(1), 30, 0);  // 0.4
    BOOST_TEST(picked(p.pick(c, at(1), 0.5)) == "tokens");
    // The larger of the two ratios counts.
    w.cell("tokens").record_usage(at(1), 0, 500);  // tokens 800/1000 = 0.8
    BOOST_TEST(picked(p.pick(c, at(1), 0.5)) == "big");
    // Next minute: everyone is back to 0 and the weights decide.
    const auto next_minute = sweep(p, c, at(60));
    BOOST_TEST(next_minute.at("small") == 333);
    BOOST_TEST(next_minute.at("big") == 334);
    BOOST_TEST(next_minute.at("tokens") == 333);
}

BOOST_AUTO_TEST_CASE(usage_based_excludes_deployments_at_their_limit)
{
    world w;
    w.add(make_dep("rpm-full", 1, 10));
    w.add(make_dep("tpm-full", 1, 0, 100));
    w.add(make_dep("unlimited", 1));
    w.cell("rpm-full").record_usage(at(0), 10, 0);
    w.cell("tpm-full").record_usage(at(0), 1, 100);
    w.cell("unlimited").record_usage(at(0), 1000, 1'000'000);
    const picker p(routing_strategy::usage_based);
    BOOST_TEST(!p.eligible(w.dep("rpm-full"), at(1)));
    BOOST_TEST(!p.eligible(w.dep("tpm-full"), at(1)));
    BOOST_TEST(p.eligible(w.dep("unlimited"), at(1)));
    const std::vector<const deployment*> full{&w.dep("rpm-full"), &w.dep("tpm-full")};
    BOOST_TEST(p.pick(full, at(1), 0.5) == nullptr);
    const std::vector<const deployment*> c{&w.dep("rpm-full"), &w.dep("tpm-full"), &w.dep("unlimited")};
    BOOST_TEST(picked(p.pick(c, at(1), 0.0)) == "unlimited");
    // Budgets only bind usage-based routing; simple-shuffle uses rpm/tpm as weights instead.
    BOOST_TEST(picker().eligible(w.dep("rpm-full"), at(1)));
    // A new minute frees them.
    BOOST_TEST(p.eligible(w.dep("rpm-full"), at(60)));
}

BOOST_AUTO_TEST_SUITE_END()
