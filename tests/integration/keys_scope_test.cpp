#define BOOST_TEST_MODULE keys_scope
#include <boost/test/unit_test.hpp>

// Who may reach what, and what a client or an upstream can make baton do, through a real batond (issue #11):
// what a wildcard group captures (no header or request injection, no path walking, no literal '*'), a key's
// `models` scope on every hop of the plan, the cap on per-request `fallbacks`, a 2xx that is not JSON past
// its first byte, Retry-After as an HTTP-date or out of range, the log of a stream that ends without
// [DONE], an upstream error that echoes the deployment's key; and client keys' limits (rpm, tpm, parallel
// requests), their x-ratelimit-* headers, GET /v1/keys and their reload.
//
// Every deployment is a name on one fake upstream (api_base http://127.0.0.1:PORT/<id>/v1, upstream model
// "up-<id>", key "key-<id>"), so a recorded call tells who was asked for what.

#include "support/harness.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <ctime>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace json = boost::json;
namespace tt = boost::test_tools;
using namespace std::chrono_literals;
using namespace baton::test;

namespace {

json::value fail(unsigned status)
{
    return json::object{{"status", status}};
}

struct keys_fixture {
    fake_upstream_process fake;
    std::unique_ptr<baton_process> baton;

    void start(const std::string& yaml, baton_process::options opts = {})
    {
        baton.reset();
        baton = std::make_unique<baton_process>(yaml, std::move(opts));
    }

    /// One chat request on a connection of its own: `extra` fields are added to the body.
    http_response chat(std::string_view model, json::object extra = {}, const header_list& headers = {})
    {
        auto body = chat_body(model);
        for (auto& [k, v] : extra) body[k] = v;
        http_client c{baton->port()};
        return c.post_json("/v1/chat/completions", body, headers);
    }

    std::vector<json::object> calls() { return ordered(fake.calls()); }

