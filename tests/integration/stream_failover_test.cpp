#define BOOST_TEST_MODULE stream_failover
#include <boost/test/unit_test.hpp>

// Mid-stream failover through a real batond (SPEC §6): a client reads one SSE stream while batond's
// upstreams (the scripted fake) cut, stall, send garbage, send in-band errors or end early; batond carries
// the answer on with the next candidate (continue / restart) or ends the stream with a final error event.
// Equivalents of the reference suite's streaming scenarios (seed 000, DocsGPT).
//
// Every deployment of a test is a name on one fake upstream: api_base http://127.0.0.1:PORT/<id>/v1,
// upstream model "up-<id>", api key "key-<id>", so a recorded call (and each relayed chunk's `model`) tells
// who was asked for what, with what.

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

// B is picked first with probability 1 / 1000001: A's failure is what the test scripts.
constexpr long heavy = 1000000;

/// Every config of this file: a stalled stream fails over fast (1 s to the first event, 0.3 s between
/// events), and unless a test says otherwise a failure never cools a deployment down across requests.
const config_defaults stream_defaults{
    .litellm_params = {"timeout: 5", "stream_timeout: 1"},
    .router_settings = {"stream_idle_timeout: 0.3", "allowed_fails: 1000"},
};

/// config() over this file's defaults.
std::string stream_config(const fake_upstream_process& fake, const std::vector<dep>& deps,
                          const std::vector<std::string>& router, const std::string& top = {})
{
    return config(fake, deps, router, top, stream_defaults);
}

/// The usual pair: A (heavy) and B (weight 1) in group `chat`.
std::vector<dep> a_and_b()
{
    return {{"chat", "A", heavy}, {"chat", "B", 1}};
}

json::array strings(const std::vector<std::string>& v)
{
    json::array a;
    for (const auto& s : v) a.emplace_back(s);
    return a;
}

/// Script: a stream of `pieces`, plus `stream` fields (e.g. {"cut_after", 2}).
json::value streams(const std::vector<std::string>& pieces, json::object more = {})
{
    json::object s{{"pieces", strings(pieces)}};
    for (auto& [k, v] : more) s[k] = v;
    return json::object{{"stream", std::move(s)}};
}

json::value failing(unsigned status)
{
    return json::object{{"status", status}};
}

const std::vector<std::string> a_pieces = {"Alpha ", "beta ", "gamma ", "delta "};
const std::string a_partial = "Alpha beta ";  // A's first 2 pieces
const std::vector<std::string> b_pieces = {"one ", "two ", "three"};
const std::string b_text = "one two three";

json::array original_messages()
{
    return json::array{json::object{{"role", "system"}, {"content", "Be brief."}},
                       json::object{{"role", "user"}, {"content", "Count for me."}}};
}

json::object chat_request(std::string_view model = "chat", json::object extra = {})
{
    json::object o{{"model", model}, {"messages", original_messages()}, {"stream", true}};
    for (auto& [k, v] : extra) o[k] = v;
    return o;
}

/// The messages a continue hop must get after `partial` was relayed.
json::array continued_messages(std::string_view partial)
{
    auto m = original_messages();
    m.push_back(json::object{{"role", "assistant"}, {"content", partial}});
    m.push_back(json::object{{"role", "user"}, {"content", baton::streaming::continuation_instruction}});
    return m;
}

/// The one recorded call of `name` (fails the test when there is not exactly one).
json::object only_call(fake_upstream_process& fake, std::string_view name)
{
    const auto calls = fake.calls(name);
    BOOST_TEST_REQUIRE(calls.size() == 1u, "calls of " << name << ": " << json::serialize(calls));
    return calls[0].as_object();
}

struct stream_fixture {
    fake_upstream_process fake;
    std::unique_ptr<baton_process> baton;
    std::unique_ptr<http_client> client;

    void start(const std::string& yaml)
    {
        client.reset();
        baton = std::make_unique<baton_process>(yaml);
        client = std::make_unique<http_client>(baton->port());
    }

    read_stream chat(json::object body, const header_list& headers = {})
    {
        return stream_call(*client, "/v1/chat/completions", body, headers);
    }

    /// The log events named `event` of request `request_id`, in order (after its access line).
    std::vector<json::object> events_of(const std::string& request_id, std::string_view event)
    {
        auto out = baton->request_events(request_id, event, deadline_after(5s));
        return out;
    }

