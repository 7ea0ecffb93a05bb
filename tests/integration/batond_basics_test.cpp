#define BOOST_TEST_MODULE batond_basics
#include <boost/test/unit_test.hpp>

// The foundation of batond through a real daemon and the scripted fake upstream: non-streamed and streamed
// proxying, request rewriting, routing headers, bad input, downstream limits and timeouts, client
// disconnects, graceful drain, admin/health endpoints, --check-config, the built-in echo provider, client keys
// in each auth header, Expect: 100-continue and Connection: close.

#include "support/harness.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace json = boost::json;
using namespace std::chrono_literals;
using namespace baton::test;

namespace {

constexpr std::string_view upstream_key = "sk-upstream-key-1234567890";
constexpr std::string_view azure_key = "azure-secret-key-0987654321";

json::object user_message(std::string_view text)
{
    return json::object{{"role", "user"}, {"content", text}};
}

std::string http_request(std::string_view method, std::string_view target, std::string_view body = {},
                         std::string_view extra_headers = {})
{
    std::string r = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!body.empty()) {
        r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    }
    r += extra_headers;
    r += "\r\n";
    r += body;
    return r;
}

/// Checks `r` is an OpenAI-shaped error: {"error": {"message", "type", "param", "code"}}.
void check_openai_error(const http_response& r, unsigned status, std::string_view code = {})
{
    BOOST_TEST(r.status == status);
    BOOST_TEST(r.header("content-type").value_or("").starts_with("application/json"));
    json::value v;
    BOOST_REQUIRE_NO_THROW(v = r.json());
    BOOST_REQUIRE(v.is_object());
    const auto* e = v.as_object().if_contains("error");
    BOOST_REQUIRE(e);
    BOOST_REQUIRE(e->is_object());
    const auto& err = e->as_object();
    BOOST_TEST(err.contains("message"));
    BOOST_TEST(err.contains("type"));
    BOOST_TEST(err.contains("param"));
    BOOST_TEST(err.contains("code"));
    if (const auto* m = err.if_contains("message")) {
        BOOST_TEST(m->is_string());
        if (m->is_string()) BOOST_TEST(!m->as_string().empty());
    }
    if (const auto* t = err.if_contains("type")) BOOST_TEST(t->is_string());
    if (!code.empty()) {
        const auto* c = err.if_contains("code");
        BOOST_TEST((c && c->is_string() && c->as_string() == code), "error.code is " << (c ? json::serialize(*c) : "absent")
                                                                                      << ", expected " << code);
    }
}

/// The content text of a chat stream chunk ("" when it has none).
std::string delta_content(const sse_event& e)
{
    const auto v = e.json();
    const auto& choices = v.at("choices").as_array();
    if (choices.empty()) return {};
    const auto* delta = choices[0].as_object().if_contains("delta");
    if (!delta) return {};
    const auto* c = delta->as_object().if_contains("content");
    return c && c->is_string() ? std::string(c->as_string()) : std::string{};
}

/// True for a usage-only chunk (`choices: []` with a usage object).
bool is_usage_chunk(const sse_event& e)
{
    if (e.is_done()) return false;
    const auto v = e.json();
    const auto* u = v.as_object().if_contains("usage");
    return u && u->is_object();
}

/// An upstream event with the per-call fields (id, created) normalized: two calls can then be compared
/// byte for byte.
std::string normalized(std::string_view raw)
{
    static const std::regex id{R"re("id":"(chatcmpl|cmpl)-fake-[0-9]+")re"};
    static const std::regex created{R"re("created":[0-9]+)re"};
    auto s = std::regex_replace(std::string(raw), id, R"("id":"ID")");
    return std::regex_replace(s, created, R"("created":0)");
}

double seconds(clock::duration d)
{
    return std::chrono::duration<double>(d).count();
}

/// Every config of this file: batond's default deployment timeouts and one reactor per core (threads: 0,
/// batond's default), no retries, 1 s cooldowns, 3 s between stream events, a 5 s drain.
const config_defaults basics_defaults{
    .litellm_params = {},
    .router_settings = {"num_retries: 0", "cooldown_time: 1", "stream_idle_timeout: 3"},
    .general_settings = {"threads: 0", "graceful_shutdown_seconds: 5"},
};

/// One fake upstream, and the config of a batond in front of it:
///   grp  → deployment "dep"  (openai/up-model, key upstream_key, id dep-1)
///   az   → deployment "az"   (azure/my-deploy, api_version 2024-10-21, key azure_key, id az-1)
///   dead → a port that refuses connections (id dead-1)
///   both → alias: [grp, az]
struct fixture {
    fake_upstream_process fake;
    refused_port dead;

    /// `general`: more general_settings lines ("max_request_body_mb: 1").
    std::string config(const std::vector<std::string>& general = {}) const
    {
        test_config c;
        c.deployments = {
            {.group = "grp",
             .id = "dep-1",
             .api_base = fake.base_url("dep"),
             .api_key = std::string(upstream_key),
             .model = "up-model"},
            {.group = "az",
             .id = "az-1",
             .api_base = fake.root_url() + "/az",
             .api_key = std::string(azure_key),
             .provider = "azure",
             .model = "my-deploy"},
            {.group = "dead",
             .id = "dead-1",
             .api_base = dead.url(),
             .api_key = "sk-dead-key-000000000000",
             .model = "dead-model"},
        };
        c.top =
            "aliases:\n"
            "  both:\n"
            "    description: \"grp then az\"\n"
            "    chain: [grp, az]\n";
        c.general = general;
        return config_yaml(fake, c, basics_defaults);
    }

    void install(std::string_view name, std::string_view script_json) { fake.set_script(name, json::parse(script_json)); }
};

