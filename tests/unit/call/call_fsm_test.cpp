// The per-request state machine (call/call_fsm.hpp) driven without sockets: a fake clock, fixed draws, and
// scripted upstream answers (HTTP answers, transport errors, SSE bytes). Each reference suite's routing and
// streaming scenarios (../shared/seeds/) run here as the daemon would run them, down to what the client
// receives; the integration tests repeat them through a real batond.

#include "call/call_fsm.hpp"
#include "call/errc.hpp"
#include "providers/registry.hpp"
#include "routing/errc.hpp"
#include "streaming/next_hop_request.hpp"
#include "unit/call/chat_events.hpp"
#include "unit/routing/routing_fixture.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace json = boost::json;
using namespace baton;
using call::action_kind;
using call::test::chunk;
using call::test::finish_chunk;
using routing::failure_reason;
using routing::test::at;
using routing::test::world;
using streaming::stream_action_kind;

namespace baton::call {

inline std::ostream& operator<<(std::ostream& os, action_kind k)
{
    static constexpr const char* names[] = {"send", "relay",      "wait",  "respond",
                                            "fail", "end_stream", "finish"};
    return os << names[static_cast<int>(k)];
}

}  // namespace baton::call

namespace {

/// Records what the machine announced, in order, one line per notice.
struct recorder final : call::call_observer {
    std::vector<std::string> lines;
    std::vector<std::string> notes;
    int note_calls = 0;                ///< plan_notes() calls: at most one per request
    std::vector<std::string> details;  ///< each attempt_ended()'s detail

    void plan_notes(const std::vector<std::string>& n) override
    {
        notes.insert(notes.end(), n.begin(), n.end());
        ++note_calls;
    }
    void attempt_started(const routing::plan::try_deployment& t, std::optional<std::size_t> hop) override
    {
        std::string l = "start " + t.target->id;
        if (t.hop)
            l += " hop " + t.hop->from_group + "->" + t.hop->to_group + " " +
                 std::string(to_string(t.hop->reason));
        if (hop) l += " stream_hop " + std::to_string(*hop);
        lines.push_back(l);
    }
    void attempt_ended(const routing::plan::try_deployment& t, failure_reason r, int status,
                       routing::duration, std::string_view detail) override
    {
        details.emplace_back(detail);
        lines.push_back("end " + t.target->id + " " + std::string(to_string(r)) + " " +
                        std::to_string(status));
    }
    void stream_failed_over(const routing::plan::try_deployment& t, streaming::stream_trigger trigger,
                            std::size_t chunks) override
    {
        lines.push_back("stream_failover " + t.target->id + " " + std::string(to_string(trigger)) + " " +
                        std::to_string(chunks));
    }
    void event_dropped(const routing::plan::try_deployment& t, streaming::drop_reason, std::size_t n) override
    {
        lines.push_back("dropped " + t.target->id + " malformed " + std::to_string(n));
    }
};

/// One scripted upstream answer to a send.
struct reply {
    unsigned status = 200;
    std::string body;  ///< a whole body (any status), or the SSE bytes of a 2xx stream
    std::optional<net::upstream_errc> transport;  ///< set: the exchange failed without a status
    bool cut = false;                             ///< a stream that ends with a cut instead of a clean EOF
    std::string retry_after;
    std::chrono::system_clock::time_point received_at{};  ///< the wall clock of an HTTP-date Retry-After
};

reply http(unsigned status, std::string body = {}, std::string retry_after = {})
{
    return {status, std::move(body), std::nullopt, false, std::move(retry_after), {}};
}

reply transport(net::upstream_errc e)
{
    reply r;
    r.transport = e;
    return r;
}

std::string whole_stream(const std::vector<std::string>& words)
{
    std::string s = chunk("", true);
    for (const auto& w : words) s += chunk(w);
    return s + finish_chunk() + "data: [DONE]\n\n";
}

std::string chat_body(std::string_view model, bool stream = false)
{
    std::string b = R"({"model":")" + std::string(model) + R"(","messages":[{"role":"user","content":"hi"}])";
    if (stream) b += R"(,"stream":true)";
    return b + "}";
}

const std::string ok_body =
    R"({"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"fine"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}})";

/// A route table, its providers and a machine over them.
struct bench {
    world w;
    std::vector<providers::deployment_route> routes;
    recorder rec;
    routing::duration budget = std::chrono::seconds(600);

    explicit bench(routing::cooldown_policy p = {}) : w(p) {}

    void add(const std::string& id, const std::string& group, std::optional<double> weight = std::nullopt,
             const std::string& provider = "openai")
    {
        w.add(id, group, weight, "up-" + id, provider);
    }

    call::call_context context()
    {
        routes.clear();
        for (const auto& d : w.table.deployments()) {
            routes.push_back(providers::adapter_for(d.provider).route(d, "/" + d.id + "/v1"));
        }
        return {&w.table, &w.health, routes, budget};
    }
};

/// What a driven call did, as the executor would have seen it.
struct outcome {
    std::vector<std::string> sent;    ///< deployment ids, in send order
    std::vector<std::string> bodies;  ///< the upstream bodies sent
    std::vector<std::string> targets;
    std::vector<routing::duration> waits;
    action_kind last = action_kind::finish;
    unsigned status = 0;     ///< respond: the status written
    std::string body;        ///< respond: the body written
    call::call_error error;  ///< fail: the error (its attempts pointer is cleared: it points into the fsm)
    std::vector<routing::attempt> attempts;  ///< fail: a copy of the error's attempts
    std::string client;                      ///< a stream: every byte written to the client
    bool committed = false;
    routing::time_point end;

    std::string text() const
    {
        // The assistant text the client read, from the chunks' deltas.
        std::string out;
        streaming::sse_parser p;
        std::string_view in = client;
        while (auto ev = p.next(in)) {
            in.remove_prefix(ev->size);
            p.reset();
            json::error_code ec;
            auto v = json::parse(ev->data, ec);
            if (ec || !v.is_object()) continue;
            const auto* ch = v.as_object().if_contains("choices");
            if (!ch || !ch->is_array() || ch->as_array().empty()) continue;
            const auto* d = ch->as_array()[0].as_object().if_contains("delta");
            if (!d) continue;
            if (const auto* c = d->as_object().if_contains("content"); c && c->is_string())
                out += c->as_string();
        }
        return out;
    }
};

using script = std::function<reply(const call::send_order&, int call)>;

/// Each deployment answers with its own list, in order, the last repeating; unknown ids answer `fallback`.
script per_deployment(std::map<std::string, std::vector<reply>> answers, reply fallback = http(200, ok_body))
{
    auto calls = std::make_shared<std::map<std::string, std::size_t>>();
    return [answers = std::move(answers), fallback, calls](const call::send_order& o, int) {
        const auto it = answers.find(o.attempt->target->id);
        if (it == answers.end()) return fallback;
        const std::size_t n = (*calls)[it->first]++;
        return it->second[std::min(n, it->second.size() - 1)];
    };
}