    prom_text metrics() { return scrape(*client); }
};

/// Checks the stream_start events: one per hop, {provider, model, deployment} in order.
void check_stream_starts(const std::vector<json::object>& starts,
                         const std::vector<std::vector<std::string>>& want)
{
    BOOST_TEST_REQUIRE(starts.size() == want.size(), "stream_start events: " << starts.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        BOOST_TEST_CONTEXT("stream_start " << i << ": " << json::serialize(starts[i]))
        {
            BOOST_TEST(starts[i].at("provider").as_string() == want[i][0]);
            BOOST_TEST(starts[i].at("model").as_string() == want[i][1]);
            BOOST_TEST(starts[i].at("deployment").as_string() == want[i][2]);
        }
    }
}

/// One way an upstream stream fails after its first event: the fake's `stream` field, and the
/// baton_stream_failovers_total{reason} label it must count as.
struct trigger {
    std::string field;   ///< cut_after, stall_after, error_after, eof_after, endless_after
    std::string reason;  ///< connection_cut, idle_timeout, error_event, eof_before_done, oversized_event
};

std::ostream& operator<<(std::ostream& os, const trigger& t)
{
    return os << t.field << "/" << t.reason;
}

const std::vector<trigger> triggers = {
    {"cut_after", "connection_cut"},  {"stall_after", "idle_timeout"},      {"error_after", "error_event"},
    {"eof_after", "eof_before_done"}, {"endless_after", "oversized_event"},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(stream_failover)

// 1. Every trigger after the first byte, in both modes. A sends 2 pieces then fails; B serves. The client
// reads one 200 stream ending with [DONE]. continue: A's partial text then B's pieces, one role chunk, and
// B was asked to continue (original messages + A's partial as an assistant message + the instruction);
// restart: B got the original request and its chunks follow A's partial output.
BOOST_DATA_TEST_CASE(every_trigger_after_first_byte_fails_over_in_continue_and_restart,
                     bdata::make(triggers) * bdata::make(std::vector<std::string>{"continue", "restart"}), trig,
                     mode)
{
    stream_fixture f;
    f.fake.set_script("A", streams(a_pieces, {{trig.field, 2}}));
    f.fake.set_script("B", streams(b_pieces));
    f.start(stream_config(f.fake, a_and_b(), {}));

    const auto t0 = clock::now();
    const auto s = f.chat(chat_request("chat", {{"stream_failover", mode}}));
    const auto elapsed = clock::now() - t0;

    BOOST_TEST(s.head.status == 200u);
    BOOST_TEST(header(s.head, "content-type").starts_with("text/event-stream"));
    BOOST_TEST(header(s.head, "x-baton-deployment-id") == "A");
    BOOST_TEST(s.final_status == stream_status::end);
    BOOST_TEST(s.last_is_done);
    BOOST_TEST(!s.final_error.has_value());
    BOOST_TEST(s.unparsed == 0);  // nothing of A's broken end is relayed
    BOOST_TEST(s.content == a_partial + b_text);
    BOOST_TEST((elapsed < 3s), "took " << std::chrono::duration<double>(elapsed).count() << " s");

    const auto a = only_call(f.fake, "A");
    const auto b = only_call(f.fake, "B");
    BOOST_TEST(a.at("seq").as_int64() < b.at("seq").as_int64());
    BOOST_TEST(a.at("json").at("messages") == json::value(original_messages()));
    const auto& bj = b.at("json").as_object();
    BOOST_TEST(bj.at("model").as_string() == "up-B");
    BOOST_TEST(auth_of(b) == "Bearer key-B");
    BOOST_TEST(bj.at("stream") == json::value(true));
    BOOST_TEST(!bj.contains("stream_failover"));  // a baton extension, never forwarded
    if (mode == "continue") {
        BOOST_TEST(s.role_chunks == 1);
        BOOST_TEST(bj.at("messages") == json::value(continued_messages(a_partial)),
                   "B's messages: " << json::serialize(bj.at("messages")));
    } else {
        BOOST_TEST(bj.at("messages") == json::value(original_messages()),
                   "B's messages: " << json::serialize(bj.at("messages")));
    }
    // A's text chunks carry A's model, B's carry B's.
    BOOST_TEST_REQUIRE(s.text_by_model.size() == 2 + b_pieces.size());
    BOOST_TEST(s.text_by_model[0].first == "up-A");
    BOOST_TEST(s.text_by_model[1].first == "up-A");
    for (std::size_t i = 2; i < s.text_by_model.size(); ++i) BOOST_TEST(s.text_by_model[i].first == "up-B");

    const auto m = f.metrics();
    BOOST_TEST(
        m.find("baton_stream_failovers_total", {{"reason", trig.reason}}).value_or(-1) == 1.0, "metrics:\n"
                                                                                                   << m.raw);
}

// 2. Mode off (router_settings): the same cut ends the stream with a final error event (stream_failed) and
// no [DONE]; B is never called.
BOOST_AUTO_TEST_CASE(mode_off_ends_with_error_event_and_never_calls_b)
{
    stream_fixture f;
    f.fake.set_script("A", streams(a_pieces, {{"cut_after", 2}}));
    f.fake.set_script("B", streams(b_pieces));
    f.start(stream_config(f.fake, a_and_b(), {"stream_failover: off"}));

    const auto s = f.chat(chat_request());
    BOOST_TEST(s.head.status == 200u);
    BOOST_TEST(s.content == a_partial);
    BOOST_TEST(!s.done);
    BOOST_TEST_REQUIRE(s.final_error.has_value(), "last event: " << (s.events.empty() ? "" : s.events.back().data));
    BOOST_TEST(s.final_error->at("code").as_string() == "stream_failed");
    BOOST_TEST(std::string(s.final_error->at("message").as_string()).find("connection_cut") != std::string::npos);
    BOOST_TEST(f.fake.calls("B").size() == 0u);
    BOOST_TEST(f.fake.calls("A").size() == 1u);

    // Per request, `off` overrides a continue default the same way.
    stream_fixture g;
    g.fake.set_script("A", streams(a_pieces, {{"cut_after", 2}}));
    g.fake.set_script("B", streams(b_pieces));
    g.start(stream_config(g.fake, a_and_b(), {"stream_failover: continue"}));
    const auto t = g.chat(chat_request("chat", {{"stream_failover", "off"}}));
    BOOST_TEST(!t.done);
    BOOST_TEST_REQUIRE(t.final_error.has_value());
    BOOST_TEST(t.final_error->at("code").as_string() == "stream_failed");
    BOOST_TEST(g.fake.calls("B").size() == 0u);
}

// 2b. A malformed event is no trigger (issue #10, point 4): it is dropped, counted and logged once per
// stream, and the same upstream goes on; B is never called.
BOOST_AUTO_TEST_CASE(a_malformed_event_is_dropped_and_the_same_upstream_goes_on)
{
    stream_fixture f;
    f.fake.set_script("A", streams(a_pieces, {{"garbage_after", 2}}));
    f.fake.set_script("B", streams(b_pieces));
    f.start(stream_config(f.fake, a_and_b(), {}));

    const auto s = f.chat(chat_request());
    BOOST_TEST(s.last_is_done);
    BOOST_TEST(s.content == "Alpha beta gamma delta ");
    BOOST_TEST(s.unparsed == 0);
    BOOST_TEST(f.fake.calls("B").size() == 0u);
    const auto drops = f.events_of(header(s.head, "x-baton-request-id"), "stream_event_dropped");
    BOOST_TEST_REQUIRE(drops.size() == 1u);
    BOOST_TEST(drops[0].at("deployment").as_string() == "A");
    BOOST_TEST(drops[0].at("reason").as_string() == "malformed");

    // Two in one stream: counted twice, logged once.
    const std::string good =
        R"(data: {"choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":null}]})";
    f.fake.set_script(
        "A",
        json::object{{"body", "data: {not json\n\n" + good + "\n\ndata: <html>\n\n" +
                                  R"(data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})" +
                                  "\n\ndata: [DONE]\n\n"},
                     {"headers", json::object{{"content-type", "text/event-stream"}}}});
    const auto t = f.chat(chat_request());
    BOOST_TEST(t.last_is_done);
    BOOST_TEST(t.content == "ok");
    BOOST_TEST(f.events_of(header(t.head, "x-baton-request-id"), "stream_event_dropped").size() == 1u);
    const auto m = f.metrics();
    BOOST_TEST(m.value("baton_stream_events_dropped_total", {{"reason", "malformed"}}) == 3.0, "metrics:\n"
                                                                                                   << m.raw);
    BOOST_TEST(m.sum("baton_stream_failovers_total", {}) == 0.0);
}

// 3. Exhaustion: A and B both cut mid-stream, no fallback: the stream ends with a final error event naming
// the reason (fallbacks_exhausted), no [DONE] — never a silent clean end.
BOOST_AUTO_TEST_CASE(every_candidate_cut_mid_stream_ends_with_exhausted_error_event)
{
    stream_fixture f;
    f.fake.set_script("A", streams(a_pieces, {{"cut_after", 2}}));
    f.fake.set_script("B", streams(b_pieces, {{"cut_after", 1}}));
    f.start(stream_config(f.fake, a_and_b(), {}));

    const auto s = f.chat(chat_request());
    BOOST_TEST(s.head.status == 200u);
    BOOST_TEST(!s.done);
    BOOST_TEST(s.content == a_partial + "one ");
    BOOST_TEST_REQUIRE(s.final_error.has_value(), "last event: " << (s.events.empty() ? "" : s.events.back().data));
    BOOST_TEST(s.final_error->at("code").as_string() == "fallbacks_exhausted");
    BOOST_TEST(std::string(s.final_error->at("message").as_string()).find("connection_cut") != std::string::npos,
               "message: " << s.final_error->at("message"));
    BOOST_TEST(names_of(ordered(f.fake.calls())) == (std::vector<std::string>{"A", "B"}), tt::per_element());
}

// 4. Before the first byte a failure fails over invisibly: the client sees only B's stream (one role chunk,
// B's content) under headers that name B. A answers 500, refuses the connection, ends its stream before
// any event, or sends nothing within its stream_timeout.
BOOST_DATA_TEST_CASE(failure_before_first_event_fails_over_invisibly,
                     bdata::make(std::vector<std::string>{"status_500", "refused", "empty_stream",
                                                          "first_event_timeout"}),
                     kind)
{
    stream_fixture f;
    refused_port refused;
    auto deps = a_and_b();
    if (kind == "status_500") {
        f.fake.set_script("A", failing(500));
    } else if (kind == "refused") {
        deps[0].api_base = refused.url("/A/v1");
    } else if (kind == "empty_stream") {
        f.fake.set_script("A", json::object{{"body", ""}, {"headers", json::object{{"content-type", "text/event-stream"}}}});
    } else {
        deps[0].extra.push_back("stream_timeout: 0.3");
        f.fake.set_script("A", streams(a_pieces, {{"first_delay_ms", 3000}}));
    }
    f.fake.set_script("B", streams(b_pieces));
    f.start(stream_config(f.fake, deps, {}));

    const auto s = f.chat(chat_request());
    BOOST_TEST(s.head.status == 200u);
    BOOST_TEST(header(s.head, "x-baton-deployment-id") == "B");
    BOOST_TEST(header(s.head, "x-baton-resolved") == "openai/up-B");
    BOOST_TEST(s.last_is_done);
    BOOST_TEST(s.role_chunks == 1);
    BOOST_TEST(s.content == b_text);
    for (const auto& c : s.chunks) BOOST_TEST(c.at("model").as_string() == "up-B");
    // B got the original request: nothing was relayed, there is nothing to continue.
    BOOST_TEST(only_call(f.fake, "B").at("json").at("messages") == json::value(original_messages()));
    BOOST_TEST(f.fake.calls("A").size() == (kind == "refused" ? 0u : 1u));
    if (kind == "first_event_timeout") BOOST_TEST(f.fake.wait_closed("A", 1, 2000ms));
}

// 4b. Every candidate fails before the first byte: an ordinary JSON error with its status, not a stream.
BOOST_AUTO_TEST_CASE(every_candidate_failing_before_first_byte_gives_a_json_error)
{
    stream_fixture f;
    f.fake.set_script("A", failing(500));
    f.fake.set_script("B", failing(503));
    f.start(stream_config(f.fake, a_and_b(), {}));
    auto r = f.client->post_json("/v1/chat/completions", chat_request(), {}, 10s);
    BOOST_TEST(r.status == 502u);
    BOOST_TEST(header(r, "content-type").starts_with("application/json"));
    BOOST_TEST(r.json().at("error").at("code").as_string() == "fallbacks_exhausted", r.body);

    stream_fixture g;
    g.fake.set_script("A", failing(429));
    g.fake.set_script("B", failing(429));
    g.start(stream_config(g.fake, a_and_b(), {}));
    r = g.client->post_json("/v1/chat/completions", chat_request(), {}, 10s);
    BOOST_TEST(r.status == 429u);
    BOOST_TEST(header(r, "content-type").starts_with("application/json"));
    BOOST_TEST(r.json().at("error").at("code").as_string() == "fallbacks_exhausted", r.body);
    BOOST_TEST(g.fake.calls("A").size() == 1u);
    BOOST_TEST(g.fake.calls("B").size() == 1u);
}

// 5. Same-group re-pick first, then the plan: A and B (group chat) both cut mid-stream, fallback group fb
// serves. The answer goes on A → B → fb; the headers name A (the first deployment that produced output)
// while every chunk carries its own upstream's model.
BOOST_AUTO_TEST_CASE(same_group_repick_first_then_fallback_group_continues)
{
    stream_fixture f;
    f.fake.set_script("A", streams(a_pieces, {{"cut_after", 2}}));
    f.fake.set_script("B", streams(b_pieces, {{"cut_after", 2}}));
    f.fake.set_script("F", streams({"x ", "y"}));
    auto deps = a_and_b();
    deps.push_back({"fb", "F"});
    f.start(stream_config(f.fake, deps, {"fallbacks: [{chat: [fb]}]"}));

    const auto s = f.chat(chat_request());
    BOOST_TEST(s.head.status == 200u);
    BOOST_TEST(header(s.head, "x-baton-deployment-id") == "A");
    BOOST_TEST(header(s.head, "x-baton-model-group") == "chat");
    BOOST_TEST(header(s.head, "x-baton-resolved") == "openai/up-A");
    BOOST_TEST(s.last_is_done);
    BOOST_TEST(s.content == a_partial + "one two " + "x y");
    BOOST_TEST(s.role_chunks == 1);
    std::vector<std::string> models;
    for (const auto& [m, text] : s.text_by_model) models.push_back(m);
    BOOST_TEST(models == (std::vector<std::string>{"up-A", "up-A", "up-B", "up-B", "up-F", "up-F"}), tt::per_element());

    const auto calls = ordered(f.fake.calls());
    BOOST_TEST(names_of(calls) == (std::vector<std::string>{"A", "B", "F"}), tt::per_element());
    BOOST_TEST_REQUIRE(calls.size() == 3u);
    BOOST_TEST(calls[1].at("json").at("messages") == json::value(continued_messages(a_partial)));
    BOOST_TEST(calls[2].at("json").at("messages") == json::value(continued_messages(a_partial + "one two ")),
               json::serialize(calls[2].at("json").at("messages")));
    BOOST_TEST(calls[2].at("json").at("model").as_string() == "up-F");
    BOOST_TEST(auth_of(calls[2]) == "Bearer key-F");
}

// 6. Idle timeout: A stalls after 2 pieces; with stream_idle_timeout 0.3 the failover comes within a
// bounded time and batond closes the stalled upstream connection.
BOOST_AUTO_TEST_CASE(idle_timeout_fails_over_in_bounded_time_and_closes_the_stalled_upstream)
{
    stream_fixture f;
    f.fake.set_script("A", streams(a_pieces, {{"stall_after", 2}}));
    f.fake.set_script("B", streams(b_pieces));
    f.start(stream_config(f.fake, a_and_b(), {}));

    const auto t0 = clock::now();
    const auto s = f.chat(chat_request());
    const auto elapsed = clock::now() - t0;
    BOOST_TEST(s.last_is_done);
    BOOST_TEST(s.content == a_partial + b_text);
    BOOST_TEST((elapsed >= 250ms));  // it did wait for the idle timeout
    BOOST_TEST((elapsed < 3s), "took " << std::chrono::duration<double>(elapsed).count() << " s");
    BOOST_TEST(f.fake.wait_closed("A", 1, 2000ms));
    BOOST_TEST(only_call(f.fake, "A").at("client_closed").as_bool());
}

// 7. A client that disconnects cancels its upstream request at once: during the first hop, and during the
// second hop of a failed-over stream.
BOOST_AUTO_TEST_CASE(client_disconnect_during_first_hop_closes_the_upstream)
{
    stream_fixture f;
    f.fake.set_script("A", json::object{{"stream", json::object{{"chunks", 50}, {"interval_ms", 200}}}});
    f.fake.set_script("B", streams(b_pieces));
    f.start(stream_config(f.fake, a_and_b(), {}));

    f.client->open_stream("/v1/chat/completions", chat_request(), deadline_after(5s));
    for (int i = 0; i < 2; ++i) {
        const auto item = f.client->next_event(deadline_after(5s));
        BOOST_TEST_REQUIRE(item.status == stream_status::event);
    }
    f.client->close();
    const auto t0 = clock::now();
    BOOST_TEST(f.fake.wait_closed("A", 1, 3000ms));
    BOOST_TEST((clock::now() - t0 < 1500ms));
    BOOST_TEST(f.fake.calls("B").size() == 0u);
}

BOOST_AUTO_TEST_CASE(client_disconnect_during_second_hop_closes_that_upstream)
{
    stream_fixture f;
    f.fake.set_script("A", streams(a_pieces, {{"cut_after", 2}}));
    f.fake.set_script("B", json::object{{"stream", json::object{{"chunks", 50}, {"interval_ms", 200}}}});
    f.start(stream_config(f.fake, a_and_b(), {}));

    f.client->open_stream("/v1/chat/completions", chat_request(), deadline_after(5s));
    bool saw_b = false;
    for (int i = 0; i < 10 && !saw_b; ++i) {
        const auto item = f.client->next_event(deadline_after(5s));
        BOOST_TEST_REQUIRE(item.status == stream_status::event);
        saw_b = item.event.data.find("\"up-B\"") != std::string::npos;
    }
    BOOST_TEST_REQUIRE(saw_b, "no chunk of B arrived");
    f.client->close();
    const auto t0 = clock::now();
    BOOST_TEST(f.fake.wait_closed("B", 1, 3000ms));
    BOOST_TEST((clock::now() - t0 < 1500ms));
    const auto b = only_call(f.fake, "B");
    BOOST_TEST(!b.at("completed").as_bool());
}

// 8. Bookkeeping. Usage: upstreams are always asked for it; a client that asked gets one usage chunk with
// the counts summed over the hops that reported usage; a client that did not ask gets none.
BOOST_AUTO_TEST_CASE(usage_reaches_only_a_client_that_asked_and_sums_over_hops)
{
    stream_fixture f;
    f.fake.set_script("A", streams(a_pieces, {{"cut_after", 2}}));
    f.fake.set_script("B", streams(b_pieces));
    f.start(stream_config(f.fake, a_and_b(), {}));

    // Asked: only B completed (the fake reports usage after its finish chunk): {5, 3, 8}.
    auto s = f.chat(chat_request("chat", {{"stream_options", json::object{{"include_usage", true}}}}));
    BOOST_TEST(s.last_is_done);
    BOOST_TEST_REQUIRE(s.usage.size() == 1u);
    BOOST_TEST(s.usage[0].at("prompt_tokens").as_int64() == 5);
    BOOST_TEST(s.usage[0].at("completion_tokens").as_int64() == 3);
    BOOST_TEST(s.usage[0].at("total_tokens").as_int64() == 8);

    // Not asked: no usage chunk, though both upstreams were asked for usage.
    f.fake.set_script("A", streams(a_pieces, {{"cut_after", 2}}));
    f.fake.clear_calls();
    s = f.chat(chat_request());
    BOOST_TEST(s.last_is_done);
    BOOST_TEST(s.content == a_partial + b_text);
    BOOST_TEST(s.usage.size() == 0u);
    for (const auto& c : s.chunks) BOOST_TEST(!c.contains("usage"), json::serialize(c));
    for (const auto* n : {"A", "B"}) {
        const auto call = only_call(f.fake, n);
        BOOST_TEST(call.at("json").at("stream_options").at("include_usage") == json::value(true), n);
    }

    // Both hops report usage: A (a raw SSE body) reports {11, 2, 13} and then ends without finish_reason
    // or [DONE]; B reports {5, 3, 8}. The client's usage is the sum {16, 5, 21}, in one usage chunk.
    const std::string head = R"({"id":"c1","object":"chat.completion.chunk","created":1,"model":"up-A",)";
    const std::string raw =
        "data: " + head + R"("choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]})" +
        "\n\n" + "data: " + head + R"("choices":[{"index":0,"delta":{"content":"Alpha "},"finish_reason":null}]})" +
        "\n\n" + "data: " + head +
        R"("choices":[],"usage":{"prompt_tokens":11,"completion_tokens":2,"total_tokens":13}})" + "\n\n";
    f.fake.set_script("A", json::object{{"body", raw}, {"headers", json::object{{"content-type", "text/event-stream"}}}});
    f.fake.clear_calls();
    s = f.chat(chat_request("chat", {{"stream_options", json::object{{"include_usage", true}}}}));
    BOOST_TEST(s.last_is_done);
    BOOST_TEST(s.content == "Alpha " + b_text);
    BOOST_TEST(f.fake.calls("B").size() == 1u);
    BOOST_TEST_REQUIRE(!s.usage.empty());
    BOOST_TEST(s.usage.back().at("prompt_tokens").as_int64() == 16);
    BOOST_TEST(s.usage.back().at("completion_tokens").as_int64() == 5);
    BOOST_TEST(s.usage.back().at("total_tokens").as_int64() == 21);
    BOOST_TEST(s.usage.size() == 1u, "usage chunks relayed: " << s.usage.size());
    const auto access = f.events_of(header(s.head, "x-baton-request-id"), "access");
    BOOST_TEST_REQUIRE(access.size() == 1u);
    BOOST_TEST(access[0].at("prompt_tokens").to_number<std::int64_t>() == 16);
    BOOST_TEST(access[0].at("completion_tokens").to_number<std::int64_t>() == 5);
}

