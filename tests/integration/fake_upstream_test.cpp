// The scripted fake upstream, driven through the integration-test harness (tests/support/).
#define BOOST_TEST_MODULE fake_upstream_tests
#include <boost/test/unit_test.hpp>

#include "support/harness.hpp"

#include <boost/json.hpp>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <string>
#include <utility>

namespace json = boost::json;
using namespace std::chrono_literals;
using namespace baton::test;

namespace {

// Straight to the fake, whose deployments answer any model: the model only has to be there.
json::value chat(std::string_view model = "gpt-test", bool stream = false, bool include_usage = false)
{
    return chat_body(model, stream, include_usage);
}

struct fake_fixture {
    fake_upstream_process fake;
    http_client client{fake.port()};

    // Opens a chat stream on deployment `name` and checks the head is an SSE 200.
    void open_chat_stream(std::string_view name, bool include_usage = false)
    {
        const auto head = client.open_stream("/" + std::string(name) + "/v1/chat/completions",
                                             chat("gpt-test", true, include_usage), deadline_after(5s));
        BOOST_REQUIRE_EQUAL(head.status, 200u);
        BOOST_TEST(head.header("content-type").value_or("") == "text/event-stream");
        BOOST_TEST(head.header("transfer-encoding").value_or("") == "chunked");
    }

