#define BOOST_TEST_MODULE stream_integrity
#include <boost/test/unit_test.hpp>

// Issue #10: a stream that fails over is never corrupted. Every deployment here is the fake upstream in its
// model-like mode: it answers "word1 ... word60", continues only from a prefill (a trailing assistant
// message) and starts over otherwise, like a real model. Through a real batond, for every trigger, every
// continuation strategy and every stream_failover mode, the client's text is exactly the answer (continue),
// the partial answer followed by one whole answer after a second role chunk (restart, its documented
// contract), or the partial answer and the final error event (off) — never anything else; the failed
// deployment is never asked again, even with num_retries: 2 (the LiteLLM-style settings).
// Also here: the timeouts and bounds of issue #11 (items 5 and 6) and the hedged first token.

#include "support/harness.hpp"

#include "streaming/next_hop_request.hpp"

#include <boost/json.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace json = boost::json;
namespace bdata = boost::unit_test::data;
namespace tt = boost::test_tools;
using namespace std::chrono_literals;
using namespace baton::test;

namespace {

constexpr int words = 60;
constexpr int cut_at = 40;  // the first deployment fails after this many words

std::string answer_words(int from, int to)  // words from..to, 1-based, inclusive, as the fake writes them
{
    std::string s;
    for (int i = from; i <= to; ++i) s += "word" + std::to_string(i) + (i < words ? " " : "");
    return s;
}

const std::string full_answer = answer_words(1, words);
const std::string partial = answer_words(1, cut_at);

/// Every config of this file: LiteLLM-style retries, fast stall detection, no cooldown across requests,
/// hedging only when a test asks for it.
const config_defaults defaults{
    .litellm_params = {"timeout: 5", "stream_timeout: 1"},
    .router_settings = {"num_retries: 2", "stream_idle_timeout: 0.3", "allowed_fails: 1000",
                        "stream_hedging: {enabled: false}"},
};

/// A model-like script: `fields` of `stream` (e.g. {"cut_after", 40}), `reject_prefill`, more fields.
json::object model(json::object stream = {}, bool reject_prefill = false, json::object more = {})
{
    json::object o{{"model", json::object{{"words", words}, {"reject_prefill", reject_prefill}}}};
    if (!stream.empty()) o["stream"] = std::move(stream);
    for (auto& [k, v] : more) o[k] = v;
    return o;
}

json::array original_messages()
{
    return json::array{json::object{{"role", "user"}, {"content", "Count to sixty."}}};
}

json::object chat_request(std::string_view model_name, json::object extra = {})
{
    json::object o{{"model", model_name},
                   {"messages", original_messages()},
                   {"stream", true},
                   {"stream_options", json::object{{"include_usage", true}}}};
    for (auto& [k, v] : extra) o[k] = v;
    return o;
}

/// How the continuing deployment B continues, as model_info says (rejects: prefill, but its upstream
/// refuses a prefill with a 400, as current Claude models do).
struct strategy {
    std::string name;        ///< prefill, instruct, none, rejects
    std::string model_info;  ///< the model_info line; empty for the adapter's default (instruct)
    bool reject_prefill = false;
};

std::ostream& operator<<(std::ostream& os, const strategy& s)
{
    return os << s.name;
}

const std::vector<strategy> strategies = {
    {"prefill", "stream_continuation: prefill"},
    {"instruct", ""},
    {"none", "stream_continuation: none"},
    {"rejects", "stream_continuation: prefill", true},
};

/// A mid-stream failure of the first deployment after `cut_at` words: the fake's `stream` field and the
/// baton_stream_failovers_total{reason} it counts as.
struct trigger {
    std::string field;
    std::string reason;
};

std::ostream& operator<<(std::ostream& os, const trigger& t)
{
    return os << t.field;
}

const std::vector<trigger> triggers = {
    {"cut_after", "connection_cut"},  {"stall_after", "idle_timeout"},      {"error_after", "error_event"},
    {"eof_after", "eof_before_done"}, {"endless_after", "oversized_event"},
};

/// One group per strategy: A_<s> (heavy, fails) and B_<s> (weight 1, continues by <s>).
std::vector<dep> groups_per_strategy()
{
    std::vector<dep> deps;
    for (const auto& s : strategies) {
        deps.push_back({.group = s.name, .id = "A_" + s.name, .weight = 1000000});
        dep b{.group = s.name, .id = "B_" + s.name, .weight = 1};
        if (!s.model_info.empty()) b.model_info = {s.model_info};
        deps.push_back(std::move(b));
    }
    return deps;
}

struct fixture {
    fake_upstream_process fake;
    std::unique_ptr<baton_process> baton;
    std::unique_ptr<http_client> client;