/// The routing headers every routed response carries, for a call served by `dep-1` at the first attempt.
void check_routing_headers(const http_response& r)
{
    BOOST_TEST(!r.header("x-baton-request-id").value_or("").empty());
    BOOST_TEST(r.header("x-baton-model-group").value_or("<absent>") == "grp");
    BOOST_TEST(r.header("x-baton-deployment-id").value_or("<absent>") == "dep-1");
    BOOST_TEST(r.header("x-baton-resolved").value_or("<absent>") == "openai/up-model");
    BOOST_TEST(r.header("x-baton-attempts").value_or("<absent>") == "1");
    BOOST_TEST(r.header("x-baton-fallbacks").value_or("<absent>") == "0");
    const auto overhead = r.header("x-baton-overhead-ms");
    BOOST_REQUIRE(overhead.has_value());
    double ms = -1;
    BOOST_REQUIRE_NO_THROW(ms = std::stod(*overhead));
    BOOST_TEST(ms >= 0.0);
    BOOST_TEST(ms < 2000.0);
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(proxying, fixture)

BOOST_AUTO_TEST_CASE(chat_is_forwarded_rewritten_and_answered_with_upstream_body)
{
    // A raw body with its own spacing and key order: the client must get exactly these bytes.
    const std::string upstream_body =
        R"({"id": "chatcmpl-raw-1",  "object": "chat.completion", "created": 7, "model": "up-model",)"
        R"( "choices": [{"index": 0, "message": {"role": "assistant", "content": "h\u00e9llo \"raw\""},)"
        R"( "finish_reason": "stop"}], "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}})";
    install("dep", json::serialize(json::object{{"body", upstream_body}}));
    baton_process baton{config()};
    http_client client{baton.port()};

    json::object req = chat_body("grp");
    req["temperature"] = 0.25;
    req["user"] = "user-7";
    req["max_tokens"] = 12;
    req["fallbacks"] = json::array{"az"};
    req["num_retries"] = 1;
    req["disable_fallbacks"] = true;
    req["metadata"] = json::object{{"trace", "abc"}};
    const auto r = client.post_json("/v1/chat/completions", req);

    BOOST_TEST(r.status == 200u);
    BOOST_TEST(r.body == upstream_body);
    check_routing_headers(r);

    const auto calls = fake.calls("dep");
    BOOST_REQUIRE_EQUAL(calls.size(), 1u);
    const auto& call = calls[0].as_object();
    BOOST_TEST(call.at("method").as_string() == "POST");
    BOOST_TEST(call.at("path").as_string() == "/dep/v1/chat/completions");
    BOOST_TEST(call.at("headers").at("authorization").as_string() == "Bearer " + std::string(upstream_key));
    const auto& sent = call.at("json").as_object();
    BOOST_TEST(sent.at("model").as_string() == "up-model");
    BOOST_TEST(sent.at("messages") == req.at("messages"));
    BOOST_TEST(sent.at("temperature").to_number<double>() == 0.25);
    BOOST_TEST(sent.at("user").as_string() == "user-7");
    BOOST_TEST(sent.at("max_tokens").to_number<std::int64_t>() == 12);
    BOOST_TEST(!sent.contains("fallbacks"));
    BOOST_TEST(!sent.contains("num_retries"));
    BOOST_TEST(!sent.contains("disable_fallbacks"));
    BOOST_TEST(!sent.contains("metadata"));
    BOOST_TEST(fake.calls("az").empty());
}

BOOST_AUTO_TEST_CASE(completions_and_embeddings_are_forwarded)
{
    const std::string text_body =
        R"({"id":"cmpl-raw","object":"text_completion","created":1,"model":"up-model",)"
        R"("choices":[{"text":"four","index":0,"logprobs":null,"finish_reason":"stop"}],)"
        R"("usage":{"prompt_tokens":2,"completion_tokens":1,"total_tokens":3}})";
    const std::string emb_body =
        R"({"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.5,-0.25]}],)"
        R"("model":"up-model","usage":{"prompt_tokens":1,"total_tokens":1}})";
    install("dep", json::serialize(json::object{
                       {"steps", json::array{json::object{{"body", text_body}}, json::object{{"body", emb_body}}}}}));
    baton_process baton{config()};
    http_client client{baton.port()};

    const auto t = client.post_json("/v1/completions",
                                    json::object{{"model", "grp"}, {"prompt", "2+2="}, {"metadata", {{"k", "v"}}}});
    BOOST_TEST(t.status == 200u);
    BOOST_TEST(t.body == text_body);
    check_routing_headers(t);

    const auto e = client.post_json("/v1/embeddings",
                                    json::object{{"model", "grp"}, {"input", "embed me"}, {"num_retries", 0}});
    BOOST_TEST(e.status == 200u);
    BOOST_TEST(e.body == emb_body);
    check_routing_headers(e);

    const auto calls = fake.calls("dep");
    BOOST_REQUIRE_EQUAL(calls.size(), 2u);
    BOOST_TEST(calls[0].at("path").as_string() == "/dep/v1/completions");
    BOOST_TEST(calls[0].at("json").at("model").as_string() == "up-model");
    BOOST_TEST(calls[0].at("json").at("prompt").as_string() == "2+2=");
    BOOST_TEST(!calls[0].at("json").as_object().contains("metadata"));
    BOOST_TEST(calls[0].at("headers").at("authorization").as_string() == "Bearer " + std::string(upstream_key));
    BOOST_TEST(calls[1].at("path").as_string() == "/dep/v1/embeddings");
    BOOST_TEST(calls[1].at("json").at("model").as_string() == "up-model");
    BOOST_TEST(calls[1].at("json").at("input").as_string() == "embed me");
    BOOST_TEST(!calls[1].at("json").as_object().contains("num_retries"));
}

BOOST_AUTO_TEST_CASE(azure_deployment_gets_azure_path_and_api_key_header)
{
    baton_process baton{config()};
    http_client client{baton.port()};
    const auto r = client.post_json("/v1/chat/completions", chat_body("az"));
    BOOST_TEST(r.status == 200u);
    BOOST_TEST(r.header("x-baton-resolved").value_or("<absent>") == "azure/my-deploy");
    BOOST_TEST(r.header("x-baton-deployment-id").value_or("<absent>") == "az-1");
    BOOST_TEST(r.json().at("choices").at(0).at("message").at("content").as_string() == "ok from az");

    const auto calls = fake.calls("az");
    BOOST_REQUIRE_EQUAL(calls.size(), 1u);
    const auto& call = calls[0].as_object();
    BOOST_TEST(call.at("path").as_string() == "/az/openai/deployments/my-deploy/chat/completions?api-version=2024-10-21");
    const auto& headers = call.at("headers").as_object();
    BOOST_TEST(headers.contains("api-key"));
    if (headers.contains("api-key")) BOOST_TEST(headers.at("api-key").as_string() == azure_key);
    BOOST_TEST(!headers.contains("authorization"));
    BOOST_TEST(call.at("json").at("model").as_string() == "my-deploy");
}