// 8b. One stream_start log event per hop (provider, model, deployment) in order; the failed deployment is
// charged (allowed_fails 1: the next request skips A); the failover is counted by reason.
BOOST_AUTO_TEST_CASE(stream_start_per_hop_cooldown_and_failover_metric)
{
    stream_fixture f;
    f.fake.set_script("A", streams(a_pieces, {{"cut_after", 2}}));
    f.fake.set_script("B", streams(b_pieces));
    f.start(stream_config(f.fake, a_and_b(), {"allowed_fails: 1", "cooldown_time: 30"}));

    const auto s = f.chat(chat_request());
    BOOST_TEST(s.last_is_done);
    BOOST_TEST(s.content == a_partial + b_text);
    const auto starts = f.events_of(header(s.head, "x-baton-request-id"), "stream_start");
    check_stream_starts(starts, {{"openai", "up-A", "A"}, {"openai", "up-B", "B"}});

    const auto m = f.metrics();
    const auto cuts = m.find("baton_stream_failovers_total", {{"reason", "connection_cut"}});
    BOOST_TEST_REQUIRE(cuts.has_value(), "metrics:\n" << m.raw);
    BOOST_TEST(*cuts >= 1.0);
    // One client request, however many hops: counted once, with the attempt to each deployment.
    BOOST_TEST(m.find("baton_requests_total", {{"model_group", "chat"}, {"status", "200"}}).value_or(-1) ==
                   1.0,
               "metrics:\n"
                   << m.raw);
    BOOST_TEST(m.find("baton_upstream_requests_total", {{"deployment", "A"}, {"outcome", "connection"}})
                   .value_or(-1) == 1.0);
    BOOST_TEST(
        m.find("baton_upstream_requests_total", {{"deployment", "B"}, {"outcome", "success"}}).value_or(-1) ==
        1.0);

    // A is cooling down: the next stream goes straight to B.
    const auto next = f.chat(chat_request());
    BOOST_TEST(next.last_is_done);
    BOOST_TEST(header(next.head, "x-baton-deployment-id") == "B");
    BOOST_TEST(next.content == b_text);
    BOOST_TEST(f.fake.calls("A").size() == 1u);
    BOOST_TEST(f.fake.calls("B").size() == 2u);
}