/// Runs the machine from `a` to its end, answering sends with `up`, advancing the clock by waits and by 1 ms
/// per attempt.
outcome drive(call::call_fsm& fsm, action_kind a, const script& up, routing::time_point now = at(0))
{
    outcome r;
    for (int step = 0; step < 100; ++step) {
        switch (a) {
        case action_kind::send: {
            const auto& o = fsm.order();
            r.sent.push_back(o.attempt->target->id);
            r.bodies.emplace_back(o.body);
            r.targets.emplace_back(o.target);
            reply rep = up(o, static_cast<int>(r.sent.size()) - 1);
            now += std::chrono::milliseconds(1);
            if (rep.transport) {
                a = fsm.on_transport_error(*rep.transport, "scripted", now, 0.0);
            } else if (!o.streamed || rep.status < 200 || rep.status >= 300) {
                a = fsm.on_response({rep.status, "application/json", rep.retry_after, rep.body,
                                     rep.received_at},
                                    now, 0.0);
            } else {
                a = fsm.on_stream_open(now);
                BOOST_REQUIRE(a == action_kind::relay);
                std::string_view in = rep.body;
                bool ended = false;
                while (!ended) {
                    auto ev = fsm.next_event(in);
                    if (!ev) break;
                    const auto act = fsm.on_event(*ev);
                    switch (act.kind) {
                    case stream_action_kind::forward:
                        r.client.append(in.substr(0, ev->size));
                        break;
                    case stream_action_kind::replace:
                        r.client.append(act.payload);
                        break;
                    case stream_action_kind::done:
                        r.client.append(act.payload);
                        ended = true;
                        break;
                    case stream_action_kind::fail:
                        ended = true;
                        break;
                    case stream_action_kind::drop:
                        break;
                    }
                    in.remove_prefix(ev->size);
                }
                if (!ended) {
                    const auto act = fsm.on_upstream_end(!rep.cut);
                    if (act.kind == stream_action_kind::done) r.client.append(act.payload);
                }
                a = fsm.on_hop_end(now, 0.0);
            }
            break;
        }
        case action_kind::wait:
            r.waits.push_back(fsm.delay());
            now += fsm.delay();
            a = fsm.on_wait_over(now, 0.0);
            break;
        case action_kind::respond:
            r.status = fsm.answer().status;
            r.body = std::string(fsm.answer().body);
            r.last = a;
            r.end = now;
            return r;
        case action_kind::fail:
            r.error = fsm.error();
            if (r.error.attempts != nullptr) r.attempts = *r.error.attempts;
            r.error.attempts = nullptr;
            r.last = a;
            r.end = now;
            return r;
        case action_kind::end_stream:
            r.client += fsm.stream_error();
            r.last = a;
            r.end = now;
            return r;
        case action_kind::finish:
        case action_kind::relay:
            r.last = a;
            r.end = now;
            return r;
        }
    }
    BOOST_FAIL("the call did not end");
    return r;
}

call::routed_request parse(std::string_view body)
{
    auto r = call::parse_routed_request(body, providers::api_endpoint::chat_completions, false);
    BOOST_REQUIRE(std::holds_alternative<call::routed_request>(r));
    return std::get<call::routed_request>(std::move(r));
}

