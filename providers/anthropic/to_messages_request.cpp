#include "providers/anthropic/to_messages_request.hpp"

#include "providers/anthropic/json_writer.hpp"
#include "providers/anthropic/raw_json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>

namespace baton::providers::anthropic {

namespace json = boost::json;

namespace {

std::string_view str(const json::value* v) noexcept
{
    return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view{};
}

void note(std::string& dropped, std::string_view key)
{
    if (!dropped.empty()) {
        dropped += ',';
    }
    dropped += key;
}

// Appends ',"cache_control":{...}' when `o` has one.
void append_cache_control(std::string& out, const json::object& o)
{
    if (const auto* cc = o.if_contains("cache_control"); cc != nullptr && cc->is_object()) {
        out += ",\"cache_control\":";
        append_value(out, *cc);
    }
}

// Blocks of one turn are written comma-separated into a buffer; `sep` adds the comma when needed.
void sep(std::string& blocks)
{
    if (!blocks.empty()) {
        blocks += ',';
    }
}

void text_block(std::string& blocks, std::string_view text, const json::object* part = nullptr)
{
    if (text.empty()) {
        return;  // "text content blocks must be non-empty"
    }
    sep(blocks);
    blocks += "{\"type\":\"text\",\"text\":";
    append_string(blocks, text);
    if (part != nullptr) {
        append_cache_control(blocks, *part);
    }
    blocks += '}';
}

// "data:<media type>;base64,<data>" → (media type, data); false for any other URL.
bool split_data_uri(std::string_view url, std::string_view& media, std::string_view& data)
{
    if (!url.starts_with("data:")) {
        return false;
    }
    const auto semi = url.find(";base64,");
    if (semi == std::string_view::npos) {
        return false;
    }
    media = url.substr(5, semi - 5);
    data = url.substr(semi + 8);
    return true;
}

void base64_source(std::string& blocks, std::string_view media, std::string_view data)
{
    blocks += "\"source\":{\"type\":\"base64\",\"media_type\":";
    append_string(blocks, media);
    blocks += ",\"data\":";
    append_string(blocks, data);
    blocks += '}';
}

bool is_native_block(std::string_view type)
{
    return type == "image" || type == "document" || type == "tool_use" || type == "tool_result" ||
           type == "thinking" || type == "redacted_thinking" || type == "search_result";
}

// One OpenAI content part → zero or one Anthropic block.
void part_block(std::string& blocks, const json::object& part, std::string& dropped)
{
    const std::string_view type = str(part.if_contains("type"));
    if (type == "text") {
        text_block(blocks, str(part.if_contains("text")), &part);
        return;
    }
    if (type == "image_url") {
        const json::value* iu = part.if_contains("image_url");
        std::string_view url = str(iu);
        if (iu != nullptr && iu->is_object()) {
            url = str(iu->get_object().if_contains("url"));
        }
        if (url.empty()) {
            note(dropped, "image_url");
            return;
        }
        sep(blocks);
        blocks += "{\"type\":\"image\",";
        std::string_view media;
        std::string_view data;
        if (split_data_uri(url, media, data)) {
            base64_source(blocks, media, data);
        } else {
            blocks += "\"source\":{\"type\":\"url\",\"url\":";
            append_string(blocks, url);
            blocks += '}';
        }
        append_cache_control(blocks, part);
        blocks += '}';
        return;
    }
    if (type == "file") {
        const json::value* f = part.if_contains("file");
        std::string_view media;
        std::string_view data;
        if (f != nullptr && f->is_object() &&
            split_data_uri(str(f->get_object().if_contains("file_data")), media, data)) {
            sep(blocks);
            blocks += media.starts_with("image/") ? "{\"type\":\"image\"," : "{\"type\":\"document\",";
            base64_source(blocks, media, data);
            append_cache_control(blocks, part);
            blocks += '}';
            return;
        }
        note(dropped, "file");
        return;
    }
    if (is_native_block(type)) {
        sep(blocks);
        append_value(blocks, json::value(part));
        return;
    }
    note(dropped, type.empty() ? std::string_view("content part") : type);
}

void content_blocks(std::string& blocks, const json::value* content, std::string& dropped)
{
    if (content == nullptr || content->is_null()) {
        return;
    }
    if (content->is_string()) {
        text_block(blocks, content->get_string());
        return;
    }
    if (content->is_array()) {
        for (const auto& p : content->get_array()) {
            if (const auto* o = p.if_object()) {
                part_block(blocks, *o, dropped);
            } else if (p.is_string()) {
                text_block(blocks, p.get_string());
            }
        }
    }
}

// Tool call arguments are a JSON text in a string; Anthropic wants the object itself.
void append_input(std::string& out, std::string_view arguments)
{
    std::size_t b = 0;
    while (b < arguments.size() &&
           (arguments[b] == ' ' || arguments[b] == '\n' || arguments[b] == '\t' || arguments[b] == '\r')) {
        ++b;
    }
    if (b < arguments.size() && arguments[b] == '{') {
        const std::size_t end = raw_value_end(arguments, b);
        if (end != std::string_view::npos &&
            arguments.find_first_not_of(" \t\r\n", end) == std::string_view::npos) {
            out.append(arguments.substr(b, end - b));
            return;
        }
    }
    out += "{}";
}

void tool_use_blocks(std::string& blocks, const json::value* calls)
{
    if (calls == nullptr || !calls->is_array()) {
        return;
    }
    for (const auto& c : calls->get_array()) {
        const auto* call = c.if_object();
        if (call == nullptr) {
            continue;
        }
        const json::value* fn = call->if_contains("function");
        const json::object* f = fn != nullptr ? fn->if_object() : nullptr;
        sep(blocks);
        blocks += "{\"type\":\"tool_use\",\"id\":";
        append_string(blocks, str(call->if_contains("id")));
        blocks += ",\"name\":";
        append_string(blocks, f != nullptr ? str(f->if_contains("name")) : std::string_view{});
        blocks += ",\"input\":";
        append_input(blocks, f != nullptr ? str(f->if_contains("arguments")) : std::string_view{});
        blocks += '}';
    }
}

void tool_result_block(std::string& blocks, const json::object& m, std::string_view id, std::string& dropped)
{
    sep(blocks);
    blocks += "{\"type\":\"tool_result\",\"tool_use_id\":";
    append_string(blocks, id);
    const json::value* content = m.if_contains("content");
    if (content != nullptr && content->is_string()) {
        blocks += ",\"content\":";
        append_string(blocks, content->get_string());
    } else if (content != nullptr && content->is_array()) {
        std::string inner;
        content_blocks(inner, content, dropped);
        blocks += ",\"content\":[";
        blocks += inner;
        blocks += ']';
    }
    append_cache_control(blocks, m);
    blocks += '}';
}

// The turns being written: consecutive messages of one role are merged into one turn.
class turns {
public:
    explicit turns(std::string& out) : out_(out) {}

