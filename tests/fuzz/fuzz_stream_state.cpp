// libFuzzer target for streaming::stream_state, driven like net/'s relay: the input is a script of hops,
// upstream bytes (OpenAI-shaped chunks with fuzzed fields, or raw fuzzed bytes) parsed by sse_parser,
// upstream ends and idle timeouts. Checks the state machine's invariants after every step:
// - no crash, no sanitizer report, no exception except from a misuse the script never makes;
// - committed() and chunks_relayed() never go back; forward/replace/done commit; the per-hop counts add up;
// - a replace payload is one SSE event holding a JSON object; done writes exactly "data: [DONE]\n\n";
// - fail leaves no hop running and names its trigger; nothing but drop comes outside a running hop;
// - usage() is the sum of the hops' usage; partial_text() only grows;
// - next_request() always streams with include_usage, and continues (chat) with exactly two more messages.
#include "streaming/sse_parser.hpp"
#include "streaming/stream_state.hpp"

#include <fuzzer/FuzzedDataProvider.h>
#include <boost/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace baton::streaming;
using baton::routing::stream_failover_mode;

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

// One upstream event's bytes, picked and filled by the fuzzer.
std::string make_event(FuzzedDataProvider& fdp)
{
    const std::string id = "\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",";
    switch (fdp.ConsumeIntegralInRange<int>(0, 11)) {
    case 0:
        return "data: {" + id +
               "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n";
    case 1:
        return "data: {" + id + "\"choices\":[{\"index\":0,\"delta\":{\"content\":" +
               json_string(fdp.ConsumeRandomLengthString(32)) +
               "},\"finish_reason\":null}],\"usage\":null}\n\n";
    case 2:
        return "data: {\"choices\":[{\"index\":0,\"text\":" + json_string(fdp.ConsumeRandomLengthString(32)) +
               ",\"finish_reason\":null}]}\n\n";
    case 3:
        return "data: {" + id + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n";
    case 4:
        return "data: {" + id + "\"choices\":[],\"usage\":{\"prompt_tokens\":" +
               std::to_string(fdp.ConsumeIntegral<std::int64_t>()) +
               ",\"completion_tokens\":" + std::to_string(fdp.ConsumeIntegral<std::uint64_t>()) + "}}\n\n";
    case 5:
        return "data: [DONE]\n\n";
    case 6:
        return "data: {\"error\":{\"message\":" + json_string(fdp.ConsumeRandomLengthString(16)) + "}}\n\n";
    case 7:
        return "event: error\ndata: " + fdp.ConsumeRandomLengthString(16) + "\n\n";
    case 8:
        return ": keep-alive\n\n";
    case 9:
        return "data: {" + id + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":" +
               json_string(fdp.ConsumeRandomLengthString(8)) + "}}]}\n\n";
    case 10:
        return "data: {" + fdp.ConsumeRandomLengthString(64) + "}\n\n";
    default:
        return fdp.ConsumeRandomLengthString(64);  // raw bytes: anything the parser makes of them
    }
}

struct checker {
    stream_state& st;
    bool committed = false;
    std::size_t relayed = 0;
    std::string partial;

    void after(const stream_action& a, bool was_running)
    {
        if (!was_running) {
            check(a.kind == stream_action_kind::drop);
        }
        switch (a.kind) {
        case stream_action_kind::forward:
            check(st.committed());
            break;
        case stream_action_kind::replace: {
            check(st.committed());
            check(a.payload.size() > 8 && a.payload.substr(0, 6) == "data: " &&
                  a.payload.substr(a.payload.size() - 2) == "\n\n");
            boost::system::error_code ec;
            const boost::json::value v = boost::json::parse(a.payload.substr(6, a.payload.size() - 8), ec);
            check(!ec && v.is_object());
            break;
        }
        case stream_action_kind::done:
            check(st.finished() && st.committed() && !st.hop_running());
            // [DONE], after the one summed usage chunk when the client asked for usage and one was held back.
            check(a.payload.ends_with("data: [DONE]\n\n"));
            check(a.payload == "data: [DONE]\n\n" ||
                  (st.options().client_wants_usage && a.payload.starts_with("data: {") &&
                   a.payload.find("\"usage\"") != std::string_view::npos));
            break;
        case stream_action_kind::fail:
            check(!st.hop_running() && !st.finished());
            check(st.last_failure() == a.trigger);
            check(st.hops().back().failure == a.trigger);
            break;
        case stream_action_kind::drop:
            break;
        }
        check(!committed || st.committed());
        committed = st.committed();
        check(st.chunks_relayed() >= relayed);
        relayed = st.chunks_relayed();
        std::size_t per_hop = 0;
        token_usage sum;
        for (const auto& h : st.hops()) {
            per_hop += h.chunks_relayed;
            sum += h.usage;
        }
        check(per_hop == relayed);
        check(st.usage() == sum);
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size)
{
    FuzzedDataProvider fdp(bytes, size);
    stream_options opts;
    opts.mode = static_cast<stream_failover_mode>(fdp.ConsumeIntegralInRange<int>(0, 2));
    opts.client_wants_usage = fdp.ConsumeBool();
    opts.endpoint = fdp.ConsumeBool() ? endpoint_kind::chat : endpoint_kind::text;
    const boost::json::object original =
        opts.endpoint == endpoint_kind::chat
            ? boost::json::object{{"model", "m"},
                                  {"messages", boost::json::array{boost::json::object{{"role", "user"},
                                                                                      {"content", "q"}}}}}
            : boost::json::object{{"model", "m"}, {"prompt", "p"}};

    stream_state st(opts);
    checker c{st};
    sse_parser parser;
    std::string buffer;
    std::size_t hops = 0;
    while (fdp.remaining_bytes() > 0) {
        const bool running = st.hop_running();
        switch (fdp.ConsumeIntegralInRange<int>(0, 6)) {
        case 0:
            if (!running && !st.finished()) {
                st.begin_hop();
                ++hops;
                parser.reset();
                buffer.clear();
                check(st.hop_running() && st.hop_count() == hops);
            }
            break;
        case 1:
        case 2:
        case 3: {
            buffer += make_event(fdp);
            while (auto ev = parser.next(buffer)) {
                const bool was_running = st.hop_running();
                c.after(st.on_event(*ev), was_running);
                buffer.erase(0, ev->size);
            }
            break;
        }
        case 4:
            c.after(st.on_upstream_end(fdp.ConsumeBool()), running);
            break;
        case 5:
            c.after(st.on_idle_timeout(), running);
            break;
        default: {
            const std::string_view text = st.partial_text();
            check(text.substr(0, c.partial.size()) == c.partial);
            c.partial.assign(text);
            const boost::json::object next = st.next_request(original);
            check(next.at("stream") == true);
            check(next.at("stream_options").at("include_usage") == true);
            if (opts.endpoint == endpoint_kind::chat) {
                const bool continues = opts.mode == stream_failover_mode::continue_ && !text.empty();
                check(next.at("messages").as_array().size() == (continues ? 3u : 1u));
            } else if (opts.mode == stream_failover_mode::continue_) {
                check(next.at("prompt").as_string() == "p" + std::string(text));
            }
            check(st.final_error().substr(0, 16) == "data: {\"error\":{");
            break;
        }
        }
    }
    return 0;
}
