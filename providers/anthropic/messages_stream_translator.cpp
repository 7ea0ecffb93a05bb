#include "providers/anthropic/messages_stream_translator.hpp"

#include "providers/anthropic/raw_json.hpp"

#include <optional>

namespace baton::providers::anthropic {

namespace {

// The two events that make up almost all of a stream, exactly as Anthropic writes them: matched byte for
// byte so that a delta costs one scan of its text (anything else goes the general way).
constexpr std::string_view delta_head = R"({"type":"content_block_delta","index":)";
constexpr std::string_view text_delta_mid = R"(,"delta":{"type":"text_delta","text":)";
constexpr std::string_view json_delta_mid = R"(,"delta":{"type":"input_json_delta","partial_json":)";

struct quick_delta {
    std::int64_t index = 0;
    std::string_view text;  // the raw JSON string (quotes included)
    bool json = false;      // input_json_delta rather than text_delta
};

// `data` as {"type":"content_block_delta","index":N,"delta":{"type":"text_delta","text":"..."}} (or its
// input_json_delta twin), or nullopt when it is written any other way.
std::optional<quick_delta> match_delta(std::string_view data) noexcept
{
    if (!data.starts_with(delta_head)) {
        return std::nullopt;
    }
    std::size_t i = delta_head.size();
    std::size_t digits = i;
    while (digits < data.size() && data[digits] >= '0' && data[digits] <= '9') {
        ++digits;
    }
    quick_delta q;
    const auto index = raw_count(data.substr(i, digits - i));
    if (!index) {
        return std::nullopt;
    }
    q.index = *index;
    std::string_view rest = data.substr(digits);
    if (rest.starts_with(text_delta_mid)) {
        rest.remove_prefix(text_delta_mid.size());
    } else if (rest.starts_with(json_delta_mid)) {
        rest.remove_prefix(json_delta_mid.size());
        q.json = true;
    } else {
        return std::nullopt;
    }
    if (rest.empty() || rest.front() != '"') {
        return std::nullopt;
    }
    const std::size_t end = raw_value_end(rest, 0);
    if (end == std::string_view::npos || rest.substr(end) != "}}") {
        return std::nullopt;
    }
    q.text = rest.substr(0, end);
    return q;
}

constexpr std::string_view malformed_event = "data: malformed upstream event\n\n";

void append_error(std::string& out, std::string_view data)
{
    // {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}
    const std::string_view err = raw_object(data).find("error");
    std::string_view type;
    std::string_view message;
    if (!err.empty() && err.front() == '{') {
        raw_object e(err);
        type = e.find("type");
        message = e.find("message");
    }
    out += "data: {\"error\":{\"message\":";
    out += is_raw_string(message) ? message : std::string_view("\"upstream error event\"");
    out += ",\"type\":";
    out += is_raw_string(type) ? type : std::string_view("\"api_error\"");
    out += ",\"code\":";
    out += is_raw_string(type) ? type : std::string_view("null");
    out += "}}\n\n";
}

}  // namespace

void messages_stream_translator::translate(const streaming::sse_event& ev, std::string& out)
{
    if (!ev.has_data) {
        return;
    }
    if (ev.event == "error") {
        append_error(out, ev.data);
        return;
    }
    if (const auto q = match_delta(ev.data)) {
        emit_delta(q->index, q->text, q->json ? delta_kind::arguments : delta_kind::content, out);
        return;
    }
    raw_object event(ev.data);
    // "type" comes first in every event Anthropic sends; find() copes when it does not.
    std::string_view k;
    std::string_view type;
    if (!event.next(k, type) || k != "type") {
        type = event.find("type");
    }
    if (!event.ok() || !is_raw_string(type)) {
        out += malformed_event;
        return;
    }
    type = raw_string_body(type);
    if (type == "content_block_delta") {
        block_delta(ev.data, out);
    } else if (type == "message_start") {
        start(raw_object(ev.data).find("message"));
        open_chunk(out);
        out += "{\"role\":\"assistant\",\"content\":\"\"}";
        close_chunk(out);
    } else if (type == "content_block_start") {
        block_start(ev.data, out);
    } else if (type == "message_delta") {
        message_delta(ev.data, out);
    } else if (type == "message_stop") {
        out += "data: [DONE]\n\n";
    } else if (type == "error") {
        append_error(out, ev.data);
    }
    // ping (it keeps the upstream leg alive, which the relay's idle deadline sees), content_block_stop and
    // event types added later carry nothing a chunk needs.
}

void messages_stream_translator::start(std::string_view message)
{
    head_.clear();
    tools_.clear();
    usage_ = {};
    std::string_view id;
    std::string_view model;
    if (!message.empty() && message.front() == '{') {
        raw_object m(message);
        std::string_view k;
        std::string_view v;
        while (m.next(k, v)) {
            if (k == "id") {
                id = v;
            } else if (k == "model") {
                model = v;
            } else if (k == "usage") {
                usage_.read(v);
            }
        }
    }
    make_head(id, model);
}

void messages_stream_translator::make_head(std::string_view id, std::string_view model)
{
    head_.clear();
    head_ += "{\"id\":";
    head_ += is_raw_string(id) ? id : std::string_view("\"\"");
    head_ += ",\"object\":\"chat.completion.chunk\",\"created\":";
    head_ += std::to_string(created_);
    head_ += ",\"model\":";
    head_ += is_raw_string(model) ? model : std::string_view("\"\"");
    head_ += ',';
}

void messages_stream_translator::open_chunk(std::string& out)
{
    if (head_.empty()) {
        make_head({}, {});  // a stream that skipped message_start: chunks without id and model, still chunks
    }
    out += "data: ";
    out += head_;
    out += "\"choices\":[{\"index\":0,\"delta\":";
}

void messages_stream_translator::close_chunk(std::string& out, std::string_view finish_reason)
{
    if (finish_reason.empty()) {
        out += ",\"finish_reason\":null}]}\n\n";
        return;
    }
    out += ",\"finish_reason\":\"";
    out += finish_reason;
    out += "\"}]}\n\n";
}

int messages_stream_translator::tool_index(std::int64_t block) const noexcept
{
    for (const auto& [b, t] : tools_) {
        if (b == block) {
            return t;
        }
    }
    return -1;
}

void messages_stream_translator::block_start(std::string_view data, std::string& out)
{
    // {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":..,"name":..,"input":{}}}
    raw_object event(data);
    const auto index = raw_count(event.find("index"));
    const std::string_view block = event.find("content_block");
    if (block.empty() || block.front() != '{') {
        return;
    }
    raw_object b(block);
    const std::string_view type = raw_string_body(b.find("type"));
    if (type == "text") {
        const std::string_view text = b.find("text");
        if (raw_string_body(text).empty()) {
            return;
        }
        open_chunk(out);
        out += "{\"content\":";
        out += text;
        out += '}';
        close_chunk(out);
        return;
    }
    if (type != "tool_use" || !index) {
        return;
    }
    const int call = static_cast<int>(tools_.size());
    tools_.emplace_back(*index, call);
    const std::string_view id = b.find("id");
    const std::string_view name = b.find("name");
    open_chunk(out);
    out += "{\"tool_calls\":[{\"index\":";
    out += std::to_string(call);
    out += ",\"id\":";
    out += is_raw_string(id) ? id : std::string_view("\"\"");
    out += ",\"type\":\"function\",\"function\":{\"name\":";
    out += is_raw_string(name) ? name : std::string_view("\"\"");
    out += ",\"arguments\":\"\"}}]}";
    close_chunk(out);
}

void messages_stream_translator::block_delta(std::string_view data, std::string& out)
{
    // {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}
    raw_object event(data);
    std::string_view k;
    std::string_view v;
    std::string_view delta;
    std::string_view index;
    while (event.next(k, v)) {
        if (k == "delta") {
            delta = v;
        } else if (k == "index") {
            index = v;
        }
    }
    if (!event.ok() || delta.empty() || delta.front() != '{') {
        out += malformed_event;
        return;
    }
    raw_object d(delta);
    std::string_view type;
    std::string_view text;
    std::string_view field;
    while (d.next(k, v)) {
        if (k == "type") {
            type = raw_string_body(v);
        } else if (k == "text" || k == "partial_json" || k == "thinking") {
            text = v;
            field = k;
        }
    }
    if (!is_raw_string(text)) {
        return;
    }
    const auto block = raw_count(index);
    if (type == "text_delta" && field == "text") {
        emit_delta(block.value_or(0), text, delta_kind::content, out);
    } else if (type == "input_json_delta" && field == "partial_json" && block) {
        emit_delta(*block, text, delta_kind::arguments, out);
    } else if (type == "thinking_delta" && field == "thinking") {
        emit_delta(block.value_or(0), text, delta_kind::reasoning, out);
    }
}

void messages_stream_translator::emit_delta(std::int64_t block, std::string_view raw_text, delta_kind kind,
                                            std::string& out)
{
    if (kind == delta_kind::arguments) {
        const int call = tool_index(block);
        if (call < 0 || raw_string_body(raw_text).empty()) {
            return;
        }
        open_chunk(out);
        out += "{\"tool_calls\":[{\"index\":";
        out += std::to_string(call);
        out += ",\"function\":{\"arguments\":";
        out += raw_text;
        out += "}}]}";
        close_chunk(out);
        return;
    }
    open_chunk(out);
    out += kind == delta_kind::content ? "{\"content\":" : "{\"reasoning_content\":";
    out += raw_text;
    out += '}';
    close_chunk(out);
}

void messages_stream_translator::message_delta(std::string_view data, std::string& out)
{
    // {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}
    raw_object event(data);
    std::string_view k;
    std::string_view v;
    std::string_view stop;
    while (event.next(k, v)) {
        if (k == "delta" && !v.empty() && v.front() == '{') {
            stop = raw_object(v).find("stop_reason");
        } else if (k == "usage") {
            usage_.read(v);
        }
    }
    if (is_raw_string(stop)) {
        open_chunk(out);
        out += "{}";
        close_chunk(out, finish_reason_of(raw_string_body(stop)));
    }
    if (head_.empty()) {
        make_head({}, {});
    }
    out += "data: ";
    out += head_;
    out += "\"choices\":[],\"usage\":";
    usage_.append_openai(out);
    out += "}\n\n";
}

}  // namespace baton::providers::anthropic
