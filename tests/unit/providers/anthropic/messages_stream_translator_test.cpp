// providers/anthropic/messages_stream_translator: stream events → OpenAI chunks, one event at a time, the
// same whatever way the upstream bytes are split.

#include "providers/anthropic/messages_stream_translator.hpp"
#include "streaming/sse_parser.hpp"
#include "streaming/stream_state.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <vector>

namespace json = boost::json;
using baton::providers::anthropic::messages_stream_translator;
using baton::streaming::sse_parser;

namespace {

std::string event(std::string_view name, std::string_view data)
{
    return "event: " + std::string(name) + "\ndata: " + std::string(data) + "\n\n";
}

// A whole Messages API stream: text, then a tool call, then the end.
const std::string full_stream =
    event("message_start",
          R"({"type":"message_start","message":{"id":"msg_9","type":"message","role":"assistant",)"
          R"("content":[],"model":"claude-x","stop_reason":null,"stop_sequence":null,)"
          R"("usage":{"input_tokens":25,"output_tokens":1,"cache_read_input_tokens":7,)"
          R"("cache_creation_input_tokens":0}}})") +
    event("content_block_start",
          R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})") +
    event("ping", R"({"type": "ping"})") +
    event("content_block_delta",
          R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}})") +
    event(
        "content_block_delta",
        R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":", \"w\u00f6rld\"\n"}})") +
    event("content_block_stop", R"({"type":"content_block_stop","index":0})") +
    event("content_block_start",
          R"({"type":"content_block_start","index":1,"content_block":{"type":"tool_use",)"
          R"("id":"toolu_1","name":"weather","input":{}}})") +
    event(
        "content_block_delta",
        R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}})") +
    event(
        "content_block_delta",
        R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"city\": \"Pa"}})") +
    event(
        "content_block_delta",
        R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"ris\"}"}})") +
    event("content_block_stop", R"({"type":"content_block_stop","index":1})") +
    event("message_delta",
          R"({"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},)"
          R"("usage":{"output_tokens":15}})") +
    event("message_stop", R"({"type":"message_stop"})");

// Feeds `bytes` to a parser in pieces cut at `cuts` and translates every event; returns the output.
std::string translate_split(std::string_view bytes, std::vector<std::size_t> cuts)
{
    messages_stream_translator t(1700000000);
    sse_parser parser;
    std::string buffer;
    std::string out;
    std::size_t from = 0;
    cuts.push_back(bytes.size());
    for (const std::size_t cut : cuts) {
        buffer.append(bytes.substr(from, cut - from));
        from = cut;
        while (auto ev = parser.next(buffer)) {
            t.translate(*ev, out);
            buffer.erase(0, ev->size);
        }
    }
    return out;
}

