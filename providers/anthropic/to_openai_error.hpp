#pragma once

#include <string>

namespace baton::providers::anthropic {

/// Rewrites an Anthropic error body (`{"type":"error","error":{"type","message"},...}`) in place into
/// OpenAI's shape, `{"error":{"message","type","param":null,"code"}}` with Anthropic's error type as both
/// type and code, so a client of the OpenAI API reads it as it reads any error. A body of another shape is
/// left as it is. Pure.
void to_openai_error(std::string& body);

}  // namespace baton::providers::anthropic