BOOST_AUTO_TEST_CASE(routed_requests_keep_the_connection_alive)
{
    // HTTP/1.1 keep-alive: several routed requests, streamed and not, on one client connection.
    install("dep", R"({"steps": [{"stream": {"pieces": ["first-answer"]}}, {"content": "second-answer"}],
                       "then": {"content": "third-answer"}})");
    baton_process baton{config()};
    raw_connection conn{baton.port()};
    std::string got;
    BOOST_REQUIRE(conn.send(http_request("POST", "/v1/chat/completions", json::serialize(chat_body("grp", true))),
                            deadline_after(2s)));
    BOOST_REQUIRE(conn.read_until("data: [DONE]", got, deadline_after(5s)));
    BOOST_REQUIRE(conn.read_until("0\r\n\r\n", got, deadline_after(5s)));  // the chunked terminator
    BOOST_TEST(conn.send(http_request("POST", "/v1/chat/completions", json::serialize(chat_body("grp"))),
                         deadline_after(2s)));
    BOOST_TEST(conn.read_until("second-answer", got, deadline_after(5s)), "after the first response: " << got);
    BOOST_TEST(conn.send(http_request("POST", "/v1/chat/completions", json::serialize(chat_body("grp"))),
                         deadline_after(2s)));
    BOOST_TEST(conn.read_until("third-answer", got, deadline_after(5s)));
}

