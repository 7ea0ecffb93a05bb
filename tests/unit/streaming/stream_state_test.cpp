#include <boost/test/unit_test.hpp>

#include "stream_test_helpers.hpp"
#include "streaming/final_error_event.hpp"
#include "streaming/next_hop_request.hpp"
#include "streaming/stream_state.hpp"

#include <stdexcept>
#include <string>
#include <vector>

using namespace baton::streaming;
using namespace baton::streaming::test;
using baton::routing::stream_failover_mode;
namespace json = boost::json;

namespace {

constexpr stream_failover_mode all_modes[] = {stream_failover_mode::continue_, stream_failover_mode::restart,
                                              stream_failover_mode::off};
constexpr stream_trigger all_triggers[] = {stream_trigger::connection_cut, stream_trigger::idle_timeout,
                                           stream_trigger::malformed_event, stream_trigger::error_event,
                                           stream_trigger::eof_before_done};

stream_options chat(stream_failover_mode mode, bool usage = false)
{
    return stream_options{mode, usage, endpoint_kind::chat};
}

const json::object original_chat =
    json::parse(R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],)"
                R"("stream":true})")
        .as_object();

// Makes the running hop fail with `t`; returns the action.
stream_action trip(stream_state& st, stream_trigger t)
{
    static const std::string malformed = "not json";
    static const std::string error =
        R"({"error":{"message":"overloaded","type":"server_error","code":null}})";
    switch (t) {
    case stream_trigger::connection_cut:
        return st.on_upstream_end(false);
    case stream_trigger::idle_timeout:
        return st.on_idle_timeout();
    case stream_trigger::malformed_event:
        return st.on_event(data_event(malformed));
    case stream_trigger::error_event:
        return st.on_event(data_event(error));
    case stream_trigger::eof_before_done:
        return st.on_upstream_end(true);
    }
    return {};
}

// The upstream bytes that end a scripted hop with trigger `t` (after its body).
hop_script failing_hop(std::string body, stream_trigger t)
{
    switch (t) {
    case stream_trigger::connection_cut:
        return {std::move(body), hop_end::cut};
    case stream_trigger::idle_timeout:
        return {std::move(body), hop_end::idle};
    case stream_trigger::malformed_event:
        return {body + sse("<html>502 Bad Gateway</html>"), hop_end::clean_eof};
    case stream_trigger::error_event:
        return {body + sse(R"({"error":{"message":"boom","type":"server_error"}})"), hop_end::clean_eof};
    case stream_trigger::eof_before_done:
        return {std::move(body), hop_end::clean_eof};
    }
    return {};
}

const std::string role1 = chat_role("h1");
const std::string hel = chat_chunk("Hel", false, "h1");
const std::string lo = chat_chunk("lo", false, "h1");
const std::string role2 = chat_role("h2");
const std::string world = chat_chunk(" world", false, "h2");
const std::string finish2 = chat_finish("h2");

}  // namespace

BOOST_AUTO_TEST_SUITE(stream_state_suite)

BOOST_AUTO_TEST_CASE(plain_stream_forwards_everything_and_completes)
{
    stream_state st(chat(stream_failover_mode::continue_));
    st.begin_hop();
    BOOST_TEST(!st.committed());
    BOOST_TEST(st.on_event(data_event(role1)).kind == stream_action_kind::forward);
    BOOST_TEST(st.committed());
    BOOST_TEST(st.on_event(data_event(hel)).kind == stream_action_kind::forward);
    BOOST_TEST(st.on_event(data_event(lo)).kind == stream_action_kind::forward);
    BOOST_TEST(st.on_event(data_event(chat_finish("h1"))).kind == stream_action_kind::forward);
    BOOST_TEST(st.finish_reason_seen());
    const stream_action done = st.on_event(data_event("[DONE]"));
    BOOST_TEST(done.kind == stream_action_kind::done);
    BOOST_TEST(done.payload == "data: [DONE]\n\n");
    BOOST_TEST(st.finished());
    BOOST_TEST(st.chunks_relayed() == 4u);
    BOOST_TEST(st.hop_count() == 1u);
    BOOST_TEST(st.hops()[0].completed);
    BOOST_TEST(!st.hops()[0].failure.has_value());
    BOOST_TEST(st.partial_text() == "Hello");
    // Anything after the end is ignored.
    BOOST_TEST(st.on_event(data_event(hel)).kind == stream_action_kind::drop);
    BOOST_TEST(st.on_upstream_end(true).kind == stream_action_kind::drop);
    BOOST_CHECK_THROW(st.begin_hop(), std::logic_error);
}