    /// The log events named `event` written at or after byte `from`.
    std::vector<json::object> events(std::string_view event, std::size_t from = 0)
    {
        std::vector<json::object> out;
        const std::string log = baton->log().substr(from);
        std::size_t at = 0;
        while (at < log.size()) {
            auto end = log.find('\n', at);
            if (end == std::string::npos) break;
            const auto line = strip_priority(std::string_view(log).substr(at, end - at));
            at = end + 1;
            boost::system::error_code ec;
            auto v = json::parse(line, ec);
            if (!ec && v.is_object() && str(v.as_object(), "event") == event) out.push_back(v.as_object());
        }
        return out;
    }
};

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// What a wildcard group captures (defect 1, and the literal '*')
// ---------------------------------------------------------------------------------------------------------
BOOST_FIXTURE_TEST_SUITE(wildcard_names, keys_fixture)

// Before the fix: `openai/x\r\nSet-Cookie: ...` came back as a Set-Cookie response header (through
// x-baton-resolved), an azure name with CRLF wrote a second upstream request carrying the deployment's
// api-key, and `../` walked the upstream path.
BOOST_AUTO_TEST_CASE(a_capture_with_crlf_or_dot_segments_is_refused_and_nothing_is_sent)
{
    start(config(fake, {{.group = "openai/*", .id = "w", .model = "*"},
                        {.group = "azure/*", .id = "az", .provider = "azure", .model = "*"}}));
    const std::vector<std::string> hostile{
        "openai/x\r\nSet-Cookie: pwned=1",
        "openai/x\nSet-Cookie: pwned=1",
        "openai/x\rSet-Cookie: pwned=1",
        "openai/../../v1/models",
        "openai/a//b",
        "openai/a b",
        "openai/a\x01"
        "b",
        "azure/../../../../w/v1/chat/completions?x=",
        "azure/x/chat/completions?api-version=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}POST "
        "/az/v1/x",
        "azure/a%2f..%2fb",
        "openai/" + std::string(300, 'm'),
    };
    for (const auto& model : hostile) {
        BOOST_TEST_CONTEXT("model " << json::serialize(json::value(model)))
        {
            const auto r = chat(model);
            BOOST_TEST(r.status == 400u);
            const auto e = error_of(r);
            BOOST_TEST(e.shaped);
            BOOST_TEST(e.code == "invalid_model_name");
            BOOST_TEST(e.param == "model");
            BOOST_TEST(e.type == "invalid_request_error");
            BOOST_TEST(!r.header("set-cookie").has_value());
            BOOST_TEST(!r.header("x-baton-resolved").has_value());
        }
    }
    BOOST_TEST(fake.calls().empty(), json::serialize(fake.calls()));

    // Ordinary names still go through, the capture in the body (openai) or the path (azure).
    const auto ok = chat("openai/meta-llama/Llama-3.1-8B-Instruct:free");
    BOOST_TEST_REQUIRE(ok.status == 200u, ok.body);
    BOOST_TEST(header(ok, "x-baton-resolved") == "openai/meta-llama/Llama-3.1-8B-Instruct:free");
    const auto az = chat("azure/gpt-4o_mini.2024");
    BOOST_TEST_REQUIRE(az.status == 200u, az.body);
    const auto c = calls();
    BOOST_TEST_REQUIRE(c.size() == 2u);
    BOOST_TEST(c[0].at("json").at("model").as_string() == "meta-llama/Llama-3.1-8B-Instruct:free");
    BOOST_TEST(str(c[1], "path") ==
               "/az/v1/openai/deployments/gpt-4o_mini.2024/chat/completions?api-version=2024-10-21");
}

// Before the fix: a request for the pattern itself (`openai/*`), or for `*` with a catch-all group, sent
// the model "*" upstream.
BOOST_AUTO_TEST_CASE(a_literal_star_never_reaches_the_upstream)
{
    // `'*'`: a YAML plain scalar cannot start with '*' (an alias).
    start(config(fake, {{.group = "'*'", .id = "any", .model = "*"},
                        {.group = "openai/*", .id = "w", .model = "*"}}));
    for (const std::string model : {"*", "openai/*", "openai/gpt-*", "**"}) {
        BOOST_TEST_CONTEXT("model " << model)
        {
            const auto r = chat(model);
            BOOST_TEST(r.status == 400u);
            BOOST_TEST(error_of(r).code == "invalid_model_name");
        }
    }
    BOOST_TEST(fake.calls().empty(), json::serialize(fake.calls()));
    const auto r = chat("gpt-4o");
    BOOST_TEST_REQUIRE(r.status == 200u, r.body);
    BOOST_TEST(calls().at(0).at("json").at("model").as_string() == "gpt-4o");
}

// A per-request fallback is client input too: the same rule, the same 400 (param `fallbacks`).
BOOST_AUTO_TEST_CASE(a_hostile_fallback_name_is_refused_too)
{
    start(config(fake, {{"grp", "a"}, {.group = "azure/*", .id = "az", .provider = "azure", .model = "*"}}));
    fake.set_script("a", fail(500));
    const auto r = chat("grp", {{"fallbacks", json::array{"azure/../../a/v1/chat/completions?"}}});
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(error_of(r).code == "invalid_model_name");
    BOOST_TEST(error_of(r).param == "fallbacks");
    BOOST_TEST(fake.calls().empty(), json::serialize(fake.calls()));
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------------------
// A key's `models` scope on every hop (defect 2)
// ---------------------------------------------------------------------------------------------------------
namespace {

const header_list team{{"Authorization", "Bearer sk-team-scope-0042"}};

/// Groups grp (a), other (o), wide (w); alias `al` → [other]; rename `ren` → other; key `team` may use grp
/// only (plus `extra_models`), with `key_lines` added to its entry.
std::string scope_config(const fake_upstream_process& fake, const std::vector<std::string>& router = {},
                         const std::string& key_lines = {}, const std::string& models = "[grp]")
{
    std::vector<std::string> r{"model_group_alias: {ren: other}"};
    r.insert(r.end(), router.begin(), router.end());
    return config(fake, {{"grp", "a"}, {"other", "o"}, {"wide", "w"}}, r,
                  "aliases:\n"
                  "  al:\n"
                  "    chain: [other]\n"
                  "keys:\n"
                  "  - name: team\n"
                  "    key: sk-team-scope-0042\n"
                  "    models: " +
                      models + "\n" + key_lines);
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(key_scope, keys_fixture)

// Before the fix: every one of these served the request from `o`, a group the key may not use.
BOOST_AUTO_TEST_CASE(per_request_fallbacks_aliases_and_renames_stay_inside_the_keys_models)
{
    start(scope_config(fake));
    fake.set_script("a", fail(500));
    for (const std::string entry : {"other", "al", "ren"}) {
        BOOST_TEST_CONTEXT("fallbacks: [" << entry << "]")
        {
            fake.clear_calls();
            const auto from = baton->log_size();
            const auto r = chat("grp", {{"fallbacks", json::array{entry}}}, team);
            BOOST_TEST(r.status == 502u, r.body);
            BOOST_TEST(error_of(r).code == "fallbacks_exhausted");
            BOOST_TEST(names_of(calls()) == (std::vector<std::string>{"a"}), tt::per_element());
            const auto note = baton->wait_log("\"event\":\"plan_note\"", deadline_after(5s), from);
            BOOST_TEST_REQUIRE(note.has_value());
            BOOST_TEST(note->find("outside the key's models") != std::string::npos, *note);
            BOOST_TEST(note->find("'" + entry + "'") != std::string::npos, *note);
        }
    }
    // Asking for them directly is a 403, as before.
    for (const std::string model : {"other", "al", "ren"}) {
        BOOST_TEST_CONTEXT("model " << model)
        {
            const auto r = chat(model, {}, team);
            BOOST_TEST(r.status == 403u);
            BOOST_TEST(error_of(r).code == "model_not_allowed");
        }
    }
}

BOOST_AUTO_TEST_CASE(configured_and_backup_hops_outside_the_scope_are_skipped_with_a_reason)
{
    start(scope_config(fake, {"fallbacks: [{grp: [other]}]", "default_fallbacks: [wide]"},
                       "    backup_models: [al]\n"));
    fake.set_script("a", fail(500));
    const auto from = baton->log_size();
    const auto r = chat("grp", {}, team);
    BOOST_TEST(r.status == 502u, r.body);
    BOOST_TEST(names_of(calls()) == (std::vector<std::string>{"a"}), tt::per_element());
    const auto line = baton->wait_log("\"event\":\"plan_note\"", deadline_after(5s), from);
    BOOST_TEST_REQUIRE(line.has_value());
    for (const auto* name : {"'al'", "'other'", "'wide'"})
        BOOST_TEST(line->find(name) != std::string::npos, *line);
    // Once per request: one line carries every note.
    BOOST_TEST(events("plan_note", from).size() == 1u);

    // The key's scope is what skipped them: with `other` in scope the configured fallback serves.
    start(scope_config(fake, {"fallbacks: [{grp: [other]}]"}, {}, "[grp, other]"));
    fake.clear_calls();
    const auto wide = chat("grp", {}, team);
    BOOST_TEST_REQUIRE(wide.status == 200u, wide.body);
    BOOST_TEST(header(wide, "x-baton-deployment-id") == "o");
}

// A key allowed an alias may use the alias's chain; a key allowed a rename may use what it renames to.
BOOST_AUTO_TEST_CASE(an_alias_or_rename_in_scope_brings_what_it_stands_for)
{
    start(scope_config(fake, {}, {}, "[al, ren]"));
    fake.set_script("o", json::object{{"steps", json::array{fail(500)}}, {"then", json::object{}}});
    const auto r = chat("al", {}, team);
    BOOST_TEST(r.status == 502u, r.body);  // the chain's only group failed
    const auto s = chat("ren", {}, team);
    BOOST_TEST_REQUIRE(s.status == 200u, s.body);
    BOOST_TEST(header(s, "x-baton-deployment-id") == "o");
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------------------
// The cap on per-request fallbacks (defect 9)
// ---------------------------------------------------------------------------------------------------------
BOOST_FIXTURE_TEST_SUITE(fallbacks_cap, keys_fixture)

// Before the fix: 60,000 entries were accepted, each logged as a warning of its own.
BOOST_AUTO_TEST_CASE(more_than_16_fallbacks_is_a_400_and_16_log_one_line)
{
    start(config(fake, {{"grp", "a"}}));
    fake.set_script("a", fail(500));
    const auto names = [](std::size_t n) {
        json::array a;
        for (std::size_t i = 0; i < n; ++i) a.emplace_back("missing-" + std::to_string(i));
        return a;
    };
    for (const std::size_t n : {60000u, 17u}) {
        BOOST_TEST_CONTEXT(n << " fallbacks")
        {
            const auto from = baton->log_size();
            const auto t0 = clock::now();
            const auto r = chat("grp", {{"fallbacks", names(n)}});
            const bool quick = clock::now() - t0 < 5s;
            BOOST_TEST(quick);
            BOOST_TEST(r.status == 400u);
            const auto e = error_of(r);
            BOOST_TEST(e.code == "invalid_value");
            BOOST_TEST(e.param == "fallbacks");
            BOOST_TEST(e.message == "`fallbacks` may name at most 16 models (got " + std::to_string(n) + ")");
            BOOST_TEST(events("plan_note", from).empty());
        }
    }
    BOOST_TEST(fake.calls().empty());

    const auto from = baton->log_size();
    const auto r = chat("grp", {{"fallbacks", names(16)}});
    BOOST_TEST(r.status == 502u, r.body);
    BOOST_TEST_REQUIRE(baton->wait_log("\"event\":\"access\"", deadline_after(5s), from).has_value());
    const auto notes = events("plan_note", from);
    BOOST_TEST_REQUIRE(notes.size() == 1u);
    BOOST_TEST(notes[0].at("notes").as_array().size() == 16u);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------------------
// What an upstream sends (defect 7 and the smaller ones)
// ---------------------------------------------------------------------------------------------------------
BOOST_FIXTURE_TEST_SUITE(upstream_answers, keys_fixture)

// Before the fix: a 200 whose first byte was '{' was relayed as the answer, whatever followed.
BOOST_AUTO_TEST_CASE(a_2xx_that_is_not_json_past_its_first_byte_fails_over)
{
    start(config(fake, {{"grp", "a", 1000000}, {"grp", "b", 1}}, {"allowed_fails: 100"}));
    const std::vector<std::string> broken{
        R"({"id":"x","object":"chat.completion","choices":[)",
        R"({"id":"x"} trailing)",
        R"({"id":"x",})",
        "{",
        R"({"id":"x","choices":[]}{"id":"y"})",
    };
    for (const auto& body : broken) {
        BOOST_TEST_CONTEXT("body " << body)
        {
            fake.clear_calls();
            fake.set_script("a", json::object{{"status", 200}, {"body", body}});
            const auto from = baton->log_size();
            const auto r = chat("grp");
            BOOST_TEST_REQUIRE(r.status == 200u, r.body);
            BOOST_TEST(header(r, "x-baton-deployment-id") == "b");
            BOOST_TEST(r.json().at("choices").at(0).at("message").at("content").as_string() == "ok from b");
            BOOST_TEST(names_of(calls()) == (std::vector<std::string>{"a", "b"}), tt::per_element());
            const auto line = baton->wait_log("\"event\":\"upstream_failure\"", deadline_after(5s), from);
            BOOST_TEST_REQUIRE(line.has_value());
            BOOST_TEST(line->find("\"reason\":\"bad_response\"") != std::string::npos, *line);
        }
    }
}

/// The cooldown a deployment has left, in seconds, from GET /v1/health.
double cooldown_left(baton_process& baton, std::string_view id)
{
    http_client c{baton.port()};
    const auto r = c.get("/v1/health");
    BOOST_REQUIRE_EQUAL(r.status, 200u);
    return r.json().at("deployments").at(id).at("cooldown_remaining_seconds").to_number<double>();
}

std::string http_date(std::chrono::system_clock::time_point t)
{
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return buf;
}

// Before the fix: both were ignored and the cooldown was cooldown_time (1 s).
BOOST_AUTO_TEST_CASE(retry_after_as_an_http_date_or_out_of_range_is_honoured_and_capped)
{
    start(config(fake, {{"grp", "a"}, {"grp", "b"}},
                 {"cooldown_time: 1", "retry_after_cap: 120", "allowed_fails: 100"}));
    const auto rate_limited = [](const std::string& value) {
        return json::object{{"status", 429}, {"headers", json::object{{"retry-after", value}}}};
    };
    fake.set_script("a", rate_limited(http_date(std::chrono::system_clock::now() + 60s)));
    fake.set_script("b", rate_limited(std::string(400, '9')));
    const auto r = chat("grp");
    BOOST_TEST(r.status == 429u, r.body);
    const double a = cooldown_left(*baton, "a");
    const double b = cooldown_left(*baton, "b");
    BOOST_TEST(a > 45.0);  // 60 s minus the date's whole-second rounding and the test's own time
    BOOST_TEST(a <= 61.0);
    BOOST_TEST(b > 110.0);  // capped by retry_after_cap
    BOOST_TEST(b <= 120.0);
}

// Before the fix: the upstream_failure line said reason `connection` with an empty detail.
BOOST_AUTO_TEST_CASE(a_stream_that_ends_without_done_is_logged_with_its_trigger)
{
    start(config(fake, {{"grp", "a", 1000000}, {"grp", "b", 1}}));
    fake.set_script("a", json::object{{"stream", json::object{{"eof_after", 0}}}});
    const auto from = baton->log_size();
    http_client c{baton->port()};
    c.open_stream("/v1/chat/completions", chat_body("grp", true), deadline_after(10s));
    const auto s = c.read_events(deadline_after(10s));
    BOOST_TEST_REQUIRE(!s.events.empty());
    BOOST_TEST(s.events.back().is_done());
    const auto line = baton->wait_log("\"event\":\"upstream_failure\"", deadline_after(5s), from);
    BOOST_TEST_REQUIRE(line.has_value());
    const auto ev = json::parse(strip_priority(*line)).as_object();
    BOOST_TEST(str(ev, "deployment") == "a");
    BOOST_TEST(str(ev, "detail") ==
               "eof_before_done: the upstream stream ended before [DONE] or a finish_reason");
}

// Before the fix: the upstream's body went back to the client as it was, the key in it.
BOOST_AUTO_TEST_CASE(an_upstream_error_that_echoes_the_deployments_key_is_masked)
{
    const std::string key = "sk-echoed-secret-7731";
    start(config(fake, {{.group = "grp", .id = "a", .api_key = key}}));
    const std::string echoed = R"({"error":{"message":"Incorrect API key provided: )" + key + R"(. Check )" +
                               key + R"(","type":"invalid_request_error","param":null,"code":null}})";
    fake.set_script("a", json::object{{"status", 422}, {"body", echoed}});
    const auto r = chat("grp");
    BOOST_TEST(r.status == 422u);
    BOOST_TEST(r.body.find(key) == std::string::npos, r.body);
    BOOST_TEST(error_of(r).message == "Incorrect API key provided: [redacted]. Check [redacted]");
    BOOST_TEST(baton->log().find(key) == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------------------
// Client keys' limits (deliverable 2): rpm, tpm, parallel requests, x-ratelimit-*, GET /v1/keys, reload
// ---------------------------------------------------------------------------------------------------------
namespace {

const std::string master_key = "mk-keys-master-0077";
const header_list master{{"Authorization", "Bearer " + master_key}};

/// Group grp (deployment a); key `team` (sk-team-scope-0042) with `limit_lines`; a master key.
std::string limits_config(const fake_upstream_process& fake, const std::string& limit_lines,
                          const std::string& key_name = "team")
{
    return config_yaml(fake, {{{"grp", "a"}},
                              {},
                              "keys:\n"
                              "  - name: " +
                                  key_name +
                                  "\n"
                                  "    key: sk-team-scope-0042\n" +
                                  limit_lines,
                              {"master_key: " + master_key}});
}

std::int64_t wall_minute()
{
    return std::chrono::duration_cast<std::chrono::minutes>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// Runs `scenario` until it ran within one wall-clock minute (the limits count per minute; a scenario that
/// straddles a minute boundary sees its counts start afresh halfway). At most three tries.
template <class F>
void within_one_minute(F&& scenario)
{
    for (int i = 0; i < 3; ++i) {
        const auto before = wall_minute();
        scenario();
        if (wall_minute() == before) return;
        BOOST_TEST_MESSAGE("the scenario crossed a minute boundary; running it again");
    }
    BOOST_FAIL("three tries each crossed a minute boundary");
}

std::uint64_t num(const json::object& o, std::string_view k)
{
    return o.at(k).to_number<std::uint64_t>();
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(key_limits, keys_fixture)

// Before: rpm_limit was read and never enforced (every request served, no x-ratelimit-* headers).
BOOST_AUTO_TEST_CASE(rpm_limit_refuses_with_429_retry_after_and_openai_headers)
{
    within_one_minute([&] {
        start(limits_config(fake, "    rpm_limit: 2\n"));
        fake.clear_calls();
        for (const std::string remaining : {"1", "0"}) {
            const auto r = chat("grp", {}, team);
            BOOST_TEST_REQUIRE(r.status == 200u, r.body);
            BOOST_TEST(header(r, "x-ratelimit-limit-requests") == "2");
            BOOST_TEST(header(r, "x-ratelimit-remaining-requests") == remaining);
            BOOST_TEST(!header(r, "x-ratelimit-reset-requests").empty());
            BOOST_TEST(!r.header("x-ratelimit-limit-tokens").has_value());  // no tpm_limit: no token headers
        }
        const auto r = chat("grp", {}, team);
        BOOST_TEST(r.status == 429u, r.body);
        const auto e = error_of(r);
        BOOST_TEST(e.shaped);
        BOOST_TEST(e.code == "rate_limit_exceeded");
        BOOST_TEST(e.type == "requests");
        BOOST_TEST(e.message.find(
                       "Rate limit reached for key `team` on requests per minute (RPM): Limit 2, Used 2") ==
                       0u,
                   e.message);
        const int retry = std::stoi(header(r, "Retry-After"));
        BOOST_TEST(retry >= 1);
        BOOST_TEST(retry <= 60);
        BOOST_TEST(header(r, "x-ratelimit-remaining-requests") == "0");
        BOOST_TEST(fake.calls().size() == 2u);  // the refused request never went upstream

        // Limits are checked before routing: over them, even an unknown model is a 429.
        const auto missing = chat("nope", {}, team);
        BOOST_TEST(missing.status == 429u);
        // Another key, or none, is not limited by team's count.
        const auto other = chat("grp", {}, {{"Authorization", "Bearer " + master_key}});
        BOOST_TEST(other.status == 200u, other.body);
        BOOST_TEST(!other.header("x-ratelimit-limit-requests").has_value());
    });
}

// Tokens come from the upstream's usage, streamed or not; a request is admitted while the key is under.
BOOST_AUTO_TEST_CASE(tpm_limit_counts_usage_of_unary_and_streamed_answers)
{
    within_one_minute([&] {
        start(limits_config(fake, "    tpm_limit: 20\n"));
        http_client c{baton->port()};
        const auto streamed = c.post_json("/v1/chat/completions", chat_body("grp", true), team);
        BOOST_TEST_REQUIRE(streamed.status == 200u, streamed.body);
        BOOST_TEST(header(streamed, "x-ratelimit-limit-tokens") == "20");
        BOOST_TEST(header(streamed, "x-ratelimit-remaining-tokens") == "20");

        const auto keys = c.get("/v1/keys", master);
        BOOST_TEST_REQUIRE(keys.status == 200u, keys.body);
        const json::value listed = keys.json();
        const auto& usage = listed.at("data").as_array().at(0).as_object().at("usage").as_object();
        const std::uint64_t stream_tokens = num(usage, "tokens_this_minute");
        BOOST_TEST(stream_tokens > 5u);  // the fake's stream usage: 5 prompt + one per content chunk
        BOOST_TEST(stream_tokens < 20u);

        const auto unary = chat("grp", {}, team);  // under the limit: admitted, uses 12 more
        BOOST_TEST_REQUIRE(unary.status == 200u, unary.body);
        BOOST_TEST(header(unary, "x-ratelimit-remaining-tokens") == std::to_string(20 - stream_tokens));

        const auto refused = chat("grp", {}, team);
        BOOST_TEST(refused.status == 429u, refused.body);
        BOOST_TEST(error_of(refused).type == "tokens");
        BOOST_TEST(error_of(refused).code == "rate_limit_exceeded");
        BOOST_TEST(header(refused, "x-ratelimit-remaining-tokens") == "0");
        BOOST_TEST(!header(refused, "Retry-After").empty());
    });
}

BOOST_AUTO_TEST_CASE(max_parallel_requests_refuses_while_the_slot_is_taken)
{
    start(limits_config(fake, "    max_parallel_requests: 1\n"));
    fake.set_script("a", json::object{{"steps", json::array{json::object{{"delay_ms", 1500}}}},
                                      {"then", json::object{}}});
    http_response first;
    std::thread slow([&] { first = chat("grp", {}, team); });
    const bool arrived = fake.wait_calls("a", 1);
    BOOST_TEST(arrived);
    const auto refused = chat("grp", {}, team);
    BOOST_TEST(refused.status == 429u, refused.body);
    BOOST_TEST(header(refused, "Retry-After") == "1");
    BOOST_TEST(error_of(refused).code == "rate_limit_exceeded");
    BOOST_TEST(error_of(refused).message.find("parallel requests: Limit 1, In flight 1") !=
               std::string::npos);
    slow.join();
    BOOST_TEST(first.status == 200u, first.body);
    // The slot is free again once the first request ended.
    const auto again = chat("grp", {}, team);
    BOOST_TEST(again.status == 200u, again.body);
}

BOOST_AUTO_TEST_CASE(get_v1_keys_shows_scope_limits_and_usage_to_the_master_key_only_without_secrets)
{
    within_one_minute([&] {
        start(config_yaml(fake, {{{"grp", "a"}},
                                 {},
                                 "keys:\n"
                                 "  - name: team\n"
                                 "    key: sk-team-scope-0042\n"
                                 "    models: [grp]\n"
                                 "    backup_models: [grp]\n"
                                 "    rpm_limit: 5\n"
                                 "    tpm_limit: 1000\n"
                                 "    max_parallel_requests: 3\n"
                                 "  - name: open\n"
                                 "    key_sha256: " +
                                     std::string(64, 'c') + "\n",
                                 {"master_key: " + master_key}}));
        BOOST_TEST_REQUIRE(chat("grp", {}, team).status == 200u);
        http_client c{baton->port()};
        BOOST_TEST(c.get("/v1/keys", team).status == 403u);
        BOOST_TEST(c.get("/v1/keys").status == 401u);
        const auto r = c.get("/v1/keys", master);
        BOOST_TEST_REQUIRE(r.status == 200u, r.body);
        BOOST_TEST(r.body.find("sk-team") == std::string::npos, r.body);
        BOOST_TEST(r.body.find(std::string(64, 'c')) == std::string::npos, r.body);
        BOOST_TEST(r.body.find("sha256") == std::string::npos, r.body);
        const json::value listed = r.json();
        const auto& data = listed.at("data").as_array();
        BOOST_TEST_REQUIRE(data.size() == 2u);
        const auto& t = data[0].as_object();
        BOOST_TEST(str(t, "name") == "team");
        BOOST_TEST(json::serialize(t.at("models")) == R"(["grp"])");
        BOOST_TEST(json::serialize(t.at("limits")) ==
                   R"({"rpm_limit":5,"tpm_limit":1000,"max_parallel_requests":3})");
        const auto& u = t.at("usage").as_object();
        BOOST_TEST(num(u, "requests_this_minute") == 1u);
        BOOST_TEST(num(u, "tokens_this_minute") == 12u);
        BOOST_TEST(num(u, "requests_remaining") == 4u);
        BOOST_TEST(num(u, "tokens_remaining") == 988u);
        BOOST_TEST(num(u, "in_flight") == 0u);
        BOOST_TEST(num(u, "requests_total") == 1u);
        const auto& o = data[1].as_object();
        BOOST_TEST(o.at("models").is_null());
        BOOST_TEST(o.at("usage").as_object().at("requests_remaining").is_null());  // unlimited
    });
}

// Keys, limits and scope reload with SIGHUP; a key's counts are kept by its name.
BOOST_AUTO_TEST_CASE(sighup_reloads_keys_limits_and_scope_and_keeps_counts_by_name)
{
    within_one_minute([&] {
        start(limits_config(fake, "    rpm_limit: 1\n    models: [grp]\n"));
        BOOST_TEST_REQUIRE(chat("grp", {}, team).status == 200u);
        BOOST_TEST(chat("grp", {}, team).status == 429u);

        // A higher limit: the request already counted stays counted (1 of 2 used).
        const auto from = baton->log_size();
        baton->reload(limits_config(fake, "    rpm_limit: 2\n    models: [grp]\n"));
        BOOST_TEST_REQUIRE(baton->wait_log("reload_ok", deadline_after(5s), from).has_value());
        const auto second = chat("grp", {}, team);
        BOOST_TEST(second.status == 200u, second.body);
        BOOST_TEST(header(second, "x-ratelimit-remaining-requests") == "0");
        BOOST_TEST(chat("grp", {}, team).status == 429u);

        // The scope reloads too: grp out of the key's models is a 403, and an error answer to a limited key
        // carries the x-ratelimit-* headers as well.
        const auto from2 = baton->log_size();
        baton->reload(limits_config(fake, "    rpm_limit: 100\n    models: []\n"));
        BOOST_TEST_REQUIRE(baton->wait_log("reload_ok", deadline_after(5s), from2).has_value());
        const auto scoped = chat("grp", {}, team);
        BOOST_TEST(scoped.status == 403u, scoped.body);
        BOOST_TEST(header(scoped, "x-ratelimit-limit-requests") == "100");

        // Another name is another key: its counts start afresh.
        const auto from3 = baton->log_size();
        baton->reload(limits_config(fake, "    rpm_limit: 1\n", "renamed"));
        BOOST_TEST_REQUIRE(baton->wait_log("reload_ok", deadline_after(5s), from3).has_value());
        const auto renamed = chat("grp", {}, team);
        BOOST_TEST(renamed.status == 200u, renamed.body);
        BOOST_TEST(header(renamed, "x-ratelimit-remaining-requests") == "0");
    });
}

BOOST_AUTO_TEST_SUITE_END()
