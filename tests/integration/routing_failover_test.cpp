#define BOOST_TEST_MODULE routing_failover
#include <boost/test/unit_test.hpp>

// Routing through a real batond (SPEC §5 through the HTTP API): which upstream got called, in which order
// (the fake upstream's global `seq`), with which model and which key; failover inside a group, cross-group
// fallbacks, cooldowns, failure classes, plan order, several keys, aliases, strategies and num_retries.
// Equivalents of the reference suites' routing scenarios (seeds 003 LiteLLM, 002 picoclaw, 000 DocsGPT).
//
// Every deployment of a test is a name on one fake upstream: api_base http://127.0.0.1:PORT/<id>/v1,
// upstream model "up-<id>", api key "key-<id>", so a recorded call tells who was asked for what, with what.

#include "support/harness.hpp"

#include <boost/json.hpp>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace json = boost::json;
namespace tt = boost::test_tools;
using namespace std::chrono_literals;
using namespace baton::test;

namespace {

// Weights that make the first pick deterministic for practical purposes: B is picked first with
// probability 1 / 1000001.
constexpr long heavy = 1000000;

json::value parse(std::string_view s)
{
    return json::parse(s);
}

/// Script: a status with an OpenAI error body.
json::value fail(unsigned status)
{
    return json::object{{"status", status}};
}

json::value rate_limited(std::string_view retry_after)
{
    return json::object{{"status", 429},
                        {"headers", json::object{{"retry-after", retry_after}}},
                        {"error", json::object{{"message", "slow down"}, {"type", "rate_limit_error"},
                                               {"code", "rate_limit_exceeded"}}}};
}

json::value ok()
{
    return json::object{};
}

std::string model_of(const json::object& call)
{
    return std::string(call.at("json").at("model").as_string());
}

/// One expected entry of error.attempts.
struct want_attempt {
    std::string deployment_id;
    std::string model_group;
    std::string reason;
    std::int64_t status;
    bool skipped;
};

/// Checks a fallbacks_exhausted body: code, and every attempt in order with all six fields.
void check_exhausted(const http_response& r, unsigned status, const std::vector<want_attempt>& want)
{
    BOOST_TEST(r.status == status);
    const auto body = r.json();
    const auto& err = body.at("error").as_object();
    BOOST_TEST(err.at("code").as_string() == "fallbacks_exhausted");
    BOOST_TEST(err.contains("message"));
    BOOST_TEST(err.contains("type"));
    const auto& attempts = err.at("attempts").as_array();
    BOOST_TEST_REQUIRE(attempts.size() == want.size(), "attempts: " << json::serialize(attempts));
    for (std::size_t i = 0; i < want.size(); ++i) {
        BOOST_TEST_CONTEXT("attempt " << i << ": " << json::serialize(attempts[i]))
        {
            const auto& a = attempts[i].as_object();
            BOOST_TEST(a.at("deployment_id").as_string() == want[i].deployment_id);
            BOOST_TEST(a.at("model_group").as_string() == want[i].model_group);
            BOOST_TEST(a.at("reason").as_string() == want[i].reason);
            BOOST_TEST(a.at("status").to_number<std::int64_t>() == want[i].status);
            BOOST_TEST(a.at("skipped").as_bool() == want[i].skipped);
            const double latency = a.at("latency_ms").to_number<double>();
            if (want[i].skipped) {
                BOOST_TEST(latency == 0.0);
            } else {
                BOOST_TEST(latency >= 0.0);
            }
        }
    }
}

struct routing_fixture {
    fake_upstream_process fake;
    std::unique_ptr<baton_process> baton;

    void start(const std::string& yaml, baton_process::options opts = {})
    {
        baton.reset();
        baton = std::make_unique<baton_process>(yaml, std::move(opts));
    }

    // Each call on a connection of its own, so that a connection-handling fault cannot mask what these tests
    // are about (routing); keep-alive after a routed response has its own test
    // (routed_response_keeps_the_connection_alive).
    http_response chat(std::string_view model, json::object extra = {}, const header_list& headers = {})
    {
        auto body = chat_body(model);
        for (auto& [k, v] : extra) body[k] = v;
        http_client c{baton->port()};
        return c.post_json("/v1/chat/completions", body, headers);
    }

    std::vector<json::object> calls() { return ordered(fake.calls()); }
    std::size_t count(std::string_view name) { return fake.calls(name).size(); }

    json::object health()
    {
        http_client c{baton->port()};
        const auto r = c.get("/v1/health");
        BOOST_REQUIRE_EQUAL(r.status, 200u);
        return r.json().as_object();
    }

