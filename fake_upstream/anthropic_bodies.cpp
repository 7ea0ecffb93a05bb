#include "fake_upstream/anthropic_bodies.hpp"

#include <boost/json.hpp>

namespace baton::fake {
namespace json = boost::json;

namespace {

std::string event(std::string_view type, const json::object& data)
{
    return "event: " + std::string(type) + "\ndata: " + json::serialize(data) + "\n\n";
}

std::string_view default_type(unsigned status)
{
    switch (status) {
    case 529:
        return "overloaded_error";
    case 429:
        return "rate_limit_error";
    case 401:
        return "authentication_error";
    case 403:
        return "permission_error";
    case 404:
        return "not_found_error";
    case 413:
        return "request_too_large";
    default:
        return status >= 500 ? "api_error" : "invalid_request_error";
    }
}

}  // namespace

std::string anthropic_error_body(unsigned status, const json::object& fields)
{
    json::object e{{"type", default_type(status)},
                   {"message", "fake upstream error (status " + std::to_string(status) + ")"}};
    for (const auto& kv : fields) {
        if (kv.key() == "type" || kv.key() == "message") e[kv.key()] = kv.value();
    }
    return json::serialize(json::object{{"type", "error"}, {"error", std::move(e)}});
}

std::string anthropic_message_body(const body_context& ctx, const std::optional<std::string>& content)
{
    return json::serialize(json::object{
        {"id", ctx.id},
        {"type", "message"},
        {"role", "assistant"},
        {"model", ctx.model},
        {"content",
         json::array{json::object{{"type", "text"}, {"text", content.value_or("ok from " + ctx.name)}}}},
        {"stop_reason", "end_turn"},
        {"stop_sequence", nullptr},
        {"usage",
         json::object{{"input_tokens", fake_prompt_tokens}, {"output_tokens", fake_completion_tokens}}}});
}

std::string anthropic_message_start(const body_context& ctx)
{
    return event("message_start",
                 {{"type", "message_start"},
                  {"message", json::object{{"id", ctx.id},
                                           {"type", "message"},
                                           {"role", "assistant"},
                                           {"content", json::array{}},
                                           {"model", ctx.model},
                                           {"stop_reason", nullptr},
                                           {"stop_sequence", nullptr},
                                           {"usage", json::object{{"input_tokens", fake_prompt_tokens},
                                                                  {"output_tokens", 1}}}}}});
}

std::string anthropic_block_start()
{
    return event("content_block_start", {{"type", "content_block_start"},
                                         {"index", 0},
                                         {"content_block", json::object{{"type", "text"}, {"text", ""}}}});
}

std::string anthropic_ping()
{
    return event("ping", {{"type", "ping"}});
}

std::string anthropic_text_delta(std::string_view text)
{
    return event("content_block_delta", {{"type", "content_block_delta"},
                                         {"index", 0},
                                         {"delta", json::object{{"type", "text_delta"}, {"text", text}}}});
}

std::string anthropic_block_stop()
{
    return event("content_block_stop", {{"type", "content_block_stop"}, {"index", 0}});
}

std::string anthropic_message_delta(std::int64_t output_tokens)
{
    return event("message_delta",
                 {{"type", "message_delta"},
                  {"delta", json::object{{"stop_reason", "end_turn"}, {"stop_sequence", nullptr}}},
                  {"usage", json::object{{"output_tokens", output_tokens}}}});
}

std::string anthropic_message_stop()
{
    return event("message_stop", {{"type", "message_stop"}});
}

std::string anthropic_error_event()
{
    return event("error", {{"type", "error"},
                           {"error", json::object{{"type", "overloaded_error"}, {"message", "Overloaded"}}}});
}

}  // namespace baton::fake