// The data of each "data:" event of an OpenAI stream (comments skipped).
std::vector<std::string> data_events(std::string_view out)
{
    std::vector<std::string> v;
    sse_parser parser;
    std::string buffer(out);
    while (auto ev = parser.next(buffer)) {
        if (ev->has_data) {
            v.emplace_back(ev->data);
        }
        buffer.erase(0, ev->size);
    }
    return v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(anthropic_stream)

BOOST_AUTO_TEST_CASE(a_whole_stream_becomes_openai_chunks)
{
    const std::string out = translate_split(full_stream, {});
    const auto events = data_events(out);
    BOOST_REQUIRE_EQUAL(events.size(), 9u);
    std::vector<json::value> chunks;
    for (std::size_t i = 0; i + 1 < events.size(); ++i) {
        chunks.push_back(json::parse(events[i]));
        BOOST_TEST(chunks.back().at("id") == "msg_9");
        BOOST_TEST(chunks.back().at("created") == 1700000000);
        BOOST_TEST(chunks.back().at("model") == "claude-x");
        BOOST_TEST(chunks.back().at("object") == "chat.completion.chunk");
    }
    const auto delta = [&](std::size_t i) { return chunks[i].at("choices").at(0).at("delta"); };
    BOOST_TEST(delta(0) == json::parse(R"({"role":"assistant","content":""})"));
    BOOST_TEST(delta(1) == json::parse(R"({"content":"Hello"})"));
    BOOST_TEST(delta(2).at("content") == ", \"w\xc3\xb6rld\"\n");
    BOOST_TEST(
        delta(3) ==
        json::parse(
            R"({"tool_calls":[{"index":0,"id":"toolu_1","type":"function","function":{"name":"weather","arguments":""}}]})"));
    BOOST_TEST(delta(4) ==
               json::parse(R"({"tool_calls":[{"index":0,"function":{"arguments":"{\"city\": \"Pa"}}]})"));
    BOOST_TEST(delta(5) == json::parse(R"({"tool_calls":[{"index":0,"function":{"arguments":"ris\"}"}}]})"));
    for (std::size_t i = 0; i < 6; ++i) {
        BOOST_TEST(chunks[i].at("choices").at(0).at("finish_reason").is_null());
    }
    BOOST_TEST(chunks[6].at("choices").at(0).at("finish_reason") == "tool_calls");
    BOOST_TEST(chunks[7].at("choices").as_array().empty());
    BOOST_TEST(chunks[7].at("usage") ==
               json::parse(R"({"prompt_tokens":32,"completion_tokens":15,"total_tokens":47,
        "prompt_tokens_details":{"cached_tokens":7},"cache_read_input_tokens":7,"cache_creation_input_tokens":0})"));
    BOOST_TEST(events.back() == "[DONE]");
    BOOST_TEST(out.find("ping") == std::string::npos);  // pings stay on the upstream leg
}

BOOST_AUTO_TEST_CASE(the_same_output_whatever_the_split)
{
    const std::string whole = translate_split(full_stream, {});
    for (std::size_t cut = 1; cut < full_stream.size(); ++cut) {
        BOOST_TEST_CONTEXT("cut at " << cut)
        {
            BOOST_TEST(translate_split(full_stream, {cut}) == whole);
        }
    }
    // Byte by byte.
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < full_stream.size(); ++i) {
        every.push_back(i);
    }
    BOOST_TEST(translate_split(full_stream, every) == whole);
}

BOOST_AUTO_TEST_CASE(each_event_is_relayed_at_once)
{
    // No event waits for another: the first text delta gives its chunk before anything else arrives.
    messages_stream_translator t(1);
    baton::streaming::sse_event ev;
    ev.has_data = true;
    std::string out;
    ev.data = R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}})";
    t.translate(ev, out);
    BOOST_TEST(data_events(out).size() == 1u);
    BOOST_TEST(json::parse(data_events(out)[0]).at("choices").at(0).at("delta").at("content") == "x");
}

BOOST_AUTO_TEST_CASE(deltas_written_otherwise_translate_the_same)
{
    // Anthropic's own byte layout takes a quick path; any other layout of the same event the general one.
    const std::string start =
        event("message_start", R"({"type":"message_start","message":{"id":"m","model":"c"}})") +
        event("content_block_start", R"({"type":"content_block_start","index":1,)"
                                     R"("content_block":{"type":"tool_use","id":"t","name":"f"}})");
    const auto same = [&](std::string_view quick, std::string_view general) {
        BOOST_TEST(translate_split(start + event("content_block_delta", quick), {}) ==
                   translate_split(start + event("content_block_delta", general), {}));
    };
    same(
        R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a"b\n"}})",
        R"({ "index": 0, "type": "content_block_delta", "delta": {"text": "a"b\n", "type": "text_delta"} })");
    same(
        R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{"x":"}})",
        R"({"delta":{"partial_json":"{"x":","type":"input_json_delta"},"type":"content_block_delta","index":1})");
    // A quick-looking event that is broken fails like any malformed one.
    const std::string broken = translate_split(
        event("content_block_delta",
              R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a}})"),
        {});
    BOOST_TEST(broken == "data: malformed upstream event\n\n");
}