    /// The `upstream_failure` log event of deployment `id` (the first one at or after byte `from`).
    json::object failure_event(std::string_view id, std::size_t from = 0)
    {
        const std::string dep_field = "\"deployment\":\"" + std::string(id) + "\"";
        const auto line = baton->process().wait_for_line(
            [&](std::string_view l) {
                return l.find("\"event\":\"upstream_failure\"") != std::string_view::npos &&
                       l.find(dep_field) != std::string_view::npos;
            },
            output_stream::err, deadline_after(5s), from);
        BOOST_TEST_REQUIRE(line.has_value(), "no upstream_failure event for " << id);
        return json::parse(strip_priority(*line)).as_object();
    }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(routing_failover, routing_fixture)

// 1. Seed 003: weighted failover inside a group. A (heavy) answers 500, B serves; B's request carries B's
// own upstream model and key.
BOOST_AUTO_TEST_CASE(failover_inside_group_serves_from_b_with_b_model_and_key)
{
    start(config(fake, {{"grp", "a", heavy}, {"grp", "b", 1}}, {"allowed_fails: 3", "cooldown_time: 30"}));
    fake.set_script("a", fail(500));

    const auto r = chat("grp");
    BOOST_TEST_REQUIRE(r.status == 200u, r.body);
    BOOST_TEST(r.json().at("choices").at(0).at("message").at("content").as_string() == "ok from b");
    BOOST_TEST(header(r, "x-baton-deployment-id") == "b");
    BOOST_TEST(header(r, "x-baton-model-group") == "grp");
    BOOST_TEST(header(r, "x-baton-resolved") == "openai/up-b");
    BOOST_TEST(header(r, "x-baton-attempts") == "2");
    BOOST_TEST(header(r, "x-baton-fallbacks") == "0");
    BOOST_TEST(r.header("x-baton-request-id").has_value());

    const auto c = calls();
    BOOST_TEST(names_of(c) == (std::vector<std::string>{"a", "b"}), tt::per_element());
    BOOST_TEST_REQUIRE(c.size() == 2u);
    BOOST_TEST(model_of(c[0]) == "up-a");
    BOOST_TEST(auth_of(c[0]) == "Bearer key-a");
    BOOST_TEST(model_of(c[1]) == "up-b");
    BOOST_TEST(auth_of(c[1]) == "Bearer key-b");
}

// 2. Seed 003: weight 0 is picked only when no remaining deployment has a positive weight; every
// deployment is tried at most once per request.
BOOST_AUTO_TEST_CASE(three_deployment_chain_ends_on_weight_zero_each_tried_once)
{
    start(config(fake, {{"grp", "a", heavy}, {"grp", "b", 1}, {"grp", "c", 0}},
                 {"allowed_fails: 3", "cooldown_time: 30"}));
    fake.set_script("a", fail(500));
    fake.set_script("b", fail(503));

    const auto r = chat("grp");
    BOOST_TEST_REQUIRE(r.status == 200u, r.body);
    BOOST_TEST(header(r, "x-baton-deployment-id") == "c");
    BOOST_TEST(header(r, "x-baton-attempts") == "3");
    BOOST_TEST(header(r, "x-baton-fallbacks") == "0");
    const auto c = calls();
    BOOST_TEST(names_of(c) == (std::vector<std::string>{"a", "b", "c"}), tt::per_element());
    BOOST_TEST(count("a") == 1u);
    BOOST_TEST(count("b") == 1u);
    BOOST_TEST(count("c") == 1u);
    BOOST_TEST_REQUIRE(c.size() == 3u);
    BOOST_TEST(model_of(c[2]) == "up-c");
    BOOST_TEST(auth_of(c[2]) == "Bearer key-c");
}

// 3. The whole group fails: router_settings.fallbacks serves; one cross-group hop.
BOOST_AUTO_TEST_CASE(whole_group_fails_then_cross_group_fallback_serves)
{
    start(config(fake, {{"grp", "a", heavy}, {"grp", "b", 1}, {"fb", "f", 1}},
                 {"allowed_fails: 3", "cooldown_time: 30", "fallbacks: [{grp: [fb]}]"}));
    fake.set_script("a", fail(500));
    fake.set_script("b", fail(502));

    const auto r = chat("grp");
    BOOST_TEST_REQUIRE(r.status == 200u, r.body);
    BOOST_TEST(header(r, "x-baton-model-group") == "fb");
    BOOST_TEST(header(r, "x-baton-deployment-id") == "f");
    BOOST_TEST(header(r, "x-baton-resolved") == "openai/up-f");
    BOOST_TEST(header(r, "x-baton-fallbacks") == "1");
    BOOST_TEST(header(r, "x-baton-attempts") == "3");
    const auto c = calls();
    BOOST_TEST(names_of(c) == (std::vector<std::string>{"a", "b", "f"}), tt::per_element());
    BOOST_TEST_REQUIRE(c.size() == 3u);
    BOOST_TEST(model_of(c[2]) == "up-f");
    BOOST_TEST(auth_of(c[2]) == "Bearer key-f");
}

// 4. Exhaustion: status is the most telling upstream status (502 for 5xx, 429 when all were rate limited,
// 504 when all timed out) and error.attempts lists every attempt in order.
BOOST_AUTO_TEST_CASE(exhaustion_reports_status_and_every_attempt)
{
    start(config(fake,
                 {{"g5", "a", heavy},
                  {"g5", "b", 1},
                  {"g429", "r1", heavy},
                  {"g429", "r2", 1},
                  {"gto", "t1", heavy, {"timeout: 0.3"}},
                  {"gto", "t2", 1, {"timeout: 0.3"}}},
                 {"allowed_fails: 100", "cooldown_time: 1"}));
    fake.set_script("a", fail(500));
    fake.set_script("b", fail(503));
    fake.set_script("r1", rate_limited("1"));
    fake.set_script("r2", rate_limited("1"));
    fake.set_script("t1", parse(R"({"hang": true})"));
    fake.set_script("t2", parse(R"({"delay_ms": 3000})"));

    const auto r5 = chat("g5");
    check_exhausted(r5, 502, {{"a", "g5", "server_error", 500, false}, {"b", "g5", "server_error", 503, false}});
    BOOST_TEST(header(r5, "x-baton-attempts") == "2");
    BOOST_TEST(names_of(calls()) == (std::vector<std::string>{"a", "b"}), tt::per_element());

    fake.clear_calls();
    const auto r429 = chat("g429");
    check_exhausted(r429, 429,
                    {{"r1", "g429", "rate_limit", 429, false}, {"r2", "g429", "rate_limit", 429, false}});
    BOOST_TEST(r429.json().at("error").at("type").as_string() == "rate_limit_error");
    BOOST_TEST(names_of(calls()) == (std::vector<std::string>{"r1", "r2"}), tt::per_element());

    fake.clear_calls();
    const auto rto = chat("gto");
    check_exhausted(rto, 504, {{"t1", "gto", "timeout", 0, false}, {"t2", "gto", "timeout", 0, false}});
    BOOST_TEST(names_of(calls()) == (std::vector<std::string>{"t1", "t2"}), tt::per_element());
}

// 5. SPEC §5.1: with all deployments healthy the long-run split follows the weights.
BOOST_AUTO_TEST_CASE(weights_80_20_split_traffic_about_80_20)
{
    start(config(fake, {{"grp", "a", 80}, {"grp", "b", 20}}, {"allowed_fails: 3", "cooldown_time: 30"}));
    constexpr int n = 400;
    for (int i = 0; i < n; ++i) {
        const auto r = chat("grp");
        BOOST_TEST_REQUIRE(r.status == 200u, r.body);
    }
    const auto a = count("a");
    const auto b = count("b");
    BOOST_TEST(a + b == static_cast<std::size_t>(n));
    // A's count is Binomial(400, 0.8): mean 320, standard deviation sqrt(400 * 0.8 * 0.2) = 8. ±60 is 7.5
    // standard deviations (a false failure about once in 1e13 runs), yet still rejects a uniform pick
    // (mean 200) and an inverted one (mean 80).
    BOOST_TEST(a >= 260u);
    BOOST_TEST(a <= 380u);
}

// 6. Seed 003: cooldown-aware routing. A cooled down is never sent to; when every deployment of the group
// cools, the request goes straight to the fallback group without sending anything to them.
BOOST_AUTO_TEST_CASE(cooling_deployments_are_skipped_and_listed)
{
    start(config(fake, {{"grp", "a", heavy}, {"grp", "b", 1}, {"fb", "f", 1}},
                 {"allowed_fails: 1", "cooldown_time: 30", "fallbacks: [{grp: [fb]}]"}));
    fake.set_script("a", fail(500));

    // A fails once: allowed_fails 1 cools it; B serves.
    const auto r1 = chat("grp");
    BOOST_TEST_REQUIRE(r1.status == 200u, r1.body);
    BOOST_TEST(header(r1, "x-baton-deployment-id") == "b");
    BOOST_TEST(count("a") == 1u);

    // A is cooling: the next request goes to B alone.
    const auto r2 = chat("grp");
    BOOST_TEST_REQUIRE(r2.status == 200u, r2.body);
    BOOST_TEST(header(r2, "x-baton-deployment-id") == "b");
    BOOST_TEST(header(r2, "x-baton-attempts") == "1");
    BOOST_TEST(count("a") == 1u);
    BOOST_TEST(count("b") == 2u);

    // B fails too (fallbacks disabled for this request): exhausted, A listed as skipped.
    fake.set_script("b", fail(500));
    const auto r3 = chat("grp", {{"disable_fallbacks", true}});
    check_exhausted(r3, 502, {{"a", "grp", "cooling_down", 0, true}, {"b", "grp", "server_error", 500, false}});
    BOOST_TEST(header(r3, "x-baton-attempts") == "1");
    BOOST_TEST(count("a") == 1u);
    BOOST_TEST(count("b") == 3u);
    BOOST_TEST(count("f") == 0u);

    // Both cooling: straight to fb, nothing sent to A or B.
    fake.clear_calls();
    const auto r4 = chat("grp");
    BOOST_TEST_REQUIRE(r4.status == 200u, r4.body);
    BOOST_TEST(header(r4, "x-baton-model-group") == "fb");
    BOOST_TEST(header(r4, "x-baton-deployment-id") == "f");
    BOOST_TEST(header(r4, "x-baton-attempts") == "1");
    BOOST_TEST(header(r4, "x-baton-fallbacks") == "1");
    BOOST_TEST(names_of(calls()) == (std::vector<std::string>{"f"}), tt::per_element());

    // Both cooling and no fallback allowed: nothing is sent at all (503), both listed as skipped.
    fake.clear_calls();
    const auto r5 = chat("grp", {{"disable_fallbacks", true}});
    check_exhausted(r5, 503, {{"a", "grp", "cooling_down", 0, true}, {"b", "grp", "cooling_down", 0, true}});
    BOOST_TEST(header(r5, "x-baton-attempts") == "0");
    BOOST_TEST(calls().empty());

    const auto h = health();
    BOOST_TEST(h.at("deployments").at("a").at("status").as_string() == "cooling_down");
    BOOST_TEST(h.at("deployments").at("b").at("status").as_string() == "cooling_down");
    BOOST_TEST(h.at("deployments").at("f").at("status").as_string() == "healthy");
}

// 7. A 429 cools at once for max(Retry-After, cooldown_time), the upstream's ask capped by retry_after_cap
// (a Retry-After within retry_after_max_wait, 3 s, is the cooldown exactly: see 7b).
BOOST_AUTO_TEST_CASE(rate_limit_cools_at_once_for_max_of_retry_after_and_cooldown_capped)
{
    start(config(fake,
                 {{"g", "a", heavy}, {"g", "b", 1}, {"h", "c", heavy}, {"h", "d", 1}},
                 {"allowed_fails: 100", "cooldown_time: 5", "retry_after_cap: 10"}));
    fake.set_script("a", rate_limited("4"));   // cooldown_time (5 s) is longer: it wins
    fake.set_script("c", rate_limited("20"));  // 20 s asked, capped at 10 s

    const auto r1 = chat("g");
    BOOST_TEST_REQUIRE(r1.status == 200u, r1.body);
    BOOST_TEST(header(r1, "x-baton-deployment-id") == "b");
    const auto r2 = chat("h");
    BOOST_TEST_REQUIRE(r2.status == 200u, r2.body);
    BOOST_TEST(header(r2, "x-baton-deployment-id") == "d");
    BOOST_TEST(names_of(calls()) == (std::vector<std::string>{"a", "b", "c", "d"}), tt::per_element());

    // One 429 was enough (allowed_fails 100): the next requests skip A and C.
    fake.clear_calls();
    BOOST_TEST(chat("g").status == 200u);
    BOOST_TEST(chat("h").status == 200u);
    BOOST_TEST(names_of(calls()) == (std::vector<std::string>{"b", "d"}), tt::per_element());

    const auto h = health();
    const auto& a = h.at("deployments").at("a").as_object();
    BOOST_TEST(a.at("status").as_string() == "cooling_down");
    const double a_left = a.at("cooldown_remaining_seconds").to_number<double>();
    // Cooling (a little time has passed since), at most cooldown_time.
    BOOST_TEST(a_left > 2.0);
    BOOST_TEST(a_left <= 5.0);
    const auto& c = h.at("deployments").at("c").as_object();
    BOOST_TEST(c.at("status").as_string() == "cooling_down");
    const double c_left = c.at("cooldown_remaining_seconds").to_number<double>();
    BOOST_TEST(c_left > 5.0);
    BOOST_TEST(c_left <= 10.0);
    BOOST_TEST(h.at("deployments").at("b").at("status").as_string() == "healthy");
}

// 7b. Issue #10, point 6: a 429 with Retry-After: 2 on a group's only deployment is waited out and retried
// within num_retries before the fallback group (LiteLLM and the OpenAI SDKs wait too); cooldown_time (5 s)
// does not stretch the wait. A Retry-After longer than retry_after_max_wait (3 s) goes to the fallback at
// once, and that deployment is not asked again in the request.
BOOST_AUTO_TEST_CASE(a_short_retry_after_is_waited_out_before_the_fallback)
{
    start(config(fake, {{"g", "a"}, {"fb", "f"}},
                 {"num_retries: 2", "allowed_fails: 100", "cooldown_time: 5", "fallbacks: [{g: [fb]}]"}));
    fake.set_script("a", json::object{{"steps", json::array{rate_limited("2")}}, {"then", ok()}});
    const auto t0 = clock::now();
    const auto r = chat("g");
    const auto elapsed = clock::now() - t0;
    BOOST_TEST_REQUIRE(r.status == 200u, r.body);
    BOOST_TEST(header(r, "x-baton-deployment-id") == "a");
    BOOST_TEST(header(r, "x-baton-fallbacks") == "0");
    BOOST_TEST(names_of(calls()) == (std::vector<std::string>{"a", "a"}), tt::per_element());
    BOOST_TEST((elapsed >= 1900ms), "took " << std::chrono::duration<double>(elapsed).count() << " s");
    BOOST_TEST((elapsed < 4s), "took " << std::chrono::duration<double>(elapsed).count() << " s");

    // Retry-After: 6 is longer than the wait the request takes: the fallback serves at once.
    fake.clear_calls();
    fake.set_script("a", json::object{{"steps", json::array{rate_limited("6")}}, {"then", ok()}});
    const auto t1 = clock::now();
    const auto f = chat("g");
    BOOST_TEST_REQUIRE(f.status == 200u, f.body);
    BOOST_TEST(header(f, "x-baton-deployment-id") == "f");
    BOOST_TEST(names_of(calls()) == (std::vector<std::string>{"a", "f"}), tt::per_element());
    BOOST_TEST((clock::now() - t1 < 1500ms));
}

// 8a. Failure classes that fail over (SPEC §5.3), one group per class: the bad deployment (heavy) first,
// the good one serves, and batond logs the expected reason.
BOOST_AUTO_TEST_CASE(retryable_failure_classes_fail_over_inside_the_group)
{
    refused_port refused;
    struct failure_case {
        std::string name;
        json::value script;
        std::string reason;
        bool recorded;  ///< the bad deployment's call reaches the fake
        bool cools_at_once;
        /// The bad deployment may get the request twice: batond's upstream client resends once on a fresh
        /// connection when a pooled keep-alive connection closes before answering (a stale connection looks
        /// exactly like this). Still one routing attempt.
        bool may_resend = false;
    };
    const std::vector<failure_case> cases{
        {"s401", fail(401), "auth", true, true},
        {"s403", fail(403), "auth", true, true},
        {"s402", fail(402), "billing", true, true},
        {"s404", fail(404), "not_found", true, false},
        {"s408", fail(408), "timeout", true, false},
        {"s500", fail(500), "server_error", true, false},
        {"s529", fail(529), "server_error", true, false},
        {"slow", parse(R"({"delay_ms": 3000})"), "timeout", true, false},
        {"hang", parse(R"({"hang": true})"), "timeout", true, false},
        {"refused", ok(), "connection", false, false},
        {"closed", parse(R"({"close": true})"), "connection", true, false, true},
        {"garbage", parse(R"({"garbage": true})"), "bad_response", true, false},
    };
    std::vector<dep> deps;
    for (const auto& fc : cases) {
        dep bad{fc.name, fc.name + "-bad", heavy, {"timeout: 0.3"}};
        if (fc.name == "refused") bad.api_base = refused.url();
        deps.push_back(bad);
        deps.push_back({fc.name, fc.name + "-good", 1});
    }
    start(config(fake, deps, {"allowed_fails: 3", "cooldown_time: 30"}));
    for (const auto& fc : cases) fake.set_script(fc.name + "-bad", fc.script);

    for (const auto& fc : cases) {
        BOOST_TEST_CONTEXT("case " << fc.name)
        {
            fake.clear_calls();
            const auto t0 = clock::now();
            const auto r = chat(fc.name);
            const auto elapsed = clock::now() - t0;
            BOOST_TEST(r.status == 200u, r.body);
            BOOST_TEST(header(r, "x-baton-deployment-id") == fc.name + "-good");
            BOOST_TEST(header(r, "x-baton-attempts") == "2");
            BOOST_TEST(header(r, "x-baton-fallbacks") == "0");
            // The 3 s delay and the hang were cut by the 0.3 s timeout, not waited out.
            BOOST_TEST(elapsed < 2500ms);
            std::vector<std::string> want =
                fc.recorded ? std::vector<std::string>{fc.name + "-bad", fc.name + "-good"}
                            : std::vector<std::string>{fc.name + "-good"};
            auto got = names_of(calls());
            if (fc.may_resend && got.size() == 3u && got[0] == got[1]) got.erase(got.begin());
            BOOST_TEST(got == want, tt::per_element());
            const auto ev = failure_event(fc.name + "-bad");
            BOOST_TEST(ev.at("reason").as_string() == fc.reason);
            BOOST_TEST(ev.at("model_group").as_string() == fc.name);
            // batond gave up on the hanging upstream: it closed that connection.
            if (fc.name == "hang") BOOST_TEST(fake.wait_closed("hang-bad", 1));
        }
    }

    // A second round: auth/billing cooled the bad deployment at once, the counted reasons did not (one
    // failure of allowed_fails 3), so those are tried first again.
    for (const auto& fc : cases) {
        BOOST_TEST_CONTEXT("second round, case " << fc.name)
        {
            fake.clear_calls();
            const auto r = chat(fc.name);
            BOOST_TEST(r.status == 200u, r.body);
            BOOST_TEST(header(r, "x-baton-deployment-id") == fc.name + "-good");
            const bool bad_called = count(fc.name + "-bad") >= 1u;
            BOOST_TEST(count(fc.name + "-bad") <= (fc.may_resend ? 2u : 1u));
            BOOST_TEST(bad_called == (fc.recorded && !fc.cools_at_once));
            BOOST_TEST(header(r, "x-baton-attempts") == (fc.cools_at_once ? "1" : "2"));
        }
    }
    const auto h = health();
    BOOST_TEST(h.at("deployments").at("s401-bad").at("status").as_string() == "cooling_down");
    BOOST_TEST(h.at("deployments").at("s402-bad").at("status").as_string() == "cooling_down");
    BOOST_TEST(h.at("deployments").at("s404-bad").at("status").as_string() == "healthy");
}

// 8b. Failure classes that do not fail over inside the group: a format error comes back at once as the
// upstream sent it; context-window and content-policy errors go to their own fallbacks only, or come back
// as they are when none are configured.
BOOST_AUTO_TEST_CASE(format_context_window_and_content_policy_errors_take_their_own_path)
{
    start(config(fake,
                 {{"fmt", "fmt-a", heavy},
                  {"fmt", "fmt-b", 1},
                  {"ctx", "ctx-a", heavy},
                  {"ctx", "ctx-b", 1},
                  {"ctx2", "ctx2-a", heavy},
                  {"ctx2", "ctx2-b", 1},
                  {"cp", "cp-a", heavy},
                  {"cp", "cp-b", 1},
                  {"cp2", "cp2-a", heavy},
                  {"cp2", "cp2-b", 1},
                  {"big", "big", 1},
                  {"safe", "safe", 1},
                  {"fb", "fb", 1}},
                 {"allowed_fails: 1", "cooldown_time: 30",
                  "fallbacks: [{fmt: [fb]}, {ctx: [fb]}, {ctx2: [fb]}, {cp: [fb]}, {cp2: [fb]}]",
                  "context_window_fallbacks: [{ctx: [big]}]", "content_policy_fallbacks: [{cp: [safe]}]"}));
    const std::string fmt_body =
        R"({"error":{"message":"Invalid value for 'temperature'","type":"invalid_request_error","param":"temperature","code":"invalid_value"}})";
    const std::string ctx_body =
        R"({"error":{"message":"This model's maximum context length is 8192 tokens","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}})";
    const std::string cp_body =
        R"({"error":{"message":"The response was filtered","type":"invalid_request_error","param":null,"code":"content_filter"}})";
    auto raw400 = [](const std::string& body) { return json::value(json::object{{"status", 400}, {"body", body}}); };
    fake.set_script("fmt-a", raw400(fmt_body));
    fake.set_script("ctx-a", raw400(ctx_body));
    fake.set_script("ctx2-a", raw400(ctx_body));
    fake.set_script("cp-a", raw400(cp_body));
    fake.set_script("cp2-a", raw400(cp_body));

    {
        BOOST_TEST_CONTEXT("format error")
        {
            const auto r = chat("fmt");
            BOOST_TEST(r.status == 400u);
            BOOST_TEST(r.body == fmt_body);
            BOOST_TEST(header(r, "x-baton-attempts") == "1");
            BOOST_TEST(names_of(calls()) == (std::vector<std::string>{"fmt-a"}), tt::per_element());
            // No cooldown (even with allowed_fails 1): the next request goes to fmt-a again.
            fake.clear_calls();
            const auto again = chat("fmt");
            BOOST_TEST(again.status == 400u);
            BOOST_TEST(names_of(calls()) == (std::vector<std::string>{"fmt-a"}), tt::per_element());
        }
    }
    {
        BOOST_TEST_CONTEXT("context window with context_window_fallbacks")
        {
            fake.clear_calls();
            const auto r = chat("ctx");
            BOOST_TEST_REQUIRE(r.status == 200u, r.body);
            BOOST_TEST(header(r, "x-baton-model-group") == "big");
            BOOST_TEST(header(r, "x-baton-deployment-id") == "big");
            BOOST_TEST(header(r, "x-baton-fallbacks") == "1");
            const auto c = calls();
            BOOST_TEST(names_of(c) == (std::vector<std::string>{"ctx-a", "big"}), tt::per_element());
            BOOST_TEST_REQUIRE(c.size() == 2u);
            BOOST_TEST(model_of(c[1]) == "up-big");
            BOOST_TEST(auth_of(c[1]) == "Bearer key-big");
        }
    }
    {
        BOOST_TEST_CONTEXT("context window without context_window_fallbacks")
        {
            fake.clear_calls();
            const auto r = chat("ctx2");
            BOOST_TEST(r.status == 400u);
            BOOST_TEST(r.body == ctx_body);
            BOOST_TEST(names_of(calls()) == (std::vector<std::string>{"ctx2-a"}), tt::per_element());
        }
    }
    {
        BOOST_TEST_CONTEXT("content policy with content_policy_fallbacks")
        {
            fake.clear_calls();
            const auto r = chat("cp");
            BOOST_TEST_REQUIRE(r.status == 200u, r.body);
            BOOST_TEST(header(r, "x-baton-model-group") == "safe");
            BOOST_TEST(names_of(calls()) == (std::vector<std::string>{"cp-a", "safe"}), tt::per_element());
        }
    }
    {
        BOOST_TEST_CONTEXT("content policy without content_policy_fallbacks")
        {
            fake.clear_calls();
            const auto r = chat("cp2");
            BOOST_TEST(r.status == 400u);
            BOOST_TEST(r.body == cp_body);
            BOOST_TEST(names_of(calls()) == (std::vector<std::string>{"cp2-a"}), tt::per_element());
        }
    }
}

namespace {

// Seed 000 (DocsGPT) plan order: main, then the key's backup_models (bk), then fallbacks[main] (fb), then
// default_fallbacks (df). fb's own fallbacks (fb2) must never be followed.
std::string plan_order_config(const fake_upstream_process& fake, const std::vector<std::string>& extra_router = {},
                              const std::string& backup_models = "[bk]")
{
    std::vector<std::string> router{"allowed_fails: 100", "cooldown_time: 1", "fallbacks: [{main: [fb]}, {fb: [fb2]}]",
                                    "default_fallbacks: [df]"};
    router.insert(router.end(), extra_router.begin(), extra_router.end());
    return config(fake,
                  {{"main", "m", 1}, {"bk", "bk", 1}, {"x", "x", 1}, {"fb", "fb", 1}, {"fb2", "fb2", 1}, {"df", "df", 1}},
                  router,
                  "keys:\n"
                  "  - name: team-a\n"
                  "    key: os.environ/TEAM_A_KEY\n"
                  "    backup_models: " + backup_models + "\n");
}

baton_process::options team_a_env()
{
    baton_process::options o;
    o.env.emplace_back("TEAM_A_KEY", "sk-team-a-123");
    return o;
}

const header_list team_a{{"Authorization", "Bearer sk-team-a-123"}};

}  // namespace

// 9a. Plan order with a client key's backup_models, per-request fallbacks and disable_fallbacks.
BOOST_AUTO_TEST_CASE(plan_order_backup_models_before_fallbacks_before_defaults)
{
    start(plan_order_config(fake), team_a_env());
    for (const auto* n : {"m", "bk", "x", "fb", "fb2", "df"}) fake.set_script(n, fail(500));

    {
        BOOST_TEST_CONTEXT("everything fails")
        {
            const auto r = chat("main", {}, team_a);
            check_exhausted(r, 502,
                            {{"m", "main", "server_error", 500, false},
                             {"bk", "bk", "server_error", 500, false},
                             {"fb", "fb", "server_error", 500, false},
                             {"df", "df", "server_error", 500, false}});
            BOOST_TEST(header(r, "x-baton-attempts") == "4");
            BOOST_TEST(header(r, "x-baton-fallbacks") == "3");
            const auto c = calls();
            BOOST_TEST(names_of(c) == (std::vector<std::string>{"m", "bk", "fb", "df"}), tt::per_element());
            // Each request uses its own deployment's upstream model and key, never the primary's.
            for (const auto& call : c) {
                const std::string n(call.at("name").as_string());
                BOOST_TEST(model_of(call) == "up-" + n);
                BOOST_TEST(auth_of(call) == "Bearer key-" + n);
            }
            BOOST_TEST(count("fb2") == 0u);
        }
    }
    {
        BOOST_TEST_CONTEXT("the backup serves")
        {
            fake.clear_calls();
            fake.set_script("bk", ok());
            const auto r = chat("main", {}, team_a);
            BOOST_TEST_REQUIRE(r.status == 200u, r.body);
            BOOST_TEST(header(r, "x-baton-model-group") == "bk");
            BOOST_TEST(header(r, "x-baton-deployment-id") == "bk");
            BOOST_TEST(header(r, "x-baton-resolved") == "openai/up-bk");
            BOOST_TEST(header(r, "x-baton-fallbacks") == "1");
            BOOST_TEST(r.json().at("choices").at(0).at("message").at("content").as_string() == "ok from bk");
            BOOST_TEST(names_of(calls()) == (std::vector<std::string>{"m", "bk"}), tt::per_element());
            fake.set_script("bk", fail(500));
        }
    }
    {
        BOOST_TEST_CONTEXT("per-request fallbacks replace backup_models; an entry naming nothing is skipped")
        {
            fake.clear_calls();
            const auto from = baton->log_size();
            const auto r = chat("main", {{"fallbacks", json::array{"missing-group", "x"}}}, team_a);
            check_exhausted(r, 502,
                            {{"m", "main", "server_error", 500, false},
                             {"x", "x", "server_error", 500, false},
                             {"fb", "fb", "server_error", 500, false},
                             {"df", "df", "server_error", 500, false}});
            BOOST_TEST(names_of(calls()) == (std::vector<std::string>{"m", "x", "fb", "df"}), tt::per_element());
            const auto note = baton->wait_log("\"event\":\"plan_note\"", deadline_after(5s), from);
            BOOST_TEST_REQUIRE(note.has_value());
            BOOST_TEST(note->find("missing-group") != std::string::npos, *note);
            // Removed before forwarding (SPEC §4).
            for (const auto& call : calls()) BOOST_TEST(!call.at("json").as_object().contains("fallbacks"));
        }
    }
    {
        BOOST_TEST_CONTEXT("disable_fallbacks stops after the group")
        {
            fake.clear_calls();
            const auto r = chat("main", {{"disable_fallbacks", true}}, team_a);
            check_exhausted(r, 502, {{"m", "main", "server_error", 500, false}});
            BOOST_TEST(header(r, "x-baton-fallbacks") == "0");
            BOOST_TEST(names_of(calls()) == (std::vector<std::string>{"m"}), tt::per_element());
        }
    }
}

// 9b. max_fallbacks bounds the hops: with 1, only the first backup is tried after the group.
BOOST_AUTO_TEST_CASE(max_fallbacks_bounds_hops)
{
    start(plan_order_config(fake, {"max_fallbacks: 1"}), team_a_env());
    for (const auto* n : {"m", "bk", "x", "fb", "fb2", "df"}) fake.set_script(n, fail(500));

    const auto r = chat("main", {}, team_a);
    check_exhausted(r, 502, {{"m", "main", "server_error", 500, false}, {"bk", "bk", "server_error", 500, false}});
    BOOST_TEST(header(r, "x-baton-fallbacks") == "1");
    BOOST_TEST(names_of(calls()) == (std::vector<std::string>{"m", "bk"}), tt::per_element());
}

// 9c. SPEC §5.4 step 2: a key's backup_models entry that names no configured group is skipped with a logged
// reason, and the next one is tried (seed 000: unresolvable backups are skipped).
BOOST_AUTO_TEST_CASE(key_backup_naming_no_group_is_skipped_with_a_logged_reason)
{
    start(plan_order_config(fake, {}, "[missing-group, bk]"), team_a_env());
    fake.set_script("m", fail(500));
    const auto from = baton->log_size();
    const auto r = chat("main", {}, team_a);
    BOOST_TEST_REQUIRE(r.status == 200u, r.body);
    BOOST_TEST(header(r, "x-baton-model-group") == "bk");
    BOOST_TEST(names_of(calls()) == (std::vector<std::string>{"m", "bk"}), tt::per_element());
    const auto note = baton->wait_log("\"event\":\"plan_note\"", deadline_after(5s), from);
    BOOST_TEST_REQUIRE(note.has_value());
    BOOST_TEST(note->find("missing-group") != std::string::npos, *note);
}

// 10a. Seed 002 (picoclaw): several keys on one deployment are separate candidates with their own cooldown.
// The keys share d's weight, so which key goes first is random; the test follows whichever it was.
BOOST_AUTO_TEST_CASE(several_keys_fail_over_and_cool_down_per_key)
{
    start(config(fake, {{.group = "g", .id = "d", .weight = 1, .api_keys = {"k1", "k2", "k3"}}},
                 {"allowed_fails: 3", "cooldown_time: 30"}));
    const std::map<std::string, std::string> id_of_key{
        {"Bearer k1", "d"}, {"Bearer k2", "d__key_1"}, {"Bearer k3", "d__key_2"}};
    fake.set_script("d", json::object{{"steps", json::array{rate_limited("1")}}, {"then", ok()}});

    const auto r = chat("g");
    BOOST_TEST_REQUIRE(r.status == 200u, r.body);
    BOOST_TEST(header(r, "x-baton-attempts") == "2");
    const auto c = calls();
    BOOST_TEST_REQUIRE(c.size() == 2u);
    const auto first = auth_of(c[0]);
    const auto second = auth_of(c[1]);
    BOOST_TEST_REQUIRE(id_of_key.contains(first), first);
    BOOST_TEST_REQUIRE(id_of_key.contains(second), second);
    BOOST_TEST(first != second);
    BOOST_TEST(model_of(c[0]) == "up-d");
    BOOST_TEST(model_of(c[1]) == "up-d");
    // The key that answered is the deployment that served (api_keys[i] ↔ d, d__key_1, d__key_2).
    BOOST_TEST(header(r, "x-baton-deployment-id") == id_of_key.at(second));

    // The rate-limited key cools alone: later requests use the other keys, first try.
    const auto h = health();
    BOOST_TEST(h.at("deployments").at(id_of_key.at(first)).at("status").as_string() == "cooling_down");
    BOOST_TEST(h.at("deployments").at(id_of_key.at(second)).at("status").as_string() == "healthy");
    fake.clear_calls();
    for (int i = 0; i < 8; ++i) {
        const auto again = chat("g");
        BOOST_TEST(again.status == 200u);
        BOOST_TEST(header(again, "x-baton-attempts") == "1");
    }
    const auto later = calls();
    BOOST_TEST(later.size() == 8u);
    for (const auto& call : later) BOOST_TEST(auth_of(call) != first);
}

// 10b. All keys rate-limited: 429 exhausted with one attempt per key; with a fallback group configured,
// the fallback serves after all three keys failed.
BOOST_AUTO_TEST_CASE(all_keys_rate_limited_exhaust_with_429_or_fall_back)
{
    start(config(fake,
                 {{.group = "g", .id = "d", .weight = 1, .api_keys = {"k1", "k2", "k3"}},
                  {.group = "g2", .id = "e", .weight = 1, .api_keys = {"e1", "e2", "e3"}},
                  {"fb", "f", 1}},
                 {"allowed_fails: 3", "cooldown_time: 30", "fallbacks: [{g: [fb]}]"}));
    fake.set_script("d", rate_limited("1"));
    fake.set_script("e", rate_limited("1"));

    {
        BOOST_TEST_CONTEXT("no fallback: 429 exhausted")
        {
            const auto r = chat("g2");
            BOOST_TEST(r.status == 429u);
            const auto body = r.json();
            BOOST_TEST(body.at("error").at("code").as_string() == "fallbacks_exhausted");
            const auto& attempts = body.at("error").at("attempts").as_array();
            const auto c = calls();
            BOOST_TEST_REQUIRE(attempts.size() == 3u, json::serialize(attempts));
            BOOST_TEST_REQUIRE(c.size() == 3u);
            const std::map<std::string, std::string> id_of_key{
                {"Bearer e1", "e"}, {"Bearer e2", "e__key_1"}, {"Bearer e3", "e__key_2"}};
            std::set<std::string> ids;
            for (std::size_t i = 0; i < 3; ++i) {
                const auto& a = attempts[i].as_object();
                BOOST_TEST(a.at("reason").as_string() == "rate_limit");
                BOOST_TEST(a.at("status").to_number<std::int64_t>() == 429);
                BOOST_TEST(a.at("skipped").as_bool() == false);
                BOOST_TEST(a.at("model_group").as_string() == "g2");
                ids.emplace(a.at("deployment_id").as_string());
                // The i-th call carried the key of the i-th attempt's deployment.
                const auto key = auth_of(c[i]);
                BOOST_TEST_REQUIRE(id_of_key.contains(key), key);
                BOOST_TEST(id_of_key.at(key) == std::string(a.at("deployment_id").as_string()));
            }
            BOOST_TEST(ids == (std::set<std::string>{"e", "e__key_1", "e__key_2"}), tt::per_element());
        }
    }
    {
        BOOST_TEST_CONTEXT("fallback after every key failed")
        {
            fake.clear_calls();
            const auto r = chat("g");
            BOOST_TEST_REQUIRE(r.status == 200u, r.body);
            BOOST_TEST(header(r, "x-baton-model-group") == "fb");
            BOOST_TEST(header(r, "x-baton-attempts") == "4");
            BOOST_TEST(header(r, "x-baton-fallbacks") == "1");
            const auto c = calls();
            BOOST_TEST(names_of(c) == (std::vector<std::string>{"d", "d", "d", "f"}), tt::per_element());
            BOOST_TEST_REQUIRE(c.size() == 4u);
            const std::set<std::string> keys{auth_of(c[0]), auth_of(c[1]), auth_of(c[2])};
            BOOST_TEST(keys == (std::set<std::string>{"Bearer k1", "Bearer k2", "Bearer k3"}), tt::per_element());
            BOOST_TEST(auth_of(c[3]) == "Bearer key-f");
            BOOST_TEST(model_of(c[3]) == "up-f");
        }
    }
}

// 11. Aliases (SPEC §5.5): a chain is tried in order; default_model applies to a request without a model;
// model_group_alias renames.
BOOST_AUTO_TEST_CASE(alias_chain_default_model_and_model_group_alias)
{
    start(config(fake, {{"g1", "a1", 1}, {"g2", "a2", 1}},
                 {"allowed_fails: 100", "cooldown_time: 1", "model_group_alias: {gpt4: g1}"},
                 "aliases:\n  fast:\n    description: quick\n    chain: [g1, g2]\ndefault_model: fast\n"));
    fake.set_script("a1", fail(500));

    for (const std::string model : {"fast", ""}) {
        BOOST_TEST_CONTEXT("model '" << model << "'")
        {
            fake.clear_calls();
            const auto r = chat(model);
            BOOST_TEST_REQUIRE(r.status == 200u, r.body);
            BOOST_TEST(header(r, "x-baton-model-group") == "g2");
            BOOST_TEST(header(r, "x-baton-deployment-id") == "a2");
            BOOST_TEST(header(r, "x-baton-attempts") == "2");
            BOOST_TEST(header(r, "x-baton-fallbacks") == "1");
            const auto c = calls();
            BOOST_TEST(names_of(c) == (std::vector<std::string>{"a1", "a2"}), tt::per_element());
            BOOST_TEST_REQUIRE(c.size() == 2u);
            BOOST_TEST(model_of(c[0]) == "up-a1");
            BOOST_TEST(model_of(c[1]) == "up-a2");
        }
    }
    {
        BOOST_TEST_CONTEXT("model_group_alias gpt4 -> g1")
        {
            fake.clear_calls();
            const auto failed = chat("gpt4");
            check_exhausted(failed, 502, {{"a1", "g1", "server_error", 500, false}});
            fake.set_script("a1", ok());
            const auto r = chat("gpt4");
            BOOST_TEST_REQUIRE(r.status == 200u, r.body);
            BOOST_TEST(header(r, "x-baton-model-group") == "g1");
            BOOST_TEST(header(r, "x-baton-resolved") == "openai/up-a1");
            const auto c = calls();
            BOOST_TEST(names_of(c) == (std::vector<std::string>{"a1", "a1"}), tt::per_element());
            BOOST_TEST_REQUIRE(c.size() == 2u);
            BOOST_TEST(model_of(c[1]) == "up-a1");
        }
    }
}

// 12a. Every strategy fails over inside the group (SPEC §5.2 "for every strategy").
BOOST_AUTO_TEST_CASE(least_busy_and_latency_based_fail_over_inside_the_group)
{
    for (const std::string strategy : {"least-busy", "latency-based-routing"}) {
        BOOST_TEST_CONTEXT("strategy " << strategy)
        {
            fake.reset();
            start(config(fake, {{"grp", "a", heavy}, {"grp", "b", 1}},
                         {"routing_strategy: " + strategy, "allowed_fails: 3", "cooldown_time: 30"}));
            fake.set_script("a", fail(500));
            const auto r = chat("grp");
            BOOST_TEST(r.status == 200u, r.body);
            BOOST_TEST(header(r, "x-baton-deployment-id") == "b");
            BOOST_TEST(header(r, "x-baton-attempts") == "2");
            BOOST_TEST(names_of(calls()) == (std::vector<std::string>{"a", "b"}), tt::per_element());
        }
    }
}

// 12b. usage-based-routing: A at its rpm budget is not eligible for the rest of the minute.
BOOST_AUTO_TEST_CASE(usage_based_routing_respects_rpm_budget)
{
    start(config(fake, {{"grp", "a", heavy, {"rpm: 1"}}, {"grp", "b", 1}},
                 {"routing_strategy: usage-based-routing", "allowed_fails: 3", "cooldown_time: 30"}));
    const auto r1 = chat("grp");
    BOOST_TEST_REQUIRE(r1.status == 200u, r1.body);
    BOOST_TEST(header(r1, "x-baton-deployment-id") == "a");
    const auto r2 = chat("grp");
    BOOST_TEST_REQUIRE(r2.status == 200u, r2.body);
    BOOST_TEST(header(r2, "x-baton-deployment-id") == "b");
    BOOST_TEST(header(r2, "x-baton-attempts") == "1");
    BOOST_TEST(names_of(calls()) == (std::vector<std::string>{"a", "b"}), tt::per_element());
}

// 13. num_retries: a group whose only deployment fails once gets another round after a backoff.
BOOST_AUTO_TEST_CASE(num_retries_retries_the_group_after_a_backoff)
{
    start(config(fake, {{"solo", "s", 1}}, {"num_retries: 1", "allowed_fails: 3", "cooldown_time: 30"}));
    fake.set_script("s", json::object{{"steps", json::array{fail(500), ok()}}});

    const auto t0 = clock::now();
    const auto r = chat("solo");
    const auto elapsed = clock::now() - t0;
    BOOST_TEST_REQUIRE(r.status == 200u, r.body);
    BOOST_TEST(header(r, "x-baton-deployment-id") == "s");
    BOOST_TEST(header(r, "x-baton-attempts") == "2");
    BOOST_TEST(names_of(calls()) == (std::vector<std::string>{"s", "s"}), tt::per_element());
    // The first round's backoff is 0.25 s × (0.5 + 0.5 × jitter): at least 125 ms.
    BOOST_TEST(elapsed >= 120ms);

    // Without retries the same failure exhausts the group at once.
    fake.clear_calls();
    fake.set_script("s", json::object{{"steps", json::array{fail(500), ok()}}});
    const auto no_retry = chat("solo", {{"num_retries", 0}});
    check_exhausted(no_retry, 502, {{"s", "solo", "server_error", 500, false}});
    BOOST_TEST(names_of(calls()) == (std::vector<std::string>{"s"}), tt::per_element());
}

// 14. A routed response (here after a failover) leaves the client's keep-alive connection open, as for any
// HTTP/1.1 server: OpenAI SDKs reuse their connections.
BOOST_AUTO_TEST_CASE(routed_response_keeps_the_connection_alive)
{
    start(config(fake, {{"ga", "a", heavy}, {"ga", "a2", 1}, {"gb", "b", 1}}, {"allowed_fails: 3", "cooldown_time: 30"}));
    fake.set_script("a", fail(500));
    auto request = [](std::string_view model) {
        const auto body = json::serialize(chat_body(model));
        return "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    };
    raw_connection conn{baton->port()};
    std::string got;
    BOOST_TEST_REQUIRE(conn.send(request("ga"), deadline_after(5s)));
    BOOST_TEST_REQUIRE(conn.read_until("ok from a2", got, deadline_after(5s)), got);
    BOOST_TEST(got.find("Connection: close") == std::string::npos);
    BOOST_TEST(got.find("connection: close") == std::string::npos);
    // The second request on the same connection is answered too.
    BOOST_TEST(conn.send(request("gb"), deadline_after(5s)));
    BOOST_TEST(conn.read_until("ok from b", got, deadline_after(5s)), got);
}

// 15. Each routed request is logged (one `access` event) and counted once.
BOOST_AUTO_TEST_CASE(each_routed_request_is_logged_once)
{
    start(config(fake, {{"grp", "a", heavy}, {"grp", "b", 1}}, {"allowed_fails: 3", "cooldown_time: 30"}));
    fake.set_script("a", fail(500));
    const auto r1 = chat("grp");
    const auto r2 = chat("grp");
    BOOST_TEST_REQUIRE(r1.status == 200u);
    BOOST_TEST_REQUIRE(r2.status == 200u);
    // After a graceful stop every log line is written.
    const auto st = baton->stop(10s);
    BOOST_TEST_REQUIRE(st.has_value());
    std::map<std::string, int> access;
    for (const auto& e : baton->log_events()) {
        if (e.at("event").as_string() == "access") ++access[std::string(e.at("request_id").as_string())];
    }
    BOOST_TEST(access[header(r1, "x-baton-request-id")] == 1);
    BOOST_TEST(access[header(r2, "x-baton-request-id")] == 1);
    BOOST_TEST(access.size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