BOOST_AUTO_TEST_CASE(begin_hop_while_running_is_a_programming_error)
{
    stream_state st(chat(stream_failover_mode::continue_));
    BOOST_TEST(st.on_event(data_event(hel)).kind == stream_action_kind::drop);  // no hop yet
    st.begin_hop();
    BOOST_CHECK_THROW(st.begin_hop(), std::logic_error);
}

BOOST_AUTO_TEST_CASE(every_trigger_in_every_mode_after_commit)
{
    for (stream_failover_mode mode : all_modes) {
        for (stream_trigger t : all_triggers) {
            BOOST_TEST_CONTEXT("mode " << mode << " trigger " << t)
            {
                stream_state st(chat(mode));
                st.begin_hop();
                BOOST_TEST(st.on_event(data_event(role1)).kind == stream_action_kind::forward);
                BOOST_TEST(st.on_event(data_event(hel)).kind == stream_action_kind::forward);
                BOOST_TEST(st.on_event(data_event(lo)).kind == stream_action_kind::forward);
                const stream_action a = trip(st, t);
                BOOST_TEST(a.kind == stream_action_kind::fail);
                BOOST_TEST(a.trigger == t);
                BOOST_TEST(st.committed());
                BOOST_TEST(!st.hop_running());
                BOOST_TEST(st.can_fail_over() == (mode != stream_failover_mode::off));
                BOOST_TEST((st.last_failure() == t));
                BOOST_TEST((st.hops()[0].failure == t));
                BOOST_TEST(st.partial_text() == "Hello");
                BOOST_TEST(st.chunks_relayed() == 3u);
                // Events still buffered from the dead upstream are not relayed.
                BOOST_TEST(st.on_event(data_event(lo)).kind == stream_action_kind::drop);
                BOOST_TEST(st.final_error() == final_error_event(t, mode));

                if (mode == stream_failover_mode::off) {
                    continue;
                }
                const json::object next = st.next_request(original_chat);
                const auto& messages = next.at("messages").as_array();
                if (mode == stream_failover_mode::continue_) {
                    BOOST_REQUIRE(messages.size() == 3u);
                    BOOST_TEST(messages[1] == (json::object{{"role", "assistant"}, {"content", "Hello"}}));
                    BOOST_TEST(messages[2].at("content").as_string() == continuation_instruction);
                } else {
                    BOOST_TEST(messages.size() == 1u);
                }
                st.begin_hop();
                // continue: the new hop's role-only chunk is dropped (one message); restart: relayed.
                BOOST_TEST(st.on_event(data_event(role2)).kind == (mode == stream_failover_mode::continue_
                                                                       ? stream_action_kind::drop
                                                                       : stream_action_kind::forward));
                BOOST_TEST(st.on_event(data_event(world)).kind == stream_action_kind::forward);
                BOOST_TEST(st.on_event(data_event(finish2)).kind == stream_action_kind::forward);
                BOOST_TEST(st.on_event(data_event("[DONE]")).kind == stream_action_kind::done);
                BOOST_TEST(st.partial_text() == "Hello world");
                BOOST_TEST(st.hop_count() == 2u);
                BOOST_TEST(st.hops()[1].completed);
                BOOST_TEST(st.hops()[1].chunks_relayed ==
                           (mode == stream_failover_mode::continue_ ? 2u : 3u));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(every_trigger_in_every_mode_before_commit_is_invisible)
{
    for (stream_failover_mode mode : all_modes) {
        for (stream_trigger t : all_triggers) {
            BOOST_TEST_CONTEXT("mode " << mode << " trigger " << t)
            {
                stream_state st(chat(mode));
                st.begin_hop();
                // A keep-alive before the first data would commit the head for nothing: dropped.
                sse_event keep_alive;
                keep_alive.size = 3;
                BOOST_TEST(st.on_event(keep_alive).kind == stream_action_kind::drop);
                const stream_action a = trip(st, t);
                BOOST_TEST(a.kind == stream_action_kind::fail);
                BOOST_TEST(a.trigger == t);
                BOOST_TEST(!st.committed());
                BOOST_TEST(st.can_fail_over());  // even with mode off: SPEC §5 failover before the head
                BOOST_TEST(st.partial_text() == "");
                json::object expected = original_chat;
                expected["stream_options"] = json::object{{"include_usage", true}};
                BOOST_TEST(st.next_request(original_chat) == expected);
                st.begin_hop();
                // Nothing reached the client, so the next hop's role chunk is the message's first.
                BOOST_TEST(st.on_event(data_event(role2)).kind == stream_action_kind::forward);
                BOOST_TEST(st.on_event(keep_alive).kind == stream_action_kind::forward);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(every_trigger_after_finish_reason_completes)
{
    for (stream_trigger t : all_triggers) {
        BOOST_TEST_CONTEXT("trigger " << t)
        {
            stream_state st(chat(stream_failover_mode::continue_));
            st.begin_hop();
            st.on_event(data_event(role1));
            st.on_event(data_event(hel));
            st.on_event(data_event(chat_finish("h1")));
            const stream_action a = trip(st, t);
            BOOST_TEST(a.kind == stream_action_kind::done);
            BOOST_TEST(a.payload == "data: [DONE]\n\n");
            BOOST_TEST(st.finished());
            BOOST_TEST(!st.last_failure().has_value());
        }
    }
}

BOOST_AUTO_TEST_CASE(in_band_errors)
{
    const std::vector<std::string> errors = {
        R"({"error":{"message":"x"}})",
        R"(  {"id":"1", "error" : "overloaded"}  )",
        R"({"choices":[],"error":{"code":429}})",
    };
    for (const std::string& e : errors) {
        stream_state st(chat(stream_failover_mode::continue_));
        st.begin_hop();
        const stream_action a = st.on_event(data_event(e));
        BOOST_TEST(a.kind == stream_action_kind::fail);
        BOOST_TEST(a.trigger == stream_trigger::error_event);
        BOOST_TEST(st.error_data() ==
                   std::string_view(e).substr(e.find('{'), e.rfind('}') - e.find('{') + 1));
    }
    // `event: error` is an error whatever its data.
    stream_state st(chat(stream_failover_mode::continue_));
    st.begin_hop();
    sse_event ev = data_event("upstream overloaded");
    ev.event = "error";
    const stream_action a = st.on_event(ev);
    BOOST_TEST(a.kind == stream_action_kind::fail);
    BOOST_TEST(a.trigger == stream_trigger::error_event);
    BOOST_TEST(st.error_data() == "upstream overloaded");
}

BOOST_AUTO_TEST_CASE(error_word_elsewhere_is_not_an_error)
{
    const std::vector<std::string> chunks = {
        chat_chunk("error"),                                                     // "error" as a string value
        chat_chunk("\"error\": 1"),                                              // escaped inside content
        R"({"choices":[{"index":0,"delta":{"content":"a"},"error":{"x":1}}]})",  // nested, depth 2
        R"({"choices":[{"index":0,"delta":{"content":"b"}}],"error":null})",     // null
    };
    stream_state st(chat(stream_failover_mode::continue_));
    st.begin_hop();
    for (const std::string& c : chunks) {
        BOOST_TEST(st.on_event(data_event(c)).kind == stream_action_kind::forward);
    }
    BOOST_TEST(st.partial_text() == "error\"error\": 1ab");
}

BOOST_AUTO_TEST_CASE(malformed_events)
{
    const std::vector<std::string> bad = {"",      "   ",         "hello",
                                          "[1,2]", "\"str\"",     "{\"a\":1",
                                          "null",  "{\"error\":", "{\"usage\":{\"prompt_tokens\":1}"};
    for (const std::string& b : bad) {
        BOOST_TEST_CONTEXT("data '" << b << "'")
        {
            stream_state st(chat(stream_failover_mode::continue_));
            st.begin_hop();
            const stream_action a = st.on_event(data_event(b));
            BOOST_TEST(a.kind == stream_action_kind::fail);
            BOOST_TEST(a.trigger == stream_trigger::malformed_event);
        }
    }
    // A finish_reason in a chunk that turns out malformed never reached the client: still a failure.
    {
        stream_state st(chat(stream_failover_mode::continue_));
        st.begin_hop();
        st.on_event(data_event(hel));
        const stream_action a = st.on_event(
            data_event(R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{bad}})"));
        BOOST_TEST(a.kind == stream_action_kind::fail);
        BOOST_TEST(a.trigger == stream_trigger::malformed_event);
        BOOST_TEST(!st.finish_reason_seen());
    }
    // The hot path only checks the braces; a chunk with a broken middle is relayed (the client's parser
    // sees exactly what the upstream sent) and contributes no partial text.
    stream_state st(chat(stream_failover_mode::continue_));
    st.begin_hop();
    BOOST_TEST(st.on_event(data_event("{broken}")).kind == stream_action_kind::forward);
    BOOST_TEST(
        st.on_event(data_event(" \t{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"}}]}\r\n")).kind ==
        stream_action_kind::forward);
    BOOST_TEST(st.partial_text() == "ok");
}

BOOST_AUTO_TEST_CASE(done_without_finish_reason_and_eof_after_finish_reason)
{
    stream_state a(chat(stream_failover_mode::continue_));
    a.begin_hop();
    a.on_event(data_event(hel));
    BOOST_TEST(a.on_event(data_event(" [DONE] ")).kind == stream_action_kind::done);

    stream_state b(chat(stream_failover_mode::continue_));
    b.begin_hop();
    b.on_event(data_event(hel));
    BOOST_TEST(
        b.on_event(data_event(R"({"choices":[{"index":0,"delta":{},"finish_reason": "length"}]})")).kind ==
        stream_action_kind::forward);
    const stream_action end = b.on_upstream_end(true);
    BOOST_TEST(end.kind == stream_action_kind::done);
    BOOST_TEST(end.payload == "data: [DONE]\n\n");  // synthesized: the client still sees a proper end

    // finish_reason null or "" is no finish.
    stream_state c(chat(stream_failover_mode::continue_));
    c.begin_hop();
    c.on_event(data_event(R"({"choices":[{"index":0,"delta":{"content":"x"},"finish_reason" : null}]})"));
    c.on_event(data_event(R"({"choices":[{"index":0,"delta":{"content":"y"},"finish_reason":""}]})"));
    BOOST_TEST(!c.finish_reason_seen());
    BOOST_TEST(c.on_upstream_end(true).kind == stream_action_kind::fail);
}

BOOST_AUTO_TEST_CASE(continue_hop_first_chunk_with_role_and_content_loses_only_the_role)
{
    stream_state st(chat(stream_failover_mode::continue_));
    st.begin_hop();
    st.on_event(data_event(role1));
    st.on_event(data_event(hel));
    st.on_upstream_end(false);
    st.begin_hop();
    const std::string first = chat_chunk("lo", true, "h2");
    const stream_action a = st.on_event(data_event(first));
    BOOST_TEST(a.kind == stream_action_kind::replace);
    BOOST_TEST(a.payload == sse(chat_chunk("lo", false, "h2")));
    BOOST_TEST(st.partial_text() == "Hello");
    // Only the hop's first chunk is examined.
    BOOST_TEST(st.on_event(data_event(chat_role("h2"))).kind == stream_action_kind::forward);
}

BOOST_AUTO_TEST_CASE(continue_hop_first_chunk_without_role_is_forwarded)
{
    stream_state st(chat(stream_failover_mode::continue_));
    st.begin_hop();
    st.on_event(data_event(hel));
    st.on_idle_timeout();
    st.begin_hop();
    BOOST_TEST(st.on_event(data_event(world)).kind == stream_action_kind::forward);
}

BOOST_AUTO_TEST_CASE(usage_chunk_dropped_when_client_did_not_ask)
{
    stream_state st(chat(stream_failover_mode::continue_, false));
    st.begin_hop();
    st.on_event(data_event(role1));
    st.on_event(data_event(hel));
    st.on_event(data_event(chat_finish("h1")));
    BOOST_TEST(st.on_event(data_event(chat_usage(10, 2, "h1"))).kind == stream_action_kind::drop);
    BOOST_TEST(st.on_event(data_event("[DONE]")).kind == stream_action_kind::done);
    BOOST_TEST(st.usage() == (token_usage{10, 2, 12}));
    BOOST_TEST(st.hops()[0].usage_reported);
    BOOST_TEST(st.chunks_relayed() == 3u);
}

BOOST_AUTO_TEST_CASE(usage_with_choices_is_forwarded_even_when_not_asked)
{
    // Some servers put usage on the last content chunk: its content must not be lost.
    const std::string chunk = R"({"choices":[{"index":0,"delta":{"content":"!"},"finish_reason":"stop"}],)"
                              R"("usage":{"prompt_tokens":3,"completion_tokens":1}})";
    stream_state st(chat(stream_failover_mode::continue_, false));
    st.begin_hop();
    BOOST_TEST(st.on_event(data_event(chunk)).kind == stream_action_kind::forward);
    BOOST_TEST(st.usage() == (token_usage{3, 1, 4}));  // total computed when missing
}

BOOST_AUTO_TEST_CASE(usage_chunk_held_and_written_with_done_when_asked)
{
    // The usage-only chunk is held back and written right before [DONE], so a client gets exactly one.
    stream_state st(chat(stream_failover_mode::continue_, true));
    st.begin_hop();
    st.on_event(data_event(hel));
    st.on_event(data_event(chat_finish("h1")));
    BOOST_TEST(st.on_event(data_event(chat_usage(10, 2, "h1"))).kind == stream_action_kind::drop);
    BOOST_TEST(st.usage() == (token_usage{10, 2, 12}));
    const stream_action done = st.on_event(data_event("[DONE]"));
    BOOST_TEST(done.kind == stream_action_kind::done);
    BOOST_TEST(done.payload ==
               "data: {\"id\":\"h1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
               "\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":2,\"total_tokens\":12}}"
               "\n\ndata: [DONE]\n\n");
}

BOOST_AUTO_TEST_CASE(usage_summed_over_hops_replaces_the_last_usage_chunk)
{
    for (bool wants : {true, false}) {
        stream_state st(chat(stream_failover_mode::continue_, wants));
        st.begin_hop();
        st.on_event(data_event(role1));
        st.on_event(data_event(hel));
        // A mid-stream usage report (e.g. continuous usage stats), then the upstream dies.
        st.on_event(data_event(chat_usage(10, 1, "h1")));
        BOOST_TEST(st.on_upstream_end(false).kind == stream_action_kind::fail);
        st.begin_hop();
        st.on_event(data_event(role2));
        st.on_event(data_event(world));
        st.on_event(data_event(finish2));
        const stream_action a = st.on_event(data_event(chat_usage(14, 2, "h2")));
        BOOST_TEST(st.hops()[0].usage == (token_usage{10, 1, 11}));
        BOOST_TEST(st.hops()[1].usage == (token_usage{14, 2, 16}));
        BOOST_TEST(st.usage() == (token_usage{24, 3, 27}));
        BOOST_TEST(a.kind == stream_action_kind::drop);
        const stream_action done = st.on_event(data_event("[DONE]"));
        BOOST_TEST(done.kind == stream_action_kind::done);
        if (wants) {
            // One usage chunk (the last hop's, with the sums), then [DONE].
            BOOST_TEST(
                done.payload ==
                "data: {\"id\":\"h2\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
                "\"choices\":[],\"usage\":{\"prompt_tokens\":24,\"completion_tokens\":3,\"total_tokens\":27}}"
                "\n\ndata: [DONE]\n\n");
        } else {
            BOOST_TEST(done.payload == "data: [DONE]\n\n");
        }
    }
}

BOOST_AUTO_TEST_CASE(usage_from_one_hop_only_is_written_untouched)
{
    // The first hop died before reporting usage: the last hop's counts are the sum.
    stream_state st(chat(stream_failover_mode::restart, true));
    st.begin_hop();
    st.on_event(data_event(hel));
    st.on_upstream_end(false);
    st.begin_hop();
    st.on_event(data_event(world));
    st.on_event(data_event(finish2));
    BOOST_TEST(st.on_event(data_event(chat_usage(5, 2, "h2"))).kind == stream_action_kind::drop);
    BOOST_TEST(st.usage() == (token_usage{5, 2, 7}));
    const stream_action done = st.on_event(data_event("[DONE]"));
    BOOST_TEST(done.payload.find("\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7}") !=
               std::string_view::npos);
    BOOST_TEST(done.payload.ends_with("data: [DONE]\n\n"));
}

BOOST_AUTO_TEST_CASE(repeated_usage_on_a_hop_keeps_the_last)
{
    stream_state st(chat(stream_failover_mode::continue_, false));
    st.begin_hop();
    st.on_event(data_event(chat_usage(5, 1)));
    st.on_event(data_event(chat_usage(5, 4)));
    BOOST_TEST(st.usage() == (token_usage{5, 4, 9}));
}

BOOST_AUTO_TEST_CASE(usage_counts_are_clamped)
{
    stream_state st(chat(stream_failover_mode::continue_, false));
    st.begin_hop();
    st.on_event(data_event(R"({"choices":[],"usage":{"prompt_tokens":-5,)"
                           R"("completion_tokens":18446744073709551615,"total_tokens":1e300}})"));
    st.on_upstream_end(false);
    st.begin_hop();
    st.on_event(data_event(
        R"({"choices":[],"usage":{"prompt_tokens":2.0,"completion_tokens":1e30,"total_tokens":"x"}})"));
    BOOST_TEST(st.hops()[0].usage == (token_usage{0, 1'000'000'000'000'000, 1'000'000'000'000'000}));
    BOOST_TEST(st.hops()[1].usage == (token_usage{2, 1'000'000'000'000'000, 0}));
    BOOST_TEST(st.usage() == (token_usage{2, 2'000'000'000'000'000, 1'000'000'000'000'000}));
}

BOOST_AUTO_TEST_CASE(text_completions_extract_text_and_never_drop_first_chunks)
{
    stream_state st(stream_options{stream_failover_mode::continue_, false, endpoint_kind::text});
    st.begin_hop();
    BOOST_TEST(st.on_event(data_event(text_chunk("Once"))).kind == stream_action_kind::forward);
    BOOST_TEST(st.on_event(data_event(text_chunk(" upon"))).kind == stream_action_kind::forward);
    BOOST_TEST(st.on_upstream_end(true).kind == stream_action_kind::fail);
    BOOST_TEST(st.partial_text() == "Once upon");
    const json::object original = json::parse(R"({"model":"m","prompt":"Tell:","echo":true})").as_object();
    BOOST_TEST(st.next_request(original) ==
               json::parse(R"({"model":"m","prompt":"Tell:Once upon","stream":true,)"
                           R"("stream_options":{"include_usage":true}})"));
    st.begin_hop();
    BOOST_TEST(st.on_event(data_event(text_chunk(" a time", true))).kind == stream_action_kind::forward);
    BOOST_TEST(st.on_event(data_event("[DONE]")).kind == stream_action_kind::done);
    BOOST_TEST(st.partial_text() == "Once upon a time");
}

BOOST_AUTO_TEST_CASE(partial_text_takes_choice_index_zero_only)
{
    stream_state st(chat(stream_failover_mode::continue_));
    st.begin_hop();
    st.on_event(data_event(
        R"({"choices":[{"index":1,"delta":{"content":"B"}},{"index":0,"delta":{"content":"A"}}]})"));
    st.on_event(data_event(R"({"choices":[{"index":1,"delta":{"content":"B"}}]})"));
    st.on_event(data_event(R"({"choices":[{"index":0,"delta":{"content":null,"tool_calls":[]}}]})"));
    BOOST_TEST(st.partial_text() == "A");
    st.on_event(data_event(R"({"choices":[{"index":0,"delta":{"content":"C"}}]})"));
    BOOST_TEST(st.partial_text() == "AC");  // parsed incrementally
}

BOOST_AUTO_TEST_CASE(trigger_names_and_failure_classes)
{
    BOOST_TEST(to_string(stream_trigger::connection_cut) == "connection_cut");
    BOOST_TEST(to_string(stream_trigger::idle_timeout) == "idle_timeout");
    BOOST_TEST(to_string(stream_trigger::malformed_event) == "malformed_event");
    BOOST_TEST(to_string(stream_trigger::error_event) == "error_event");
    BOOST_TEST(to_string(stream_trigger::eof_before_done) == "eof_before_done");
    using baton::routing::failure_reason;
    BOOST_TEST((to_failure_reason(stream_trigger::connection_cut) == failure_reason::connection));
    BOOST_TEST((to_failure_reason(stream_trigger::eof_before_done) == failure_reason::connection));
    BOOST_TEST((to_failure_reason(stream_trigger::idle_timeout) == failure_reason::timeout));
    BOOST_TEST((to_failure_reason(stream_trigger::malformed_event) == failure_reason::bad_response));
    BOOST_TEST((to_failure_reason(stream_trigger::error_event) == failure_reason::server_error));
}

BOOST_AUTO_TEST_SUITE_END()

// DocsGPT's streaming cases (seed 000), replayed through the relay simulator with exact client bytes.
BOOST_AUTO_TEST_SUITE(docsgpt_sequences)

BOOST_AUTO_TEST_CASE(primary_success_relays_byte_for_byte)
{
    const std::string body = sse(chat_role("p")) + sse(chat_chunk("a", false, "p")) +
                             sse(chat_chunk("b", false, "p")) + sse(chat_chunk("c", false, "p")) +
                             sse(chat_finish("p")) + done_bytes;
    stream_state st(chat(stream_failover_mode::continue_));
    const relay_result r = run_relay(st, original_chat, {{body, hop_end::clean_eof}});
    BOOST_TEST(r.completed);
    BOOST_TEST(r.client == body);
    BOOST_TEST(client_texts(r.client) == (std::vector<std::string>{"a", "b", "c"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(immediate_failure_uses_backup_invisibly)
{
    const std::string backup = sse(chat_role("b")) + sse(chat_chunk("fallback1", false, "b")) +
                               sse(chat_chunk("fallback2", false, "b")) + sse(chat_finish("b")) + done_bytes;
    for (stream_failover_mode mode : all_modes) {
        stream_state st(chat(mode));
        const relay_result r =
            run_relay(st, original_chat, {{"", hop_end::cut}, {backup, hop_end::clean_eof}});
        BOOST_TEST(r.completed);
        BOOST_TEST(r.client == backup);  // the whole backup stream, role chunk included
        BOOST_TEST(client_texts(r.client) == (std::vector<std::string>{"fallback1", "fallback2"}),
                   boost::test_tools::per_element());
        BOOST_TEST(r.requests[1] == r.requests[0]);  // nothing to continue from: the same request
        BOOST_TEST(st.hop_count() == 2u);            // one stream_start per hop
        BOOST_TEST((st.hops()[0].failure == stream_trigger::connection_cut));
        BOOST_TEST(st.hops()[0].chunks_relayed == 0u);
    }
}

BOOST_AUTO_TEST_CASE(mid_stream_failure_continues_with_partial_text)
{
    const std::string primary =
        sse(chat_role("p")) + sse(chat_chunk("ok1", false, "p")) + sse(chat_chunk("ok2", false, "p"));
    const std::string backup = sse(chat_role("b")) + sse(chat_chunk("recovery1", false, "b")) +
                               sse(chat_chunk("recovery2", false, "b")) + sse(chat_finish("b")) + done_bytes;
    stream_state st(chat(stream_failover_mode::continue_));
    const relay_result r =
        run_relay(st, original_chat, {{primary, hop_end::cut}, {backup, hop_end::clean_eof}});
    BOOST_TEST(r.completed);
    BOOST_TEST(client_texts(r.client) == (std::vector<std::string>{"ok1", "ok2", "recovery1", "recovery2"}),
               boost::test_tools::per_element());
    // Exactly the primary's bytes, then the backup's minus its role chunk.
    BOOST_TEST(r.client == primary + backup.substr(sse(chat_role("b")).size()));
    BOOST_REQUIRE(r.requests.size() == 2u);
    BOOST_TEST(r.requests[1] == json::parse(R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi"},)"
                                            R"({"role":"assistant","content":"ok1ok2"},)"
                                            R"({"role":"user","content":")" +
                                            std::string(continuation_instruction) +
                                            R"("}],"stream":true,"stream_options":{"include_usage":true}})"));
    BOOST_TEST(st.partial_text() == "ok1ok2recovery1recovery2");
}

BOOST_AUTO_TEST_CASE(a_cut_inside_a_tool_call_restarts_rather_than_continues)
{
    // Text, then the first half of a tool call's arguments, then the cut.
    const std::string primary =
        sse(chat_role("p")) + sse(chat_chunk("Checking.", false, "p")) +
        sse(R"({"id":"x","object":"chat.completion.chunk","model":"p","choices":[{"index":0,"delta":{"tool_calls":)"
            R"([{"index":0,"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"ci"}}]},)"
            R"("finish_reason":null}]})");
    const std::string backup =
        sse(chat_role("b")) + sse(chat_chunk("again", false, "b")) + sse(chat_finish("b")) + done_bytes;
    stream_state st(chat(stream_failover_mode::continue_));
    const relay_result r =
        run_relay(st, original_chat, {{primary, hop_end::cut}, {backup, hop_end::clean_eof}});
    BOOST_TEST(r.completed);
    BOOST_REQUIRE(r.requests.size() == 2u);
    // The original request again: no partial text, no instruction to continue mid-argument.
    BOOST_TEST(r.requests[1] ==
               json::parse(R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],)"
                           R"("stream":true,"stream_options":{"include_usage":true}})"));
}

BOOST_AUTO_TEST_CASE(mid_stream_failure_restart_follows_partial_output)
{
    const std::string primary =
        sse(chat_role("p")) + sse(chat_chunk("ok1", false, "p")) + sse(chat_chunk("ok2", false, "p"));
    const std::string backup = sse(chat_role("b")) + sse(chat_chunk("recovery1", false, "b")) +
                               sse(chat_chunk("recovery2", false, "b")) + sse(chat_finish("b")) + done_bytes;
    stream_state st(chat(stream_failover_mode::restart));
    const relay_result r =
        run_relay(st, original_chat, {{primary, hop_end::idle}, {backup, hop_end::clean_eof}});
    BOOST_TEST(r.completed);
    BOOST_TEST(r.client == primary + backup);
    BOOST_TEST(r.requests[1] == r.requests[0]);
}

BOOST_AUTO_TEST_CASE(exhaustion_ends_with_the_final_error_event)
{
    const std::string primary =
        sse(chat_role("p")) + sse(chat_chunk("ok1", false, "p")) + sse(chat_chunk("ok2", false, "p"));
    stream_state st(chat(stream_failover_mode::continue_));
    const relay_result r = run_relay(st, original_chat, {{primary, hop_end::cut}, {"", hop_end::cut}});
    BOOST_TEST(!r.completed);
    BOOST_TEST(
        r.client ==
        primary +
            "data: {\"error\":{\"message\":\"stream failed (connection_cut: the upstream connection was cut "
            "mid-stream) and no deployment is left to continue it\",\"type\":\"server_error\",\"param\":null,"
            "\"code\":\"fallbacks_exhausted\"}}\n\n");
    BOOST_TEST(r.client.find("[DONE]") == std::string::npos);  // never a silent clean end
    BOOST_TEST(st.hop_count() == 2u);
}

BOOST_AUTO_TEST_CASE(failover_off_ends_with_the_final_error_event)
{
    const std::string primary = sse(chat_role("p")) + sse(chat_chunk("x", false, "p"));
    stream_state st(chat(stream_failover_mode::off));
    const relay_result r =
        run_relay(st, original_chat, {{primary, hop_end::clean_eof}, {"unused", hop_end::cut}});
    BOOST_TEST(r.client == primary +
                               "data: {\"error\":{\"message\":\"stream failed (eof_before_done: the upstream "
                               "stream ended before "
                               "[DONE] or a finish_reason) and stream_failover is "
                               "off\",\"type\":\"server_error\",\"param\":null,"
                               "\"code\":\"stream_failed\"}}\n\n");
    BOOST_TEST(st.hop_count() == 1u);  // no second hop
}

BOOST_AUTO_TEST_CASE(every_candidate_fails_before_commit_gives_a_json_error)
{
    stream_state st(chat(stream_failover_mode::continue_));
    const relay_result r = run_relay(st, original_chat, {{"", hop_end::cut}, {"", hop_end::clean_eof}});
    BOOST_TEST(r.json_error);
    BOOST_TEST(r.client.empty());
    BOOST_TEST(!st.committed());
}

BOOST_AUTO_TEST_CASE(every_trigger_through_the_relay)
{
    for (stream_failover_mode mode : all_modes) {
        for (stream_trigger t : all_triggers) {
            BOOST_TEST_CONTEXT("mode " << mode << " trigger " << t)
            {
                const std::string body = sse(chat_role("p")) + sse(chat_chunk("ok1", false, "p"));
                const std::string backup = sse(chat_role("b")) + sse(chat_chunk("r1", false, "b")) +
                                           sse(chat_finish("b")) + done_bytes;
                stream_state st(chat(mode, true));
                const relay_result r =
                    run_relay(st, original_chat, {failing_hop(body, t), {backup, hop_end::clean_eof}});
                BOOST_TEST((st.hops()[0].failure == t));
                if (mode == stream_failover_mode::off) {
                    BOOST_TEST(r.client == body + final_error_event(t, mode));
                    continue;
                }
                BOOST_TEST(r.completed);
                BOOST_TEST(client_texts(r.client) == (std::vector<std::string>{"ok1", "r1"}),
                           boost::test_tools::per_element());
                const std::string tail = mode == stream_failover_mode::continue_
                                             ? backup.substr(sse(chat_role("b")).size())
                                             : backup;
                BOOST_TEST(r.client == body + tail);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(split_reads_do_not_change_the_client_bytes)
{
    const std::string primary =
        sse(chat_role("p")) + sse(chat_chunk("ok1", false, "p")) + sse(chat_chunk("ok2", false, "p"));
    const std::string backup = sse(chat_role("b")) + sse(chat_chunk("recovery1", false, "b")) +
                               sse(chat_finish("b")) + sse(chat_usage(7, 3, "b")) + done_bytes;
    std::string reference;
    for (std::size_t read = 1; read <= backup.size() + 1; ++read) {
        stream_state st(chat(stream_failover_mode::continue_, true));
        const relay_result r =
            run_relay(st, original_chat, {{primary, hop_end::cut}, {backup, hop_end::clean_eof}}, read);
        BOOST_TEST(r.completed);
        if (read == 1) {
            reference = r.client;
        }
        BOOST_TEST(r.client == reference);
    }
    BOOST_TEST(reference == primary + backup.substr(sse(chat_role("b")).size()));
}

BOOST_AUTO_TEST_SUITE_END()
