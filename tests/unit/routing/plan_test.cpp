#include "routing/plan.hpp"

#include "unit/routing/routing_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <tuple>

using namespace baton::routing;
using namespace baton::routing::test;

namespace {

using strings = std::vector<std::string>;

cooldown_policy lenient()
{
    cooldown_policy p;
    p.allowed_fails = 1000;  // counted failures never cool down: the test is about the plan alone
    return p;
}

int failed_attempts(const plan& p)
{
    return static_cast<int>(std::count_if(p.attempts().begin(), p.attempts().end(), [](const attempt& a) {
        return !a.skipped && a.reason != failure_reason::none;
    }));
}

bool same_hop(const std::optional<transition>& t, const std::string& from, const std::string& to,
              failure_reason r)
{
    return t && t->from_group == from && t->to_group == to && t->reason == r;
}

// The weighted failover world of LiteLLM's tests: one group, "test-model".
void two_regions(world& w, std::optional<double> wa = 1, std::optional<double> wb = 1)
{
    w.add("A", "test-model", wa, "gpt-4o");
    w.add("B", "test-model", wb, "gpt-4o");
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// Seed 003: LiteLLM weighted failover inside a model group.
// ---------------------------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(plan_weighted_failover)

BOOST_AUTO_TEST_CASE(failover_lands_on_other_deployment)
{
    world w;
    two_regions(w, 1, 0);  // B has weight 0, so A is always picked first
    plan p = w.make("test-model");
    const auto r = drive(p, failing({"A"}));
    BOOST_TEST(r.succeeded());
    BOOST_TEST((r.ids() == strings{"A", "B"}));
    BOOST_TEST(!r.tries[0].hop);
    BOOST_TEST(same_hop(r.tries[1].hop, "test-model", "test-model", failure_reason::server_error));
    BOOST_TEST(p.attempts_sent() == 2);
    BOOST_TEST(p.fallbacks_taken() == 0);
    BOOST_TEST_REQUIRE(p.attempts().size() == 2u);
    BOOST_TEST(p.attempts()[0].deployment_id == "A");
    BOOST_TEST(p.attempts()[0].model_group == "test-model");
    BOOST_TEST((p.attempts()[0].reason == failure_reason::server_error));
    BOOST_TEST(p.attempts()[0].status == 500);
    BOOST_TEST(!p.attempts()[0].skipped);
    BOOST_TEST(p.attempts()[0].latency_ms == 5.0);
    BOOST_TEST((p.attempts()[1].reason == failure_reason::none));
    BOOST_TEST(p.attempts()[1].latency_ms == 10.0);
}

BOOST_AUTO_TEST_CASE(no_failover_when_flag_off)
{
    world w;
    two_regions(w, 1, 0);
    w.table.settings.enable_weighted_failover = false;
    plan p = w.make("test-model");
    const auto r = drive(p, failing({"A"}));
    BOOST_TEST(r.exhausted());
    BOOST_TEST((r.why() == errc::all_failed));
    BOOST_TEST((r.ids() == strings{"A"}));
}

BOOST_AUTO_TEST_CASE(no_failover_when_flag_off_still_takes_the_next_group)
{
    world w;
    two_regions(w, 1, 0);
    w.add("fallback", "fallback-model");
    w.table.settings.enable_weighted_failover = false;
    w.table.settings.fallbacks["test-model"] = {"fallback-model"};
    plan p = w.make("test-model");
    const auto r = drive(p, failing({"A"}));
    BOOST_TEST(r.succeeded());
    BOOST_TEST((r.ids() == strings{"A", "fallback"}));
}

BOOST_AUTO_TEST_CASE(failover_chain_three_deployments)
{
    world w;
    w.add("A", "test-model", 1'000'000);  // always picked first
    w.add("B", "test-model", 1);          // picked when A is excluded
    w.add("C", "test-model", 0);          // only when nothing positive remains
    plan p = w.make("test-model");
    const auto r = drive(p, failing({"A", "B"}), at(0), {0.5});
    BOOST_TEST(r.succeeded());
    BOOST_TEST((r.ids() == strings{"A", "B", "C"}));
    BOOST_TEST(p.attempts_sent() == 3);
}

BOOST_AUTO_TEST_CASE(failover_exhausted_when_all_deployments_fail)
{
    world w;
    two_regions(w, 1, 1);
    plan p = w.make("test-model");
    const auto r = drive(p, failing({"A", "B"}), at(0), {0.3, 0.9, 0.0});
    BOOST_TEST(r.exhausted());  // ends, does not loop
    BOOST_TEST((r.why() == errc::all_failed));
    BOOST_TEST(r.tries.size() == 2u);  // each deployment exactly once
    BOOST_TEST(r.ids()[0] != r.ids()[1]);
    BOOST_TEST(p.attempts().size() == 2u);
}

BOOST_AUTO_TEST_CASE(failover_falls_through_to_external_fallback)
{
    world w;
    two_regions(w, 1, 1);
    w.add("fallback", "fallback-model", std::nullopt, "gpt-4o");
    w.table.settings.fallbacks["test-model"] = {"fallback-model"};
    plan p = w.make("test-model");
    const auto r = drive(p, failing({"A", "B"}));
    BOOST_TEST(r.succeeded());
    BOOST_TEST((r.ids() == strings{"A", "B", "fallback"}));
    BOOST_TEST(r.tries[2].group == "fallback-model");
    BOOST_TEST(same_hop(r.tries[2].hop, "test-model", "fallback-model", failure_reason::server_error));
    BOOST_TEST(p.fallbacks_taken() == 1);
}

BOOST_AUTO_TEST_CASE(weights_respected_when_all_healthy)
{
    // 1000 requests over an 80/20 group, draws from a fixed-seed mt19937 (its output is fixed by the
    // standard; the draw is built from it directly, not through a distribution whose algorithm varies).
    // The bound: A ~ Binomial(1000, 0.8), sd = sqrt(1000 * 0.8 * 0.2) ≈ 12.6; ±63 is 5 sd, which any seed
    // passes with probability > 0.999999, so the test checks the split, not the seed. LiteLLM's own looser
    // bounds (A > 2B, B > 50) are checked too.
    world w;
    two_regions(w, 80, 20);
    std::mt19937 gen(20240601);
    int a = 0;
    int b = 0;
    for (int i = 0; i < 1000; ++i) {
        plan p = w.make("test-model");
        const double draw = static_cast<double>(gen()) / 4294967296.0;
        const auto s = p.next(at(i), draw);
        const auto* t = std::get_if<plan::try_deployment>(&s);
        BOOST_TEST_REQUIRE(t != nullptr);
        (t->target->id == "A" ? a : b) += 1;
        p.report(*t->target, ok(), at(i));
    }
    BOOST_TEST(a + b == 1000);
    BOOST_TEST(std::abs(a - 800) <= 63, "A got " << a << " of 1000");
    BOOST_TEST(a > 2 * b);
    BOOST_TEST(b > 50);
}

BOOST_AUTO_TEST_CASE(failover_happens_for_every_strategy)
{
    // LiteLLM wires weighted failover only for simple-shuffle; baton re-picks in the group for every
    // strategy (SPEC §5.2): both deployments are tried before the request fails.
    for (const auto s : {routing_strategy::simple_shuffle, routing_strategy::least_busy,
                         routing_strategy::latency_based, routing_strategy::usage_based}) {
        BOOST_TEST_CONTEXT(to_string(s))
        {
            world w;
            two_regions(w, std::nullopt, std::nullopt);
            w.table.settings.strategy = s;
            plan p = w.make("test-model");
            const auto r = drive(p, failing({"A", "B"}));
            BOOST_TEST(r.exhausted());
            BOOST_TEST(r.tries.size() == 2u);

            plan q = w.make("test-model");
            const auto first = std::get<plan::try_deployment>(q.next(at(1), 0.0)).target->id;
            q.report(w.dep(first), server_error(), at(1));
            const auto second = std::get<plan::try_deployment>(q.next(at(1), 0.0)).target->id;
            BOOST_TEST(second != first);
            q.report(w.dep(second), ok(), at(1));
            BOOST_TEST(q.attempts_sent() == 2);
        }
    }
}

BOOST_AUTO_TEST_CASE(failover_skipped_for_context_window_error)
{
    world w;
    two_regions(w, 1, 1);
    plan p = w.make("test-model");
    const auto r = drive(p, failing({"A", "B"}, fail(failure_reason::context_window, 400)));
    BOOST_TEST(r.gave_back());  // the upstream's own error goes back to the client
    BOOST_TEST(r.tries.size() == 1u);
    BOOST_TEST((p.attempts()[0].reason == failure_reason::context_window));
    BOOST_TEST(!w.cell(r.ids()[0]).cooling(at(0)));  // the request's fault, not the deployment's
}

BOOST_AUTO_TEST_CASE(user_config_two_region_failover)
{
    // Two Azure regions 50/50, one permanently failing; allowed_fails 5, cooldown_time 120 s. Every request
    // lands on the healthy region, either directly or by failover; once the bad one cools down it is skipped.
    cooldown_policy policy;
    policy.allowed_fails = 5;
    policy.cooldown_time = 120s;
    world w(policy);
    w.add("eastus2", "gpt-5.4-mini", 50, "deployment-eastus2", "azure");
    w.add("northcentralus", "gpt-5.4-mini", 50, "deployment-northcentralus", "azure");
    w.table.settings.cooldown_time = 120;
    w.table.settings.allowed_fails = 5;
    int served_north = 0;
    int sent_east = 0;
    for (int i = 0; i < 20; ++i) {
        plan p = w.make("gpt-5.4-mini");
        const double draw = std::fmod(i * 0.37, 1.0);  // spread over both halves
        const auto r = drive(p, failing({"eastus2"}), at(i), {draw});
        BOOST_TEST_REQUIRE(r.succeeded());
        const strings ids = r.ids();
        served_north += ids.back() == "northcentralus" ? 1 : 0;
        sent_east += static_cast<int>(std::count(ids.begin(), ids.end(), "eastus2"));
    }
    BOOST_TEST(served_north == 20);
    BOOST_TEST(sent_east == 5);  // the fifth failure started its cooldown; after that it was skipped
    BOOST_TEST(w.cell("eastus2").cooling(at(20)));
}

BOOST_AUTO_TEST_CASE(remaining_all_cooling_goes_straight_to_fallback)
{
    world w;
    w.add("A", "test-model", 1'000'000);
    w.add("B", "test-model", 1);
    w.add("C", "test-model", 1);
    w.add("fallback", "fallback-model");
    w.table.settings.fallbacks["test-model"] = {"fallback-model"};
    w.cool("B", at(0));
    w.cool("C", at(0));
    plan p = w.make("test-model");
    const auto r = drive(p, failing({"A"}), at(1));
    BOOST_TEST(r.succeeded());
    BOOST_TEST((r.ids() == strings{"A", "fallback"}));  // nothing sent to B or C
    BOOST_TEST(p.attempts_sent() == 2);
    int skipped = 0;
    for (const auto& a : p.attempts()) {
        if (a.skipped) {
            ++skipped;
            BOOST_TEST((a.deployment_id == "B" || a.deployment_id == "C"));
            BOOST_TEST((a.reason == failure_reason::cooling_down));
            BOOST_TEST(a.status == 0);
            BOOST_TEST(a.model_group == "test-model");
        }
    }
    BOOST_TEST(skipped == 2);  // each recorded once
}

BOOST_AUTO_TEST_CASE(one_healthy_remains_and_is_used)
{
    world w;
    w.add("A", "test-model", 1'000'000);
    w.add("B", "test-model", 1);
    w.add("C", "test-model", 1);
    w.add("fallback", "fallback-model");
    w.table.settings.fallbacks["test-model"] = {"fallback-model"};
    w.cool("B", at(0));
    plan p = w.make("test-model");
    const auto r = drive(p, failing({"A"}), at(1));
    BOOST_TEST((r.ids() == strings{"A", "C"}));
    BOOST_TEST(p.fallbacks_taken() == 0);
}

BOOST_AUTO_TEST_CASE(falls_through_to_external_fallback_when_remaining_in_cooldown)
{
    world w;
    w.add("A", "test-model", 1'000'000);
    w.add("B", "test-model", 1);
    w.add("fallback", "fallback-model");
    w.table.settings.fallbacks["test-model"] = {"fallback-model"};
    w.cool("B", at(0));
    plan p = w.make("test-model");
    const auto r = drive(p, failing({"A", "B"}), at(1));
    BOOST_TEST(r.succeeded());
    BOOST_TEST(r.ids().back() == "fallback");
    BOOST_TEST((r.ids() == strings{"A", "fallback"}));
}

BOOST_AUTO_TEST_CASE(weight_zero_and_rpm_fallthrough_after_exclusion)
{
    // Once the only positive weight is excluded, rpm decides among the zero-weight rest.
    for (const auto& [draw, expected] : std::vector<std::pair<double, std::string>>{{0.1, "B"}, {0.5, "C"}}) {
        world w;
        w.add("A", "test-model", 1);
        deployment b;
        b.id = "B";
        b.group = "test-model";
        b.weight = 0;
        b.rpm = 100;
        w.add(b);
        deployment c = b;
        c.id = "C";
        c.rpm = 300;
        w.add(c);
        plan p = w.make("test-model");
        const auto r = drive(p, failing({"A"}), at(0), {draw});
        BOOST_TEST((r.ids() == strings{"A", expected}));
    }
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------------------
// Seed 002: several API keys on one deployment (d, d__key_1, d__key_2), each with its own cooldown.
// ---------------------------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(plan_multi_key)

namespace {

// What the config loader makes of `api_keys: [k1, k2, k3]` on deployment d (built by hand here).
void three_keys(world& w, int keys = 3)
{
    const strings ids{"d", "d__key_1", "d__key_2"};
    for (int i = 0; i < keys; ++i) {
        deployment dep;
        dep.id = ids[static_cast<std::size_t>(i)];
        dep.group = "glm-4.7";
        dep.provider = "zhipu";
        dep.upstream_model = "glm-4.7";
        dep.api_key = "key" + std::to_string(i + 1);
        dep.weight = 1;
        w.add(dep);
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(rate_limit_then_success_on_the_next_key)
{
    world w;
    three_keys(w);
    plan p = w.make("glm-4.7");
    const auto r = drive(p, in_order({rate_limited(), ok()}));
    BOOST_TEST(r.succeeded());
    BOOST_TEST(r.tries.size() == 2u);  // 1 fail + 1 success
    BOOST_TEST((r.ids() == strings{"d", "d__key_1"}));
    BOOST_TEST(r.tries[1].target->api_key == "key2");
    BOOST_TEST(failed_attempts(p) == 1);
    BOOST_TEST((p.attempts()[0].reason == failure_reason::rate_limit));
    BOOST_TEST(p.attempts()[0].status == 429);
    // The cooldown is the key's own: the others stay available.
    BOOST_TEST(w.cell("d").cooling(at(0)));
    BOOST_TEST(!w.cell("d__key_1").cooling(at(0)));
    BOOST_TEST(!w.cell("d__key_2").cooling(at(0)));
}

BOOST_AUTO_TEST_CASE(all_keys_rate_limited_is_exhausted_with_429)
{
    world w;
    three_keys(w);
    plan p = w.make("glm-4.7");
    const auto r = drive(p, in_order({rate_limited()}));
    BOOST_TEST(r.exhausted());
    BOOST_TEST((r.why() == errc::all_rate_limited));
    BOOST_TEST(r.tries.size() == 3u);
    BOOST_TEST(p.attempts().size() == 3u);
    for (const auto& id : {"d", "d__key_1", "d__key_2"}) {
        BOOST_TEST(w.cell(id).cooling(at(0)));
    }
}

BOOST_AUTO_TEST_CASE(a_cooling_key_is_skipped_and_recorded_as_skipped)
{
    world w;
    three_keys(w, 2);
    w.cool("d", at(0));
    BOOST_TEST(w.cell("d").cooling(at(1)));
    plan p = w.make("glm-4.7");
    const auto r = drive(p, in_order({ok()}), at(1));
    BOOST_TEST(r.succeeded());
    BOOST_TEST(r.tries.size() == 1u);  // the first key was not called
    BOOST_TEST((r.ids() == strings{"d__key_1"}));
    BOOST_TEST(p.attempts_sent() == 1);
    BOOST_TEST_REQUIRE(p.attempts().size() == 2u);
    BOOST_TEST(p.attempts()[0].deployment_id == "d");
    BOOST_TEST(p.attempts()[0].skipped);
    BOOST_TEST((p.attempts()[0].reason == failure_reason::cooling_down));
    BOOST_TEST(p.attempts()[0].status == 0);
    BOOST_TEST(!r.tries[0].hop);  // same group: not a hop
}

BOOST_AUTO_TEST_CASE(a_format_error_is_not_retried)
{
    world w;
    three_keys(w, 2);
    plan p = w.make("glm-4.7");
    const auto r = drive(p, in_order({fail(failure_reason::format, 400)}));
    BOOST_TEST(r.gave_back());
    BOOST_TEST(r.tries.size() == 1u);
    BOOST_TEST((p.attempts()[0].reason == failure_reason::format));
    BOOST_TEST(!w.cell("d").cooling(at(0)));  // no cooldown
    BOOST_TEST(w.cell("d").snap(at(0)).consecutive_failures == 0);
}

BOOST_AUTO_TEST_CASE(mixed_errors_rate_limit_then_timeout_then_success)
{
    world w;
    three_keys(w);
    plan p = w.make("glm-4.7");
    const auto r = drive(p, in_order({rate_limited(), timed_out(), ok()}));
    BOOST_TEST(r.succeeded());
    BOOST_TEST(r.tries.size() == 3u);
    BOOST_TEST(failed_attempts(p) == 2);
    BOOST_TEST((p.attempts()[0].reason == failure_reason::rate_limit));
    BOOST_TEST((p.attempts()[1].reason == failure_reason::timeout));
    BOOST_TEST((p.attempts()[2].reason == failure_reason::none));
    BOOST_TEST(same_hop(r.tries[2].hop, "glm-4.7", "glm-4.7", failure_reason::timeout));
}

BOOST_AUTO_TEST_CASE(multi_key_then_model_fallback)
{
    // api_keys [k1, k2] + fallbacks [minimax]: glm-4.7 (k1) → glm-4.7 (k2) → minimax.
    world w;
    three_keys(w, 2);
    w.add("minimax", "minimax", std::nullopt, "minimax", "minimax");
    w.table.settings.fallbacks["glm-4.7"] = {"minimax"};
    plan p = w.make("glm-4.7");
    const auto r = drive(p, in_order({rate_limited(), rate_limited(), ok()}));
    BOOST_TEST(r.succeeded());
    BOOST_TEST((r.ids() == strings{"d", "d__key_1", "minimax"}));
    BOOST_TEST(r.tries[0].target->provider + "/" + r.tries[0].upstream_model == "zhipu/glm-4.7");
    BOOST_TEST(r.tries[2].target->provider + "/" + r.tries[2].upstream_model == "minimax/minimax");
    BOOST_TEST(failed_attempts(p) == 2);
    BOOST_TEST((p.attempts()[0].reason == failure_reason::rate_limit));
    BOOST_TEST((p.attempts()[1].reason == failure_reason::rate_limit));
    BOOST_TEST(same_hop(r.tries[1].hop, "glm-4.7", "glm-4.7", failure_reason::rate_limit));
    BOOST_TEST(same_hop(r.tries[2].hop, "glm-4.7", "minimax", failure_reason::rate_limit));
    BOOST_TEST(p.fallbacks_taken() == 1);
}

BOOST_AUTO_TEST_CASE(one_rate_limited_key_never_blocks_the_next_request)
{
    world w;
    three_keys(w);
    plan first = w.make("glm-4.7");
    drive(first, in_order({rate_limited(), ok()}));
    plan second = w.make("glm-4.7");
    const auto r = drive(second, in_order({ok()}), at(1));
    BOOST_TEST(r.succeeded());
    BOOST_TEST((r.ids() == strings{"d__key_1"}));
    BOOST_TEST(second.attempts()[0].skipped);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------------------
// Seed 000: fallback order (per-key backups before configured fallbacks, no recursion).
// ---------------------------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(plan_fallback_order)

namespace {

void four_stages(world& w)
{
    w.add("p", "primary", std::nullopt, "primary-model");
    w.add("b", "backup", std::nullopt, "backup-model");
    w.add("g", "global", std::nullopt, "global-model");
    w.add("z", "default", std::nullopt, "default-model");
    w.add("o", "other", std::nullopt, "other-model");
    w.table.settings.fallbacks["primary"] = {"global"};
    w.table.settings.default_fallbacks = {"default"};
}

request_options backups(strings models)
{
    request_options o;
    o.backup_models = std::move(models);
    return o;
}

}  // namespace

BOOST_AUTO_TEST_CASE(backup_models_come_before_configured_fallbacks)
{
    world w;
    four_stages(w);
    plan p = w.make("primary", backups({"backup"}));
    const auto r = drive(p, failing({"p", "b", "g", "z"}));
    BOOST_TEST((r.ids() == strings{"p", "b", "g", "z"}));
    BOOST_TEST(r.exhausted());
    BOOST_TEST(p.attempts().size() == 4u);
    BOOST_TEST(p.fallbacks_taken() == 3);
    BOOST_TEST(same_hop(r.tries[1].hop, "primary", "backup", failure_reason::server_error));
    BOOST_TEST(same_hop(r.tries[2].hop, "backup", "global", failure_reason::server_error));
    BOOST_TEST(same_hop(r.tries[3].hop, "global", "default", failure_reason::server_error));
}

BOOST_AUTO_TEST_CASE(primary_fails_backup_model_is_used)
{
    world w;
    four_stages(w);
    plan p = w.make("primary", backups({"backup"}));
    const auto r = drive(p, failing({"p"}));
    BOOST_TEST(r.succeeded());
    BOOST_TEST((r.ids() == strings{"p", "b"}));
}

BOOST_AUTO_TEST_CASE(configured_fallback_used_when_no_backup_models)
{
    world w;
    four_stages(w);
    plan p = w.make("primary");
    const auto r = drive(p, failing({"p"}));
    BOOST_TEST((r.ids() == strings{"p", "g"}));
}

BOOST_AUTO_TEST_CASE(unresolvable_backup_is_skipped_with_a_note_and_the_next_tried)
{
    world w;
    four_stages(w);
    strings notes;
    plan p = w.make("primary", backups({"bad-model", "backup"}), &notes);
    BOOST_TEST_REQUIRE(notes.size() == 1u);
    BOOST_TEST(notes[0].find("bad-model") != std::string::npos);
    BOOST_TEST(notes[0].find("backup_models") != std::string::npos);
    BOOST_TEST((p.notes() == notes));
    const auto r = drive(p, failing({"p"}));
    BOOST_TEST((r.ids() == strings{"p", "b"}));
}

BOOST_AUTO_TEST_CASE(configured_fallback_used_when_every_backup_is_unresolvable)
{
    world w;
    four_stages(w);
    strings notes;
    plan p = w.make("primary", backups({"broken-backup"}), &notes);
    BOOST_TEST(notes.size() == 1u);
    const auto r = drive(p, failing({"p"}));
    BOOST_TEST((r.ids() == strings{"p", "g"}));  // tried broken-backup (skipped), then the global one
}

BOOST_AUTO_TEST_CASE(nothing_configured_means_no_fallback)
{
    world w;
    w.add("p", "primary");
    w.add("x", "unrelated");
    plan p = w.make("primary");
    const auto r = drive(p, failing({"p"}));
    BOOST_TEST(r.exhausted());
    BOOST_TEST(r.tries.size() == 1u);
    BOOST_TEST(p.notes().empty());
}

BOOST_AUTO_TEST_CASE(primary_success_touches_no_fallback)
{
    world w;
    four_stages(w);
    plan p = w.make("primary", backups({"backup"}));
    const auto r = drive(p, failing({}));
    BOOST_TEST((r.ids() == strings{"p"}));
    BOOST_TEST(!r.tries[0].hop);
    BOOST_TEST(p.fallbacks_taken() == 0);
    BOOST_TEST(p.primary_group() == "primary");
}

BOOST_AUTO_TEST_CASE(fallback_uses_its_own_deployment_and_upstream_model)
{
    world w;
    w.add("qwen", "qwen", std::nullopt, "qwen/qwen3-4b-2507", "openai");
    w.add("groq", "groq-gpt-oss-120b", std::nullopt, "openai/gpt-oss-120b", "groq");
    plan p = w.make("qwen", backups({"groq-gpt-oss-120b"}));
    const auto r = drive(p, failing({"qwen"}));
    BOOST_TEST_REQUIRE(r.tries.size() == 2u);
    BOOST_TEST(r.tries[0].upstream_model == "qwen/qwen3-4b-2507");
    BOOST_TEST(r.tries[1].upstream_model == "openai/gpt-oss-120b");  // never the primary's model
    BOOST_TEST(r.tries[1].target->provider == "groq");
    BOOST_TEST(r.tries[1].group == "groq-gpt-oss-120b");
}

BOOST_AUTO_TEST_CASE(a_fallback_groups_own_fallbacks_are_never_followed)
{
    // backup's own configured fallbacks (third) must not be walked when backup fails: no recursion.
    world w;
    w.add("p", "primary");
    w.add("b", "backup");
    w.add("t", "third");
    w.table.settings.fallbacks["backup"] = {"third"};
    plan p = w.make("primary", backups({"backup"}));
    const auto r = drive(p, failing({"p", "b", "t"}));
    BOOST_TEST(r.exhausted());
    BOOST_TEST((r.ids() == strings{"p", "b"}));
    BOOST_TEST(p.attempts().size() == 2u);  // exactly two: no third hop, no extra retries

    // The same when the backup comes from the configured fallbacks.
    w.table.settings.fallbacks["primary"] = {"backup"};
    plan q = w.make("primary");
    const auto s = drive(q, failing({"p", "b", "t"}));
    BOOST_TEST((s.ids() == strings{"p", "b"}));
    BOOST_TEST(q.attempts().size() == 2u);
}

BOOST_AUTO_TEST_CASE(request_fallbacks_replace_backup_models)
{
    world w;
    four_stages(w);
    request_options o = backups({"backup"});
    o.fallbacks = strings{"other"};
    plan p = w.make("primary", o);
    const auto r = drive(p, failing({"p", "o", "g", "z", "b"}));
    BOOST_TEST((r.ids() == strings{"p", "o", "g", "z"}));
}

BOOST_AUTO_TEST_CASE(an_empty_request_fallbacks_list_drops_backup_models)
{
    world w;
    four_stages(w);
    request_options o = backups({"backup"});
    o.fallbacks = strings{};
    plan p = w.make("primary", o);
    const auto r = drive(p, failing({"p", "g", "z", "b"}));
    BOOST_TEST((r.ids() == strings{"p", "g", "z"}));
}

BOOST_AUTO_TEST_CASE(each_group_at_most_once)
{
    world w;
    four_stages(w);
    w.table.settings.fallbacks["primary"] = {"global", "backup", "primary"};
    w.table.settings.default_fallbacks = {"backup", "default", "global"};
    plan p = w.make("primary", backups({"global", "primary", "global"}));
    const auto r = drive(p, failing({"p", "b", "g", "z"}));
    BOOST_TEST((r.ids() == strings{"p", "g", "b", "z"}));
    BOOST_TEST(p.notes().empty());  // duplicates are not unresolvable entries
}

BOOST_AUTO_TEST_CASE(generic_star_fallbacks_apply_to_models_without_their_own)
{
    world w;
    four_stages(w);
    w.table.settings.fallbacks["*"] = {"other"};
    plan p = w.make("backup");
    const auto r = drive(p, failing({"b"}));
    BOOST_TEST((r.ids() == strings{"b", "o"}));
    plan q = w.make("primary");  // has its own entry: "*" is not added to it
    const auto s = drive(q, failing({"p", "g", "z", "o"}));
    BOOST_TEST((s.ids() == strings{"p", "g", "z"}));
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------------------
// Aliases, model_group_alias, default_model, wildcard groups (seed 001 alias chains; SPEC §5.4, §5.5).
// ---------------------------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(plan_resolution)

namespace {

void alias_world(world& w)
{
    w.add("alpha", "alpha/m1", std::nullopt, "m1", "alpha");
    w.add("beta", "beta/m2", std::nullopt, "m2", "beta");
    w.add("gamma", "gamma/m3", std::nullopt, "m3", "gamma");
    w.table.add_alias({"mana/two-step", "x", {"alpha/m1", "beta/m2"}});
}

}  // namespace

BOOST_AUTO_TEST_CASE(alias_chain_is_tried_in_order)
{
    world w;
    alias_world(w);
    plan p = w.make("mana/two-step");
    BOOST_TEST(p.alias_name() == "mana/two-step");
    BOOST_TEST(p.requested() == "mana/two-step");
    BOOST_TEST(p.primary_group() == "alpha/m1");
    const auto r = drive(p, failing({"alpha"}, fail(failure_reason::connection)));
    BOOST_TEST(r.succeeded());
    BOOST_TEST((r.ids() == strings{"alpha", "beta"}));
    BOOST_TEST(same_hop(r.tries[1].hop, "alpha/m1", "beta/m2", failure_reason::connection));
    BOOST_TEST(p.fallbacks_taken() == 1);
    // What answered, for x-baton-resolved.
    BOOST_TEST(r.tries[1].target->provider + "/" + r.tries[1].upstream_model == "beta/m2");
}

BOOST_AUTO_TEST_CASE(alias_first_entry_serves)
{
    world w;
    alias_world(w);
    plan p = w.make("mana/two-step");
    const auto r = drive(p, failing({}));
    BOOST_TEST((r.ids() == strings{"alpha"}));
    BOOST_TEST(r.tries[0].group == "alpha/m1");
}

BOOST_AUTO_TEST_CASE(a_plain_group_is_not_an_alias)
{
    world w;
    alias_world(w);
    plan p = w.make("alpha/m1");
    BOOST_TEST(p.alias_name().empty());
    BOOST_TEST(p.primary_group() == "alpha/m1");
}

BOOST_AUTO_TEST_CASE(alias_chain_entries_naming_nothing_are_skipped_with_a_note)
{
    world w;
    alias_world(w);
    w.table.add_alias({"broken", "", {"nope/x", "beta/m2"}});
    w.table.add_alias({"all-broken", "", {"nope/x"}});
    strings notes;
    plan p = w.make("broken", {}, &notes);
    BOOST_TEST(notes.size() == 1u);
    BOOST_TEST(p.primary_group() == "beta/m2");
    BOOST_TEST(!plan::make(w.table, w.health, "all-broken", {}));
}

BOOST_AUTO_TEST_CASE(alias_as_a_fallback_expands_to_its_chain)
{
    world w;
    alias_world(w);
    request_options o;
    o.backup_models = {"mana/two-step"};
    plan p = w.make("gamma/m3", o);
    BOOST_TEST(p.alias_name().empty());  // only the requested name counts as an alias resolution
    const auto r = drive(p, failing({"gamma", "alpha"}));
    BOOST_TEST((r.ids() == strings{"gamma", "alpha", "beta"}));
}

BOOST_AUTO_TEST_CASE(model_group_alias_renames_first)
{
    world w;
    w.add("a", "gpt-4o");
    w.add("c", "claude");
    w.add("m", "mini");
    w.table.settings.model_group_alias["gpt4"] = "gpt-4o";
    w.table.settings.fallbacks["gpt4"] = {"claude"};  // looked up by the requested name first
    w.table.settings.fallbacks["gpt-4o"] = {"mini"};
    plan p = w.make("gpt4");
    BOOST_TEST(p.requested() == "gpt4");
    BOOST_TEST(p.alias_name().empty());
    BOOST_TEST(p.primary_group() == "gpt-4o");
    const auto r = drive(p, failing({"a"}));
    BOOST_TEST((r.ids() == strings{"a", "c"}));

    w.table.settings.fallbacks.erase("gpt4");  // then by the group it resolved to
    plan q = w.make("gpt4");
    BOOST_TEST((drive(q, failing({"a"})).ids() == strings{"a", "m"}));
}

BOOST_AUTO_TEST_CASE(model_group_alias_may_name_an_alias)
{
    world w;
    alias_world(w);
    w.table.settings.model_group_alias["two"] = "mana/two-step";
    plan p = w.make("two");
    BOOST_TEST(p.alias_name() == "mana/two-step");
    BOOST_TEST(p.primary_group() == "alpha/m1");
}

BOOST_AUTO_TEST_CASE(default_model_is_used_when_the_request_names_none)
{
    world w;
    alias_world(w);
    BOOST_TEST(!plan::make(w.table, w.health, "", {}));  // no default configured
    w.table.default_model = "mana/two-step";
    plan p = w.make("");
    BOOST_TEST(p.requested() == "mana/two-step");
    BOOST_TEST(p.alias_name() == "mana/two-step");
    BOOST_TEST(p.primary_group() == "alpha/m1");
    w.table.default_model = "gamma/m3";
    BOOST_TEST(w.make("").primary_group() == "gamma/m3");
}

BOOST_AUTO_TEST_CASE(unknown_model_is_not_found)
{
    world w;
    alias_world(w);
    BOOST_TEST(!plan::make(w.table, w.health, "gpt-5", {}));
    BOOST_TEST(!plan::make(w.table, w.health, "alpha/m9", {}));
}

BOOST_AUTO_TEST_CASE(a_deployment_id_names_that_one_deployment)
{
    // LiteLLM routes a model_info.id to its deployment: so do a request's model and a fallback entry.
    world w;
    alias_world(w);
    w.add("alpha-2", "alpha/m1", std::nullopt, "m1", "alpha");
    auto p = plan::make(w.table, w.health, "alpha-2", {});
    BOOST_REQUIRE(p.has_value());
    BOOST_TEST(p->primary_group() == "alpha/m1");
    const auto t = std::get<plan::try_deployment>(p->next({}, 0.0));
    BOOST_TEST(t.target->id == "alpha-2");
    outcome o;
    o.reason = failure_reason::server_error;
    o.status = 500;
    p->report(*t.target, o, {});
    // Only the deployment named: its group's other member ("alpha") is never tried.
    BOOST_TEST(std::holds_alternative<plan::exhausted>(p->next({}, 0.0)));
}

BOOST_AUTO_TEST_CASE(wildcard_group_sends_the_requested_model)
{
    world w;
    w.add("oa", "openai/*", std::nullopt, "*");
    plan p = w.make("openai/gpt-4o");
    BOOST_TEST(p.primary_group() == "openai/*");
    const auto s = p.next(at(0), 0.0);
    const auto& t = std::get<plan::try_deployment>(s);
    BOOST_TEST(t.group == "openai/*");
    BOOST_TEST(t.upstream_model == "gpt-4o");
}

BOOST_AUTO_TEST_CASE(wildcard_pattern_in_the_upstream_model_is_filled_in)
{
    world w;
    w.add("az", "azure/*", std::nullopt, "eastus-*");
    w.add("pinned", "pinned/*", std::nullopt, "gpt-4o-2024-08-06");
    auto t = std::get<plan::try_deployment>(w.make("azure/gpt-4o").next(at(0), 0.0));
    BOOST_TEST(t.upstream_model == "eastus-gpt-4o");
    t = std::get<plan::try_deployment>(w.make("pinned/anything").next(at(0), 0.0));
    BOOST_TEST(t.upstream_model == "gpt-4o-2024-08-06");  // a literal model stays as configured
}

BOOST_AUTO_TEST_CASE(exact_group_beats_wildcard)
{
    world w;
    w.add("oa", "openai/*", std::nullopt, "*");
    w.add("exact", "openai/gpt-4o", std::nullopt, "gpt-4o-2024-11-20");
    const auto t = std::get<plan::try_deployment>(w.make("openai/gpt-4o").next(at(0), 0.0));
    BOOST_TEST(t.target->id == "exact");
    BOOST_TEST(t.upstream_model == "gpt-4o-2024-11-20");
    const auto u = std::get<plan::try_deployment>(w.make("openai/o3").next(at(0), 0.0));
    BOOST_TEST(u.target->id == "oa");
    BOOST_TEST(u.upstream_model == "o3");
}

BOOST_AUTO_TEST_CASE(fallback_to_another_model_of_the_same_wildcard_group)
{
    world w(lenient());
    w.add("oa", "openai/*", std::nullopt, "*");
    w.table.settings.fallbacks["openai/gpt-4o"] = {"openai/gpt-4o-mini"};
    plan p = w.make("openai/gpt-4o");
    const auto r = drive(p, in_order({server_error(), ok()}));
    BOOST_TEST(r.succeeded());
    BOOST_TEST((r.ids() == strings{"oa", "oa"}));  // the same deployment, asked for another model
    BOOST_TEST(r.tries[0].upstream_model == "gpt-4o");
    BOOST_TEST(r.tries[1].upstream_model == "gpt-4o-mini");
    BOOST_TEST(p.fallbacks_taken() == 1);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------------------
// max_fallbacks, disable_fallbacks, and hops over groups with nothing eligible.
// ---------------------------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(plan_limits)

namespace {

// Groups g0..g4 with one deployment d0..d4 each; g0 falls back to g1..g4.
void chain_of_five(world& w)
{
    for (int i = 0; i < 5; ++i) {
        w.add("d" + std::to_string(i), "g" + std::to_string(i));
    }
    w.table.settings.fallbacks["g0"] = {"g1", "g2", "g3", "g4"};
}

}  // namespace

BOOST_AUTO_TEST_CASE(max_fallbacks_bounds_cross_group_hops)
{
    world w;
    chain_of_five(w);
    w.table.settings.max_fallbacks = 2;
    plan p = w.make("g0");
    const auto r = drive(p, failing({"d0", "d1", "d2", "d3", "d4"}));
    BOOST_TEST((r.ids() == strings{"d0", "d1", "d2"}));
    BOOST_TEST(p.fallbacks_taken() == 2);
    BOOST_TEST(r.exhausted());
}

BOOST_AUTO_TEST_CASE(max_fallbacks_zero_keeps_the_request_in_its_group)
{
    world w;
    chain_of_five(w);
    w.table.settings.max_fallbacks = 0;
    w.add("d0b", "g0");
    plan p = w.make("g0");
    const auto r = drive(p, failing({"d0", "d0b", "d1"}));
    BOOST_TEST((r.ids() == strings{"d0", "d0b"}));  // same-group re-picks are not hops
    BOOST_TEST(p.fallbacks_taken() == 0);
}

BOOST_AUTO_TEST_CASE(default_max_fallbacks_is_five)
{
    world w;
    for (int i = 0; i < 8; ++i) {
        w.add("d" + std::to_string(i), "g" + std::to_string(i));
    }
    w.table.settings.fallbacks["g0"] = {"g1", "g2", "g3", "g4", "g5", "g6", "g7"};
    plan p = w.make("g0");
    const auto r = drive(p, [](const deployment&, int) { return server_error(); });
    BOOST_TEST(r.tries.size() == 6u);
    BOOST_TEST(p.fallbacks_taken() == 5);
}

BOOST_AUTO_TEST_CASE(moves_along_an_alias_chain_are_hops_too)
{
    world w;
    chain_of_five(w);
    w.table.add_alias({"chain", "", {"g0", "g1", "g2"}});
    w.table.settings.max_fallbacks = 1;
    plan p = w.make("chain");
    const auto r = drive(p, failing({"d0", "d1", "d2"}));
    BOOST_TEST((r.ids() == strings{"d0", "d1"}));
}

BOOST_AUTO_TEST_CASE(disable_fallbacks_stops_after_the_groups_the_model_names)
{
    world w;
    chain_of_five(w);
    w.table.add_alias({"chain", "", {"g0", "g1"}});
    w.table.settings.fallbacks["chain"] = {"g2"};
    w.table.settings.default_fallbacks = {"g4"};
    request_options o;
    o.disable_fallbacks = true;
    o.backup_models = {"g3"};
    o.fallbacks = strings{"g3"};
    plan p = w.make("chain", o);
    const auto r = drive(p, failing({"d0", "d1", "d2", "d3", "d4"}));
    BOOST_TEST((r.ids() == strings{"d0", "d1"}));  // the alias chain is step 1: still walked
    BOOST_TEST(r.exhausted());
}

BOOST_AUTO_TEST_CASE(disable_fallbacks_also_disables_context_window_fallbacks)
{
    world w;
    chain_of_five(w);
    w.table.settings.context_window_fallbacks["g0"] = {"g1"};
    request_options o;
    o.disable_fallbacks = true;
    plan p = w.make("g0", o);
    const auto r = drive(p, failing({"d0"}, fail(failure_reason::context_window, 400)));
    BOOST_TEST(r.gave_back());
    BOOST_TEST(r.tries.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_primary_group_all_cooling_hops_with_reason_cooling_down)
{
    world w;
    chain_of_five(w);
    w.cool("d0", at(0));
    plan p = w.make("g0");
    const auto r = drive(p, failing({}), at(1));
    BOOST_TEST((r.ids() == strings{"d1"}));
    // Even the first request is a hop when it goes to a later group: it counts toward max_fallbacks
    // and baton_fallback_total{reason="cooling_down"}.
    BOOST_TEST(same_hop(r.tries[0].hop, "g0", "g1", failure_reason::cooling_down));
    BOOST_TEST(p.fallbacks_taken() == 1);
    BOOST_TEST(p.attempts_sent() == 1);
    BOOST_TEST(p.attempts()[0].skipped);
}

BOOST_AUTO_TEST_CASE(with_no_hops_allowed_a_cooling_primary_is_503)
{
    world w;
    chain_of_five(w);
    w.table.settings.max_fallbacks = 0;
    w.cool("d0", at(0));
    plan p = w.make("g0");
    const auto r = drive(p, failing({}), at(1));
    BOOST_TEST(r.tries.empty());
    BOOST_TEST(r.exhausted());
    BOOST_TEST((r.why() == errc::nothing_sent));
    BOOST_TEST(p.attempts().size() == 1u);  // d0 skipped; g1.. were never looked at
}

BOOST_AUTO_TEST_CASE(hops_through_an_all_cooling_group_keep_the_failure_reason)
{
    world w;
    chain_of_five(w);
    w.cool("d1", at(0));
    plan p = w.make("g0");
    const auto r = drive(p, failing({"d0"}, timed_out()), at(1));
    BOOST_TEST((r.ids() == strings{"d0", "d2"}));
    BOOST_TEST(same_hop(r.tries[1].hop, "g0", "g2", failure_reason::timeout));
    BOOST_TEST(p.fallbacks_taken() == 1);
}

BOOST_AUTO_TEST_CASE(max_parallel_requests_passes_over_a_saturated_deployment)
{
    world w;
    deployment busy;
    busy.id = "busy";
    busy.group = "g";
    busy.weight = 1'000'000;
    busy.max_parallel_requests = 1;
    w.add(busy);
    w.add("free", "g", 1);
    w.add("other", "h");
    w.table.settings.fallbacks["g"] = {"h"};
    w.cell("busy").begin_request();
    plan p = w.make("g");
    BOOST_TEST((drive(p, failing({})).ids() == strings{"free"}));
    plan q = w.make("g");
    const auto r = drive(q, failing({"free"}));
    BOOST_TEST((r.ids() == strings{"free", "other"}));  // busy is never eligible
    BOOST_TEST(q.attempts().size() == 2u);              // saturation is not a cooldown: nothing skipped
}

BOOST_AUTO_TEST_CASE(all_saturated_with_nothing_sent_is_503)
{
    world w;
    deployment busy;
    busy.id = "busy";
    busy.group = "g";
    busy.max_parallel_requests = 2;
    w.add(busy);
    w.cell("busy").begin_request();
    w.cell("busy").begin_request();
    plan p = w.make("g");
    const auto r = drive(p, failing({}));
    BOOST_TEST(r.exhausted());
    BOOST_TEST((r.why() == errc::nothing_sent));
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------------------
// num_retries: extra rounds over a group with jittered exponential backoff, Retry-After and the deadline.
// ---------------------------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(plan_retries)

using ms = std::chrono::milliseconds;

BOOST_AUTO_TEST_CASE(rounds_with_backoff)
{
    world w(lenient());
    w.add("A", "g", 1);
    w.add("B", "g", 1);
    w.table.settings.num_retries = 2;
    plan p = w.make("g");
    const auto r = drive(p, failing({"A", "B"}));
    BOOST_TEST((r.ids() == strings{"A", "B", "A", "B", "A", "B"}));
    BOOST_TEST_REQUIRE(r.waits.size() == 2u);
    BOOST_TEST((r.waits[0] == duration(ms(125))));  // 0.25 s base, draw 0: half of it
    BOOST_TEST((r.waits[1] == duration(ms(250))));  // doubled
    BOOST_TEST(same_hop(r.tries[2].hop, "g", "g", failure_reason::server_error));
    BOOST_TEST(r.exhausted());
    BOOST_TEST(p.attempts().size() == 6u);
    BOOST_TEST((r.end == at(0.375)));
}

BOOST_AUTO_TEST_CASE(backoff_jitter_comes_from_the_draw)
{
    for (const auto& [draw, expected] :
         std::vector<std::pair<double, duration>>{{0.0, ms(125)},
                                                  {0.5, std::chrono::microseconds(187500)},
                                                  {0.999999, std::chrono::nanoseconds(249999875)}}) {
        world w(lenient());
        w.add("A", "g");
        w.table.settings.num_retries = 1;
        plan p = w.make("g");
        const auto r = drive(p, failing({"A"}), at(0), {draw});
        BOOST_TEST_REQUIRE(r.waits.size() == 1u);
        BOOST_TEST(std::abs((r.waits[0] - expected).count()) <= 1000, "draw " << draw);
    }
}

BOOST_AUTO_TEST_CASE(backoff_doubles_up_to_8_seconds)
{
    world w(lenient());
    w.add("A", "g");
    w.table.settings.num_retries = 8;
    plan p = w.make("g");
    const auto r = drive(p, failing({"A"}), at(0), {0.999999999});
    BOOST_TEST(r.tries.size() == 9u);
    const std::vector<double> expected{0.25, 0.5, 1, 2, 4, 8, 8, 8};
    BOOST_TEST_REQUIRE(r.waits.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        BOOST_TEST(std::chrono::duration<double>(r.waits[i]).count() == expected[i],
                   boost::test_tools::tolerance(1e-6));
    }
}

BOOST_AUTO_TEST_CASE(request_num_retries_overrides_the_setting)
{
    world w(lenient());
    w.add("A", "g");
    w.table.settings.num_retries = 3;
    request_options none;
    none.num_retries = 0;
    plan p = w.make("g", none);
    BOOST_TEST(drive(p, failing({"A"})).tries.size() == 1u);
    w.table.settings.num_retries = 0;
    request_options one;
    one.num_retries = 1;
    plan q = w.make("g", one);
    const auto r = drive(q, failing({"A"}));
    BOOST_TEST(r.tries.size() == 2u);
    BOOST_TEST(r.waits.size() == 1u);
}

BOOST_AUTO_TEST_CASE(retry_after_lengthens_the_wait)
{
    world w(lenient());
    w.add("A", "g");
    w.table.settings.num_retries = 1;
    plan p = w.make("g");
    const auto r = drive(p, failing({"A"}, fail(failure_reason::server_error, 503, 3s)));
    BOOST_TEST_REQUIRE(r.waits.size() == 1u);
    BOOST_TEST((r.waits[0] == duration(3s)));
}

BOOST_AUTO_TEST_CASE(retry_after_is_capped)
{
    world w(lenient());
    w.add("A", "g");
    w.table.settings.num_retries = 1;
    w.table.settings.retry_after_cap = 2;
    plan p = w.make("g");
    const auto r = drive(p, failing({"A"}, fail(failure_reason::server_error, 503, 3600s)));
    BOOST_TEST_REQUIRE(r.waits.size() == 1u);
    BOOST_TEST((r.waits[0] == duration(2s)));
}

BOOST_AUTO_TEST_CASE(the_largest_retry_after_of_the_round_counts)
{
    world w(lenient());
    w.add("A", "g");
    w.add("B", "g");
    w.table.settings.num_retries = 1;
    plan p = w.make("g");
    const auto r = drive(p, scripted({{"A", {fail(failure_reason::server_error, 503, 3s)}},
                                      {"B", {fail(failure_reason::server_error, 503, 1s)}}}));
    BOOST_TEST_REQUIRE(r.waits.size() == 1u);
    BOOST_TEST((r.waits[0] == duration(3s)));
}

// Issue #10, point 6: a short Retry-After on the group's last eligible deployment is waited out and that
// deployment retried (within num_retries) before any cross-group fallback; cooldown_time (5 s) does not
// stretch the wait to 5 s, which would make the retry impossible and send the request to the fallback.
BOOST_AUTO_TEST_CASE(a_short_retry_after_is_waited_out_before_the_fallback)
{
    world w;  // cooldown_time 5 s, retry_after_max_wait 3 s
    w.add("A", "g");
    w.add("F", "fb");
    w.table.settings.num_retries = 2;
    w.table.settings.fallbacks["g"] = {"fb"};
    plan p = w.make("g");
    const auto r = drive(p, in_order({rate_limited(2s), ok()}));
    BOOST_TEST((r.ids() == strings{"A", "A"}));
    BOOST_TEST_REQUIRE(r.waits.size() == 1u);
    BOOST_TEST((r.waits[0] == duration(2s)));  // the Retry-After; A's cooldown ends exactly then
    BOOST_TEST(r.succeeded());
    BOOST_TEST(p.fallbacks_taken() == 0);
    BOOST_TEST((w.cell("A").cooldown_remaining(at(0)) == duration(2s)));
}

BOOST_AUTO_TEST_CASE(the_retry_after_wait_is_exactly_the_configured_limit_at_most)
{
    for (const auto& [asked, limit, waits] :
         std::vector<std::tuple<duration, double, bool>>{{3s, 3, true}, {3001ms, 3, false}, {6s, 8, true}}) {
        world w;
        cooldown_policy policy;
        policy.retry_after_max_wait = seconds_to_duration(limit);
        w.health.set_policy(policy);
        w.add("A", "g");
        w.add("F", "fb");
        w.table.settings.num_retries = 1;
        w.table.settings.retry_after_max_wait = limit;
        w.table.settings.fallbacks["g"] = {"fb"};
        plan p = w.make("g");
        const auto r = drive(p, in_order({rate_limited(asked), ok()}));
        BOOST_TEST((r.ids() == (waits ? strings{"A", "A"} : strings{"A", "F"})),
                   "Retry-After " << to_seconds(asked) << " s, limit " << limit << " s");
        BOOST_TEST(r.waits.size() == (waits ? 1u : 0u));
    }
}

BOOST_AUTO_TEST_CASE(a_long_retry_after_goes_to_the_fallback_at_once_and_is_not_retried)
{
    world w;
    w.add("A", "g");
    w.add("F", "fb");
    w.table.settings.num_retries = 3;
    w.table.settings.fallbacks["g"] = {"fb"};
    plan p = w.make("g");
    const auto r = drive(p, in_order({rate_limited(6s), ok()}));
    BOOST_TEST((r.ids() == strings{"A", "F"}));
    BOOST_TEST(r.waits.empty());
    BOOST_TEST(p.banned("A"));
    BOOST_TEST((w.cell("A").cooldown_remaining(at(0)) == duration(6s)));  // its cooldown is untouched

    // A 503 with a long Retry-After (no cooldown from it) is not retried either, whatever the rounds.
    world v(lenient());
    v.add("A", "g");
    v.table.settings.num_retries = 3;
    plan q = v.make("g");
    const auto s = drive(q, failing({"A"}, fail(failure_reason::server_error, 503, 60s)));
    BOOST_TEST((s.ids() == strings{"A"}));
    BOOST_TEST(s.exhausted());
}

BOOST_AUTO_TEST_CASE(a_short_retry_after_waits_only_when_nothing_else_in_the_group_is_eligible)
{
    world w;
    w.add("A", "g", 1);
    w.add("B", "g", 0);
    w.table.settings.num_retries = 1;
    plan p = w.make("g");
    const auto r = drive(p, scripted({{"A", {rate_limited(2s), ok()}}, {"B", {server_error()}}}));
    BOOST_TEST((r.ids() == strings{"A", "B", "A"}));  // B first, at once; then the wait for A
    BOOST_TEST_REQUIRE(r.waits.size() == 1u);
    BOOST_TEST((r.waits[0] == duration(2s)));
    BOOST_TEST(r.succeeded());
}

BOOST_AUTO_TEST_CASE(no_round_when_nothing_would_be_out_of_cooldown_after_the_wait)
{
    world w;  // cooldown_time 5 s; the backoff is a fraction of a second
    w.add("A", "g");
    w.add("x", "h");
    w.table.settings.num_retries = 3;
    w.table.settings.fallbacks["g"] = {"h"};
    plan p = w.make("g");
    const auto r = drive(p, in_order({rate_limited(), ok()}));
    BOOST_TEST(r.waits.empty());
    BOOST_TEST((r.ids() == strings{"A", "x"}));  // on to the next group at once
}

BOOST_AUTO_TEST_CASE(no_wait_past_the_deadline)
{
    world w(lenient());
    w.add("A", "g");
    w.table.settings.num_retries = 1;
    request_options o;
    o.deadline = at(1);
    plan p = w.make("g", o);
    const auto r = drive(p, failing({"A"}, fail(failure_reason::server_error, 503, 2s)));
    BOOST_TEST(r.waits.empty());
    BOOST_TEST(r.exhausted());

    o.deadline = at(2);  // exactly reachable
    plan q = w.make("g", o);
    const auto s = drive(q, failing({"A"}, fail(failure_reason::server_error, 503, 2s)));
    BOOST_TEST(s.waits.size() == 1u);

    o.deadline = at(0);  // already over
    plan z = w.make("g", o);
    BOOST_TEST(drive(z, failing({"A"})).waits.empty());
}

BOOST_AUTO_TEST_CASE(a_group_that_sent_nothing_gets_no_extra_round)
{
    world w;
    w.add("A", "g");
    w.table.settings.num_retries = 3;
    w.cool("A", at(0));
    plan p = w.make("g");
    const auto r = drive(p, failing({}), at(1));
    BOOST_TEST(r.waits.empty());
    BOOST_TEST(r.exhausted());
    BOOST_TEST((r.why() == errc::nothing_sent));
}

BOOST_AUTO_TEST_CASE(rounds_come_before_the_next_group)
{
    world w(lenient());
    w.add("A", "g");
    w.add("B", "h");
    w.table.settings.num_retries = 1;
    w.table.settings.fallbacks["g"] = {"h"};
    plan p = w.make("g");
    const auto r = drive(p, failing({"A", "B"}));
    BOOST_TEST((r.ids() == strings{"A", "A", "B", "B"}));  // every group gets its rounds
    BOOST_TEST(r.waits.size() == 2u);
    BOOST_TEST(p.fallbacks_taken() == 1);
}

BOOST_AUTO_TEST_CASE(without_weighted_failover_a_round_is_a_single_pick)
{
    world w(lenient());
    w.add("A", "g", 1);
    w.add("B", "g", 0);
    w.table.settings.enable_weighted_failover = false;
    w.table.settings.num_retries = 1;
    plan p = w.make("g");
    const auto r = drive(p, failing({"A"}));
    BOOST_TEST((r.ids() == strings{"A", "A"}));
    BOOST_TEST(r.exhausted());
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------------------
// Context-window and content-policy failures take their own path (SPEC §5.3).
// ---------------------------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(plan_special_paths)

namespace {

void special_world(world& w)
{
    w.add("A", "g", 1'000'000);
    w.add("B", "g", 1);
    w.add("fb", "fallback");
    w.add("big", "g-128k");
    w.add("big2", "g-1m");
    w.add("claude", "claude");
    w.table.settings.fallbacks["g"] = {"fallback"};
    w.table.settings.default_fallbacks = {"fallback"};
}

outcome too_long()
{
    return fail(failure_reason::context_window, 400);
}
outcome refused()
{
    return fail(failure_reason::content_policy, 400);
}

}  // namespace

BOOST_AUTO_TEST_CASE(context_window_goes_to_context_window_fallbacks_only)
{
    world w;
    special_world(w);
    w.table.settings.context_window_fallbacks["g"] = {"g-128k"};
    plan p = w.make("g");
    const auto r = drive(p, failing({"A", "B"}, too_long()));
    BOOST_TEST(r.succeeded());
    BOOST_TEST((r.ids() == strings{"A", "big"}));  // B (same group) and fallback are skipped
    BOOST_TEST(same_hop(r.tries[1].hop, "g", "g-128k", failure_reason::context_window));
    BOOST_TEST(p.fallbacks_taken() == 1);
}

BOOST_AUTO_TEST_CASE(a_failing_context_window_fallback_does_not_resume_the_normal_plan)
{
    world w;
    special_world(w);
    w.table.settings.context_window_fallbacks["g"] = {"g-128k"};
    plan p = w.make("g");
    const auto r = drive(p, scripted({{"A", {too_long()}}, {"big", {server_error()}}}));
    BOOST_TEST((r.ids() == strings{"A", "big"}));
    BOOST_TEST(r.exhausted());
    BOOST_TEST((r.why() == errc::all_failed));
}

BOOST_AUTO_TEST_CASE(context_window_again_moves_to_the_next_context_window_fallback)
{
    world w;
    special_world(w);
    w.table.settings.context_window_fallbacks["g"] = {"g-128k", "g-1m"};
    plan p = w.make("g");
    const auto r = drive(p, scripted({{"A", {too_long()}}, {"big", {too_long()}}}));
    BOOST_TEST((r.ids() == strings{"A", "big", "big2"}));
    BOOST_TEST(r.succeeded());
}

BOOST_AUTO_TEST_CASE(context_window_fallbacks_already_tried_are_not_tried_again)
{
    world w;
    special_world(w);
    w.table.settings.context_window_fallbacks["g"] = {"g", "g-128k"};
    plan p = w.make("g");
    const auto r = drive(p, failing({"A"}, too_long()));
    BOOST_TEST((r.ids() == strings{"A", "big"}));
}

BOOST_AUTO_TEST_CASE(context_window_without_fallbacks_gives_the_upstream_error_back)
{
    world w;
    special_world(w);
    plan p = w.make("g");
    const auto r = drive(p, failing({"A"}, too_long()));
    BOOST_TEST(r.gave_back());
    BOOST_TEST((r.ids() == strings{"A"}));
}

BOOST_AUTO_TEST_CASE(context_window_fallbacks_are_looked_up_by_the_first_group_of_an_alias)
{
    world w;
    special_world(w);
    w.table.add_alias({"fast", "", {"g"}});
    w.table.settings.context_window_fallbacks["g"] = {"g-128k"};
    plan p = w.make("fast");
    BOOST_TEST((drive(p, failing({"A"}, too_long())).ids() == strings{"A", "big"}));
    // ...but the requested name's own entry wins.
    w.table.settings.context_window_fallbacks["fast"] = {"g-1m"};
    plan q = w.make("fast");
    BOOST_TEST((drive(q, failing({"A"}, too_long())).ids() == strings{"A", "big2"}));
}

BOOST_AUTO_TEST_CASE(content_policy_goes_to_content_policy_fallbacks_only)
{
    world w;
    special_world(w);
    w.table.settings.content_policy_fallbacks["g"] = {"claude"};
    w.table.settings.context_window_fallbacks["g"] = {"g-128k"};
    plan p = w.make("g");
    const auto r = drive(p, failing({"A"}, refused()));
    BOOST_TEST((r.ids() == strings{"A", "claude"}));
    BOOST_TEST(same_hop(r.tries[1].hop, "g", "claude", failure_reason::content_policy));
}

BOOST_AUTO_TEST_CASE(content_policy_without_fallbacks_gives_the_upstream_error_back)
{
    world w;
    special_world(w);
    w.table.settings.context_window_fallbacks["g"] = {"g-128k"};
    plan p = w.make("g");
    const auto r = drive(p, failing({"A"}, refused()));
    BOOST_TEST(r.gave_back());
    BOOST_TEST(r.tries.size() == 1u);
    BOOST_TEST(!w.cell("A").cooling(at(0)));
}

BOOST_AUTO_TEST_CASE(a_special_path_fallback_still_fails_over_within_its_group)
{
    world w;
    special_world(w);
    w.add("big-b", "g-128k");
    w.table.settings.context_window_fallbacks["g"] = {"g-128k"};
    plan p = w.make("g");
    const auto r = drive(p, scripted({{"A", {too_long()}}, {"big", {server_error()}}}));
    BOOST_TEST((r.ids() == strings{"A", "big", "big-b"}));
    BOOST_TEST(same_hop(r.tries[2].hop, "g-128k", "g-128k", failure_reason::server_error));
}

BOOST_AUTO_TEST_CASE(unresolvable_context_window_fallbacks_are_noted)
{
    world w;
    special_world(w);
    w.table.settings.context_window_fallbacks["g"] = {"nope", "g-128k"};
    plan p = w.make("g");
    BOOST_TEST(p.notes().empty());  // only looked at when needed
    const auto r = drive(p, failing({"A"}, too_long()));
    BOOST_TEST((r.ids() == strings{"A", "big"}));
    BOOST_TEST_REQUIRE(p.notes().size() == 1u);
    BOOST_TEST(p.notes()[0].find("nope") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------------------
// Why `fallbacks_exhausted`, the plan's end, and what it records in the health registry.
// ---------------------------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(plan_outcomes)

BOOST_AUTO_TEST_CASE(exhausted_reason_rules)
{
    struct scenario {
        std::string name;
        std::vector<outcome> answers;
        errc why;
    };
    const std::vector<scenario> scenarios{
        {"all rate limited", {rate_limited()}, errc::all_rate_limited},
        {"all timed out", {timed_out()}, errc::all_timed_out},
        {"all server errors", {server_error()}, errc::all_failed},
        {"mixed 429 and timeout", {rate_limited(), timed_out()}, errc::all_failed},
        {"mixed timeout and 5xx", {timed_out(), server_error()}, errc::all_failed},
        {"connection", {fail(failure_reason::connection)}, errc::all_failed},
    };
    for (const auto& s : scenarios) {
        BOOST_TEST_CONTEXT(s.name)
        {
            world w(lenient());
            w.add("A", "g");
            w.add("B", "g");
            plan p = w.make("g");
            const auto r = drive(p, in_order(s.answers));
            BOOST_TEST_REQUIRE(r.exhausted());
            BOOST_TEST((r.why() == s.why));
        }
    }
}

BOOST_AUTO_TEST_CASE(nothing_sent_and_skips_do_not_change_all_rate_limited)
{
    world w;
    w.add("A", "g");
    w.add("B", "g");
    w.cool("A", at(0));
    w.cool("B", at(0));
    plan p = w.make("g");
    const auto r = drive(p, failing({}), at(1));
    BOOST_TEST((r.why() == errc::nothing_sent));
    BOOST_TEST(p.attempts().size() == 2u);
    BOOST_TEST(p.attempts_sent() == 0);

    world v;
    v.add("A", "g");
    v.add("B", "g");
    v.cool("A", at(0));
    plan q = v.make("g");
    const auto s = drive(q, in_order({rate_limited()}), at(1));
    BOOST_TEST((s.why() == errc::all_rate_limited));  // one sent, rate limited; one skipped
}

BOOST_AUTO_TEST_CASE(the_plan_stays_ended)
{
    world w;
    two_regions(w);
    plan p = w.make("test-model");
    const auto r = drive(p, failing({}));
    BOOST_TEST(r.succeeded());
    BOOST_TEST(std::holds_alternative<plan::give_back>(p.next(at(1), 0.0)));
    p.report(w.dep("B"), server_error(), at(1));  // ignored
    BOOST_TEST(p.attempts().size() == 1u);

    plan q = w.make("test-model");
    const auto s = drive(q, failing({"A", "B"}));
    BOOST_TEST((s.why() == errc::all_failed));
    const auto again = q.next(at(2), 0.0);
    BOOST_TEST_REQUIRE(std::holds_alternative<plan::exhausted>(again));
    BOOST_TEST((std::get<plan::exhausted>(again).why == errc::all_failed));
}

BOOST_AUTO_TEST_CASE(reports_update_the_health_registry)
{
    cooldown_policy policy;
    policy.allowed_fails = 1;
    world w(policy);
    w.add("A", "g", 1);
    w.add("B", "g", 0);
    std::vector<health_event> events;
    w.health.add_listener([&](const health_event& e) { events.push_back(e); });
    plan p = w.make("g");
    drive(p, scripted({{"A", {server_error()}}, {"B", {ok(40)}}}));
    BOOST_TEST(w.cell("A").cooling(at(0)));
    BOOST_TEST(w.cell("A").snap(at(0)).last_error == "server_error");
    BOOST_TEST(w.cell("B").latency_ewma_ms() == 40.0);
    BOOST_TEST(w.cell("B").snap(at(0)).consecutive_failures == 0);
    BOOST_TEST_REQUIRE(events.size() == 1u);
    BOOST_TEST(events[0].deployment_id == "A");
    BOOST_TEST(!events[0].healthy);
}

BOOST_AUTO_TEST_CASE(rate_limit_cooldown_honours_retry_after_through_the_plan)
{
    world w;
    w.add("A", "g");
    w.add("B", "g");
    plan p = w.make("g");
    drive(p, in_order({rate_limited(42s), ok()}));
    BOOST_TEST((w.cell("A").cooldown_remaining(at(0)) == duration(42s)));
}

BOOST_AUTO_TEST_CASE(deployments_without_a_cell_use_the_registry)
{
    world w;
    deployment bare;
    bare.id = "bare";
    bare.group = "g";
    w.table.add(bare);  // no health cell wired
    deployment other = bare;
    other.id = "other";
    w.table.add(other);
    w.health.record_failure(*w.health.cell("bare", "g"), failure_reason::auth, at(0));
    plan p = w.make("g");
    const auto r = drive(p, failing({}), at(1));
    BOOST_TEST((r.ids() == strings{"other"}));
    BOOST_TEST(p.attempts()[0].skipped);
    BOOST_TEST(w.health.cell("other", "g")->latency_ewma_ms() == 10.0);
}

BOOST_AUTO_TEST_CASE(least_busy_and_latency_strategies_drive_the_first_pick)
{
    world w;
    w.add("A", "g", 1);
    w.add("B", "g", 1);
    w.table.settings.strategy = routing_strategy::least_busy;
    w.cell("A").begin_request();
    BOOST_TEST(std::get<plan::try_deployment>(w.make("g").next(at(0), 0.0)).target->id == "B");

    w.table.settings.strategy = routing_strategy::latency_based;
    w.cell("A").record_latency(10);
    w.cell("B").record_latency(20);
    BOOST_TEST(std::get<plan::try_deployment>(w.make("g").next(at(0), 0.9)).target->id == "A");
    plan p = w.make("g");
    const auto r = drive(p, failing({"A"}));
    BOOST_TEST((r.ids() == strings{"A", "B"}));
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------------------
// How long until a candidate is out of cooldown (batch lines wait that long after a 429 storm, SPEC §7).

BOOST_AUTO_TEST_SUITE(plan_earliest_cooldown_end)

BOOST_AUTO_TEST_CASE(none_cooling_is_nullopt)
{
    world w;
    w.add("A", "g", 1);
    w.add("B", "g", 1);
    BOOST_TEST(!w.make("g").earliest_cooldown_end(at(0)).has_value());
}

BOOST_AUTO_TEST_CASE(the_earliest_end_over_every_stage_of_the_plan)
{
    world w;
    w.add("A", "g", 1);
    w.add("B", "g", 1);
    w.add("F", "fallback", 1);
    w.add("X", "unrelated", 1);
    w.table.settings.fallbacks["g"] = {"fallback"};
    w.cool("A", at(0), 30s);
    w.cool("B", at(0), 20s);
    w.cool("F", at(0), 12s);
    w.cool("X", at(0), 5s);  // not a candidate of g's plan
    plan p = w.make("g");
    const auto r = drive(p, failing({}), at(1));
    BOOST_TEST(r.exhausted());
    BOOST_TEST((r.why() == errc::nothing_sent));
    BOOST_TEST((p.earliest_cooldown_end(at(1)) == std::optional<duration>(11s)));
    BOOST_TEST((p.earliest_cooldown_end(at(12)) == std::optional<duration>(8s)));
    BOOST_TEST(!p.earliest_cooldown_end(at(31)).has_value());
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------------------
// Issue #10, point 1: deployments banned for the rest of the request — a timeout, a failure while the
// client's stream runs, a long Retry-After — are never brought back by a retry round or a later stage.
// ---------------------------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(plan_bans)

outcome mid_stream(failure_reason r = failure_reason::connection)
{
    outcome o = fail(r);
    o.mid_stream = true;
    return o;
}

BOOST_AUTO_TEST_CASE(a_stream_cut_on_the_only_deployment_goes_to_the_fallback_despite_retries)
{
    // The first case: num_retries 2 used to send the continuation back to the deployment that had
    // just cut the stream, twice, before the fallback.
    world w(lenient());
    w.add("A", "g");
    w.add("F", "fb");
    w.table.settings.num_retries = 2;
    w.table.settings.fallbacks["g"] = {"fb"};
    plan p = w.make("g");
    const auto r = drive(p, in_order({mid_stream(), ok()}));
    BOOST_TEST((r.ids() == strings{"A", "F"}));
    BOOST_TEST(r.waits.empty());
    BOOST_TEST(p.banned("A"));
    BOOST_TEST(!p.banned("F"));
}

BOOST_AUTO_TEST_CASE(every_failure_of_the_request_is_banned_once_the_stream_runs)
{
    // A fails before the first byte (500), B serves the stream's start and is cut: the round that num_retries
    // allows brings back neither; C (never tried) still serves.
    world w(lenient());
    w.add("A", "g", 100);
    w.add("B", "g", 10);
    w.add("C", "h");
    w.table.settings.num_retries = 1;
    w.table.settings.fallbacks["g"] = {"h"};
    plan p = w.make("g");
    const auto r =
        drive(p, in_order({server_error(), mid_stream(), mid_stream(failure_reason::timeout), ok()}));
    BOOST_TEST((r.ids() == strings{"A", "B", "C"}));
    BOOST_TEST(p.banned("A"));
    BOOST_TEST(p.banned("B"));
    BOOST_TEST(r.waits.empty());
    BOOST_TEST(r.succeeded() == false);  // C timed out mid-stream too (third answer): nothing is left
    BOOST_TEST(r.exhausted());
}

BOOST_AUTO_TEST_CASE(a_timed_out_deployment_is_not_retried_in_a_later_round)
{
    // The silent upstream: three 30 s timeouts on the same route before the fallback.
    world w(lenient());
    w.add("A", "g");
    w.add("F", "fb");
    w.table.settings.num_retries = 2;
    w.table.settings.fallbacks["g"] = {"fb"};
    plan p = w.make("g");
    const auto r = drive(p, in_order({timed_out(), ok()}));
    BOOST_TEST((r.ids() == strings{"A", "F"}));
    BOOST_TEST(r.waits.empty());

    // Another failure class still gets its rounds.
    plan q = w.make("g");
    const auto s = drive(q, in_order({server_error(), server_error(), ok()}));
    BOOST_TEST((s.ids() == strings{"A", "A", "A"}));
    BOOST_TEST(s.waits.size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_timed_out_deployment_stays_out_of_a_round_while_the_others_come_back)
{
    world w(lenient());
    w.add("A", "g", 100);
    w.add("B", "g", 1);
    w.table.settings.num_retries = 1;
    plan p = w.make("g");
    const auto r = drive(p, scripted({{"A", {timed_out()}}, {"B", {server_error(), ok()}}}));
    BOOST_TEST((r.ids() == strings{"A", "B", "B"}));
    BOOST_TEST(r.waits.size() == 1u);
    BOOST_TEST(r.succeeded());
}

BOOST_AUTO_TEST_CASE(a_refused_continuation_moves_on_instead_of_giving_back)
{
    // A format failure before the stream runs gives the upstream's answer back; once it runs, it is a refused
    // continuation (or a drifted restart): the next candidate may still continue the answer.
    world w(lenient());
    w.add("A", "g", 100);
    w.add("B", "g", 1);
    plan p = w.make("g");
    const auto r = drive(p, in_order({mid_stream(failure_reason::format), ok()}));
    BOOST_TEST((r.ids() == strings{"A", "B"}));
    BOOST_TEST(r.succeeded());
    BOOST_TEST(!w.cell("A").cooling(at(0)));  // the deployment is not to blame

    plan q = w.make("g");
    BOOST_TEST(drive(q, in_order({fail(failure_reason::format, 400)})).gave_back());
}

BOOST_AUTO_TEST_CASE(restrict_keeps_only_the_deployments_it_accepts)
{
    world w(lenient());
    w.add("A", "g", 100);
    w.add("B", "g", 10);
    w.add("C", "g", 1);
    w.add("F", "fb");
    w.table.settings.fallbacks["g"] = {"fb"};
    plan p = w.make("g");
    auto first = p.next(at(0), 0.0);
    BOOST_TEST_REQUIRE(std::holds_alternative<plan::try_deployment>(first));
    p.report(*std::get<plan::try_deployment>(first).target, mid_stream(), at(0));
    p.restrict([](const deployment& d) { return d.id == "C" || d.id == "F"; });
    const auto r = drive(p, failing({"C"}));
    BOOST_TEST((r.ids() == strings{"C", "F"}));
    BOOST_TEST(r.succeeded());
}

BOOST_AUTO_TEST_SUITE_END()