/// Starts a call for `body` and drives it.
outcome run(bench& b, std::string_view body, const script& up, const call::key_scope* scope = nullptr,
            routing::stream_failover_mode mode = routing::stream_failover_mode::continue_)
{
    call::call_fsm fsm(b.context(), b.rec);
    const auto a = fsm.start(parse(body), scope, mode, at(0), 0.0);
    auto r = drive(fsm, a, up);
    r.committed = fsm.stream() != nullptr && fsm.stream()->committed();
    return r;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// Non-streamed calls: what the client gets for each kind of attempt outcome.
// ---------------------------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(unary)

BOOST_AUTO_TEST_CASE(a_success_is_relayed_as_the_upstream_sent_it)
{
    bench b;
    b.add("A", "g");
    const auto r = run(b, chat_body("g"), per_deployment({}));
    BOOST_TEST(r.last == action_kind::respond);
    BOOST_TEST(r.status == 200u);
    BOOST_TEST(r.body == ok_body);
    BOOST_TEST(r.sent == (std::vector<std::string>{"A"}), boost::test_tools::per_element());
    BOOST_TEST(r.targets[0] == "/A/v1/chat/completions");
    BOOST_TEST(json::parse(r.bodies[0]).as_object().at("model") == "up-A");
    BOOST_TEST(b.rec.lines == (std::vector<std::string>{"start A", "end A none 200"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(intra_group_failover_excludes_the_failed_deployment_then_falls_back)
{
    // LiteLLM (seed 003): a retryable failure excludes the deployment and re-picks in the group; with the
    // group spent, the configured fallback group answers with its own deployment and model.
    bench b;
    b.add("A", "g", 1);
    b.add("B", "g", 1);
    b.add("F", "fb");
    b.w.table.settings.fallbacks["g"] = {"fb"};
    const auto r = run(b, chat_body("g"), per_deployment({{"A", {http(500)}}, {"B", {http(503)}}}));
    BOOST_TEST(r.status == 200u);
    BOOST_TEST(r.sent == (std::vector<std::string>{"A", "B", "F"}), boost::test_tools::per_element());
    BOOST_TEST(json::parse(r.bodies[2]).as_object().at("model") == "up-F");
    BOOST_TEST(b.rec.lines ==
                   (std::vector<std::string>{"start A", "end A server_error 500",
                                             "start B hop g->g server_error", "end B server_error 503",
                                             "start F hop g->fb server_error", "end F none 200"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_2xx_that_is_not_json_is_a_bad_response_and_fails_over)
{
    bench b;
    b.add("A", "g", 1);
    b.add("B", "g", 1);
    const auto r = run(b, chat_body("g"), per_deployment({{"A", {http(200, "<html>oops</html>")}}}));
    BOOST_TEST(r.status == 200u);
    BOOST_TEST(r.sent == (std::vector<std::string>{"A", "B"}), boost::test_tools::per_element());
    BOOST_TEST(b.rec.lines[1] == "end A bad_response 200");
}

BOOST_AUTO_TEST_CASE(a_format_error_is_given_back_at_once)
{
    // picoclaw (seed 002): non-retriable failures are returned as they are, not failed over.
    bench b;
    b.add("A", "g", 1);
    b.add("B", "g", 1);
    const std::string bad = R"({"error":{"message":"bad temperature","type":"invalid_request_error"}})";
    const auto r = run(b, chat_body("g"), per_deployment({{"A", {http(400, bad)}}}));
    BOOST_TEST(r.last == action_kind::respond);
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(r.body == bad);
    BOOST_TEST(r.sent.size() == 1u);
}

BOOST_AUTO_TEST_CASE(context_window_takes_its_own_path)
{
    // LiteLLM (seed 003): a context-window error skips the group and goes to context_window_fallbacks only.
    bench b;
    b.add("A", "g", 1);
    b.add("B", "g", 1);
    b.add("F", "fb");
    b.add("L", "long");
    b.w.table.settings.fallbacks["g"] = {"fb"};
    b.w.table.settings.context_window_fallbacks["g"] = {"long"};
    const auto r =
        run(b, chat_body("g"),
            per_deployment({{"A", {http(400, R"({"error":{"code":"context_length_exceeded"}})")}}}));
    BOOST_TEST(r.status == 200u);
    BOOST_TEST(r.sent == (std::vector<std::string>{"A", "L"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(every_candidate_failing_is_exhausted_with_every_attempt)
{
    bench b;
    b.add("A", "g", 1);
    b.add("B", "g", 1);
    const auto r = run(b, chat_body("g"), per_deployment({}, http(500)));
    BOOST_TEST(r.last == action_kind::fail);
    BOOST_TEST((r.error.ec == routing::errc::all_failed));
    BOOST_TEST(r.error.model == "g");
    BOOST_TEST(r.attempts.size() == 2u);
}

BOOST_AUTO_TEST_CASE(exhaustion_says_why)
{
    struct scenario {
        reply how;
        routing::errc why;
    };
    for (const auto& s : {scenario{http(429), routing::errc::all_rate_limited},
                          scenario{transport(net::upstream_errc::head_timeout), routing::errc::all_timed_out},
                          scenario{transport(net::upstream_errc::connection), routing::errc::all_failed}}) {
        bench b;
        b.add("A", "g");
        const auto r = run(b, chat_body("g"), per_deployment({}, s.how));
        BOOST_TEST((r.error.ec == s.why));
    }
}

BOOST_AUTO_TEST_CASE(a_cooling_deployment_is_skipped_and_nothing_sent_is_its_own_reason)
{
    bench b;
    b.add("A", "g");
    b.w.cool("A", at(0));
    const auto r = run(b, chat_body("g"), per_deployment({}));
    BOOST_TEST((r.error.ec == routing::errc::nothing_sent));
    BOOST_TEST(r.sent.empty());
    BOOST_REQUIRE(!r.attempts.empty());
    BOOST_TEST(r.attempts.at(0).skipped);
}

BOOST_AUTO_TEST_CASE(a_transport_failure_is_classified_in_nets_words)
{
    bench b;
    b.add("A", "g", 1);
    b.add("B", "g", 1);
    const auto r =
        run(b, chat_body("g"), per_deployment({{"A", {transport(net::upstream_errc::connect_timeout)}}}));
    BOOST_TEST(r.status == 200u);
    BOOST_TEST(b.rec.lines[1] == "end A timeout 0");
}

BOOST_AUTO_TEST_CASE(several_keys_fail_over_key_by_key)
{
    // picoclaw (seed 002): api_keys become deployments d, d__key_1, ... in one group; a rate-limited key
    // never blocks the next, and only that key cools down.
    bench b;
    b.add("d", "g", 1);
    b.add("d__key_1", "g", 1);
    const auto r = run(b, chat_body("g"), per_deployment({{"d", {http(429, {}, "30")}}}));
    BOOST_TEST(r.status == 200u);
    BOOST_TEST(r.sent == (std::vector<std::string>{"d", "d__key_1"}), boost::test_tools::per_element());
    BOOST_TEST(b.w.cell("d").cooling(at(1)));
    BOOST_TEST(!b.w.cell("d__key_1").cooling(at(1)));
}

BOOST_AUTO_TEST_CASE(retries_wait_within_the_budget)
{
    bench b;
    b.add("A", "g");
    b.w.table.settings.num_retries = 2;
    const auto r =
        run(b, chat_body("g"), per_deployment({{"A", {http(500), http(500), http(200, ok_body)}}}));
    BOOST_TEST(r.status == 200u);
    BOOST_TEST(r.waits.size() == 2u);

    // A budget shorter than the first backoff: no wait is taken, the call ends at once.
    bench c;
    c.add("A", "g");
    c.w.table.settings.num_retries = 2;
    c.budget = std::chrono::milliseconds(10);
    const auto s = run(c, chat_body("g"), per_deployment({}, http(500)));
    BOOST_TEST(s.waits.empty());
    BOOST_TEST((s.error.ec == routing::errc::all_failed));
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------------------
// The calling key and the plan (DocsGPT, seed 000; mana, seed 001)
// ---------------------------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(scope_and_plan)

BOOST_AUTO_TEST_CASE(a_key_outside_its_scope_is_refused_before_anything_is_sent)
{
    bench b;
    b.add("A", "g");
    const std::optional<std::vector<std::string>> models{{"other"}};
    const call::key_scope scope{&models, nullptr};
    const auto r = run(b, chat_body("g"), per_deployment({}), &scope);
    BOOST_TEST(r.last == action_kind::fail);
    BOOST_TEST((r.error.ec == routing::errc::model_not_allowed));
    BOOST_TEST(r.error.param == "model");
    BOOST_TEST(r.error.message == "this key is not allowed to use model `g`");
    BOOST_TEST(r.sent.empty());
}

BOOST_AUTO_TEST_CASE(an_unknown_model_is_not_found)
{
    bench b;
    b.add("A", "g");
    const auto r = run(b, chat_body("nope"), per_deployment({}));
    BOOST_TEST((r.error.ec == routing::errc::model_not_found));
    BOOST_TEST(r.error.message == "The model `nope` does not exist or is not configured in baton");
}

BOOST_AUTO_TEST_CASE(the_keys_backups_come_before_global_fallbacks_and_unresolvable_ones_are_noted)
{
    // DocsGPT (seed 000): per-key backups before the global fallback; an unresolvable backup is skipped
    // with a note and the next one tried.
    bench b;
    b.add("A", "g");
    b.add("K", "key-backup");
    b.add("F", "fb");
    b.w.table.settings.fallbacks["g"] = {"fb"};
    const std::vector<std::string> backups{"missing", "key-backup"};
    const call::key_scope scope{nullptr, &backups};
    const auto r = run(b, chat_body("g"), per_deployment({{"A", {http(500)}}, {"K", {http(500)}}}), &scope);
    BOOST_TEST(r.sent == (std::vector<std::string>{"A", "K", "F"}), boost::test_tools::per_element());
    BOOST_REQUIRE(b.rec.notes.size() == 1u);
    BOOST_TEST(b.rec.notes[0].find("'missing'") != std::string::npos);
    BOOST_TEST(b.rec.note_calls == 1);
}

BOOST_AUTO_TEST_CASE(an_alias_chain_is_followed_and_the_served_group_is_known)
{
    // mana (seed 001): an alias resolves to its chain; the group that served is what the headers name.
    bench b;
    b.add("L", "local");
    b.add("G", "groq");
    b.w.table.add_alias({"fast", "", {"local", "groq"}});
    call::call_fsm fsm(b.context(), b.rec);
    const auto a =
        fsm.start(parse(chat_body("fast")), nullptr, routing::stream_failover_mode::continue_, at(0), 0.0);
    const auto r = drive(fsm, a, per_deployment({{"L", {http(502)}}}));
    BOOST_TEST(r.status == 200u);
    BOOST_REQUIRE(fsm.served() != nullptr);
    BOOST_TEST(fsm.served()->group == "groq");
    BOOST_TEST(fsm.plan()->alias_name() == "fast");
    BOOST_TEST(fsm.plan()->fallbacks_taken() == 1);
    BOOST_TEST(fsm.usage().prompt_tokens == 3);
}

BOOST_AUTO_TEST_CASE(a_fallback_groups_own_fallbacks_are_never_followed)
{
    // DocsGPT (seed 000): no recursive chain — g falls back to fb, and fb's own fallback is not followed.
    bench b;
    b.add("A", "g");
    b.add("F", "fb");
    b.add("X", "fb-fallback");
    b.w.table.settings.fallbacks["g"] = {"fb"};
    b.w.table.settings.fallbacks["fb"] = {"fb-fallback"};
    const auto r = run(b, chat_body("g"), per_deployment({}, http(500)));
    BOOST_TEST(r.sent == (std::vector<std::string>{"A", "F"}), boost::test_tools::per_element());
    BOOST_TEST((r.error.ec == routing::errc::all_failed));
}

BOOST_AUTO_TEST_CASE(weight_zero_is_picked_only_when_no_positive_weight_remains)
{
    // LiteLLM (seed 003): a weight-0 deployment is the last resort of its group.
    bench b;
    b.add("Z", "g", 0);
    b.add("P", "g", 1);
    const auto r = run(b, chat_body("g"), per_deployment({{"P", {http(500)}}}));
    BOOST_TEST(r.status == 200u);
    BOOST_TEST(r.sent == (std::vector<std::string>{"P", "Z"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(per_request_fallbacks_and_disable_fallbacks)
{
    bench b;
    b.add("A", "g");
    b.add("F", "fb");
    b.add("R", "req-fb");
    b.w.table.settings.fallbacks["g"] = {"fb"};
    const auto r =
        run(b, R"({"model":"g","messages":[{"role":"user","content":"x"}],"fallbacks":["req-fb"]})",
            per_deployment({}, http(500)));
    BOOST_TEST(r.sent == (std::vector<std::string>{"A", "R", "F"}), boost::test_tools::per_element());
    // Fallbacks are not part of what goes upstream.
    BOOST_TEST(!json::parse(r.bodies[0]).as_object().contains("fallbacks"));

    bench c;
    c.add("A", "g");
    c.add("F", "fb");
    c.w.table.settings.fallbacks["g"] = {"fb"};
    const auto s =
        run(c, R"({"model":"g","messages":[{"role":"user","content":"x"}],"disable_fallbacks":true})",
            per_deployment({}, http(500)));
    BOOST_TEST(s.sent == (std::vector<std::string>{"A"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------------------
// Streamed calls: invisible failover before the first byte, continuation after it (SPEC §6)
// ---------------------------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(streams)

BOOST_AUTO_TEST_CASE(a_clean_stream_is_relayed_byte_for_byte)
{
    bench b;
    b.add("A", "g");
    const std::string upstream = whole_stream({"one ", "two"});
    const auto r = run(b, chat_body("g", true), per_deployment({{"A", {http(200, upstream)}}}));
    BOOST_TEST(r.last == action_kind::finish);
    BOOST_TEST(r.client == upstream);
    BOOST_TEST(b.rec.lines == (std::vector<std::string>{"start A stream_hop 0", "end A none 200"}),
               boost::test_tools::per_element());
    // Upstreams are always asked for usage.
    BOOST_TEST(json::parse(r.bodies[0]).as_object().at("stream_options").as_object().at("include_usage") ==
               true);
}

BOOST_AUTO_TEST_CASE(a_failure_before_the_first_event_fails_over_invisibly)
{
    bench b;
    b.add("A", "g", 1);
    b.add("B", "g", 1);
    const std::string good = whole_stream({"hello"});
    const auto r =
        run(b, chat_body("g", true), per_deployment({{"A", {http(503)}}, {"B", {http(200, good)}}}));
    BOOST_TEST(r.client == good);
    BOOST_TEST(r.sent == (std::vector<std::string>{"A", "B"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_cut_mid_stream_continues_on_the_next_candidate_as_one_message)
{
    // DocsGPT (seed 000): mid-stream recovery, one stream-start per provider; the client sees one message
    // with one role.
    bench b;
    b.add("A", "g", 1);
    b.add("B", "g", 1);
    reply cut = http(200, chunk("", true) + chunk("Hello "));
    cut.cut = true;
    const auto r = run(b, chat_body("g", true),
                       per_deployment({{"A", {cut}}, {"B", {http(200, whole_stream({"world"}))}}}));
    BOOST_TEST(r.last == action_kind::finish);
    BOOST_TEST(r.text() == "Hello world");
    BOOST_TEST(r.client.find("\"role\"") == r.client.rfind("\"role\""));  // one role chunk
    // The next candidate was asked to continue: the partial answer is its assistant turn.
    const auto second = json::parse(r.bodies[1]).as_object();
    const auto& msgs = second.at("messages").as_array();
    BOOST_TEST(msgs.size() == 3u);
    BOOST_TEST(msgs[1].as_object().at("content") == "Hello ");
    BOOST_TEST(b.rec.lines ==
                   (std::vector<std::string>{"start A stream_hop 0", "end A connection 0",
                                             "stream_failover A connection_cut 2",
                                             "start B hop g->g connection stream_hop 1", "end B none 200"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(with_failover_off_a_committed_stream_ends_with_an_error_event)
{
    bench b;
    b.add("A", "g", 1);
    b.add("B", "g", 1);
    reply cut = http(200, chunk("", true) + chunk("Hello "));
    cut.cut = true;
    const auto r = run(b, chat_body("g", true), per_deployment({{"A", {cut}}}), nullptr,
                       routing::stream_failover_mode::off);
    BOOST_TEST(r.last == action_kind::end_stream);
    BOOST_TEST(r.sent.size() == 1u);
    BOOST_TEST(r.client.find(R"("code":"stream_failed")") != std::string::npos);
    BOOST_TEST(r.client.find("[DONE]") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(nothing_left_after_the_first_byte_ends_in_band_never_with_a_json_error)
{
    bench b;
    b.add("A", "g");
    reply cut = http(200, chunk("", true) + chunk("Hello "));
    cut.cut = true;
    const auto r = run(b, chat_body("g", true), per_deployment({{"A", {cut}}}));
    BOOST_TEST(r.last == action_kind::end_stream);
    BOOST_TEST(r.client.find(R"("code":"fallbacks_exhausted")") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_in_band_rate_limit_error_is_classified_from_its_body)
{
    bench b;
    b.add("A", "g", 1);
    b.add("B", "g", 1);
    const std::string err =
        R"(data: {"error":{"message":"slow down","type":"rate_limit_error","code":"rate_limit_exceeded"}})"
        "\n\n";
    const auto r = run(b, chat_body("g", true),
                       per_deployment({{"A", {http(200, err)}}, {"B", {http(200, whole_stream({"ok"}))}}}));
    BOOST_TEST(r.text() == "ok");
    BOOST_TEST(b.rec.lines[1] == "end A server_error 0");
}

BOOST_AUTO_TEST_CASE(every_stream_failing_before_commit_is_a_json_error)
{
    bench b;
    b.add("A", "g");
    const auto r =
        run(b, chat_body("g", true), per_deployment({}, transport(net::upstream_errc::first_event_timeout)));
    BOOST_TEST(r.last == action_kind::fail);
    BOOST_TEST((r.error.ec == routing::errc::all_timed_out));
    BOOST_TEST(!r.committed);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------------------
// Adapters: a local adapter is sent like any other (the executor answers it without network), and an
// adapter that translates its stream dialect is relayed through the same machine.
// ---------------------------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(adapters)

BOOST_AUTO_TEST_CASE(a_local_deployment_is_a_send_through_a_local_adapter)
{
    bench b;
    b.add("E", "echo", std::nullopt, "baton");
    call::call_fsm fsm(b.context(), b.rec);
    const auto a =
        fsm.start(parse(chat_body("echo")), nullptr, routing::stream_failover_mode::continue_, at(0), 0.0);
    BOOST_TEST(a == action_kind::send);
    BOOST_TEST(fsm.order().via->local());
    const auto answer =
        fsm.order().via->answer(providers::api_endpoint::chat_completions, fsm.order().body, false);
    const auto next = fsm.on_response({answer.status, "application/json", {}, answer.body}, at(0), 0.0);
    BOOST_TEST(next == action_kind::respond);
    BOOST_TEST(json::parse(fsm.answer().body).at("choices").at(0).at("message").at("content") == "hi");
    // Local attempts are not in flight on the deployment (nothing waits on a socket).
    BOOST_TEST(b.w.cell("E").in_flight() == 0);
}

namespace {

/// A toy dialect: each upstream event's data is plain text, "END" ends the answer.
class toy_translator final : public providers::stream_translator {
public:
    void translate(const streaming::sse_event& ev, std::string& out) override
    {
        if (ev.data == "END") {
            out += finish_chunk();
            out += "data: [DONE]\n\n";
        } else {
            out += chunk(ev.data);
        }
    }
};

class toy_adapter final : public providers::adapter {
public:
    std::string_view name() const noexcept override { return "toy"; }
    std::unique_ptr<providers::stream_translator> translator(providers::api_endpoint,
                                                             std::int64_t) const override
    {
        return std::make_unique<toy_translator>();
    }
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_translated_stream_reaches_the_client_as_openai_chunks)
{
    static const toy_adapter toy;
    bench b;
    b.add("T", "g");
    auto ctx = b.context();
    b.routes[0].via = &toy;
    call::call_fsm fsm(ctx, b.rec);
    const auto a =
        fsm.start(parse(chat_body("g", true)), nullptr, routing::stream_failover_mode::continue_, at(0), 0.0);
    const auto r =
        drive(fsm, a, per_deployment({{"T", {http(200, "data: one\n\ndata:  two\n\ndata: END\n\n")}}}));
    BOOST_TEST(r.last == action_kind::finish);
    BOOST_TEST(r.text() == "one two");
    BOOST_TEST(r.client.ends_with("data: [DONE]\n\n"));
    BOOST_TEST(b.rec.lines.back() == "end T none 200");
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------------------
// Bookkeeping: in-flight counts and usage.
// ---------------------------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(bookkeeping)

BOOST_AUTO_TEST_CASE(an_abandoned_call_ends_its_in_flight_attempt)
{
    bench b;
    b.add("A", "g");
    {
        call::call_fsm fsm(b.context(), b.rec);
        const auto a =
            fsm.start(parse(chat_body("g")), nullptr, routing::stream_failover_mode::continue_, at(0), 0.0);
        BOOST_TEST(a == action_kind::send);
        BOOST_TEST(b.w.cell("A").in_flight() == 1);
        BOOST_TEST(fsm.attempts_sent(true) == 1);
        BOOST_TEST(fsm.attempts_sent() == 0);
    }
    BOOST_TEST(b.w.cell("A").in_flight() == 0);
}

BOOST_AUTO_TEST_CASE(stream_usage_is_summed_over_hops)
{
    bench b;
    b.add("A", "g", 1);
    b.add("B", "g", 1);
    const std::string usage1 =
        R"(data: {"id":"c","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}})"
        "\n\n";
    const std::string usage2 =
        R"(data: {"id":"c","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":4,"total_tokens":13}})"
        "\n\n";
    reply cut = http(200, chunk("", true) + chunk("a ") + usage1);
    cut.cut = true;
    call::call_fsm fsm(b.context(), b.rec);
    const auto a =
        fsm.start(parse(chat_body("g", true)), nullptr, routing::stream_failover_mode::continue_, at(0), 0.0);
    const std::string rest = chunk("b") + finish_chunk() + usage2 + "data: [DONE]\n\n";
    const auto r = drive(fsm, a, per_deployment({{"A", {cut}}, {"B", {http(200, rest)}}}));
    BOOST_TEST(r.text() == "a b");
    BOOST_TEST(fsm.usage().prompt_tokens == 14);
    BOOST_TEST(fsm.usage().completion_tokens == 6);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------------------
// Issue #10: a stream that fails over is never corrupted. A model-like upstream answers a fixed list of
// words; it continues only from a prefill (a trailing assistant message) and starts over otherwise.
// ---------------------------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(stream_integrity)

const std::vector<std::string> answer = {"one ",  "two ", "three ", "four ",
                                         "five ", "six ", "seven ", "eight"};

std::string full_answer()
{
    std::string s;
    for (const auto& w : answer) s += w;
    return s;
}

/// How a model-like deployment behaves on one call.
struct model_call {
    std::optional<std::size_t> cut_after;  ///< words of this call before the stream is cut
    bool refuse_prefill = false;           ///< a 400 for a request ending with an assistant message
};

/// The model's reply to the upstream body `body`: the words after a prefill's text (whole words), or all of
/// them (a restart) when the request does not end with the partial answer.
reply model_reply(std::string_view body, const model_call& how)
{
    const json::object o = json::parse(body).as_object();
    const auto& last = o.at("messages").as_array().back().as_object();
    std::size_t from = 0;
    if (last.at("role") == "assistant") {
        if (how.refuse_prefill) {
            return http(400,
                        R"({"error":{"message":"prefill is not supported","type":"invalid_request_error"}})");
        }
        const std::string prefix(last.at("content").as_string());
        std::string so_far;
        while (from < answer.size() && so_far.size() < prefix.size()) so_far += answer[from++];
        if (so_far != prefix) from = 0;
    }
    reply r = http(200, chunk("", true));
    std::size_t sent = 0;
    for (std::size_t i = from; i < answer.size(); ++i) {
        if (how.cut_after && sent == *how.cut_after) {
            r.cut = true;
            return r;
        }
        r.body += chunk(answer[i]);
        ++sent;
    }
    r.body += finish_chunk() + "data: [DONE]\n\n";
    return r;
}

/// Each deployment behaves as its list says, call by call (the last repeating); others answer like a model.
script models(std::map<std::string, std::vector<model_call>> calls)
{
    auto count = std::make_shared<std::map<std::string, std::size_t>>();
    return [calls = std::move(calls), count](const call::send_order& o, int) {
        const auto it = calls.find(o.attempt->target->id);
        model_call how;
        if (it != calls.end()) {
            const std::size_t n = (*count)[it->first]++;
            how = it->second[std::min(n, it->second.size() - 1)];
        }
        return model_reply(o.body, how);
    };
}

const json::array& messages_of(const std::string& body)
{
    static json::value keep;
    keep = json::parse(body);
    return keep.as_object().at("messages").as_array();
}

routing::deployment& set_continuation(bench& b, const std::string& id, routing::continuation c)
{
    auto& d = const_cast<routing::deployment&>(*b.w.table.find_deployment(id));
    d.continuation = c;
    return d;
}

BOOST_AUTO_TEST_CASE(the_cut_deployment_is_never_asked_again_whatever_the_retries)
{
    // The issue's first case: num_retries 2, one fallback group; the continuation used to go back to the
    // deployment that cut the stream, twice, each reply glued on.
    bench b(routing::test::lenient_policy());
    b.add("A", "g");
    b.add("F", "fb");
    b.w.table.settings.num_retries = 2;
    b.w.table.settings.fallbacks["g"] = {"fb"};
    const auto r = run(b, chat_body("g", true), models({{"A", {{.cut_after = 3}}}}));
    BOOST_TEST(r.last == action_kind::finish);
    BOOST_TEST(r.sent == (std::vector<std::string>{"A", "F"}), boost::test_tools::per_element());
    BOOST_TEST(r.text() == full_answer());
    BOOST_TEST(r.waits.empty());
}

BOOST_AUTO_TEST_CASE(every_strategy_yields_exactly_the_answer)
{
    for (const auto how :
         {routing::continuation::prefill, routing::continuation::instruct, routing::continuation::none}) {
        BOOST_TEST_CONTEXT("strategy " << routing::to_string(how))
        {
            bench b(routing::test::lenient_policy());
            b.add("A", "g", 100);
            b.add("B", "g", 1);
            set_continuation(b, "B", how);
            const auto r = run(b, chat_body("g", true), models({{"A", {{.cut_after = 3}}}}));
            BOOST_TEST(r.last == action_kind::finish);
            BOOST_TEST(r.text() == full_answer());
            BOOST_TEST(r.client.find("\"role\"") == r.client.rfind("\"role\""));  // one role chunk
            BOOST_REQUIRE(r.bodies.size() == 2u);
            const auto& msgs = messages_of(r.bodies[1]);
            const json::object b_body = json::parse(r.bodies[1]).as_object();
            switch (how) {
            case routing::continuation::prefill:
                BOOST_TEST(msgs.size() == 2u);
                BOOST_TEST(msgs.back().at("role") == "assistant");
                BOOST_TEST(msgs.back().at("content") == "one two three ");
                BOOST_TEST(b_body.at("continue_final_message") == true);  // vLLM's switch
                BOOST_TEST(b_body.at("add_generation_prompt") == false);
                break;
            case routing::continuation::instruct:
                BOOST_TEST(msgs.size() == 3u);
                BOOST_TEST(msgs.back().at("content").as_string() == streaming::continuation_instruction);
                BOOST_TEST(!b_body.contains("continue_final_message"));
                break;
            case routing::continuation::none:
                BOOST_TEST(msgs.size() == 1u);  // the original request: the guard drops the repeat
                break;
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(a_refused_prefill_falls_back_to_the_next_strategy_on_the_same_deployment)
{
    bench b(routing::test::lenient_policy());
    b.add("A", "g", 100);
    b.add("B", "g", 1);
    set_continuation(b, "B", routing::continuation::prefill);
    const auto r =
        run(b, chat_body("g", true), models({{"A", {{.cut_after = 2}}}, {"B", {{.refuse_prefill = true}}}}));
    BOOST_TEST(r.last == action_kind::finish);
    BOOST_TEST(r.text() == full_answer());
    BOOST_TEST(r.client.find("prefill is not supported") == std::string::npos);  // never the client's error
    BOOST_TEST(r.sent == (std::vector<std::string>{"A", "B", "B"}), boost::test_tools::per_element());
    BOOST_TEST(messages_of(r.bodies[1]).back().at("role") == "assistant");
    BOOST_TEST(messages_of(r.bodies[2]).back().at("role") == "user");  // instruct
    BOOST_TEST(!b.w.cell("B").cooling(at(1)));
}

BOOST_AUTO_TEST_CASE(refusals_walk_down_to_a_restart_then_to_the_next_candidate)
{
    bench b(routing::test::lenient_policy());
    b.add("A", "g", 100);
    b.add("B", "g", 10);
    b.add("C", "g", 1);
    set_continuation(b, "B", routing::continuation::prefill);
    const std::string refusal = R"({"error":{"message":"no","type":"invalid_request_error"}})";
    // B refuses everything after the first byte (prefill, instruct and the original request alike).
    const auto r = run(b, chat_body("g", true), [&](const call::send_order& o, int n) {
        if (o.attempt->target->id == "B") return http(400, refusal);
        return models({{"A", {{.cut_after = 2}}}})(o, n);
    });
    BOOST_TEST(r.last == action_kind::finish);
    BOOST_TEST(r.text() == full_answer());
    BOOST_TEST(r.sent == (std::vector<std::string>{"A", "B", "B", "B", "C"}),
               boost::test_tools::per_element());
    BOOST_TEST(messages_of(r.bodies[3]).size() == 1u);  // none: the original request
}

BOOST_AUTO_TEST_CASE(a_drifting_restart_is_never_glued_and_only_a_prefill_candidate_is_tried_next)
{
    bench b(routing::test::lenient_policy());
    b.add("A", "g", 1000);
    b.add("B", "g", 100);
    b.add("C", "g", 10);
    b.add("P", "g", 1);
    set_continuation(b, "P", routing::continuation::prefill);
    // B restarts and drifts after two words; C (instruct) would restart too: skipped; P continues.
    const auto drifting = http(200, chunk("", true) + chunk("one ") + chunk("two ") + chunk("TWELVE ") +
                                        finish_chunk() + "data: [DONE]\n\n");
    const auto r = run(b, chat_body("g", true), [&](const call::send_order& o, int n) {
        if (o.attempt->target->id == "B") return drifting;
        return models({{"A", {{.cut_after = 3}}}})(o, n);
    });
    BOOST_TEST(r.last == action_kind::finish);
    BOOST_TEST(r.text() == full_answer());
    BOOST_TEST(r.sent == (std::vector<std::string>{"A", "B", "P"}), boost::test_tools::per_element());
    BOOST_TEST((std::find(b.rec.lines.begin(), b.rec.lines.end(), "stream_failover B restart_drift 4") !=
                b.rec.lines.end()));
    BOOST_TEST(!b.w.cell("B").cooling(at(1)));  // not to blame

    // No prefill candidate left: the stream ends with stream_failover_failed naming the original failure.
    bench c(routing::test::lenient_policy());
    c.add("A", "g", 1000);
    c.add("B", "g", 100);
    c.add("C", "g", 10);
    const auto s = run(c, chat_body("g", true), [&](const call::send_order& o, int n) {
        if (o.attempt->target->id == "B") return drifting;
        return models({{"A", {{.cut_after = 3}}}})(o, n);
    });
    BOOST_TEST(s.last == action_kind::end_stream);
    BOOST_TEST(s.sent == (std::vector<std::string>{"A", "B"}), boost::test_tools::per_element());
    BOOST_TEST(s.text() == "one two three ");
    BOOST_TEST(s.client.find(R"("code":"stream_failover_failed")") != std::string::npos);
    BOOST_TEST(s.client.find("stream failed (connection_cut") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_malformed_event_is_dropped_and_the_same_upstream_goes_on)
{
    bench b(routing::test::lenient_policy());
    b.add("A", "g", 100);
    b.add("B", "g", 1);
    const auto r =
        run(b, chat_body("g", true),
            per_deployment({{"A",
                             {http(200, chunk("", true) + chunk("one ") + "data: {not json\n\n" +
                                            chunk("two") + finish_chunk() + "data: [DONE]\n\n")}}}));
    BOOST_TEST(r.last == action_kind::finish);
    BOOST_TEST(r.text() == "one two");
    BOOST_TEST(r.sent == (std::vector<std::string>{"A"}), boost::test_tools::per_element());
    BOOST_TEST(b.rec.lines == (std::vector<std::string>{"start A stream_hop 0", "dropped A malformed 1",
                                                        "end A none 200"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_timed_out_deployment_is_not_retried_in_a_later_round)
{
    bench b(routing::test::lenient_policy());
    b.add("A", "g");
    b.add("F", "fb");
    b.w.table.settings.num_retries = 2;
    b.w.table.settings.fallbacks["g"] = {"fb"};
    const auto r = run(b, chat_body("g", true),
                       per_deployment({{"A", {transport(net::upstream_errc::first_event_timeout)}},
                                       {"F", {http(200, whole_stream({"ok"}))}}}));
    BOOST_TEST(r.sent == (std::vector<std::string>{"A", "F"}), boost::test_tools::per_element());
    BOOST_TEST(r.text() == "ok");
}

BOOST_AUTO_TEST_CASE(the_adapters_default_strategy_applies_unless_the_deployment_overrides_it)
{
    BOOST_TEST((providers::adapter_for("openai").default_continuation() == routing::continuation::instruct));
    BOOST_TEST((providers::adapter_for("azure").default_continuation() == routing::continuation::instruct));
    BOOST_TEST((providers::adapter_for("baton").default_continuation() == routing::continuation::none));
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------------------
// Issue #10, point 5: the hedged first token, as the machine answers it (the executor performs the race).
// ---------------------------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(hedging)

struct hedge_recorder final : call::call_observer {
    std::vector<std::string> lines;
    void attempt_started(const routing::plan::try_deployment& t, std::optional<std::size_t>) override
    {
        lines.push_back("start " + t.target->id + (t.hedge ? " hedge" : ""));
    }
    void attempt_ended(const routing::plan::try_deployment& t, failure_reason r, int, routing::duration,
                       std::string_view) override
    {
        lines.push_back("end " + t.target->id + " " + std::string(to_string(r)));
    }
    void hedge_ended(const routing::plan::try_deployment& h, std::string_view outcome) override
    {
        lines.push_back("hedge " + h.target->id + " " + std::string(outcome));
    }
};

/// A streamed call to group g (A heavy, B light; F in fallback group fb), started.
struct race {
    bench b{routing::test::lenient_policy()};
    hedge_recorder rec;
    std::optional<call::call_fsm> fsm;
    action_kind first = action_kind::finish;

    explicit race(bool stream = true)
    {
        b.add("A", "g", 100);
        b.add("B", "g", 1);
        b.add("F", "fb");
        b.w.table.settings.fallbacks["g"] = {"fb"};
        fsm.emplace(b.context(), rec);
        first = fsm->start(parse(chat_body("g", stream)), nullptr, routing::stream_failover_mode::continue_,
                           at(0), 0.0);
    }
};

/// Relays a whole stream through the machine (after on_stream_open), returns the client's text.
std::string relay(call::call_fsm& fsm, const std::string& sse)
{
    std::string_view in = sse;
    std::string client;
    while (auto ev = fsm.next_event(in)) {
        const auto a = fsm.on_event(*ev);
        if (a.kind == stream_action_kind::forward) client.append(in.substr(0, ev->size));
        if (a.kind == stream_action_kind::replace || a.kind == stream_action_kind::done)
            client.append(a.payload);
        in.remove_prefix(ev->size);
    }
    return client;
}

BOOST_AUTO_TEST_CASE(a_streamed_first_attempt_carries_its_hedge_delay)
{
    race r;
    BOOST_TEST(r.first == action_kind::send);
    BOOST_TEST_REQUIRE(r.fsm->order().hedge_after.has_value());
    BOOST_TEST(routing::to_seconds(*r.fsm->order().hedge_after) == 10.0);  // nothing measured: the ceiling

    // Measured: A's time to first event was 2 s ± 1 s: 6 s.
    race m;
    m.b.w.cell("A").record_ttft(2000);
    call::call_fsm fsm(m.b.context(), m.rec);
    fsm.start(parse(chat_body("g", true)), nullptr, routing::stream_failover_mode::continue_, at(0), 0.0);
    BOOST_TEST(routing::to_seconds(*fsm.order().hedge_after) == 6.0, boost::test_tools::tolerance(1e-9));

    // Off for the group, or not a stream: no hedge.
    race off;
    off.b.w.table.settings.group_hedging["g"] = routing::hedge_settings{.enabled = false};
    call::call_fsm g(off.b.context(), off.rec);
    g.start(parse(chat_body("g", true)), nullptr, routing::stream_failover_mode::continue_, at(0), 0.0);
    BOOST_TEST(!g.order().hedge_after.has_value());
    race unary(false);
    BOOST_TEST(!unary.fsm->order().hedge_after.has_value());
}

BOOST_AUTO_TEST_CASE(the_hedge_wins_and_the_original_is_forgotten)
{
    race r;
    BOOST_TEST(r.fsm->order().attempt->target->id == "A");
    BOOST_TEST_REQUIRE(r.fsm->on_hedge_due(at(10), 0.0));
    BOOST_TEST(r.fsm->order().attempt->target->id == "B");
    BOOST_TEST(r.fsm->order().attempt->hedge);
    BOOST_TEST(!r.fsm->order().hedge_after.has_value());
    BOOST_TEST(json::parse(r.fsm->order().body).at("model") == "up-B");
    BOOST_TEST(r.fsm->racing());
    BOOST_TEST(r.b.w.cell("A").in_flight() == 1);
    BOOST_TEST(r.b.w.cell("B").in_flight() == 1);
    BOOST_TEST(!r.fsm->on_hedge_due(at(11), 0.0));  // one hedge per request

    r.fsm->on_race_won(1, at(12));
    BOOST_TEST(!r.fsm->racing());
    BOOST_TEST(r.b.w.cell("A").in_flight() == 0);  // the loser, cancelled
    BOOST_TEST(r.fsm->on_stream_open(at(12)) == action_kind::relay);
    BOOST_TEST(relay(*r.fsm, whole_stream({"hi"})) == whole_stream({"hi"}));
    r.fsm->on_first_event(at(12));
    BOOST_TEST(r.fsm->on_hop_end(at(13), 0.0) == action_kind::finish);
    BOOST_TEST(r.fsm->served()->target->id == "B");
    BOOST_TEST(r.fsm->attempts_sent() == 2);
    BOOST_TEST(r.b.w.cell("B").in_flight() == 0);
    BOOST_TEST(r.b.w.cell("B").ttft_ms() == 2000.0);  // from its send at 10 s to its first event at 12 s
    BOOST_TEST(r.rec.lines ==
                   (std::vector<std::string>{"start A", "start B hedge", "hedge B won", "end B none"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(the_original_wins_after_its_hop_opened_and_the_hedge_is_abandoned)
{
    race r;
    BOOST_TEST_REQUIRE(r.fsm->on_hedge_due(at(10), 0.0));
    BOOST_TEST(r.fsm->on_stream_open(at(11)) == action_kind::relay);  // the original's head came first
    r.fsm->on_race_won(0, at(11));
    BOOST_TEST(r.b.w.cell("B").in_flight() == 0);
    BOOST_TEST(relay(*r.fsm, whole_stream({"hi"})) == whole_stream({"hi"}));
    BOOST_TEST(r.fsm->on_hop_end(at(12), 0.0) == action_kind::finish);
    BOOST_TEST(r.fsm->served()->target->id == "A");
    BOOST_TEST(r.rec.lines ==
                   (std::vector<std::string>{"start A", "start B hedge", "hedge B lost", "end A none"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(the_hedge_wins_over_an_original_whose_stream_had_opened)
{
    race r;
    BOOST_TEST_REQUIRE(r.fsm->on_hedge_due(at(10), 0.0));
    BOOST_TEST(r.fsm->on_stream_open(at(11)) == action_kind::relay);  // A's head, no event yet
    r.fsm->on_race_won(1, at(12));                                    // B's event came first
    BOOST_TEST(r.fsm->on_stream_open(at(12)) == action_kind::relay);
    BOOST_TEST(relay(*r.fsm, whole_stream({"hi"})) == whole_stream({"hi"}));
    BOOST_TEST(r.fsm->on_hop_end(at(13), 0.0) == action_kind::finish);
    BOOST_TEST(r.fsm->stream()->hop_count() == 1u);  // A's abandoned hop is forgotten
    BOOST_TEST(r.fsm->served()->target->id == "B");
}

BOOST_AUTO_TEST_CASE(a_racer_that_fails_leaves_the_other_alone_and_both_failing_moves_on)
{
    // The original fails (500) while the hedge runs: recorded, the race goes on; the hedge then wins.
    race r;
    BOOST_TEST_REQUIRE(r.fsm->on_hedge_due(at(10), 0.0));
    BOOST_TEST(!r.fsm->on_racer_response(0, {500, "application/json", "", "{}"}, at(11), 0.0).has_value());
    BOOST_TEST(r.fsm->racing());
    r.fsm->on_race_won(1, at(12));
    BOOST_TEST(r.fsm->on_stream_open(at(12)) == action_kind::relay);
    relay(*r.fsm, whole_stream({"hi"}));
    BOOST_TEST(r.fsm->on_hop_end(at(13), 0.0) == action_kind::finish);
    BOOST_TEST(r.rec.lines == (std::vector<std::string>{"start A", "start B hedge", "end A server_error",
                                                        "hedge B won", "end B none"}),
               boost::test_tools::per_element());

    // Both fail before an event: the call goes on (the fallback group), the hedge ended "failed".
    race f;
    BOOST_TEST_REQUIRE(f.fsm->on_hedge_due(at(10), 0.0));
    BOOST_TEST(!f.fsm->on_racer_transport_error(1, net::upstream_errc::connection, "refused", at(11), 0.0));
    BOOST_TEST(f.fsm->on_stream_open(at(11)) == action_kind::relay);
    BOOST_TEST((f.fsm->on_upstream_end(true).kind == stream_action_kind::fail));
    const auto next = f.fsm->on_racer_hop_end(0, at(12), 0.0);
    BOOST_TEST_REQUIRE(next.has_value());
    BOOST_TEST(*next == action_kind::send);
    BOOST_TEST(f.fsm->order().attempt->target->id == "F");
    BOOST_TEST(!f.fsm->order().hedge_after.has_value());  // one hedge per request
    BOOST_TEST(f.rec.lines == (std::vector<std::string>{"start A", "start B hedge", "end B connection",
                                                        "hedge B failed", "end A connection", "start F"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(no_candidate_no_hedge)
{
    bench b(routing::test::lenient_policy());
    b.add("A", "g");
    hedge_recorder rec;
    call::call_fsm fsm(b.context(), rec);
    fsm.start(parse(chat_body("g", true)), nullptr, routing::stream_failover_mode::continue_, at(0), 0.0);
    BOOST_TEST(!fsm.on_hedge_due(at(10), 0.0));
    BOOST_TEST(!fsm.racing());
    // The original then fails: the plan was not moved by the look for a hedge.
    BOOST_TEST(fsm.on_transport_error(net::upstream_errc::connection, "x", at(11), 0.0) == action_kind::fail);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------------------
// What a broken or hostile upstream sends (issue #11)
// ---------------------------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(hostile_upstream)

BOOST_AUTO_TEST_CASE(a_2xx_that_breaks_after_its_first_byte_fails_over_as_bad_response)
{
    bench b;
    b.add("A", "g", 1);
    b.add("B", "g", 1);
    const auto r =
        run(b, chat_body("g"),
            per_deployment({{"A", {http(200, R"({"id":"x","object":"chat.completion","choices":[)")}}}));
    BOOST_TEST(r.status == 200u);
    BOOST_TEST(r.body == ok_body);
    BOOST_TEST(r.sent == (std::vector<std::string>{"A", "B"}), boost::test_tools::per_element());
    BOOST_TEST(b.rec.lines[1] == "end A bad_response 200");
    BOOST_TEST(b.rec.details[0] == "a 2xx body that is not one JSON object");
}

BOOST_AUTO_TEST_CASE(an_upstream_error_given_back_never_carries_the_deployments_key)
{
    bench b;
    routing::deployment d;
    d.id = "K";
    d.group = "k";
    d.provider = "openai";
    d.upstream_model = "up-K";
    d.api_key = "sk-live-0123456789";
    b.w.add(std::move(d));
    const std::string echoed =
        R"x({"error":{"message":"bad key sk-live-0123456789 (sk-live-0123456789)","type":"invalid_request_error","param":null,"code":null}})x";
    const auto r = run(b, chat_body("k"), per_deployment({{"K", {http(422, echoed)}}}));
    BOOST_TEST(r.last == action_kind::respond);
    BOOST_TEST(r.status == 422u);
    BOOST_TEST(
        r.body ==
        R"x({"error":{"message":"bad key [redacted] ([redacted])","type":"invalid_request_error","param":null,"code":null}})x");
}

BOOST_AUTO_TEST_CASE(retry_after_as_an_http_date_is_counted_from_the_answers_wall_clock)
{
    bench b;
    b.add("A", "g", 1);
    b.add("B", "g", 1);
    const auto wall = std::chrono::sys_days(std::chrono::year(2024) / 6 / 1) + std::chrono::hours(12);
    reply limited = http(429, {}, "Sat, 01 Jun 2024 12:00:40 GMT");
    limited.received_at = wall;
    const auto r = run(b, chat_body("g"), per_deployment({{"A", {limited}}}));
    BOOST_TEST(r.status == 200u);
    // Cooling for the 40 s the date asks (cooldown_time is 5 s): still at 39 s, over at 41 s (the attempt
    // ended 1 ms after at(0)).
    BOOST_TEST(b.w.cell("A").cooling(at(39)));
    BOOST_TEST(!b.w.cell("A").cooling(at(41)));
}

BOOST_AUTO_TEST_CASE(a_stream_that_ends_without_done_tells_its_trigger)
{
    bench b;
    b.add("A", "g", 1);
    b.add("B", "g", 0);
    const auto r =
        run(b, chat_body("g", true),
            per_deployment({{"A", {http(200, chunk("", true))}}, {"B", {http(200, whole_stream({"ok"}))}}}));
    BOOST_TEST(r.text() == "ok");
    BOOST_TEST(b.rec.lines[1] == "end A connection 0");
    BOOST_TEST(b.rec.details[0] ==
               "eof_before_done: the upstream stream ended before [DONE] or a finish_reason");
}

BOOST_AUTO_TEST_SUITE_END()