// 9. DocsGPT (seed 000) equivalents, with the key's backup model as the fallback: immediate failure uses
// the backup entirely; mid-stream failure: the backup's stream follows the partial output; the backup gets
// its own model id; one stream_start per provider (primary, then fallback).
BOOST_AUTO_TEST_CASE(docsgpt_backup_model_on_immediate_and_mid_stream_failure)
{
    stream_fixture f;
    const std::vector<dep> deps = {{"primary", "P"}, {.group = "backup", .id = "F", .provider = "azure"}};
    f.start(stream_config(f.fake, deps, {},
                          "keys:\n  - name: team\n    key: sk-team\n    backup_models: [backup]\n"));
    const header_list auth = {{"Authorization", "Bearer sk-team"}};

    // Immediate failure: the client sees only the backup's chunks.
    f.fake.set_script("P", failing(500));
    f.fake.set_script("F", streams({"fallback1", "fallback2"}));
    auto s = f.chat(chat_request("primary"), auth);
    BOOST_TEST(s.head.status == 200u);
    BOOST_TEST(header(s.head, "x-baton-deployment-id") == "F");
    BOOST_TEST(header(s.head, "x-baton-model-group") == "backup");
    BOOST_TEST(header(s.head, "x-baton-resolved") == "azure/up-F");
    BOOST_TEST(s.last_is_done);
    BOOST_TEST(s.content == "fallback1fallback2");
    for (const auto& c : s.chunks) BOOST_TEST(c.at("model").as_string() == "up-F");
    auto fcall = only_call(f.fake, "F");
    BOOST_TEST(fcall.at("json").at("model").as_string() == "up-F");
    BOOST_TEST(fcall.at("headers").at("api-key").as_string() == "key-F");
    check_stream_starts(f.events_of(header(s.head, "x-baton-request-id"), "stream_start"),
                        {{"openai", "up-P", "P"}, {"azure", "up-F", "F"}});

    // Mid-stream failure (restart, DocsGPT's semantics): ok1, ok2, then the backup's whole stream.
    f.fake.set_script("P", streams({"ok1", "ok2", "ok3"}, {{"cut_after", 2}}));
    f.fake.set_script("F", streams({"recovery1", "recovery2"}));
    f.fake.clear_calls();
    s = f.chat(chat_request("primary", {{"stream_failover", "restart"}}), auth);
    BOOST_TEST(s.head.status == 200u);
    BOOST_TEST(header(s.head, "x-baton-deployment-id") == "P");
    BOOST_TEST(s.last_is_done);
    BOOST_TEST(s.content == "ok1ok2recovery1recovery2");
    std::vector<std::string> models;
    for (const auto& [m, text] : s.text_by_model) models.push_back(m);
    BOOST_TEST(models == (std::vector<std::string>{"up-P", "up-P", "up-F", "up-F"}), tt::per_element());
    fcall = only_call(f.fake, "F");
    BOOST_TEST(fcall.at("json").at("model").as_string() == "up-F");
    BOOST_TEST(fcall.at("json").at("messages") == json::value(original_messages()));
    check_stream_starts(f.events_of(header(s.head, "x-baton-request-id"), "stream_start"),
                        {{"openai", "up-P", "P"}, {"azure", "up-F", "F"}});
}

