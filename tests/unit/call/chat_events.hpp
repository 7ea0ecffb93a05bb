#pragma once

// OpenAI chat stream events as an upstream sends them, shared by the call machine's tests and the
// executor's.

#include <boost/json.hpp>

#include <string>
#include <string_view>

namespace baton::call::test {

/// One SSE event carrying `content` as a chat delta (with the assistant role when `role` is set).
inline std::string chunk(std::string_view content, bool role = false)
{
    namespace json = boost::json;
    json::object delta;
    if (role) delta["role"] = "assistant";
    delta["content"] = content;
    json::object c{{"id", "c"},
                   {"object", "chat.completion.chunk"},
                   {"created", 1},
                   {"model", "m"},
                   {"choices",
                    json::array{json::object{{"index", 0}, {"delta", delta}, {"finish_reason", nullptr}}}}};
    return "data: " + json::serialize(c) + "\n\n";
}

/// The event that ends the answer (finish_reason "stop"), without [DONE].
inline std::string finish_chunk()
{
    return R"(data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})"
           "\n\n";
}

}  // namespace baton::call::test