    std::string& open(std::string_view role)
    {
        if (role != role_) {
            flush();
            role_ = role;
        }
        return blocks_;
    }

    void flush()
    {
        if (!blocks_.empty()) {
            out_ += count_++ == 0 ? "" : ",";
            out_ += "{\"role\":\"";
            out_ += role_;
            out_ += "\",\"content\":[";
            out_ += blocks_;
            out_ += "]}";
        }
        blocks_.clear();
    }

private:
    std::string& out_;
    std::string blocks_;
    std::string_view role_;
    std::size_t count_ = 0;
};

void write_messages(std::string& out, std::string& system, const json::array& messages, std::string& dropped)
{
    out += ",\"messages\":[";
    turns t(out);
    for (const auto& mv : messages) {
        const auto* m = mv.if_object();
        if (m == nullptr) {
            continue;
        }
        const std::string_view role = str(m->if_contains("role"));
        if (role == "system" || role == "developer") {
            content_blocks(system, m->if_contains("content"), dropped);
            continue;
        }
        if (role == "assistant") {
            std::string& blocks = t.open("assistant");
            if (const auto* tb = m->if_contains("thinking_blocks"); tb != nullptr && tb->is_array()) {
                for (const auto& b : tb->get_array()) {
                    if (b.is_object()) {
                        sep(blocks);
                        append_value(blocks, b);
                    }
                }
            }
            content_blocks(blocks, m->if_contains("content"), dropped);
            tool_use_blocks(blocks, m->if_contains("tool_calls"));
            continue;
        }
        if (role == "tool") {
            tool_result_block(t.open("user"), *m, str(m->if_contains("tool_call_id")), dropped);
            continue;
        }
        if (role == "function") {
            tool_result_block(t.open("user"), *m, str(m->if_contains("name")), dropped);
            continue;
        }
        std::string& blocks = t.open("user");
        const std::size_t before = blocks.size();
        content_blocks(blocks, m->if_contains("content"), dropped);
        // A message-level cache_control (LiteLLM's shorthand) marks the message's last block.
        if (const auto* cc = m->if_contains("cache_control");
            cc != nullptr && cc->is_object() && blocks.size() > before && blocks.back() == '}') {
            blocks.pop_back();
            blocks += ",\"cache_control\":";
            append_value(blocks, *cc);
            blocks += '}';
        }
    }
    t.flush();
    out += ']';
}

void write_tools(std::string& out, const json::array& tools)
{
    out += ",\"tools\":[";
    bool first = true;
    for (const auto& tv : tools) {
        const auto* tool = tv.if_object();
        if (tool == nullptr) {
            continue;
        }
        out += first ? "" : ",";
        first = false;
        const json::value* fn = tool->if_contains("function");
        if (fn == nullptr || !fn->is_object()) {
            append_value(out, tv);  // Anthropic's own tool shape (or a server tool): as it is
            continue;
        }
        const json::object& f = fn->get_object();
        out += "{\"name\":";
        append_string(out, str(f.if_contains("name")));
        if (const auto* d = f.if_contains("description"); d != nullptr && d->is_string()) {
            out += ",\"description\":";
            append_string(out, d->get_string());
        }
        out += ",\"input_schema\":";
        if (const auto* p = f.if_contains("parameters"); p != nullptr && p->is_object()) {
            append_value(out, *p);
        } else {
            out += "{\"type\":\"object\",\"properties\":{}}";
        }
        append_cache_control(out, *tool);
        out += '}';
    }
    out += ']';
}

void write_tool_choice(std::string& out, const json::value* choice, const json::value* parallel)
{
    const bool serial = parallel != nullptr && parallel->is_bool() && !parallel->get_bool();
    std::string_view type;
    std::string_view name;
    if (choice != nullptr && choice->is_string()) {
        const std::string_view c = choice->get_string();
        type = c == "required" ? "any" : c == "none" ? "none" : c == "auto" ? "auto" : "";
    } else if (choice != nullptr && choice->is_object()) {
        const auto& o = choice->get_object();
        const std::string_view t = str(o.if_contains("type"));
        if (const auto* fn = o.if_contains("function"); fn != nullptr && fn->is_object()) {
            type = "tool";
            name = str(fn->get_object().if_contains("name"));
        } else if (t == "auto" || t == "any" || t == "none" || t == "tool") {
            append_value(out.append(",\"tool_choice\":"), *choice);  // already Anthropic's shape
            return;
        }
    }
    if (type.empty() && serial) {
        type = "auto";
    }
    if (type.empty()) {
        return;
    }
    out += ",\"tool_choice\":{\"type\":\"";
    out += type;
    out += '"';
    if (type == "tool") {
        out += ",\"name\":";
        append_string(out, name);
    }
    if (serial && type != "none") {
        out += ",\"disable_parallel_tool_use\":true";
    }
    out += '}';
}

bool is_number(const json::value* v) noexcept
{
    return v != nullptr && (v->is_int64() || v->is_uint64() || v->is_double());
}

// A token count from any JSON number (to_number would throw for 1.5), clamped to what int64 holds.
std::int64_t as_count(const json::value& v) noexcept
{
    if (v.is_int64()) {
        return v.get_int64();
    }
    if (v.is_uint64()) {
        return static_cast<std::int64_t>(std::min<std::uint64_t>(v.get_uint64(), INT64_MAX));
    }
    const double d = v.get_double();
    return std::isfinite(d) ? static_cast<std::int64_t>(std::clamp(d, -9.0e18, 9.0e18)) : 0;
}

}  // namespace

std::int64_t thinking_budget(std::string_view effort) noexcept
{
    if (effort == "minimal" || effort == "low") {
        return 1024;
    }
    if (effort == "medium") {
        return 2048;
    }
    if (effort == "high") {
        return 4096;
    }
    return 0;
}

void to_messages_request(const json::object& in, std::string_view model, std::string& out,
                         std::string& dropped)
{
    out.clear();
    dropped.clear();
    out += "{\"model\":";
    append_string(out, model);

    std::string system;
    std::int64_t budget = 0;
    std::optional<std::int64_t> max_tokens;
    const json::value* tool_choice = nullptr;
    const json::value* parallel = nullptr;
    bool has_thinking = false;
    for (const auto& kv : in) {
        const std::string_view key = kv.key();
        const json::value& v = kv.value();
        if (key == "model" || key == "stream_options") {
            continue;
        }
        if (key == "messages" && v.is_array()) {
            write_messages(out, system, v.get_array(), dropped);
        } else if ((key == "max_tokens" || key == "max_completion_tokens") && is_number(&v)) {
            if (key == "max_completion_tokens" || !max_tokens) {
                max_tokens = as_count(v);
            }
        } else if ((key == "temperature" || key == "top_p" || key == "top_k") && is_number(&v)) {
            out += ",\"";
            out += key;
            out += "\":";
            append_value(out, v);
        } else if (key == "stream" && v.is_bool()) {
            out += ",\"stream\":";
            out += v.get_bool() ? "true" : "false";
        } else if (key == "stop" && (v.is_string() || v.is_array())) {
            if (v.is_string()) {
                out += ",\"stop_sequences\":[";
                append_string(out, v.get_string());
                out += ']';
            } else if (!v.get_array().empty()) {
                out += ",\"stop_sequences\":";
                append_value(out, v);
            }
        } else if (key == "user" && v.is_string()) {
            out += ",\"metadata\":{\"user_id\":";
            append_string(out, v.get_string());
            out += '}';
        } else if (key == "tools" && v.is_array()) {
            if (!v.get_array().empty()) {
                write_tools(out, v.get_array());
            }
        } else if (key == "tool_choice") {
            tool_choice = &v;
        } else if (key == "parallel_tool_calls" && v.is_bool()) {
            parallel = &v;
        } else if (key == "reasoning_effort" && v.is_string()) {
            budget = thinking_budget(v.get_string());
        } else if (key == "thinking" && v.is_object()) {
            has_thinking = true;
            out += ",\"thinking\":";
            append_value(out, v);
        } else if (key == "n" && v.is_int64() && v.get_int64() == 1) {
            continue;
        } else {
            note(dropped, key);
        }
    }
    if (tool_choice != nullptr || parallel != nullptr) {
        write_tool_choice(out, tool_choice, parallel);
    }
    if (budget > 0 && !has_thinking) {
        out += ",\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":";
        out += std::to_string(budget);
        out += '}';
        if (!max_tokens) {
            // max_tokens counts the thinking too and must exceed the budget.
            max_tokens = std::max(default_max_tokens, budget + default_max_tokens);
        }
    }
    out += ",\"max_tokens\":";
    out += std::to_string(max_tokens.value_or(default_max_tokens));
    if (!system.empty()) {
        out += ",\"system\":[";
        out += system;
        out += ']';
    }
    out += '}';
}

}  // namespace baton::providers::anthropic
