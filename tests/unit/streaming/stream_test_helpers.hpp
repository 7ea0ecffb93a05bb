#pragma once

// Shared by the streaming tests: printing for Boost.Test, OpenAI chunk builders and a relay simulator that
// carries out stream_state's actions the way net/'s relay does, so a test can assert the client's exact
// bytes.

#include "streaming/sse_parser.hpp"
#include "streaming/stream_state.hpp"

#include <boost/json.hpp>

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace baton::streaming {

inline std::ostream& operator<<(std::ostream& os, stream_action_kind k)
{
    switch (k) {
    case stream_action_kind::forward:
        return os << "forward";
    case stream_action_kind::drop:
        return os << "drop";
    case stream_action_kind::replace:
        return os << "replace";
    case stream_action_kind::done:
        return os << "done";
    case stream_action_kind::fail:
        return os << "fail";
    }
    return os << "?";
}

inline std::ostream& operator<<(std::ostream& os, stream_trigger t)
{
    return os << to_string(t);
}

inline std::ostream& operator<<(std::ostream& os, const token_usage& u)
{
    return os << "{" << u.prompt_tokens << "," << u.completion_tokens << "," << u.total_tokens << "}";
}

}  // namespace baton::streaming

namespace baton::routing {

inline std::ostream& operator<<(std::ostream& os, stream_failover_mode m)
{
    switch (m) {
    case stream_failover_mode::continue_:
        return os << "continue";
    case stream_failover_mode::restart:
        return os << "restart";
    case stream_failover_mode::off:
        return os << "off";
    }
    return os << "?";
}

}  // namespace baton::routing