// 10. Text completions fail over too: in continue mode B's prompt is the original prompt plus the partial
// text; before the first event (no role chunk on this endpoint: cut_after 0) the failover is invisible.
BOOST_AUTO_TEST_CASE(completions_endpoint_continues_with_prompt_plus_partial_text)
{
    stream_fixture f;
    f.fake.set_script("A", streams(a_pieces, {{"cut_after", 2}}));
    f.fake.set_script("B", streams(b_pieces));
    f.start(stream_config(f.fake, a_and_b(), {}));

    const json::object body{{"model", "chat"}, {"prompt", "Count: "}, {"stream", true}, {"echo", false}};
    auto s = stream_call(*f.client, "/v1/completions", body);
    BOOST_TEST(s.head.status == 200u);
    BOOST_TEST(header(s.head, "x-baton-deployment-id") == "A");
    BOOST_TEST(s.last_is_done);
    BOOST_TEST(s.content == a_partial + b_text);
    BOOST_TEST(s.role_chunks == 0);
    auto b = only_call(f.fake, "B");
    BOOST_TEST(b.at("path").as_string() == "/B/v1/completions");
    BOOST_TEST(b.at("json").at("prompt") == json::value("Count: " + a_partial));
    BOOST_TEST(!b.at("json").as_object().contains("echo"));
    BOOST_TEST(b.at("json").at("model").as_string() == "up-B");

    // Cut before any event: invisible.
    f.fake.set_script("A", streams(a_pieces, {{"cut_after", 0}}));
    f.fake.clear_calls();
    s = stream_call(*f.client, "/v1/completions", body);
    BOOST_TEST(s.head.status == 200u);
    BOOST_TEST(header(s.head, "x-baton-deployment-id") == "B");
    BOOST_TEST(s.last_is_done);
    BOOST_TEST(s.content == b_text);
    b = only_call(f.fake, "B");
    BOOST_TEST(b.at("json").at("prompt") == json::value("Count: "));
}

BOOST_AUTO_TEST_SUITE_END()
