#pragma once

#include <string>
#include <string_view>

namespace baton::net {

/// The body of an OpenAI-style error: {"error":{"message","type","param","code"}}. `param` and `code`
/// are written as null when empty. The only place error JSON is built for plain errors; callers that add
/// fields (e.g. `attempts`) start from the same shape.
std::string openai_error_body(std::string_view message, std::string_view type, std::string_view code = {},
                              std::string_view param = {});

}  // namespace baton::net
