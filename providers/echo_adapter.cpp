#include "providers/echo_adapter.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdint>

namespace baton::providers {

namespace json = boost::json;

namespace {

std::string text_of(const json::value& content)
{
    if (content.is_string()) return std::string(content.get_string());
    std::string out;
    if (content.is_array()) {
        // Content parts: keep the text ones.
        for (const auto& part : content.get_array()) {
            if (const auto* o = part.if_object()) {
                if (const auto* t = o->if_contains("text"); t && t->is_string()) {
                    if (!out.empty()) out += ' ';
                    out += t->get_string();
                }
            }
        }
    }
    return out;
}

std::string reply_text(api_endpoint endpoint, const json::object& request)
{
    if (endpoint == api_endpoint::completions) {
        if (const auto* p = request.if_contains("prompt")) {
            if (p->is_string()) return std::string(p->get_string());
            if (p->is_array() && !p->get_array().empty() && p->get_array()[0].is_string()) {
                return std::string(p->get_array()[0].get_string());
            }
        }
        return "Hello from baton/echo!";
    }
    if (const auto* msgs = request.if_contains("messages"); msgs && msgs->is_array()) {
        const auto& arr = msgs->get_array();
        for (auto it = arr.rbegin(); it != arr.rend(); ++it) {
            const auto* m = it->if_object();
            if (!m) continue;
            const auto* role = m->if_contains("role");
            if (role && role->is_string() && role->get_string() == "user") {
                if (const auto* c = m->if_contains("content")) {
                    auto t = text_of(*c);
                    if (!t.empty()) return t;
                }
            }
        }
    }
    return "Hello from baton/echo!";
}

std::int64_t words(std::string_view s)
{
    std::int64_t n = 0;
    bool in_word = false;
    for (char c : s) {
        const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
        if (!space && !in_word) ++n;
        in_word = !space;
    }
    return n;
}

std::int64_t prompt_words(api_endpoint endpoint, const json::object& request)
{
    if (endpoint == api_endpoint::completions) return words(reply_text(endpoint, request));
    std::int64_t n = 0;
    if (const auto* msgs = request.if_contains("messages"); msgs && msgs->is_array()) {
        for (const auto& m : msgs->get_array()) {
            if (const auto* o = m.if_object()) {
                if (const auto* c = o->if_contains("content")) n += words(text_of(*c));
            }
        }
    }
    return n;
}

json::object usage(std::int64_t prompt, std::int64_t completion)
{
    return {{"prompt_tokens", prompt},
            {"completion_tokens", completion},
            {"total_tokens", prompt + completion}};
}

/// Splits the reply into word pieces (each keeps its trailing space) for streaming.
std::vector<std::string> pieces(std::string_view text)
{
    std::vector<std::string> out;
    std::string cur;
    for (char c : text) {
        cur += c;
        if (c == ' ') {
            out.push_back(std::move(cur));
            cur.clear();
        }
    }
    if (!cur.empty()) out.push_back(std::move(cur));
    if (out.empty()) out.emplace_back();
    return out;
}

std::string event(const json::value& v)
{
    return "data: " + json::serialize(v) + "\n\n";
}

std::vector<float> embedding_of(std::string_view input)
{
    // FNV-1a over the bytes, then a small xorshift stream: stable across runs and platforms.
    std::uint64_t h = 1469598103934665603ULL;
    for (const char c : input) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ULL;
    }
    std::vector<float> v(8);
    for (auto& x : v) {
        h ^= h << 13;
        h ^= h >> 7;
        h ^= h << 17;
        x = static_cast<float>(static_cast<double>(h % 20001) / 10000.0 - 1.0);
    }
    return v;
}

std::string respond(api_endpoint endpoint, const json::object& request, std::string_view model)
{
    if (endpoint == api_endpoint::embeddings) {
        json::array data;
        std::int64_t tokens = 0;
        auto add = [&](std::string_view text) {
            json::array vec;
            for (float f : embedding_of(text)) vec.push_back(f);
            data.push_back(json::object{{"object", "embedding"},
                                        {"index", static_cast<std::int64_t>(data.size())},
                                        {"embedding", std::move(vec)}});
            tokens += words(text);
        };
        if (const auto* in = request.if_contains("input")) {
            if (in->is_string()) {
                add(in->get_string());
            } else if (in->is_array()) {
                for (const auto& e : in->get_array())
                    add(e.is_string() ? std::string_view(e.get_string()) : "");
            }
        }
        return json::serialize(
            json::object{{"object", "list"},
                         {"data", std::move(data)},
                         {"model", model},
                         {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}});
    }
    const auto text = reply_text(endpoint, request);
    const auto u = usage(prompt_words(endpoint, request), words(text));
    if (endpoint == api_endpoint::completions) {
        return json::serialize(json::object{
            {"id", "cmpl-echo"},
            {"object", "text_completion"},
            {"created", 0},
            {"model", model},
            {"choices",
             json::array{{{"index", 0}, {"text", text}, {"logprobs", nullptr}, {"finish_reason", "stop"}}}},
            {"usage", u}});
    }
    return json::serialize(
        json::object{{"id", "chatcmpl-echo"},
                     {"object", "chat.completion"},
                     {"created", 0},
                     {"model", model},
                     {"choices", json::array{{{"index", 0},
                                              {"message", {{"role", "assistant"}, {"content", text}}},
                                              {"finish_reason", "stop"}}}},
                     {"usage", u}});
}

std::vector<std::string> stream_events(api_endpoint endpoint, const json::object& request,
                                       std::string_view model, bool include_usage)
{
    std::vector<std::string> out;
    const auto text = reply_text(endpoint, request);
    const bool chat = endpoint == api_endpoint::chat_completions;
    const char* object = chat ? "chat.completion.chunk" : "text_completion";
    auto chunk = [&](json::object choice) {
        json::object c{{"id", chat ? "chatcmpl-echo" : "cmpl-echo"},
                       {"object", object},
                       {"created", 0},
                       {"model", model},
                       {"choices", json::array{std::move(choice)}}};
        return event(c);
    };
    if (chat) {
        out.push_back(chunk(
            {{"index", 0}, {"delta", {{"role", "assistant"}, {"content", ""}}}, {"finish_reason", nullptr}}));
    }
    for (auto& p : pieces(text)) {
        if (chat) {
            out.push_back(chunk({{"index", 0}, {"delta", {{"content", p}}}, {"finish_reason", nullptr}}));
        } else {
            out.push_back(chunk({{"index", 0}, {"text", p}, {"finish_reason", nullptr}}));
        }
    }
    if (chat) {
        out.push_back(chunk({{"index", 0}, {"delta", json::object{}}, {"finish_reason", "stop"}}));
    } else {
        out.push_back(chunk({{"index", 0}, {"text", ""}, {"finish_reason", "stop"}}));
    }
    if (include_usage) {
        json::object c{{"id", chat ? "chatcmpl-echo" : "cmpl-echo"},
                       {"object", object},
                       {"created", 0},
                       {"model", model},
                       {"choices", json::array{}},
                       {"usage", usage(prompt_words(endpoint, request), words(text))}};
        out.push_back(event(c));
    }
    out.emplace_back("data: [DONE]\n\n");
    return out;
}

}  // namespace

local_answer echo_adapter::answer(api_endpoint endpoint, std::string_view request_body, bool stream) const
{
    boost::system::error_code ec;
    const json::value parsed = json::parse(request_body, ec);
    const json::object empty;
    const json::object& request = !ec && parsed.is_object() ? parsed.get_object() : empty;
    std::string_view model = "echo";
    if (const auto* m = request.if_contains("model"); m && m->is_string()) model = m->get_string();
    if (!stream) return {200, respond(endpoint, request, model)};
    bool include_usage = false;
    if (const auto* so = request.if_contains("stream_options"); so && so->is_object()) {
        const auto* iu = so->get_object().if_contains("include_usage");
        include_usage = iu && iu->is_bool() && iu->get_bool();
    }
    local_answer a;
    for (const auto& ev : stream_events(endpoint, request, model, include_usage)) a.body += ev;
    return a;
}

}  // namespace baton::providers