    std::string content_of(const sse_event& e)
    {
        return std::string(e.json().at("choices").at(0).at("delta").at("content").as_string());
    }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(fake_upstream, fake_fixture)

BOOST_AUTO_TEST_CASE(default_chat_completion_echoes_model_and_usage)
{
    const auto r = client.post_json("/a/v1/chat/completions", chat("my-model"));
    BOOST_REQUIRE_EQUAL(r.status, 200u);
    const auto body = r.json();
    BOOST_TEST(body.at("object").as_string() == "chat.completion");
    BOOST_TEST(body.at("model").as_string() == "my-model");
    BOOST_TEST(body.at("choices").at(0).at("message").at("content").as_string() == "ok from a");
    BOOST_TEST(body.at("choices").at(0).at("finish_reason").as_string() == "stop");
    BOOST_TEST(body.at("usage").at("prompt_tokens").as_int64() == 5);
    BOOST_TEST(body.at("usage").at("completion_tokens").as_int64() == 7);
    BOOST_TEST(body.at("usage").at("total_tokens").as_int64() == 12);
}

BOOST_AUTO_TEST_CASE(v1_paths_belong_to_default_and_other_endpoints_have_shapes)
{
    const auto chat_r = client.post_json("/v1/chat/completions", chat());
    BOOST_TEST(chat_r.json().at("choices").at(0).at("message").at("content").as_string() ==
               "ok from default");

    const auto text =
        client.post_json("/b/v1/completions", json::object{{"model", "m"}, {"prompt", "x"}}).json();
    BOOST_TEST(text.at("object").as_string() == "text_completion");
    BOOST_TEST(text.at("choices").at(0).at("text").as_string() == "ok from b");

    const auto emb =
        client.post_json("/b/v1/embeddings", json::object{{"model", "e"}, {"input", {"x", "y"}}}).json();
    BOOST_TEST(emb.at("object").as_string() == "list");
    BOOST_TEST_REQUIRE(emb.at("data").as_array().size() == 2u);
    BOOST_TEST(emb.at("data").at(1).at("index").as_int64() == 1);
    BOOST_TEST(emb.at("data").at(1).at("embedding").as_array().size() == 4u);

    const auto models = client.get("/b/v1/models");
    BOOST_REQUIRE_EQUAL(models.status, 200u);
    BOOST_TEST(models.json().at("data").at(0).at("id").as_string() == "b");

    BOOST_TEST(fake.calls("default").size() == 1u);
    BOOST_TEST(fake.calls("b").size() == 3u);
    BOOST_TEST(fake.calls().size() == 4u);
}

BOOST_AUTO_TEST_CASE(status_and_error_scripts)
{
    fake.set_script("a", json::parse(R"({"status": 429, "headers": {"retry-after": "7"},
                                          "error": {"message": "slow down", "type": "rate_limit_error",
                                                    "code": "rate_limit_exceeded"}})"));
    const auto r = client.post_json("/a/v1/chat/completions", chat());
    BOOST_TEST(r.status == 429u);
    BOOST_TEST(r.header("retry-after").value_or("") == "7");
    const auto e = r.json().at("error");
    BOOST_TEST(e.at("message").as_string() == "slow down");
    BOOST_TEST(e.at("type").as_string() == "rate_limit_error");
    BOOST_TEST(e.at("code").as_string() == "rate_limit_exceeded");
    BOOST_TEST(e.at("param").is_null());

    fake.set_script("b", json::parse(R"({"error": {"message": "boom"}})"));
    const auto b = client.post_json("/b/v1/chat/completions", chat());
    BOOST_TEST(b.status == 500u);
    BOOST_TEST(b.json().at("error").at("message").as_string() == "boom");

    fake.set_script("c", json::parse(R"({"status": 503})"));
    const auto c = client.post_json("/c/v1/chat/completions", chat());
    BOOST_TEST(c.status == 503u);
    BOOST_TEST(c.json().at("error").at("type").as_string() == "server_error");

    fake.set_script("d", json::parse(
                             R"({"status": 400, "body": {"error": {"code": "context_length_exceeded"}}})"));
    const auto d = client.post_json("/d/v1/chat/completions", chat());
    BOOST_TEST(d.status == 400u);
    BOOST_TEST(d.body == R"({"error":{"code":"context_length_exceeded"}})");
}

BOOST_AUTO_TEST_CASE(steps_then_sequence)
{
    fake.set_script("a", json::parse(R"({"steps": [{"status": 500}, {"status": 502}, {"content": "second"}],
                                          "then": {"content": "later"}})"));
    std::vector<unsigned> statuses;
    std::vector<std::string> contents;
    for (int i = 0; i < 5; ++i) {
        const auto r = client.post_json("/a/v1/chat/completions", chat());
        statuses.push_back(r.status);
        if (r.status == 200)
            contents.emplace_back(r.json().at("choices").at(0).at("message").at("content").as_string());
    }
    const std::vector<unsigned> want_status{500, 502, 200, 200, 200};
    const std::vector<std::string> want_content{"second", "later", "later"};
    BOOST_TEST(statuses == want_status, boost::test_tools::per_element());
    BOOST_TEST(contents == want_content, boost::test_tools::per_element());

    // Steps without "then": a plain success afterwards. Re-installing restarts the steps.
    fake.set_script("a", json::parse(R"({"steps": [{"status": 401}]})"));
    BOOST_TEST(client.post_json("/a/v1/chat/completions", chat()).status == 401u);
    BOOST_TEST(client.post_json("/a/v1/chat/completions", chat()).status == 200u);
}

BOOST_AUTO_TEST_CASE(recorded_calls_have_headers_body_and_order)
{
    const std::string body = R"({"model":"m","messages":[],"x":1})";
    client.request("POST", "/a/v1/chat/completions", body,
                   {{"Authorization", "Bearer sk-upstream"}, {"X-Custom", "yes"}});
    client.request("POST", "/b/v1/chat/completions", "not json at all", {{"Content-Type", "text/plain"}});
    client.post_json("/a/v1/chat/completions", chat());

    const auto all = fake.calls();
    BOOST_TEST_REQUIRE(all.size() == 3u);
    const auto a = fake.calls("a");
    BOOST_TEST_REQUIRE(a.size() == 2u);
    const auto& first = a.at(0).as_object();
    BOOST_TEST(first.at("seq").as_int64() == 0);
    BOOST_TEST(first.at("index").as_int64() == 0);
    BOOST_TEST(first.at("name").as_string() == "a");
    BOOST_TEST(first.at("method").as_string() == "POST");
    BOOST_TEST(first.at("path").as_string() == "/a/v1/chat/completions");
    BOOST_TEST(first.at("headers").at("authorization").as_string() == "Bearer sk-upstream");
    BOOST_TEST(first.at("headers").at("x-custom").as_string() == "yes");
    BOOST_TEST(first.at("body").as_string() == body);
    BOOST_TEST(first.at("json").at("x").as_int64() == 1);
    BOOST_TEST(first.at("completed").as_bool());
    BOOST_TEST(!first.at("client_closed").as_bool());
    BOOST_TEST(a.at(1).at("seq").as_int64() == 2);
    BOOST_TEST(a.at(1).at("index").as_int64() == 1);
    // All three came on the client's one keep-alive connection.
    BOOST_TEST(a.at(1).at("connection") == first.at("connection"));

    const auto b = fake.calls("b");
    const auto& bad = b.at(0).as_object();
    BOOST_TEST(bad.at("json").is_null());
    BOOST_TEST(bad.at("body").as_string() == "not json at all");

    fake.clear_calls();
    BOOST_TEST(fake.calls().empty());
    client.post_json("/a/v1/chat/completions", chat());
    BOOST_TEST(fake.calls("a").at(0).at("index").as_int64() == 0);
}

BOOST_AUTO_TEST_CASE(default_stream_shape)
{
    open_chat_stream("s");
    const auto r = client.read_events(deadline_after(5s));
    BOOST_TEST(r.final_status == stream_status::end);
    BOOST_TEST_REQUIRE(r.events.size() == 6u);  // role, 3 content, finish, [DONE]

    const auto role = r.events[0].json();
    BOOST_TEST(role.at("object").as_string() == "chat.completion.chunk");
    BOOST_TEST(role.at("model").as_string() == "gpt-test");
    BOOST_TEST(role.at("choices").at(0).at("delta").at("role").as_string() == "assistant");
    BOOST_TEST(role.at("choices").at(0).at("finish_reason").is_null());
    for (int i = 0; i < 3; ++i)
        BOOST_TEST(content_of(r.events[static_cast<std::size_t>(i + 1)]) == "s-" + std::to_string(i) + " ");
    BOOST_TEST(r.events[4].json().at("choices").at(0).at("finish_reason").as_string() == "stop");
    BOOST_TEST(r.events[5].is_done());
    BOOST_TEST(r.events[5].raw == "data: [DONE]");
    for (std::size_t i = 0; i + 1 < r.events.size(); ++i)
        BOOST_TEST(!r.events[i].json().as_object().contains("usage"));

    BOOST_TEST_REQUIRE(fake.wait_calls("s", 1, 5000ms));
    BOOST_TEST(fake.calls("s").at(0).at("completed").as_bool());
    // The connection is reusable after a complete stream.
    BOOST_TEST(client.post_json("/s/v1/chat/completions", chat()).status == 200u);
}

BOOST_AUTO_TEST_CASE(usage_chunk_only_with_include_usage)
{
    fake.set_script("u", json::parse(R"({"stream": {"pieces": ["Hel", "lo"]}})"));
    open_chat_stream("u", true);
    const auto r = client.read_events(deadline_after(5s));
    BOOST_TEST_REQUIRE(r.events.size() == 6u);  // role, 2 content, finish, usage, [DONE]
    BOOST_TEST(content_of(r.events[1]) == "Hel");
    BOOST_TEST(content_of(r.events[2]) == "lo");
    const auto usage = r.events[4].json();
    BOOST_TEST(usage.at("choices").as_array().empty());
    BOOST_TEST(usage.at("usage").at("prompt_tokens").as_int64() == 5);
    BOOST_TEST(usage.at("usage").at("completion_tokens").as_int64() == 2);
    BOOST_TEST(usage.at("usage").at("total_tokens").as_int64() == 7);
    BOOST_TEST(r.events[5].is_done());
}

BOOST_AUTO_TEST_CASE(text_completion_stream)
{
    const auto head = client.open_stream("/t/v1/completions",
                                         json::object{{"model", "m"}, {"prompt", "p"}, {"stream", true}},
                                         deadline_after(5s));
    BOOST_REQUIRE_EQUAL(head.status, 200u);
    const auto r = client.read_events(deadline_after(5s));
    BOOST_TEST_REQUIRE(r.events.size() == 5u);  // 3 content, finish, [DONE]: no role chunk
    BOOST_TEST(r.events[0].json().at("object").as_string() == "text_completion");
    BOOST_TEST(r.events[0].json().at("choices").at(0).at("text").as_string() == "t-0 ");
}

BOOST_AUTO_TEST_CASE(cut_after_truncates_the_body)
{
    fake.set_script("c", json::parse(R"({"stream": {"chunks": 5, "cut_after": 2}})"));
    open_chat_stream("c");
    const auto r = client.read_events(deadline_after(5s));
    BOOST_TEST(r.final_status == stream_status::error);
    BOOST_TEST_REQUIRE(r.events.size() == 3u);  // role + 2 content
    BOOST_TEST(content_of(r.events[2]) == "c-1 ");
    BOOST_TEST_REQUIRE(fake.wait_calls("c", 1));
    const auto call = fake.calls("c").at(0);
    BOOST_TEST(!call.at("completed").as_bool());
    BOOST_TEST(!call.at("client_closed").as_bool());
}

BOOST_AUTO_TEST_CASE(error_after_sends_in_band_error_and_ends)
{
    fake.set_script("e", json::parse(R"({"stream": {"error_after": 1}})"));
    open_chat_stream("e");
    const auto r = client.read_events(deadline_after(5s));
    BOOST_TEST(r.final_status == stream_status::end);
    BOOST_TEST_REQUIRE(r.events.size() == 3u);  // role, 1 content, error
    const auto err = r.events[2].json();
    BOOST_TEST(err.at("error").at("message").as_string() == "upstream exploded");
    BOOST_TEST(err.at("error").at("code").as_string() == "internal");
}

BOOST_AUTO_TEST_CASE(eof_after_no_done_and_garbage_after)
{
    fake.set_script("eof", json::parse(R"({"stream": {"eof_after": 2}})"));
    open_chat_stream("eof");
    auto r = client.read_events(deadline_after(5s));
    BOOST_TEST(r.final_status == stream_status::end);
    BOOST_TEST(r.events.size() == 3u);  // role + 2 content, no finish, no [DONE]

    fake.set_script("nd", json::parse(R"({"stream": {"no_done": true}})"));
    open_chat_stream("nd");
    r = client.read_events(deadline_after(5s));
    BOOST_TEST_REQUIRE(r.events.size() == 5u);
    BOOST_TEST(r.events[4].json().at("choices").at(0).at("finish_reason").as_string() == "stop");

    fake.set_script("g", json::parse(R"({"stream": {"chunks": 2, "garbage_after": 1}})"));
    open_chat_stream("g");
    r = client.read_events(deadline_after(5s));
    BOOST_TEST_REQUIRE(r.events.size() == 6u);  // role, content, garbage, content, finish, [DONE]
    BOOST_TEST(r.events[2].data == "{not json");
    BOOST_TEST(content_of(r.events[3]) == "g-1 ");
    BOOST_TEST(r.events[5].is_done());
}

BOOST_AUTO_TEST_CASE(stall_then_client_close_is_recorded)
{
    fake.set_script("st", json::parse(R"({"stream": {"stall_after": 1}})"));
    open_chat_stream("st");
    BOOST_TEST(client.next_event(deadline_after(5s)).status == stream_status::event);  // role
    BOOST_TEST(client.next_event(deadline_after(5s)).status == stream_status::event);  // st-0
    BOOST_TEST(client.next_event(deadline_after(200ms)).status == stream_status::timeout);
    client.close();
    BOOST_TEST_REQUIRE(fake.wait_closed("st", 1, 5000ms));
    const auto call = fake.calls("st").at(0);
    BOOST_TEST(call.at("client_closed").as_bool());
    BOOST_TEST(!call.at("completed").as_bool());
}

BOOST_AUTO_TEST_CASE(hang_keeps_the_socket_until_the_peer_closes)
{
    fake.set_script("h", json::parse(R"({"hang": true})"));
    raw_connection c(fake.port());
    const std::string body = json::serialize(chat());
    BOOST_TEST_REQUIRE(c.send("POST /h/v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                  std::to_string(body.size()) + "\r\n\r\n" + body,
                              deadline_after(5s)));
    BOOST_TEST_REQUIRE(fake.wait_calls("h", 1));
    std::string got;
    BOOST_TEST(!c.read_until("HTTP/1.1", got, deadline_after(200ms)));  // nothing comes back
    BOOST_TEST(got.empty());
    BOOST_TEST(!fake.calls("h").at(0).at("client_closed").as_bool());
    c.close();
    BOOST_TEST_REQUIRE(fake.wait_closed("h", 1, 5000ms));
    BOOST_TEST(!fake.calls("h").at(0).at("completed").as_bool());
}

BOOST_AUTO_TEST_CASE(delay_and_interval_pace_the_stream)
{
    fake.set_script("p", json::parse(R"({"delay_ms": 150, "stream": {"chunks": 2, "first_delay_ms": 100,
                                                                     "interval_ms": 80}})"));
    // Lower bounds from the moment the request was sent: the fake waits at least that long before each
    // write, whatever the scheduling jitter on either side.
    const auto start = clock::now();
    open_chat_stream("p");
    BOOST_TEST((clock::now() - start) >= 150ms);
    const auto r = client.read_events(deadline_after(5s));
    BOOST_TEST_REQUIRE(r.events.size() == 5u);  // role, 2 content, finish, [DONE]
    for (std::size_t i = 0; i < r.events.size(); ++i)
        BOOST_TEST((r.events[i].arrived - start) >= 150ms + 100ms + static_cast<int>(i) * 80ms,
                   "event " << i);
    // Flushed one by one, not in one batch at the end (4 intervals apart; a wide margin for a busy machine).
    BOOST_TEST((r.events[4].arrived - r.events[0].arrived) >= 80ms);
}

BOOST_AUTO_TEST_CASE(garbage_and_close_scripts)
{
    fake.set_script("g", json::parse(R"({"garbage": true})"));
    const auto g = client.post_json("/g/v1/chat/completions", chat());
    BOOST_TEST(g.status == 200u);
    BOOST_TEST(g.body == "this is not json{{");

    fake.set_script("x", json::parse(R"({"close": true})"));
    BOOST_CHECK_THROW(client.post_json("/x/v1/chat/completions", chat(), {}, 5s), std::exception);
    BOOST_TEST_REQUIRE(fake.wait_calls("x", 1));
    BOOST_TEST(!fake.calls("x").at(0).at("completed").as_bool());
    // The client reconnects for the next request.
    BOOST_TEST(client.post_json("/g/v1/chat/completions", chat()).status == 200u);
}

BOOST_AUTO_TEST_CASE(wait_times_out_with_408_and_reset_forgets_everything)
{
    BOOST_TEST(!fake.wait_calls("nobody", 1, 100ms));
    fake.set_script("a", json::parse(R"({"status": 500})"));
    client.post_json("/a/v1/chat/completions", chat());
    BOOST_TEST(fake.wait_calls("a", 1, 100ms));
    fake.reset();
    BOOST_TEST(fake.calls().empty());
    BOOST_TEST(client.post_json("/a/v1/chat/completions", chat()).status == 200u);
    BOOST_TEST(fake.calls().at(0).at("index").as_int64() == 0);
}

BOOST_AUTO_TEST_CASE(wait_answers_as_soon_as_the_count_is_reached)
{
    // Whether the long poll registers before or after the calls arrive, it must answer 200 long before its
    // own timeout.
    auto waiter = std::async(std::launch::async, [port = fake.port()] {
        http_client c(port);
        const auto start = clock::now();
        const auto r = c.get("/_control/wait?name=late&count=2&timeout_ms=20000", {}, 30s);
        return std::pair{r.status, clock::now() - start};
    });
    client.post_json("/late/v1/chat/completions", chat());
    client.post_json("/late/v1/chat/completions", chat());
    const auto [status, took] = waiter.get();
    BOOST_TEST(status == 200u);
    BOOST_TEST(took < 10s);
}

// Model-like answers (issue #10): one deterministic answer, continued only from a prefill.
BOOST_AUTO_TEST_CASE(model_mode_continues_a_prefill_and_restarts_otherwise)
{
    fake.set_script("m", json::parse(R"({"model": {"words": 5}})"));
    auto stream = [&](json::array messages) {
        const auto head = client.open_stream("/m/v1/chat/completions",
                                             json::object{{"model", "x"},
                                                          {"messages", std::move(messages)},
                                                          {"stream", true}},
                                             deadline_after(5s));
        BOOST_REQUIRE_EQUAL(head.status, 200u);
        std::string text;
        for (const auto& piece : content_pieces(client.read_events(deadline_after(5s)).events)) text += piece;
        return text;
    };
    const json::object user{{"role", "user"}, {"content", "count"}};
    BOOST_TEST(stream({user}) == "word1 word2 word3 word4 word5");
    // A prefill of the answer's beginning is continued, mid-word too.
    BOOST_TEST(stream({user, json::object{{"role", "assistant"}, {"content", "word1 word2 "}}}) ==
               "word3 word4 word5");
    BOOST_TEST(stream({user, json::object{{"role", "assistant"}, {"content", "word1 wo"}}}) ==
               "rd2 word3 word4 word5");
    // Anthropic-style text blocks are a prefill too.
    BOOST_TEST(stream({user, json::object{{"role", "assistant"},
                                          {"content", json::array{json::object{{"type", "text"},
                                                                               {"text", "word1 "}}}}}}) ==
               "word2 word3 word4 word5");
    // A trailing user turn (an instruction to continue), or a prefill that is not the answer: from the start.
    BOOST_TEST(stream({user, json::object{{"role", "assistant"}, {"content", "word1 "}},
                       json::object{{"role", "user"}, {"content", "go on"}}}) ==
               "word1 word2 word3 word4 word5");
    BOOST_TEST(stream({user, json::object{{"role", "assistant"}, {"content", "something else"}}}) ==
               "word1 word2 word3 word4 word5");
    // Cut-offs count this call's words.
    fake.set_script("m", json::parse(R"({"model": {"words": 5}, "stream": {"cut_after": 1}})"));
    BOOST_TEST(stream({user, json::object{{"role", "assistant"}, {"content", "word1 word2 "}}}) == "word3 ");
    // Not streamed: the whole text.
    fake.set_script("m", json::parse(R"({"model": {"words": 3}})"));
    const auto r = client.post_json("/m/v1/chat/completions", chat());
    BOOST_TEST(r.json().at("choices").at(0).at("message").at("content").as_string() == "word1 word2 word3");
}

BOOST_AUTO_TEST_CASE(model_mode_may_refuse_a_prefill_with_a_400)
{
    fake.set_script("r", json::parse(R"({"model": {"words": 3, "reject_prefill": true}})"));
    const json::object user{{"role", "user"}, {"content", "count"}};
    const auto refused =
        client.post_json("/r/v1/chat/completions",
                         json::object{{"model", "x"},
                                      {"messages", json::array{user, json::object{{"role", "assistant"},
                                                                                  {"content", "word1 "}}}},
                                      {"stream", true}});
    BOOST_TEST(refused.status == 400u);
    BOOST_TEST(refused.json().at("error").at("type").as_string() == "invalid_request_error");
    BOOST_TEST(std::string(refused.json().at("error").at("message").as_string()).find("prefill") !=
               std::string::npos);
    const auto fine = client.post_json("/r/v1/chat/completions", chat());
    BOOST_TEST(fine.status == 200u);
}

BOOST_AUTO_TEST_CASE(drip_writes_one_byte_at_a_time)
{
    fake.set_script("d", json::parse(R"({"stream": {"pieces": ["x"], "drip_ms": 5}})"));
    open_chat_stream("d");
    const auto t0 = clock::now();
    const auto r = client.read_events(deadline_after(20s));
    BOOST_TEST(r.final_status == stream_status::end);
    BOOST_TEST_REQUIRE(r.events.size() == 4u);  // role, "x", finish, [DONE]
    BOOST_TEST(content_of(r.events[1]) == "x");
    // Hundreds of bytes, 5 ms apart: well over a second.
    BOOST_TEST((clock::now() - t0 > 1s));
}

BOOST_AUTO_TEST_CASE(endless_after_never_ends_its_event_until_the_peer_closes)
{
    fake.set_script("big", json::parse(R"({"stream": {"pieces": ["a", "b"], "endless_after": 1}})"));
    open_chat_stream("big");
    const auto first = client.next_event(deadline_after(5s));  // role
    BOOST_TEST_REQUIRE(first.status == stream_status::event);
    const auto second = client.next_event(deadline_after(5s));
    BOOST_TEST_REQUIRE(second.status == stream_status::event);
    BOOST_TEST(content_of(second.event) == "a");
    // Then bytes keep coming and no event ends: reading for a while gives none.
    const auto none = client.next_event(deadline_after(300ms));
    BOOST_TEST(none.status == stream_status::timeout);
    client.close();
    BOOST_TEST(fake.wait_closed("big", 1, 5000ms));
}

BOOST_AUTO_TEST_CASE(bad_scripts_are_rejected)
{
    BOOST_CHECK_THROW(fake.set_script("a", json::parse(R"({"stauts": 500})")), std::runtime_error);
    BOOST_CHECK_THROW(fake.set_script("a", json::parse(R"({"stream": {"cut_after": -1}})")),
                      std::runtime_error);
    BOOST_CHECK_THROW(fake.set_script("a", json::parse(R"({"model": {"words": 0}})")), std::runtime_error);
    BOOST_CHECK_THROW(fake.set_script("a", json::parse(R"({"model": {"wordz": 3}})")), std::runtime_error);
    BOOST_CHECK_THROW(fake.set_script("a", json::parse(R"({"stream": {"drip_ms": "x"}})")),
                      std::runtime_error);
    const auto r = client.request("PUT", "/_control/scripts/a", "{not json");
    BOOST_TEST(r.status == 400u);
    const auto ok = client.request("PUT", "/_control/scripts/a", R"({"steps": [{"status": "x"}]})");
    BOOST_TEST(ok.status == 400u);
    BOOST_TEST(ok.body.find("script.steps[0].status") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(survives_bad_input)
{
    const auto unknown = client.post_json("/a/v1/nope", chat());
    BOOST_TEST(unknown.status == 404u);
    BOOST_TEST(unknown.json().at("error").at("message").is_string());
    BOOST_TEST(client.get("/nothing-here").status == 404u);
    BOOST_TEST(client.request("POST", "/a/v1/chat/completions", "{broken").status == 400u);

    const auto raw = raw_exchange(fake.port(), "THIS IS NOT HTTP\r\n\r\n", 5s);
    BOOST_TEST(raw.closed_by_peer);
    BOOST_TEST(raw.data.starts_with("HTTP/1.1 400"));

    // A client that disconnects half-way through its request body.
    {
        raw_connection c(fake.port());
        c.send("POST /a/v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"mo",
               deadline_after(5s));
    }
    BOOST_TEST(client.post_json("/a/v1/chat/completions", chat()).status == 200u);
}

BOOST_AUTO_TEST_CASE(sigterm_exits_zero)
{
    fake.process().signal(SIGTERM);
    const auto status = fake.process().wait_exit(deadline_after(5s));
    BOOST_TEST_REQUIRE(status.has_value());
    BOOST_TEST(status->success(), to_string(*status));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(script_file_and_threads)
{
    temp_dir dir;
    const auto file = dir.write_file("scripts.json", R"({"scripts": {"f": {"status": 418},
                                                                   "st": {"stream": {"stall_after": 0}}}})");
    fake_upstream_process::options opts;
    opts.extra_args = {"--threads", "2", "--script", file.string()};
    fake_upstream_process fake(opts);
    http_client client(fake.port());
    BOOST_TEST(client.post_json("/f/v1/chat/completions", chat()).status == 418u);

    std::vector<std::unique_ptr<http_client>> streams;
    for (int i = 0; i < 4; ++i) {
        streams.push_back(std::make_unique<http_client>(fake.port()));
        const auto head =
            streams.back()->open_stream("/st/v1/chat/completions", chat("m", true), deadline_after(5s));
        BOOST_TEST(head.status == 200u);
        BOOST_TEST(streams.back()->next_event(deadline_after(5s)).status == stream_status::event);  // role
    }
    BOOST_TEST_REQUIRE(fake.wait_calls("st", 4));
    for (auto& s : streams) s->close();
    BOOST_TEST(fake.wait_closed("st", 4, 5000ms));
}

BOOST_AUTO_TEST_CASE(bad_script_file_fails_start)
{
    temp_dir dir;
    const auto file = dir.write_file("scripts.json", R"({"status": "nope"})");
    fake_upstream_process::options opts;
    opts.extra_args = {"--script", file.string()};
    BOOST_CHECK_THROW(fake_upstream_process{opts}, std::runtime_error);
}

namespace {

// Points the harness (BATON_BIN_DIR) at another directory for one test.
class scoped_bin_dir {
public:
    // BATON_DAEMON_DIR (a sanitized daemon, scripts/test.sh) takes precedence over BATON_BIN_DIR: both
    // point at `dir` while this lives.
    explicit scoped_bin_dir(const std::filesystem::path& dir)
    {
        const char* old = std::getenv("BATON_BIN_DIR");
        saved_ = old != nullptr ? old : "";
        const char* daemon = std::getenv("BATON_DAEMON_DIR");
        had_daemon_ = daemon != nullptr;
        saved_daemon_ = had_daemon_ ? daemon : "";
        ::setenv("BATON_BIN_DIR", dir.c_str(), 1);
        if (had_daemon_) ::setenv("BATON_DAEMON_DIR", dir.c_str(), 1);
    }
    ~scoped_bin_dir()
    {
        ::setenv("BATON_BIN_DIR", saved_.c_str(), 1);
        if (had_daemon_) ::setenv("BATON_DAEMON_DIR", saved_daemon_.c_str(), 1);
    }
    scoped_bin_dir(const scoped_bin_dir&) = delete;
    scoped_bin_dir& operator=(const scoped_bin_dir&) = delete;

private:
    std::string saved_;
    std::string saved_daemon_;
    bool had_daemon_ = false;
};

}  // namespace

// baton_process against a stand-in that follows batond's logging contract (priority-prefixed JSON lines on
// stderr, "listening" with the address, SIGHUP reload, SIGTERM exit 0), so the harness is checked before
// batond itself exists.
BOOST_AUTO_TEST_CASE(baton_process_follows_the_batond_contract)
{
    temp_dir bin;
    const auto stub = bin.write_file("batond", R"(#!/bin/sh
trap 'echo "<6>{\"event\":\"config_reloaded\"}" >&2' HUP
trap 'echo "<6>{\"event\":\"stopped\"}" >&2; exit 0' TERM
echo "not json at all" >&2
echo "<6>{\"level\":\"info\",\"event\":\"listening\",\"address\":\"127.0.0.1:4242\",\"config\":\"$2\"}" >&2
while :; do sleep 1 & wait $!; done
)");
    std::filesystem::permissions(stub, std::filesystem::perms::owner_all);

    const scoped_bin_dir use_stub(bin.path());

    baton_process baton("model_list: []\n");
    BOOST_TEST(baton.port() == 4242);
    BOOST_TEST(read_file(baton.config_path()) == "model_list: []\n");
    const auto events = baton.log_events();
    BOOST_TEST_REQUIRE(events.size() == 1u);  // the non-JSON line is skipped, the prefix stripped
    BOOST_TEST(events[0].at("config").as_string() == baton.config_path().string());

    const auto mark = baton.log_size();
    baton.reload("model_list: [{}]\n");
    BOOST_TEST(baton.wait_log("config_reloaded", deadline_after(5s), mark).has_value());
    BOOST_TEST(read_file(baton.config_path()) == "model_list: [{}]\n");

    const auto status = baton.stop(5s);
    BOOST_TEST_REQUIRE(status.has_value());
    BOOST_TEST(status->success(), to_string(*status));
    BOOST_TEST(baton.log().find("stopped") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(baton_process_reports_a_daemon_that_never_listens)
{
    temp_dir bin;
    const auto stub = bin.write_file("batond", "#!/bin/sh\necho 'config: bad things' >&2\nexit 1\n");
    std::filesystem::permissions(stub, std::filesystem::perms::owner_all);
    const scoped_bin_dir use_stub(bin.path());

    const auto start = clock::now();
    try {
        baton_process baton("x: 1\n");
        BOOST_FAIL("expected baton_process to throw");
    } catch (const std::runtime_error& e) {
        BOOST_TEST(std::string(e.what()).find("config: bad things") != std::string::npos);
    }
    BOOST_TEST((clock::now() - start) < 10s);  // noticed the exit, did not wait for the start timeout

    baton_process::options opts;
    opts.wait_listening = false;
    baton_process rejected("x: 1\n", opts);
    const auto status = rejected.process().wait_exit(deadline_after(5s));
    BOOST_TEST_REQUIRE(status.has_value());
    BOOST_TEST(status->code == 1);
}