    void start(const std::vector<dep>& deps, const std::vector<std::string>& router = {})
    {
        client.reset();
        baton = std::make_unique<baton_process>(config(fake, deps, router, {}, defaults));
        client = std::make_unique<http_client>(baton->port());
    }
    read_stream chat(std::string_view group, json::object extra = {}, clock::duration limit = 10s)
    {
        // A fresh connection each time: a stream that ends with baton's error event closes its connection
        // after the terminating chunk, which may race the next request on a kept-alive one.
        client = std::make_unique<http_client>(baton->port());
        return stream_call(*client, "/v1/chat/completions", chat_request(group, std::move(extra)), {}, limit);
    }
    prom_text metrics()
    {
        client = std::make_unique<http_client>(baton->port());  // the last stream may have closed the old one
        return scrape(*client);
    }
};

std::string last_role(const json::value& call)
{
    return std::string(call.at("json").at("messages").as_array().back().at("role").as_string());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(stream_integrity)

// The matrix: trigger × strategy × mode.
BOOST_DATA_TEST_CASE(every_trigger_strategy_and_mode_gives_the_exact_answer_or_an_honest_error,
                     bdata::make(triggers) *
                         bdata::make(std::vector<std::string>{"continue", "restart", "off"}),
                     trig, mode)
{
    fixture f;
    for (const auto& s : strategies) {
        f.fake.set_script("A_" + s.name, model(json::object{{trig.field, cut_at}}));
        f.fake.set_script("B_" + s.name, model({}, s.reject_prefill));
    }
    f.start(groups_per_strategy(), {"stream_failover: " + mode});

    for (const auto& s : strategies) {
        BOOST_TEST_CONTEXT("trigger " << trig << ", strategy " << s << ", mode " << mode)
        {
            const auto r = f.chat(s.name);
            BOOST_TEST(r.head.status == 200u);
            BOOST_TEST(header(r.head, "x-baton-deployment-id") == "A_" + s.name);
            BOOST_TEST(r.unparsed == 0);
            // The failed deployment is asked once, whatever num_retries says.
            BOOST_TEST(f.fake.calls("A_" + s.name).size() == 1u);
            const auto b_calls = f.fake.calls("B_" + s.name);
            if (mode == "off") {
                BOOST_TEST(r.content == partial);
                BOOST_TEST(!r.done);
                BOOST_TEST_REQUIRE(r.final_error.has_value());
                BOOST_TEST(r.final_error->at("code").as_string() == "stream_failed");
                BOOST_TEST(b_calls.size() == 0u);
                continue;
            }
            BOOST_TEST(r.last_is_done);
            BOOST_TEST(!r.final_error.has_value());
            if (mode == "restart") {
                // Its contract: the whole answer again after a second role chunk, from the original request.
                BOOST_TEST(r.content == partial + full_answer);
                BOOST_TEST(r.role_chunks == 2);
                BOOST_TEST_REQUIRE(b_calls.size() == 1u);
                BOOST_TEST(b_calls[0].at("json").at("messages") == json::value(original_messages()));
                continue;
            }
            // continue: exactly the answer, one message.
            BOOST_TEST(r.content == full_answer);
            BOOST_TEST(r.role_chunks == 1);
            const bool prefilled = s.name == "prefill";
            BOOST_TEST_REQUIRE(b_calls.size() == (s.name == "rejects" ? 2u : 1u));
            if (s.name == "prefill" || s.name == "rejects") {
                BOOST_TEST(last_role(b_calls[0]) == "assistant");
                BOOST_TEST(b_calls[0].at("json").at("messages").as_array().back().at("content").as_string() ==
                           partial);
                BOOST_TEST(b_calls[0].at("json").at("continue_final_message") == json::value(true));
            }
            if (s.name == "rejects") {
                BOOST_TEST(last_role(b_calls[1]) == "user");  // the 400 was retried by instruction
            }
            if (s.name == "instruct") {
                BOOST_TEST(b_calls[0].at("json").at("messages").as_array().back().at("content").as_string() ==
                           baton::streaming::continuation_instruction);
            }
            if (s.name == "none") {
                BOOST_TEST(b_calls[0].at("json").at("messages") == json::value(original_messages()));
            }
            // Usage summed over the hops that reported it (A failed before its usage chunk): one chunk.
            BOOST_TEST_REQUIRE(r.usage.size() == 1u);
            BOOST_TEST(r.usage[0].at("prompt_tokens").as_int64() == 5);
            BOOST_TEST(r.usage[0].at("completion_tokens").as_int64() == (prefilled ? words - cut_at : words));
        }
    }
    // Counted by trigger in every mode (with `off` the stream fails instead of failing over).
    const auto m = f.metrics();
    BOOST_TEST(m.value("baton_stream_failovers_total", {{"reason", trig.reason}}) == 4.0, "metrics:\n"
                                                                                              << m.raw);
}

// A malformed event is no trigger: whatever the mode, the same upstream answers it all.
BOOST_DATA_TEST_CASE(a_malformed_event_never_fails_a_stream_over, bdata::make({"continue", "restart", "off"}),
                     mode)
{
    fixture f;
    f.fake.set_script("A_instruct", model(json::object{{"garbage_after", cut_at}}));
    f.fake.set_script("B_instruct", model());
    f.start(groups_per_strategy(), {"stream_failover: " + std::string(mode)});
    const auto r = f.chat("instruct");
    BOOST_TEST(r.last_is_done);
    BOOST_TEST(r.content == full_answer);
    BOOST_TEST(r.unparsed == 0);
    BOOST_TEST(f.fake.calls("B_instruct").size() == 0u);
    BOOST_TEST(f.metrics().value("baton_stream_events_dropped_total", {{"reason", "malformed"}}) == 1.0);
}

// The cut on a group's only deployment, with num_retries 2 and one fallback group: the fallback
// continues the answer at once; the deployment that cut is never asked again.
BOOST_AUTO_TEST_CASE(a_cut_on_the_only_deployment_goes_to_the_fallback_once)
{
    fixture f;
    f.fake.set_script("A", model(json::object{{"cut_after", cut_at}}));
    f.fake.set_script("F", model());
    f.start({{"chat", "A"}, {"fb", "F"}}, {"fallbacks: [{chat: [fb]}]"});
    const auto r = f.chat("chat");
    BOOST_TEST(r.content == full_answer);
    BOOST_TEST(r.last_is_done);
    BOOST_TEST(names_of(ordered(f.fake.calls())) == (std::vector<std::string>{"A", "F"}), tt::per_element());
}

// A restart that drifts from what the client has is never glued on: with no candidate that continues by
// prefill, the stream ends with stream_failover_failed naming the original failure; with one, it continues.
BOOST_AUTO_TEST_CASE(a_drifting_restart_ends_with_stream_failover_failed_unless_a_prefill_candidate_is_left)
{
    fixture f;
    f.fake.set_script("A", model(json::object{{"cut_after", cut_at}}));
    // B starts over and drifts at its third word.
    f.fake.set_script("B",
                      json::object{
                          {"stream", json::object{{"pieces", json::array{"word1 ", "word2 ", "WORD3 "}}}}});
    f.fake.set_script("P", model());
    f.start({{"chat", "A", 1000000}, {"chat", "B", 1}}, {});
    const auto r = f.chat("chat");
    BOOST_TEST(r.content == partial);
    BOOST_TEST(!r.done);
    BOOST_TEST_REQUIRE(r.final_error.has_value());
    BOOST_TEST(r.final_error->at("code").as_string() == "stream_failover_failed");
    BOOST_TEST(
        std::string(r.final_error->at("message").as_string()).starts_with("stream failed (connection_cut"));

    // The fallback group has C (instruct, nearly all the weight) and P (prefill): after B drifted only P is
    // asked, since C would start over as well.
    fixture g;
    g.fake.set_script("A", model(json::object{{"cut_after", cut_at}}));
    g.fake.set_script("B",
                      json::object{
                          {"stream", json::object{{"pieces", json::array{"word1 ", "word2 ", "WORD3 "}}}}});
    g.fake.set_script("C", model());
    g.fake.set_script("P", model());
    g.start({{"chat", "A", 1000000},
             {"chat", "B", 1},
             {"fb", "C", 1000000},
             {.group = "fb", .id = "P", .weight = 1, .model_info = {"stream_continuation: prefill"}}},
            {"fallbacks: [{chat: [fb]}]"});
    const auto s = g.chat("chat");
    BOOST_TEST(s.content == full_answer);
    BOOST_TEST(s.last_is_done);
    BOOST_TEST(names_of(ordered(g.fake.calls())) == (std::vector<std::string>{"A", "B", "P"}),
               tt::per_element());
    BOOST_TEST(g.metrics().value("baton_stream_failovers_total", {{"reason", "restart_drift"}}) == 1.0);
}

// A continuation that begins by repeating the delivered text's last words: the overlap is dropped, the
// client gets each word once.
BOOST_AUTO_TEST_CASE(a_continuation_repeating_the_last_words_has_its_overlap_dropped)
{
    fixture f;
    f.fake.set_script("A", model(json::object{{"cut_after", cut_at}}));
    json::array pieces;
    for (int i = cut_at - 1; i <= words; ++i)
        pieces.emplace_back("word" + std::to_string(i) + (i < words ? " " : ""));
    f.fake.set_script("B", json::object{{"stream", json::object{{"pieces", std::move(pieces)}}}});
    f.start({{"chat", "A", 1000000}, {"chat", "B", 1}}, {});
    const auto r = f.chat("chat");
    BOOST_TEST(r.content == full_answer);
    BOOST_TEST(r.last_is_done);
    BOOST_TEST(r.role_chunks == 1);
    BOOST_TEST(names_of(ordered(f.fake.calls())) == (std::vector<std::string>{"A", "B"}), tt::per_element());
}

// A silent upstream (no head at all) times out once and is not retried in a later round: the next candidate
// answers within one stream_timeout (the issue: three 30 s timeouts on the same route).
BOOST_AUTO_TEST_CASE(a_silent_upstream_is_not_retried_in_a_later_round)
{
    fixture f;
    f.fake.set_script("A", json::object{{"hang", true}});
    f.fake.set_script("F", model());
    f.start({{"chat", "A"}, {"fb", "F"}}, {"fallbacks: [{chat: [fb]}]"});
    const auto t0 = clock::now();
    const auto r = f.chat("chat");
    const auto elapsed = clock::now() - t0;
    BOOST_TEST(r.content == full_answer);
    BOOST_TEST(header(r.head, "x-baton-deployment-id") == "F");
    BOOST_TEST((elapsed < 2500ms), "took " << std::chrono::duration<double>(elapsed).count() << " s");
    BOOST_TEST(f.fake.calls("A").size() == 1u);
}

// Issue #11, item 6: stream_timeout bounds the first *event*, not the first bytes: an upstream that drips a
// byte at a time (50 ms apart: no read ever waits stream_idle_timeout) fails over after stream_timeout.
BOOST_AUTO_TEST_CASE(a_dripping_upstream_fails_over_after_stream_timeout)
{
    fixture f;
    f.fake.set_script("A", model(json::object{{"drip_ms", 50}}));
    f.fake.set_script("B", model());
    f.start({{"chat", "A", 1000000}, {"chat", "B", 1}}, {});
    const auto t0 = clock::now();
    const auto r = f.chat("chat");
    const auto elapsed = clock::now() - t0;
    BOOST_TEST(header(r.head, "x-baton-deployment-id") == "B");
    BOOST_TEST(r.content == full_answer);
    BOOST_TEST((elapsed >= 900ms), "took " << std::chrono::duration<double>(elapsed).count() << " s");
    BOOST_TEST((elapsed < 3s), "took " << std::chrono::duration<double>(elapsed).count() << " s");
    BOOST_TEST(f.fake.wait_closed("A", 1, 2000ms));
}

// Issue #11, item 5: an event that never ends is bounded (1 MiB): the hop fails and the next candidate
// answers, without batond holding what the upstream keeps sending.
BOOST_AUTO_TEST_CASE(an_endless_event_fails_the_hop_with_bounded_memory)
{
    // Before the first event (2 MiB that never end an event: invisible failover), and mid-stream (an event
    // that never ends, after 40 words: the stream continues on B).
    const json::object before_first{{"body", "data: " + std::string(std::size_t{2} << 20, 'x')},
                                    {"headers", json::object{{"content-type", "text/event-stream"}}}};
    for (const int after : {0, cut_at}) {
        BOOST_TEST_CONTEXT("endless_after " << after)
        {
            fixture f;
            f.fake.set_script("A", after == 0 ? before_first : model(json::object{{"endless_after", after}}));
            f.fake.set_script("B", model());
            f.start({{"chat", "A", 1000000}, {"chat", "B", 1}}, {});
            const std::size_t before = peak_rss_bytes(f.baton->process().pid());
            const auto t0 = clock::now();
            const auto r = f.chat("chat");
            const auto elapsed = clock::now() - t0;
            BOOST_TEST(r.content == full_answer);
            BOOST_TEST(r.last_is_done);
            BOOST_TEST(header(r.head, "x-baton-deployment-id") == (after == 0 ? "B" : "A"));
            BOOST_TEST((elapsed < 3s), "took " << std::chrono::duration<double>(elapsed).count() << " s");
            if (after != 0) {
                BOOST_TEST(f.fake.wait_closed("A", 1, 2000ms));  // batond stopped reading the endless event
            }
            const std::size_t grown = peak_rss_bytes(f.baton->process().pid()) - before;
            BOOST_TEST(grown < std::size_t{16} << 20, "batond's peak RSS grew by " << grown << " bytes");
        }
    }
}

// Issue #10, point 5: a slow first token is hedged. A would take 20 s; after the hedge delay (here at most
// 0.3 s) B starts beside it, answers first and serves; A is cancelled at once. One hedge per request.
BOOST_AUTO_TEST_CASE(a_slow_first_token_is_hedged_and_the_first_event_wins)
{
    fixture f;
    f.fake.set_script("A", model(json::object{{"first_delay_ms", 20000}}));
    f.fake.set_script("B", model());
    f.start({{.group = "chat", .id = "A", .weight = 1000000, .extra = {"stream_timeout: 30"}},
             {"chat", "B", 1}},
            {"stream_hedging: {enabled: true, min_delay: 0.1, max_delay: 0.3}"});
    const auto t0 = clock::now();
    const auto r = f.chat("chat");
    const auto elapsed = clock::now() - t0;
    BOOST_TEST(r.content == full_answer);
    BOOST_TEST(r.role_chunks == 1);
    BOOST_TEST(header(r.head, "x-baton-deployment-id") == "B");
    BOOST_TEST(header(r.head, "x-baton-attempts") == "2");
    BOOST_TEST((elapsed < 2s), "took " << std::chrono::duration<double>(elapsed).count() << " s");
    BOOST_TEST(f.fake.wait_closed("A", 1, 1000ms));  // the loser, cancelled at once
    BOOST_TEST(names_of(ordered(f.fake.calls())) == (std::vector<std::string>{"A", "B"}), tt::per_element());
    const auto m = f.metrics();
    BOOST_TEST(m.value("baton_hedges_total", {{"outcome", "won"}}) == 1.0, "metrics:\n" << m.raw);
    // The loser is no failure: nothing counted against A.
    BOOST_TEST(m.sum("baton_upstream_requests_total", {{"deployment", "A"}}) == 0.0);
}

BOOST_AUTO_TEST_CASE(the_original_wins_when_its_first_event_comes_first_and_only_one_hedge_starts)
{
    fixture f;
    // A answers after 0.8 s; the hedge B (started at 0.3 s) would take 3 s: A wins, B is cancelled.
    f.fake.set_script("A", model(json::object{{"first_delay_ms", 800}}));
    f.fake.set_script("B", model(json::object{{"first_delay_ms", 3000}}));
    f.fake.set_script("C", model(json::object{{"first_delay_ms", 3000}}));
    f.start({{"chat", "A", 1000000}, {"chat", "B", 1}, {"chat", "C", 0}},
            {"stream_hedging: {enabled: true, min_delay: 0.1, max_delay: 0.3}"});
    const auto r = f.chat("chat");
    BOOST_TEST(r.content == full_answer);
    BOOST_TEST(header(r.head, "x-baton-deployment-id") == "A");
    BOOST_TEST(f.fake.wait_closed("B", 1, 1000ms));
    BOOST_TEST(f.fake.calls("C").size() == 0u);  // never a second hedge
    BOOST_TEST(f.metrics().value("baton_hedges_total", {{"outcome", "lost"}}) == 1.0);

    // Hedging off for the group: A is waited for, nothing else is asked.
    fixture g;
    g.fake.set_script("A", model(json::object{{"first_delay_ms", 800}}));
    g.fake.set_script("B", model());
    g.start({{"chat", "A", 1000000}, {"chat", "B", 1}},
            {"stream_hedging: {enabled: true, min_delay: 0.1, max_delay: 0.3, groups: {chat: {enabled: "
             "false}}}"});
    const auto s = g.chat("chat");
    BOOST_TEST(header(s.head, "x-baton-deployment-id") == "A");
    BOOST_TEST(g.fake.calls("B").size() == 0u);
    BOOST_TEST(g.metrics().sum("baton_hedges_total", {}) == 0.0);
}

BOOST_AUTO_TEST_SUITE_END()
