// libFuzzer target for the Anthropic translation (providers/anthropic/), every parser in it:
// - the stream translator over fuzzed upstream bytes (Messages API events with fuzzed fields, or raw bytes),
//   parsed by sse_parser, its output fed to stream_state as call_fsm does;
// - the response translation and error classification over the same bytes;
// - the request translation over the bytes parsed as JSON (when they are).
// Invariants: no crash or sanitizer report; every translated data event is "[DONE]", or a JSON object
// (boost::json accepts it), or the malformed marker; a usable response translation is a JSON object with
// choices; the request translation is a JSON object with model and max_tokens.
#include "providers/anthropic/classify_messages_error.hpp"
#include "providers/anthropic/from_messages_response.hpp"
#include "providers/anthropic/messages_stream_translator.hpp"
#include "providers/anthropic/to_messages_request.hpp"
#include "streaming/sse_parser.hpp"
#include "streaming/stream_state.hpp"

#include <fuzzer/FuzzedDataProvider.h>
#include <boost/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace {

using namespace baton;

void check(bool ok)
{
    if (!ok) {
        std::abort();
    }
}

std::string json_string(const std::string& s)
{
    return boost::json::serialize(boost::json::string(s));
}

std::string make_event(FuzzedDataProvider& fdp)
{
    const auto text = [&] { return json_string(fdp.ConsumeRandomLengthString(24)); };
    const auto index = [&] { return std::to_string(fdp.ConsumeIntegralInRange<int>(-1, 3)); };
    const auto ev = [](std::string_view name, const std::string& data) {
        return "event: " + std::string(name) + "\ndata: " + data + "\n\n";
    };
    switch (fdp.ConsumeIntegralInRange<int>(0, 11)) {
    case 0:
        return ev("message_start", R"({"type":"message_start","message":{"id":)" + text() + R"(,"model":)" +
                                       text() + R"(,"usage":{"input_tokens":)" +
                                       std::to_string(fdp.ConsumeIntegral<std::int64_t>()) + "}}}");
    case 1:
        return ev("content_block_start", R"({"type":"content_block_start","index":)" + index() +
                                             R"(,"content_block":{"type":"tool_use","id":)" + text() +
                                             R"(,"name":)" + text() + R"(,"input":{}}})");
    case 2:
        return ev("content_block_delta", R"({"type":"content_block_delta","index":)" + index() +
                                             R"(,"delta":{"type":"text_delta","text":)" + text() + "}}");
    case 3:
        return ev("content_block_delta", R"({"type":"content_block_delta","index":)" + index() +
                                             R"(,"delta":{"type":"input_json_delta","partial_json":)" +
                                             text() + "}}");
    case 4:
        return ev("message_delta", R"({"type":"message_delta","delta":{"stop_reason":)" + text() +
                                       R"(},"usage":{"output_tokens":)" +
                                       std::to_string(fdp.ConsumeIntegral<std::uint64_t>()) + "}}");
    case 5:
        return ev("message_stop", R"({"type":"message_stop"})");
    case 6:
        return ev("ping", R"({"type":"ping"})");
    case 7:
        return ev("error", R"({"type":"error","error":{"type":)" + text() + R"(,"message":)" + text() + "}}");
    case 8:
        return ev("content_block_delta",
                  R"({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":)" +
                      text() + "}}");
    case 9:
        return "data: {" + fdp.ConsumeRandomLengthString(48) + "}\n\n";
    default:
        return fdp.ConsumeRandomLengthString(64);
    }
}

void check_translated(std::string_view out, streaming::stream_state& st)
{
    streaming::sse_parser parser;
    std::string buffer(out);
    while (auto ev = parser.next(buffer)) {
        if (ev->has_data && ev->data != "[DONE]" && ev->data != "malformed upstream event") {
            boost::system::error_code ec;
            const boost::json::value v = boost::json::parse(ev->data, ec);
            check(!ec && v.is_object());
        }
        if (st.hop_running()) {
            (void)st.on_event(*ev);
        }
        buffer.erase(0, ev->size);
    }
    check(buffer.empty());  // the translator writes whole events only
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size)
{
    const std::string raw(reinterpret_cast<const char*>(bytes), size);

    // Whole bodies: response, errors, request.
    {
        std::string out;
        streaming::token_usage u;
        if (providers::anthropic::from_messages_response(raw, 1, out, u)) {
            boost::system::error_code ec;
            const boost::json::value v = boost::json::parse(out, ec);
            check(!ec && v.is_object() && v.as_object().contains("choices"));
            check(u.prompt_tokens >= 0 && u.completion_tokens >= 0);
        }
        (void)providers::anthropic::classify_messages_error(static_cast<int>(size % 600), raw);
        boost::system::error_code ec;
        const boost::json::value in = boost::json::parse(raw, ec);
        if (!ec && in.is_object()) {
            std::string dropped;
            providers::anthropic::to_messages_request(in.as_object(), "m", out, dropped);
            const boost::json::value v = boost::json::parse(out, ec);
            check(!ec && v.is_object() && v.as_object().contains("max_tokens"));
        }
    }

    // A stream.
    FuzzedDataProvider fdp(bytes, size);
    providers::anthropic::messages_stream_translator t(1);
    streaming::stream_state st({});
    st.begin_hop();
    streaming::sse_parser parser;
    std::string buffer;
    while (fdp.remaining_bytes() > 0) {
        buffer += make_event(fdp);
        while (auto ev = parser.next(buffer)) {
            std::string out;
            t.translate(*ev, out);
            check_translated(out, st);
            buffer.erase(0, ev->size);
        }
    }
    return 0;
}