BOOST_AUTO_TEST_CASE(stop_reasons_become_finish_reasons)
{
    for (const auto& [stop, finish] :
         std::vector<std::pair<std::string, std::string>>{{"end_turn", "stop"},
                                                          {"stop_sequence", "stop"},
                                                          {"max_tokens", "length"},
                                                          {"tool_use", "tool_calls"}}) {
        const std::string out =
            translate_split(event("message_delta", R"({"type":"message_delta","delta":{"stop_reason":")" +
                                                       stop + R"("},"usage":{"output_tokens":3}})"),
                            {});
        const auto events = data_events(out);
        BOOST_REQUIRE_EQUAL(events.size(), 2u);
        BOOST_TEST(json::parse(events[0]).at("choices").at(0).at("finish_reason") == json::value(finish));
        BOOST_TEST(json::parse(events[1]).at("usage").at("completion_tokens") == 3);
    }
}

BOOST_AUTO_TEST_CASE(thinking_deltas_become_reasoning_content_and_signatures_nothing)
{
    const std::string out = translate_split(
        event(
            "content_block_delta",
            R"({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me see"}})") +
            event(
                "content_block_delta",
                R"({"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"abc"}})"),
        {});
    const auto events = data_events(out);
    BOOST_REQUIRE_EQUAL(events.size(), 1u);
    BOOST_TEST(json::parse(events[0]).at("choices").at(0).at("delta").at("reasoning_content") ==
               "Let me see");
}

BOOST_AUTO_TEST_CASE(an_error_event_becomes_an_in_band_error_that_fails_the_hop)
{
    const std::string out = translate_split(
        event("error", R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})"), {});
    const auto events = data_events(out);
    BOOST_REQUIRE_EQUAL(events.size(), 1u);
    BOOST_TEST(
        json::parse(events[0]) ==
        json::parse(
            R"({"error":{"message":"Overloaded","type":"overloaded_error","code":"overloaded_error"}})"));

    // Through the stream machine: the hop fails with an in-band error (and so fails over).
    baton::streaming::stream_state st({});
    st.begin_hop();
    baton::streaming::sse_event ev;
    ev.has_data = true;
    ev.data = events[0];
    BOOST_TEST((st.on_event(ev).kind == baton::streaming::stream_action_kind::fail));
    BOOST_TEST((st.last_failure() == baton::streaming::stream_trigger::error_event));
}

BOOST_AUTO_TEST_CASE(data_that_is_no_event_fails_the_hop_as_malformed)
{
    for (const auto* data :
         {"not json", "{\"type\":", "[1]", "{\"type\":\"content_block_delta\",\"delta\":7}"}) {
        messages_stream_translator t(1);
        std::string out;
        baton::streaming::sse_event ev;
        ev.has_data = true;
        ev.data = data;
        t.translate(ev, out);
        baton::streaming::stream_state st({});
        st.begin_hop();
        baton::streaming::sse_event translated;
        translated.has_data = true;
        const auto events = data_events(out);
        BOOST_TEST_CONTEXT(data)
        {
            BOOST_REQUIRE_EQUAL(events.size(), 1u);
            translated.data = events[0];
            BOOST_TEST((st.on_event(translated).kind == baton::streaming::stream_action_kind::fail));
            BOOST_TEST((st.last_failure() == baton::streaming::stream_trigger::malformed_event));
        }
    }
}

BOOST_AUTO_TEST_CASE(unknown_events_are_ignored)
{
    BOOST_TEST(translate_split(event("content_block_stop", R"({"type":"content_block_stop","index":0})") +
                                   event("future_event", R"({"type":"future_event"})"),
                               {})
                   .empty());
}

BOOST_AUTO_TEST_SUITE_END()
