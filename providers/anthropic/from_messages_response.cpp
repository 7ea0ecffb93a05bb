#include "providers/anthropic/from_messages_response.hpp"

#include "providers/anthropic/messages_usage.hpp"
#include "providers/anthropic/raw_json.hpp"

namespace baton::providers::anthropic {

bool from_messages_response(std::string_view body, std::int64_t created, std::string& out,
                            streaming::token_usage& usage)
{
    // {"id":"msg_..","type":"message","role":"assistant","model":"..","content":[...],"stop_reason":"end_turn",
    //  "stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":5,...}}
    raw_object message(body);
    std::string_view k;
    std::string_view v;
    std::string_view id;
    std::string_view model;
    std::string_view content;
    std::string_view stop;
    std::string_view type;
    messages_usage counts;
    while (message.next(k, v)) {
        if (k == "id") {
            id = v;
        } else if (k == "model") {
            model = v;
        } else if (k == "content") {
            content = v;
        } else if (k == "stop_reason") {
            stop = v;
        } else if (k == "usage") {
            counts.read(v);
        } else if (k == "type") {
            type = v;
        }
    }
    if (!message.ok() || content.empty() || content.front() != '[' || type == "\"error\"") {
        return false;
    }

    std::string text;
    std::string reasoning;
    std::string calls;
    int call_count = 0;
    // The content array's blocks: walk them as the values of a JSON array.
    std::size_t i = 1;
    const auto skip = [&] {
        while (i < content.size() && (content[i] == ' ' || content[i] == '\n' || content[i] == '\t' ||
                                      content[i] == '\r' || content[i] == ',')) {
            ++i;
        }
    };
    for (skip(); i < content.size() && content[i] != ']'; skip()) {
        const std::size_t end = raw_value_end(content, i);
        if (end == std::string_view::npos) {
            return false;
        }
        const std::string_view block = content.substr(i, end - i);
        i = end;
        if (block.front() != '{') {
            continue;
        }
        raw_object b(block);
        std::string_view btype;
        std::string_view btext;
        std::string_view bid;
        std::string_view bname;
        std::string_view binput;
        std::string_view bthinking;
        while (b.next(k, v)) {
            if (k == "type") {
                btype = raw_string_body(v);
            } else if (k == "text") {
                btext = raw_string_body(v);
            } else if (k == "id") {
                bid = v;
            } else if (k == "name") {
                bname = v;
            } else if (k == "input") {
                binput = v;
            } else if (k == "thinking") {
                bthinking = raw_string_body(v);
            }
        }
        if (btype == "text") {
            text += btext;  // raw string bodies join into a raw string body
        } else if (btype == "thinking") {
            reasoning += bthinking;
        } else if (btype == "tool_use") {
            calls += call_count++ == 0 ? "" : ",";
            calls += "{\"id\":";
            calls += is_raw_string(bid) ? bid : std::string_view("\"\"");
            calls += ",\"type\":\"function\",\"function\":{\"name\":";
            calls += is_raw_string(bname) ? bname : std::string_view("\"\"");
            calls += ",\"arguments\":\"";
            append_escaped(calls, binput.empty() ? std::string_view("{}") : binput);
            calls += "\"}}";
        }
    }

    out.clear();
    out += "{\"id\":";
    out += is_raw_string(id) ? id : std::string_view("\"\"");
    out += ",\"object\":\"chat.completion\",\"created\":";
    out += std::to_string(created);
    out += ",\"model\":";
    out += is_raw_string(model) ? model : std::string_view("\"\"");
    out += ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":";
    if (text.empty() && call_count > 0) {
        out += "null";
    } else {
        out += '"';
        out += text;
        out += '"';
    }
    if (!reasoning.empty()) {
        out += ",\"reasoning_content\":\"";
        out += reasoning;
        out += '"';
    }
    if (call_count > 0) {
        out += ",\"tool_calls\":[";
        out += calls;
        out += ']';
    }
    out += "},\"finish_reason\":\"";
    out += finish_reason_of(raw_string_body(stop));
    out += "\"}],\"usage\":";
    counts.append_openai(out);
    out += '}';
    usage = counts.openai();
    return true;
}

}  // namespace baton::providers::anthropic
