#include "fake_upstream/openai_bodies.hpp"

#include <boost/json.hpp>

namespace baton::fake {
namespace json = boost::json;

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

json::object usage(std::int64_t completion) {
    return {{"prompt_tokens", fake_prompt_tokens},
            {"completion_tokens", completion},
            {"total_tokens", fake_prompt_tokens + completion}};
}

json::object chunk_head(const body_context& ctx) {
    return {{"id", ctx.id},
            {"object", ctx.ep == endpoint::completions ? "text_completion" : "chat.completion.chunk"},
            {"created", ctx.created},
            {"model", ctx.model}};
}

std::string choice_chunk(const body_context& ctx, json::object delta, json::value finish,
                         std::string_view text) {
    auto o = chunk_head(ctx);
    json::object choice{{"index", 0}};
    if (ctx.ep == endpoint::completions) {
        choice["text"] = text;
        choice["logprobs"] = nullptr;
    } else {
        choice["delta"] = std::move(delta);
    }
    choice["finish_reason"] = std::move(finish);
    o["choices"] = json::array{std::move(choice)};
    return json::serialize(o);
}

// Number of vectors an embeddings request asks for: one per input string or token array.
std::size_t embedding_count(const json::value& request) {
    const auto* input = request.is_object() ? request.get_object().if_contains("input") : nullptr;
    if (input == nullptr || !input->is_array()) return 1;
    const auto& a = input->get_array();
    if (a.empty()) return 0;
    return a[0].is_number() ? 1 : a.size();  // a flat token array is one input
}

}  // namespace

endpoint endpoint_of(std::string_view path) {
    if (auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
    if (ends_with(path, "/v1/messages")) return endpoint::messages;
    if (ends_with(path, "/chat/completions")) return endpoint::chat_completions;
    if (ends_with(path, "/completions")) return endpoint::completions;
    if (ends_with(path, "/embeddings")) return endpoint::embeddings;
    if (ends_with(path, "/models")) return endpoint::models;
    return endpoint::unknown;
}

std::string error_body(unsigned status, const json::object& fields) {
    json::object e{{"message", "fake upstream error (status " + std::to_string(status) + ")"},
                   {"type", status == 429   ? "rate_limit_error"
                            : status >= 500 ? "server_error"
                                            : "invalid_request_error"},
                   {"param", nullptr},
                   {"code", status == 429 ? json::value("rate_limit_exceeded") : json::value(nullptr)}};
    for (const auto& kv : fields) e[kv.key()] = kv.value();
    return json::serialize(json::object{{"error", std::move(e)}});
}

std::string default_body(const body_context& ctx, const json::value& request,
                         const std::optional<std::string>& content) {
    const std::string text = content.value_or("ok from " + ctx.name);
    json::object o;
    switch (ctx.ep) {
        case endpoint::chat_completions:
            o = {{"id", ctx.id},
                 {"object", "chat.completion"},
                 {"created", ctx.created},
                 {"model", ctx.model},
                 {"choices", json::array{json::object{
                                 {"index", 0},
                                 {"message", json::object{{"role", "assistant"}, {"content", text}}},
                                 {"logprobs", nullptr},
                                 {"finish_reason", "stop"}}}},
                 {"usage", usage(fake_completion_tokens)}};
            break;
        case endpoint::completions:
            o = {{"id", ctx.id},
                 {"object", "text_completion"},
                 {"created", ctx.created},
                 {"model", ctx.model},
                 {"choices",
                  json::array{json::object{
                      {"text", text}, {"index", 0}, {"logprobs", nullptr}, {"finish_reason", "stop"}}}},
                 {"usage", usage(fake_completion_tokens)}};
            break;
        case endpoint::embeddings: {
            json::array data;
            for (std::size_t i = 0; i < embedding_count(request); ++i) {
                const auto base = static_cast<double>(i + 1);
                data.push_back(json::object{{"object", "embedding"},
                                            {"index", i},
                                            {"embedding", json::array{0.1 * base, 0.2, 0.3, 0.4}}});
            }
            o = {{"object", "list"},
                 {"data", std::move(data)},
                 {"model", ctx.model},
                 {"usage",
                  json::object{{"prompt_tokens", fake_prompt_tokens}, {"total_tokens", fake_prompt_tokens}}}};
            break;
        }
        case endpoint::messages:  // answered by anthropic_message_body
        case endpoint::models:
        case endpoint::unknown:
            o = {
                {"object", "list"},
                {"data",
                 json::array{json::object{
                     {"id", ctx.name}, {"object", "model"}, {"created", 0}, {"owned_by", "fake-upstream"}}}}};
            break;
    }
    return json::serialize(o);
}

std::string role_chunk(const body_context& ctx) {
    return choice_chunk(ctx, {{"role", "assistant"}, {"content", ""}}, nullptr, "");
}

std::string content_chunk(const body_context& ctx, std::string_view text) {
    return choice_chunk(ctx, {{"content", text}}, nullptr, text);
}

std::string finish_chunk(const body_context& ctx) { return choice_chunk(ctx, {}, "stop", ""); }

std::string usage_chunk(const body_context& ctx, std::int64_t completion_tokens) {
    auto o = chunk_head(ctx);
    o["choices"] = json::array{};
    o["usage"] = usage(completion_tokens);
    return json::serialize(o);
}

}  // namespace baton::fake