BOOST_AUTO_TEST_CASE(each_request_is_logged_once)
{
    baton_process baton{config({"threads: 1"})};
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i) {
        http_client client{baton.port()};
        const auto r = client.post_json("/v1/chat/completions", chat_body("grp"));
        BOOST_REQUIRE_EQUAL(r.status, 200u);
        ids.push_back(r.header("x-baton-request-id").value_or(""));
    }
    // One reactor: once the last request's access line is out, everything about the earlier ones is too.
    BOOST_REQUIRE(baton.wait_log(ids[2], deadline_after(3s)));
    const auto events = baton.log_events();
    for (const auto& id : {ids[0], ids[1]}) {
        const auto n = std::count_if(events.begin(), events.end(), [&](const json::object& e) {
            const auto* ev = e.if_contains("event");
            const auto* rid = e.if_contains("request_id");
            return ev && *ev == "access" && rid && rid->is_string() && rid->get_string() == id;
        });
        BOOST_TEST(n == 1, "request " << id << " has " << n << " access log lines");
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(streaming, fixture)

BOOST_AUTO_TEST_CASE(stream_is_relayed_as_it_arrives_byte_for_byte)
{
    install("dep", R"({"stream": {"chunks": 5, "interval_ms": 50}})");
    baton_process baton{config()};
    http_client client{baton.port()};

    const auto head = client.open_stream("/v1/chat/completions", chat_body("grp", true), deadline_after(5s));
    BOOST_REQUIRE_EQUAL(head.status, 200u);
    BOOST_TEST(head.header("content-type").value_or("").starts_with("text/event-stream"));
    check_routing_headers(head);

    const auto first = client.next_event(deadline_after(5s));
    BOOST_REQUIRE_EQUAL(first.status, stream_status::event);
    // The upstream is still sending (about 300 ms to go) when the client already holds the first event.
    const auto during = fake.calls("dep");
    BOOST_REQUIRE_EQUAL(during.size(), 1u);
    BOOST_TEST(during[0].at("completed").as_bool() == false);

    auto rest = client.read_events(deadline_after(5s));
    BOOST_TEST(rest.final_status == stream_status::end);
    std::vector<sse_event> events{first.event};
    events.insert(events.end(), rest.events.begin(), rest.events.end());
    BOOST_REQUIRE(!events.empty());
    BOOST_TEST(events.back().is_done());
    // 7 events (role, 5 contents, finish) plus [DONE], 50 ms apart upstream: spread well over 3 intervals.
    BOOST_TEST(seconds(events.back().arrived - events.front().arrived) >= 0.150);

    std::string content;
    for (const auto& e : events) {
        if (e.is_done()) continue;
        BOOST_TEST(!is_usage_chunk(e), "the client did not ask for usage: " << e.raw);
        content += delta_content(e);
    }
    BOOST_TEST(content == "dep-0 dep-1 dep-2 dep-3 dep-4 ");

    // Upstreams are always asked for usage.
    BOOST_REQUIRE(fake.wait_calls("dep", 1));
    const auto call = fake.calls("dep")[0].as_object();
    const auto& sent = call.at("json").as_object();
    BOOST_TEST(sent.at("model").as_string() == "up-model");
    BOOST_TEST(sent.at("stream").as_bool());
    BOOST_TEST(sent.at("stream_options").at("include_usage").as_bool());

    // Byte for byte: the same request straight to the fake gives the same events (ids and timestamps
    // aside), plus the usage chunk baton dropped for this client.
    fake.control().open_stream("/dep/v1/chat/completions", call.at("json"), deadline_after(5s));
    const auto direct = fake.control().read_events(deadline_after(5s));
    BOOST_TEST(direct.final_status == stream_status::end);
    std::vector<std::string> want;
    for (const auto& e : direct.events) {
        if (!is_usage_chunk(e)) want.push_back(normalized(e.raw));
    }
    std::vector<std::string> got;
    for (const auto& e : events) got.push_back(normalized(e.raw));
    BOOST_TEST(got == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(stream_head_waits_for_first_upstream_event)
{
    install("dep", R"({"stream": {"chunks": 2, "first_delay_ms": 300}})");
    baton_process baton{config()};
    http_client client{baton.port()};

    const auto t0 = clock::now();
    const auto head = client.open_stream("/v1/chat/completions", chat_body("grp", true), deadline_after(5s));
    const auto head_after = clock::now() - t0;
    BOOST_REQUIRE_EQUAL(head.status, 200u);
    BOOST_TEST(seconds(head_after) >= 0.28, "head came after " << seconds(head_after) << " s");
    check_routing_headers(head);
    const auto events = client.read_events(deadline_after(5s));
    BOOST_TEST(events.final_status == stream_status::end);
    BOOST_REQUIRE(!events.events.empty());
    BOOST_TEST(events.events.back().is_done());
}

BOOST_AUTO_TEST_CASE(client_that_asks_for_usage_gets_the_usage_chunk)
{
    install("dep", R"({"stream": {"chunks": 4}})");
    baton_process baton{config()};
    http_client client{baton.port()};

    const auto head = client.open_stream("/v1/chat/completions", chat_body("grp", true, true), deadline_after(5s));
    BOOST_REQUIRE_EQUAL(head.status, 200u);
    const auto r = client.read_events(deadline_after(5s));
    BOOST_TEST(r.final_status == stream_status::end);
    BOOST_REQUIRE_GE(r.events.size(), 2u);
    BOOST_TEST(r.events.back().is_done());
    const auto& usage_event = r.events[r.events.size() - 2];
    BOOST_REQUIRE(is_usage_chunk(usage_event));
    const auto u = usage_event.json().at("usage");
    BOOST_TEST(u.at("prompt_tokens").to_number<std::int64_t>() == 5);
    BOOST_TEST(u.at("completion_tokens").to_number<std::int64_t>() == 4);
    BOOST_TEST(u.at("total_tokens").to_number<std::int64_t>() == 9);
    const auto usage_chunks = std::count_if(r.events.begin(), r.events.end(), is_usage_chunk);
    BOOST_TEST(usage_chunks == 1);
}

BOOST_AUTO_TEST_CASE(client_disconnect_mid_stream_cancels_upstream)
{
    install("dep", R"({"stream": {"chunks": 50, "interval_ms": 200}})");
    baton_process baton{config()};
    http_client client{baton.port()};

    const auto head = client.open_stream("/v1/chat/completions", chat_body("grp", true), deadline_after(5s));
    BOOST_REQUIRE_EQUAL(head.status, 200u);
    BOOST_REQUIRE_EQUAL(client.next_event(deadline_after(5s)).status, stream_status::event);
    BOOST_REQUIRE_EQUAL(client.next_event(deadline_after(5s)).status, stream_status::event);
    client.close();
    // 48 chunks (~10 s) were still to come: the upstream must see the close at once.
    BOOST_TEST(fake.wait_closed("dep", 1, 1000ms));
    // batond stays fine.
    http_client other{baton.port()};
    BOOST_TEST(other.get("/health/readiness").status == 200u);
}

BOOST_AUTO_TEST_CASE(client_disconnect_while_upstream_delays_cancels_upstream)
{
    install("dep", R"({"delay_ms": 5000})");
    baton_process baton{config()};
    raw_connection conn{baton.port()};
    BOOST_REQUIRE(conn.send(http_request("POST", "/v1/chat/completions", json::serialize(chat_body("grp"))),
                            deadline_after(2s)));
    BOOST_REQUIRE(fake.wait_calls("dep", 1, 3000ms));
    conn.close();
    BOOST_TEST(fake.wait_closed("dep", 1, 1000ms));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(bad_input, fixture)

BOOST_AUTO_TEST_CASE(bad_requests_get_openai_errors_and_batond_stays_up)
{
    baton_process baton{config({"max_request_body_mb: 1"})};
    http_client client{baton.port()};

    {
        BOOST_TEST_CONTEXT("malformed JSON")
        check_openai_error(client.request("POST", "/v1/chat/completions", R"({"model": "grp", "messages": [)"), 400);
    }
    {
        BOOST_TEST_CONTEXT("JSON array body")
        check_openai_error(client.request("POST", "/v1/chat/completions", R"([{"model": "grp"}])"), 400);
    }
    {
        BOOST_TEST_CONTEXT("missing model")
        {
            const auto r =
                client.post_json("/v1/chat/completions", json::object{{"messages", json::array{user_message("x")}}});
            check_openai_error(r, 400);
            BOOST_TEST(r.json().at("error").at("param") == json::value("model"));
        }
    }
    {
        BOOST_TEST_CONTEXT("missing messages")
        {
            const auto r = client.post_json("/v1/chat/completions", json::object{{"model", "grp"}});
            check_openai_error(r, 400);
            BOOST_TEST(r.json().at("error").at("param") == json::value("messages"));
        }
    }
    {
        BOOST_TEST_CONTEXT("unknown path")
        check_openai_error(client.get("/v1/no/such/path"), 404);
    }
    {
        BOOST_TEST_CONTEXT("wrong method")
        check_openai_error(client.get("/v1/chat/completions"), 405);
    }
    {
        BOOST_TEST_CONTEXT("unknown model")
        check_openai_error(client.post_json("/v1/chat/completions", chat_body("no-such-model")), 404, "model_not_found");
    }
    BOOST_TEST(fake.calls().empty());

    // The good request afterwards, on the same connection when batond kept it.
    const auto ok = client.post_json("/v1/chat/completions", chat_body("grp"));
    BOOST_TEST(ok.status == 200u);
    BOOST_TEST(ok.json().at("choices").at(0).at("message").at("content").as_string() == "ok from dep");
    BOOST_TEST(baton.process().running());
}

BOOST_AUTO_TEST_CASE(unreachable_upstream_gives_502_fallbacks_exhausted)
{
    baton_process baton{config()};
    http_client client{baton.port()};
    const auto r = client.post_json("/v1/chat/completions", chat_body("dead"), {}, 15s);
    check_openai_error(r, 502, "fallbacks_exhausted");
    const auto body = r.json();
    const auto* attempts = body.at("error").as_object().if_contains("attempts");
    BOOST_REQUIRE(attempts);
    BOOST_REQUIRE(attempts->is_array());
    BOOST_REQUIRE_EQUAL(attempts->as_array().size(), 1u);
    BOOST_TEST(attempts->at(0).at("deployment_id").as_string() == "dead-1");
    BOOST_TEST(attempts->at(0).at("model_group").as_string() == "dead");
    BOOST_TEST(attempts->at(0).at("reason").as_string() == "connection");
    BOOST_TEST(attempts->at(0).at("skipped").as_bool() == false);
    // The secret never leaks into the error.
    BOOST_TEST(r.body.find("sk-dead-key") == std::string::npos);
    http_client after{baton.port()};
    BOOST_TEST(after.post_json("/v1/chat/completions", chat_body("grp")).status == 200u);
}

BOOST_AUTO_TEST_CASE(body_over_limit_gets_413)
{
    baton_process baton{config({"max_request_body_mb: 1"})};
    // Announced by Content-Length: refused from the head alone.
    {
        const auto r = raw_exchange(baton.port(),
                                    "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                    "Content-Length: 2097152\r\n\r\n",
                                    5s);
        BOOST_TEST(r.data.starts_with("HTTP/1.1 413"), "got: " << r.data.substr(0, 200));
        const auto body_at = r.data.find("\r\n\r\n");
        BOOST_REQUIRE(body_at != std::string::npos);
        const auto body = json::parse(r.data.substr(body_at + 4));
        BOOST_TEST(body.at("error").as_object().contains("message"));
        BOOST_TEST(body.at("error").as_object().contains("code"));
    }
    // A client that sends the whole 1.5 MiB body still reads the 413. batond may answer and close before
    // the body is all sent (the rest of the send can then fail): what counts is the answer that comes back.
    {
        json::object big = chat_body("grp");
        big["messages"] = json::array{user_message(std::string(1536 * 1024, 'a'))};
        raw_connection conn{baton.port()};
        conn.send(http_request("POST", "/v1/chat/completions", json::serialize(big)), deadline_after(5s));
        const auto r = conn.read_until_close(deadline_after(5s));
        BOOST_TEST(r.closed_by_peer);
        BOOST_TEST(r.data.starts_with("HTTP/1.1 413"), "got: " << r.data.substr(0, 200));
    }
    BOOST_TEST(fake.calls().empty());
    http_client after{baton.port()};
    BOOST_TEST(after.post_json("/v1/chat/completions", chat_body("grp")).status == 200u);
}

BOOST_AUTO_TEST_CASE(slow_header_client_is_cut)
{
    baton_process baton{config({"header_read_timeout_seconds: 0.5", "idle_timeout_seconds: 30"})};
    raw_connection conn{baton.port()};
    const std::string head = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + std::string(100, 'p') +
                             "\r\nContent-Length: 2\r\n\r\n{}";
    const auto t0 = clock::now();
    std::size_t sent = 0;
    bool closed = false;
    while (sent < head.size() && clock::now() < t0 + 5s) {
        if (!conn.send(head.substr(sent, 1), deadline_after(1s))) {
            closed = true;
            break;
        }
        ++sent;
        // One byte per 50 ms (the whole head would take ~7 s), watching for batond's close meanwhile.
        if (conn.read_until_close(deadline_after(50ms)).closed_by_peer) {
            closed = true;
            break;
        }
    }
    const auto elapsed = clock::now() - t0;
    BOOST_TEST(closed);
    BOOST_TEST(sent < head.size());
    BOOST_TEST(seconds(elapsed) >= 0.4, "cut after " << seconds(elapsed) << " s");
    BOOST_TEST(seconds(elapsed) < 2.5, "cut after " << seconds(elapsed) << " s");
    http_client client{baton.port()};
    BOOST_TEST(client.get("/health/liveness").status == 200u);
}

BOOST_AUTO_TEST_CASE(idle_keep_alive_connection_is_closed)
{
    baton_process baton{config({"idle_timeout_seconds: 0.5"})};
    raw_connection conn{baton.port()};
    BOOST_REQUIRE(conn.send(http_request("GET", "/health/readiness"), deadline_after(2s)));
    std::string got;
    BOOST_REQUIRE(conn.read_until("\r\n\r\n", got, deadline_after(2s)));
    BOOST_TEST(got.starts_with("HTTP/1.1 200"));
    const auto t0 = clock::now();
    const auto r = conn.read_until_close(deadline_after(5s));
    const auto elapsed = clock::now() - t0;
    BOOST_TEST(r.closed_by_peer);
    BOOST_TEST(seconds(elapsed) >= 0.3, "closed after " << seconds(elapsed) << " s");
    BOOST_TEST(seconds(elapsed) < 2.5, "closed after " << seconds(elapsed) << " s");
}

BOOST_AUTO_TEST_CASE(garbage_bytes_get_400_or_close)
{
    baton_process baton{config()};
    static constexpr char tls_hello[] = "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03 not http\r\n\r\n";
    static constexpr char nuls[] = "\0\0\0\0\r\n\r\n";
    const std::vector<std::string> garbage{
        std::string(tls_hello, sizeof tls_hello - 1),
        "GARBAGE\r\n\r\n",
        "GET / HTTP/9.9 what\r\nno-colon-here\r\n\r\n",
        std::string(nuls, sizeof nuls - 1),
    };
    for (const auto& g : garbage) {
        BOOST_TEST_CONTEXT("garbage #" << (&g - garbage.data()))
        {
            const auto r = raw_exchange(baton.port(), g, 5s);
            BOOST_TEST(r.closed_by_peer);
            BOOST_TEST((r.data.empty() || r.data.starts_with("HTTP/1.1 400")), "got: " << r.data.substr(0, 200));
        }
    }
    BOOST_TEST(baton.process().running());
    http_client client{baton.port()};
    BOOST_TEST(client.post_json("/v1/chat/completions", chat_body("grp")).status == 200u);
}

BOOST_AUTO_TEST_CASE(max_connections_refuses_the_third)
{
    baton_process baton{config({"max_connections: 2"})};
    http_client a{baton.port()};
    http_client b{baton.port()};
    BOOST_REQUIRE_EQUAL(a.get("/health/liveness").status, 200u);
    BOOST_REQUIRE_EQUAL(b.get("/health/liveness").status, 200u);

    const auto third = raw_exchange(baton.port(), http_request("GET", "/health/liveness"), 3s);
    BOOST_TEST(third.closed_by_peer);
    BOOST_TEST(third.data.starts_with("HTTP/1.1 503"), "got: " << third.data.substr(0, 200));

    // The first two still work, on their own connections.
    BOOST_TEST(a.connected());
    BOOST_TEST(b.connected());
    BOOST_TEST(a.post_json("/v1/chat/completions", chat_body("grp")).status == 200u);
    BOOST_TEST(b.post_json("/v1/chat/completions", chat_body("grp")).status == 200u);

    // A slot frees up when one of them leaves (batond notices the close asynchronously: poll, bounded).
    a.close();
    bool accepted = false;
    const auto d = deadline_after(3s);
    while (!accepted && clock::now() < d) {
        const auto r = raw_exchange(baton.port(), http_request("GET", "/health/liveness", {}, "Connection: close\r\n"), 1s);
        accepted = r.data.starts_with("HTTP/1.1 200");
    }
    BOOST_TEST(accepted);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(lifecycle, fixture)

BOOST_AUTO_TEST_CASE(sigterm_drains_in_flight_stream_then_exits_0)
{
    install("dep", R"({"stream": {"chunks": 10, "interval_ms": 100}})");
    baton_process baton{config()};
    http_client client{baton.port()};
    const auto head = client.open_stream("/v1/chat/completions", chat_body("grp", true), deadline_after(5s));
    BOOST_REQUIRE_EQUAL(head.status, 200u);
    const auto first = client.next_event(deadline_after(5s));
    BOOST_REQUIRE_EQUAL(first.status, stream_status::event);

    const auto from = baton.log_size();
    baton.process().signal(SIGTERM);
    BOOST_REQUIRE(baton.wait_log("\"draining\"", deadline_after(3s), from));

    // New connections are refused once the listener is closed (the close is posted to each reactor).
    bool refused = false;
    const auto d = deadline_after(3s);
    while (!refused && clock::now() < d) {
        try {
            raw_connection probe{baton.port(), "127.0.0.1", 1s};
            probe.close();
        } catch (const boost::system::system_error&) {
            refused = true;
        }
    }
    BOOST_TEST(refused);

    // The in-flight stream completes.
    const auto rest = client.read_events(deadline_after(5s));
    BOOST_TEST(rest.final_status == stream_status::end);
    BOOST_REQUIRE(!rest.events.empty());
    BOOST_TEST(rest.events.back().is_done());
    std::string content = delta_content(first.event);
    for (const auto& e : rest.events) {
        if (!e.is_done()) content += delta_content(e);
    }
    BOOST_TEST(content == "dep-0 dep-1 dep-2 dep-3 dep-4 dep-5 dep-6 dep-7 dep-8 dep-9 ");

    const auto exit = baton.process().wait_exit(deadline_after(5s));
    BOOST_REQUIRE(exit.has_value());
    BOOST_TEST(exit->success(), "batond ended with " << to_string(*exit));
}

BOOST_AUTO_TEST_CASE(models_lists_groups_and_aliases)
{
    baton_process baton{config()};
    http_client client{baton.port()};
    const auto r = client.get("/v1/models");
    BOOST_REQUIRE_EQUAL(r.status, 200u);
    const auto v = r.json();
    BOOST_TEST(v.at("object").as_string() == "list");
    std::set<std::string> ids;
    for (const auto& m : v.at("data").as_array()) {
        BOOST_TEST(m.at("object").as_string() == "model");
        ids.emplace(m.at("id").as_string());
    }
    const std::set<std::string> want{"grp", "az", "dead", "both"};
    BOOST_TEST(ids == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(health_endpoints_answer_200_with_json)
{
    baton_process baton{config()};
    http_client client{baton.port()};
    for (const auto* path : {"/health/liveness", "/health/liveliness", "/health/readiness"}) {
        BOOST_TEST_CONTEXT(path)
        {
            const auto r = client.get(path);
            BOOST_TEST(r.status == 200u);
            BOOST_TEST(r.header("content-type").value_or("").starts_with("application/json"));
            BOOST_CHECK_NO_THROW(r.json());
        }
    }
    const auto ready = client.get("/health/readiness");
    BOOST_TEST(ready.json().at("status").as_string() == "ready");
}

BOOST_AUTO_TEST_CASE(two_reactor_threads_serve_requests)
{
    baton_process baton{config({"threads: 2"})};
    const auto listening = baton.wait_log("\"listening\"", deadline_after(1s));
    BOOST_REQUIRE(listening.has_value());
    BOOST_TEST(listening->find("\"reactors\":2") != std::string::npos, *listening);
    // Fresh connections each time, so that both SO_REUSEPORT acceptors get some.
    for (int i = 0; i < 10; ++i) {
        http_client c{baton.port()};
        const auto r = c.post_json("/v1/chat/completions", chat_body("grp"));
        BOOST_TEST(r.status == 200u);
    }
    BOOST_TEST(fake.calls("dep").size() == 10u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(command_line, fixture)

BOOST_AUTO_TEST_CASE(check_config_prints_deployments_with_keys_masked)
{
    temp_dir dir{"baton-check"};
    const auto path = dir.write_file("baton.yaml", config());
    child_process p{bin_path("batond"), {"--check-config", path.string()}};
    const auto exit = p.wait_exit(deadline_after(10s));
    BOOST_REQUIRE(exit.has_value());
    BOOST_TEST(exit->success(), to_string(*exit) << "\n" << p.read_stderr());
    const auto out = p.read_stdout();
    const auto err = p.read_stderr();
    BOOST_TEST(out.find("dep-1") != std::string::npos, out);
    BOOST_TEST(out.find("az-1") != std::string::npos, out);
    BOOST_TEST(out.find("dead-1") != std::string::npos, out);
    BOOST_TEST(out.find("openai/up-model") != std::string::npos, out);
    BOOST_TEST(out.find(upstream_key) == std::string::npos);
    BOOST_TEST(err.find(upstream_key) == std::string::npos);
    BOOST_TEST(out.find(azure_key) == std::string::npos);
    BOOST_TEST(err.find(azure_key) == std::string::npos);
    // The key is shown masked on the deployment's line, not left out.
    const auto line_at = out.find("dep-1");
    BOOST_REQUIRE(line_at != std::string::npos);
    const auto line = out.substr(line_at, out.find('\n', line_at) - line_at);
    BOOST_TEST(line.find("api_key=") != std::string::npos, line);
    BOOST_TEST(line.find("api_key=(none)") == std::string::npos, line);
}

BOOST_AUTO_TEST_CASE(check_config_reports_path_qualified_error)
{
    temp_dir dir{"baton-check"};
    const auto path = dir.write_file("bad.yaml",
                                     "model_list:\n"
                                     "  - model_name: grp\n"
                                     "    litellm_params:\n"
                                     "      model: openai/up-model\n"
                                     "      api_base: http://127.0.0.1:9/v1\n"
                                     "      weight: -1\n"
                                     "general_settings:\n"
                                     "  listen: 127.0.0.1:0\n");
    child_process p{bin_path("batond"), {"--check-config", path.string()}};
    const auto exit = p.wait_exit(deadline_after(10s));
    BOOST_REQUIRE(exit.has_value());
    BOOST_TEST(exit->exited);
    BOOST_TEST(exit->code == 1);
    const auto err = p.read_stderr();
    BOOST_TEST(err.find("model_list[0].litellm_params.weight: must be >= 0") != std::string::npos, err);
}

BOOST_AUTO_TEST_CASE(version_exits_0)
{
    child_process p{bin_path("batond"), {"--version"}};
    const auto exit = p.wait_exit(deadline_after(10s));
    BOOST_REQUIRE(exit.has_value());
    BOOST_TEST(exit->success());
    BOOST_TEST(p.read_stdout().starts_with("batond "), p.read_stdout());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(echo_provider)

namespace {

/// The shipped conf/baton.yaml with its listen address moved to an ephemeral port.
std::string shipped_config()
{
    auto text = read_file(source_dir() / "conf" / "baton.yaml");
    const std::string from = "listen: 127.0.0.1:4000";
    const auto at = text.find(from);
    BOOST_REQUIRE_MESSAGE(at != std::string::npos, "conf/baton.yaml has no '" << from << "'");
    text.replace(at, from.size(), "listen: 127.0.0.1:0");
    return text;
}

}  // namespace

BOOST_AUTO_TEST_CASE(shipped_config_serves_every_endpoint_with_echo)
{
    baton_process baton{shipped_config()};
    // A fresh connection per request: keep-alive has its own test (proxying/routed_requests_keep_...).
    std::optional<http_client> holder;
    auto fresh = [&]() -> http_client& { return holder.emplace(baton.port()); };

    json::object chat{{"model", "gpt-4o-mini"}, {"messages", json::array{user_message("hello echo world")}}};
    const auto c = fresh().post_json("/v1/chat/completions", chat);
    BOOST_TEST(c.status == 200u);
    BOOST_TEST(c.json().at("choices").at(0).at("message").at("content").as_string() == "hello echo world");
    BOOST_TEST(c.header("x-baton-resolved").value_or("<absent>") == "baton/echo");
    BOOST_TEST(c.header("x-baton-deployment-id").value_or("<absent>") == "gpt-4o-mini-echo");
    BOOST_TEST(c.header("x-baton-model-group").value_or("<absent>") == "gpt-4o-mini");

    // No model: default_model (the alias `fast`, whose chain starts with gpt-4o-mini).
    const auto d = fresh().post_json("/v1/chat/completions", json::object{{"messages", json::array{user_message("x")}}});
    BOOST_TEST(d.status == 200u);
    BOOST_TEST(d.header("x-baton-model-group").value_or("<absent>") == "gpt-4o-mini");

    json::object streamed = chat;
    streamed["model"] = "echo";
    streamed["stream"] = true;
    const auto head = fresh().open_stream("/v1/chat/completions", streamed, deadline_after(5s));
    BOOST_REQUIRE_EQUAL(head.status, 200u);
    BOOST_TEST(head.header("x-baton-resolved").value_or("<absent>") == "baton/echo");
    const auto s = holder->read_events(deadline_after(5s));
    BOOST_TEST(s.final_status == stream_status::end);
    BOOST_REQUIRE(!s.events.empty());
    BOOST_TEST(s.events.back().is_done());
    std::string content;
    for (const auto& e : s.events) {
        if (e.is_done()) continue;
        BOOST_TEST(!is_usage_chunk(e));
        content += delta_content(e);
    }
    BOOST_TEST(content == "hello echo world");

    streamed["stream_options"] = json::object{{"include_usage", true}};
    fresh().open_stream("/v1/chat/completions", streamed, deadline_after(5s));
    const auto su = holder->read_events(deadline_after(5s));
    BOOST_REQUIRE_GE(su.events.size(), 2u);
    BOOST_TEST(su.events.back().is_done());
    BOOST_TEST(is_usage_chunk(su.events[su.events.size() - 2]));

    const auto t = fresh().post_json("/v1/completions", json::object{{"model", "echo"}, {"prompt", "say this"}});
    BOOST_TEST(t.status == 200u);
    BOOST_TEST(t.json().at("object").as_string() == "text_completion");
    BOOST_TEST(t.json().at("choices").at(0).at("text").as_string() == "say this");

    const auto e = fresh().post_json("/v1/embeddings", json::object{{"model", "echo"}, {"input", json::array{"a", "b"}}});
    BOOST_TEST(e.status == 200u);
    const auto embeddings = e.json();
    const auto& data = embeddings.at("data").as_array();
    BOOST_REQUIRE_EQUAL(data.size(), 2u);
    BOOST_TEST(!data[0].at("embedding").as_array().empty());
    BOOST_TEST(data[1].at("index").to_number<std::int64_t>() == 1);

    const auto models = fresh().get("/v1/models");
    BOOST_REQUIRE_EQUAL(models.status, 200u);
    std::set<std::string> ids;
    const auto listed = models.json();
    for (const auto& m : listed.at("data").as_array()) ids.emplace(m.at("id").as_string());
    const std::set<std::string> want{"echo", "gpt-4o-mini", "gpt-4o", "fast"};
    BOOST_TEST(ids == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

constexpr std::string_view client_key = "ck-basics-team-a-5150";

/// The fixture's config plus one client key (no master key): every routed request must then carry a key.
std::string config_with_client_key(const fixture& f)
{
    return f.config() + "keys:\n  - name: team-a\n    key: " + std::string(client_key) + "\n";
}

/// A response read off a raw connection, split at its blank line.
struct raw_response {
    std::string head;  ///< status line and headers, without the blank line
    std::string body;  ///< every byte after the blank line
};

raw_response split_at_blank_line(std::string_view data)
{
    const auto at = data.find("\r\n\r\n");
    BOOST_REQUIRE_MESSAGE(at != std::string_view::npos, "no complete head in: " << data.substr(0, 300));
    return {std::string(data.substr(0, at)), std::string(data.substr(at + 4))};
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(client_keys, fixture)

BOOST_AUTO_TEST_CASE(client_key_is_accepted_in_each_header_whatever_the_name_case)
{
    baton_process baton{config_with_client_key(*this)};
    const std::string key{client_key};
    // Without a key the same request is refused: the 200s below are the key's doing.
    {
        http_client client{baton.port()};
        check_openai_error(client.post_json("/v1/chat/completions", chat_body("grp")), 401, "invalid_api_key");
        BOOST_TEST(fake.calls().empty());
    }
    const std::vector<std::pair<std::string, std::string>> presentations{
        {"Authorization", "Bearer " + key},
        {"authorization", "bearer " + key},
        {"AUTHORIZATION", "BEARER " + key},
        {"api-key", key},
        {"Api-Key", key},
        {"API-KEY", key},
        {"x-api-key", key},
        {"X-Api-Key", key},
        {"X-API-KEY", key},
    };
    std::size_t served = 0;
    for (const auto& [name, value] : presentations) {
        BOOST_TEST_CONTEXT(name << ": " << value)
        {
            http_client client{baton.port()};
            const auto r = client.post_json("/v1/chat/completions", chat_body("grp"), {{name, value}});
            BOOST_TEST(r.status == 200u);
            if (r.status == 200u) {
                ++served;
                BOOST_TEST(r.json().at("choices").at(0).at("message").at("content").as_string() == "ok from dep");
                check_routing_headers(r);
            }
        }
    }
    // Every accepted request reached the upstream with the deployment's key, never the client's.
    const auto calls = fake.calls("dep");
    BOOST_TEST(calls.size() == served);
    for (const auto& call : calls) {
        const auto& headers = call.at("headers").as_object();
        BOOST_TEST(headers.at("authorization").as_string() == "Bearer " + std::string(upstream_key));
        BOOST_TEST(!headers.contains("api-key"));
        BOOST_TEST(!headers.contains("x-api-key"));
        BOOST_TEST(json::serialize(call).find(key) == std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(wrong_key_in_each_header_gets_401_invalid_api_key)
{
    baton_process baton{config_with_client_key(*this)};
    // One character off the configured key.
    const std::string wrong = std::string(client_key.substr(0, client_key.size() - 1)) + "1";
    BOOST_REQUIRE(wrong != client_key);
    const std::vector<std::pair<std::string, std::string>> presentations{
        {"Authorization", "Bearer " + wrong},
        {"api-key", wrong},
        {"x-api-key", wrong},
        {"X-Api-Key", wrong},
    };
    for (const auto& [name, value] : presentations) {
        BOOST_TEST_CONTEXT(name << ": " << value)
        {
            http_client client{baton.port()};
            const auto r = client.post_json("/v1/chat/completions", chat_body("grp"), {{name, value}});
            check_openai_error(r, 401, "invalid_api_key");
            if (r.status == 401u) {
                const auto v = r.json();
                const auto& err = v.at("error").as_object();
                BOOST_TEST(err.at("message") == json::value("invalid API key"));
                BOOST_TEST(err.at("type") == json::value("invalid_request_error"));
                BOOST_TEST(r.body.find(wrong) == std::string::npos);
            }
        }
    }
    BOOST_TEST(fake.calls().empty());
    // The right key still works on the same daemon.
    http_client client{baton.port()};
    BOOST_TEST(client.post_json("/v1/chat/completions", chat_body("grp"), {{"x-api-key", std::string(client_key)}})
                   .status == 200u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(downstream_http, fixture)

BOOST_AUTO_TEST_CASE(expect_100_continue_gets_continue_before_the_body_is_sent)
{
    install("dep", R"({"content": "continued-answer"})");
    baton_process baton{config({"max_request_body_mb: 1"})};
    const std::string body = json::serialize(chat_body("grp"));
    const std::string head = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             "Content-Type: application/json\r\nContent-Length: " +
                             std::to_string(body.size()) + "\r\nExpect: 100-continue\r\n\r\n";
    {
        raw_connection conn{baton.port()};
        BOOST_REQUIRE(conn.send(head, deadline_after(2s)));
        // Only the head is out: the interim response must come before any body byte is sent.
        std::string got;
        BOOST_REQUIRE_MESSAGE(conn.read_until("\r\n\r\n", got, deadline_after(5s)), "got: " << got);
        BOOST_TEST(got == "HTTP/1.1 100 Continue\r\n\r\n");
        BOOST_TEST(fake.calls().empty());

        BOOST_REQUIRE(conn.send(body, deadline_after(2s)));
        BOOST_REQUIRE_MESSAGE(conn.read_until("continued-answer", got, deadline_after(5s)), "got: " << got);
        const std::string_view interim = "HTTP/1.1 100 Continue\r\n\r\n";
        BOOST_REQUIRE(got.starts_with(interim));
        const auto final_response = split_at_blank_line(std::string_view(got).substr(interim.size()));
        BOOST_TEST(final_response.head.starts_with("HTTP/1.1 200 OK\r\n"), "head: " << final_response.head);
        // One interim response only.
        BOOST_TEST(got.find("100 Continue", interim.size()) == std::string::npos);

        const auto calls = fake.calls("dep");
        BOOST_REQUIRE_EQUAL(calls.size(), 1u);
        BOOST_TEST(calls[0].at("json").at("messages") == chat_body("grp").at("messages"));
    }
    // A body announced over the limit is refused from the head: 413 and no 100 Continue (the client
    // never has to send it).
    {
        raw_connection conn{baton.port()};
        BOOST_REQUIRE(conn.send("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                "Content-Type: application/json\r\nContent-Length: 2097152\r\n"
                                "Expect: 100-continue\r\n\r\n",
                                deadline_after(2s)));
        const auto r = conn.read_until_close(deadline_after(5s));
        BOOST_TEST(r.closed_by_peer);
        BOOST_TEST(r.data.starts_with("HTTP/1.1 413 "), "got: " << r.data.substr(0, 200));
        BOOST_TEST(r.data.find("100 Continue") == std::string::npos);
    }
    BOOST_TEST(fake.calls("dep").size() == 1u);
}

BOOST_AUTO_TEST_CASE(connection_close_request_gets_its_response_then_eof)
{
    // idle_timeout_seconds is 60 s by default: a close within the 5 s below is the Connection: close.
    install("dep", R"({"steps": [{"content": "closing-answer"}, {"stream": {"pieces": ["streamed-closing"]}}]})");
    baton_process baton{config()};
    {
        BOOST_TEST_CONTEXT("non-streamed")
        {
            raw_connection conn{baton.port()};
            BOOST_REQUIRE(conn.send(http_request("POST", "/v1/chat/completions", json::serialize(chat_body("grp")),
                                                 "Connection: close\r\n"),
                                    deadline_after(2s)));
            const auto r = conn.read_until_close(deadline_after(5s));
            BOOST_TEST(r.closed_by_peer, "connection still open after: " << r.data);
            BOOST_TEST_MESSAGE("non-streamed response to Connection: close:\n" << r.data);
            const auto res = split_at_blank_line(r.data);
            BOOST_TEST(res.head.starts_with("HTTP/1.1 200 OK\r\n"), "head: " << res.head);
            // RFC 9112 §9.6: the response says it closes.
            BOOST_TEST(res.head.find("\r\nConnection: close\r\n") != std::string::npos, "head: " << res.head);
            // The whole body, and nothing after it.
            const std::regex length_re{R"(\r\nContent-Length: ([0-9]+)(\r\n|$))", std::regex::icase};
            std::smatch m;
            BOOST_REQUIRE_MESSAGE(std::regex_search(res.head, m, length_re), "head: " << res.head);
            BOOST_TEST(res.body.size() == std::stoul(m[1].str()));
            json::value v;
            BOOST_REQUIRE_NO_THROW(v = json::parse(res.body));
            BOOST_TEST(v.at("choices").at(0).at("message").at("content").as_string() == "closing-answer");
        }
    }
    {
        BOOST_TEST_CONTEXT("streamed")
        {
            raw_connection conn{baton.port()};
            BOOST_REQUIRE(conn.send(http_request("POST", "/v1/chat/completions",
                                                 json::serialize(chat_body("grp", true)), "Connection: close\r\n"),
                                    deadline_after(2s)));
            const auto r = conn.read_until_close(deadline_after(5s));
            BOOST_TEST(r.closed_by_peer, "connection still open after: " << r.data);
            const auto res = split_at_blank_line(r.data);
            BOOST_TEST(res.head.starts_with("HTTP/1.1 200 OK\r\n"), "head: " << res.head);
            BOOST_TEST(res.head.find("\r\nConnection: close\r\n") != std::string::npos, "head: " << res.head);
            BOOST_TEST(res.body.find("streamed-closing") != std::string::npos);
            BOOST_TEST(res.body.find("data: [DONE]") != std::string::npos);
            BOOST_TEST(res.body.ends_with("\r\n0\r\n\r\n"), "body ends: " << res.body.substr(res.body.size() - std::min<std::size_t>(res.body.size(), 40)));
        }
    }
    BOOST_TEST(fake.calls("dep").size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