namespace baton::streaming::test {

/// The data of one chat chunk carrying `content` (or only the role when `role` is set and content empty).
inline std::string chat_chunk(std::string_view content, bool role = false, std::string_view id = "c1")
{
    std::string s = "{\"id\":\"";
    s += id;
    s += "\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,"
         "\"delta\":{";
    if (role) {
        s += "\"role\":\"assistant\",";
    }
    s += "\"content\":";
    s += boost::json::serialize(boost::json::string(content));
    s += "},\"finish_reason\":null}],\"usage\":null}";
    return s;
}

inline std::string chat_role(std::string_view id = "c1")
{
    return chat_chunk("", true, id);
}

inline std::string chat_finish(std::string_view id = "c1")
{
    std::string s = "{\"id\":\"";
    s += id;
    s += "\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,"
         "\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}";
    return s;
}

inline std::string chat_usage(int prompt, int completion, std::string_view id = "c1")
{
    std::string s = "{\"id\":\"";
    s += id;
    s += "\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[],\"usage\":{"
         "\"prompt_tokens\":";
    s += std::to_string(prompt);
    s += ",\"completion_tokens\":";
    s += std::to_string(completion);
    s += ",\"total_tokens\":";
    s += std::to_string(prompt + completion);
    s += "}}";
    return s;
}

inline std::string text_chunk(std::string_view text, bool finish = false)
{
    std::string s = "{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1,\"choices\":[{\"text\":";
    s += boost::json::serialize(boost::json::string(text));
    s += ",\"index\":0,\"logprobs\":null,\"finish_reason\":";
    s += finish ? "\"length\"" : "null";
    s += "}],\"model\":\"m\"}";
    return s;
}

/// "data: <payload>\n\n".
inline std::string sse(std::string_view payload)
{
    std::string s = "data: ";
    s += payload;
    s += "\n\n";
    return s;
}

inline const std::string done_bytes = "data: [DONE]\n\n";

/// An sse_event over `data` (a single data line: what the parser gives for sse(data)).
inline sse_event data_event(std::string_view data)
{
    sse_event ev;
    ev.data = data;
    ev.has_data = true;
    ev.size = data.size() + 8;
    return ev;
}

/// How a scripted upstream hop ends after its bytes (oversized: the relay found one event past
/// max_event_bytes).
enum class hop_end { none, clean_eof, cut, idle, oversized };

/// One scripted upstream response: its body bytes, then its end.
struct hop_script {
    std::string bytes;
    hop_end end = hop_end::clean_eof;
};

/// What the client saw and what each upstream was asked.
struct relay_result {
    std::string client;                         ///< bytes written to the client
    std::vector<boost::json::object> requests;  ///< request body sent to each hop
    std::vector<stream_action_kind> actions;    ///< every action, in order
    bool completed = false;                     ///< done was reached
    bool json_error = false;                    ///< failed before commit with nothing left: plain JSON error
};

/// Drives `st` over the scripted hops like net/'s relay: parses each hop's bytes with an sse_parser fed in
/// `read_size`-byte reads, carries out every action, fails over while can_fail_over() and hops are left,
/// and ends with final_error() when nothing is left after commit.
inline relay_result run_relay(stream_state& st, const boost::json::object& original,
                              const std::vector<hop_script>& hops, std::size_t read_size = 7,
                              routing::continuation how = routing::continuation::instruct)
{
    relay_result r;
    for (std::size_t h = 0; h < hops.size(); ++h) {
        r.requests.push_back(st.next_request(original, how));
        st.begin_hop();
        sse_parser parser;
        std::string buffer;
        std::optional<stream_action> last;
        const std::string& bytes = hops[h].bytes;
        for (std::size_t off = 0; off < bytes.size() && !last; off += read_size) {
            buffer.append(bytes, off, read_size);
            while (auto ev = parser.next(buffer)) {
                const stream_action a = st.on_event(*ev);
                r.actions.push_back(a.kind);
                if (a.kind == stream_action_kind::forward) {
                    r.client.append(buffer, 0, ev->size);
                } else if (a.kind == stream_action_kind::replace || a.kind == stream_action_kind::done) {
                    r.client.append(a.payload);
                }
                buffer.erase(0, ev->size);
                if (a.kind == stream_action_kind::done || a.kind == stream_action_kind::fail) {
                    last = a;
                    break;
                }
            }
        }
        if (!last) {
            stream_action a;
            switch (hops[h].end) {
            case hop_end::none:
                return r;
            case hop_end::clean_eof:
                a = st.on_upstream_end(true);
                break;
            case hop_end::cut:
                a = st.on_upstream_end(false);
                break;
            case hop_end::idle:
                a = st.on_idle_timeout();
                break;
            case hop_end::oversized:
                a = st.on_oversized_event();
                break;
            }
            r.actions.push_back(a.kind);
            if (a.kind == stream_action_kind::done) {
                r.client.append(a.payload);
            }
            last = a;
        }
        if (last->kind == stream_action_kind::done) {
            r.completed = true;
            return r;
        }
        if (!st.can_fail_over() || h + 1 == hops.size()) {
            break;
        }
    }
    if (st.committed()) {
        r.client += st.final_error();
    } else {
        r.json_error = true;
    }
    return r;
}

/// The assistant text of every data chunk in client bytes (chat delta.content or text), in order.
inline std::vector<std::string> client_texts(std::string_view client)
{
    std::vector<std::string> out;
    sse_parser parser;
    while (auto ev = parser.next(client)) {
        client.remove_prefix(ev->size);
        if (!ev->has_data || ev->data == "[DONE]") {
            continue;
        }
        const boost::json::value v = boost::json::parse(ev->data);
        if (const auto* err = v.as_object().if_contains("error")) {
            out.push_back("error:" + std::string(err->at("code").as_string()));
            continue;
        }
        const auto& choices = v.at("choices").as_array();
        if (choices.empty()) {
            continue;
        }
        const auto& c = choices[0].as_object();
        if (const auto* delta = c.if_contains("delta")) {
            if (const auto* content = delta->as_object().if_contains("content");
                content && content->is_string()) {
                if (!content->as_string().empty()) {
                    out.emplace_back(content->as_string());
                }
            }
        } else if (const auto* text = c.if_contains("text"); text && text->is_string()) {
            out.emplace_back(text->as_string());
        }
    }
    return out;
}

}  // namespace baton::streaming::test
