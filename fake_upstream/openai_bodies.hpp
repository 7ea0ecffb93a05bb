#pragma once
// The OpenAI-shaped JSON the fake upstream answers with. Pure functions: no I/O, no clock.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace baton::fake {

/// What a deployment call asks for; `messages` is Anthropic's Messages API (`/v1/messages`).
enum class endpoint { chat_completions, completions, embeddings, models, messages, unknown };

/// The endpoint a deployment path ends with ("/chat/completions", ..., "/v1/messages").
endpoint endpoint_of(std::string_view path);

/// What every generated body needs to know about the call it answers.
struct body_context {
    endpoint ep = endpoint::unknown;
    std::string name;          ///< deployment name
    std::string model;         ///< the request's "model" ("fake-model" when absent)
    std::string id;            ///< response id, unique per call
    std::int64_t created = 0;  ///< unix seconds
};

/// {"error": {"message", "type", "param": null, "code"}}: `fields` overrides the defaults picked from
/// `status` (type server_error/invalid_request_error/..., code rate_limit_exceeded for 429).
std::string error_body(unsigned status, const boost::json::object& fields);

/// The default success body for a non-streamed call. `content` overrides "ok from <name>".
std::string default_body(const body_context& ctx, const boost::json::value& request,
                         const std::optional<std::string>& content);

/// One streamed chunk (the JSON after "data: "). Chat chunks carry delta.content, text-completion chunks
/// choices[0].text. The role chunk (chat only) has delta {"role":"assistant","content":""}.
std::string role_chunk(const body_context& ctx);
std::string content_chunk(const body_context& ctx, std::string_view text);
std::string finish_chunk(const body_context& ctx);
std::string usage_chunk(const body_context& ctx, std::int64_t completion_tokens);

/// Usage the fake reports: prompt tokens are always 5; non-stream completions 7 (total 12), streamed ones
/// one per content chunk.
inline constexpr std::int64_t fake_prompt_tokens = 5;
inline constexpr std::int64_t fake_completion_tokens = 7;

}  // namespace baton::fake
