#pragma once
// Reading an OpenAI-style error answer ({"error": {"message", "type", "param", "code"}}) for an assertion.

#include "support/http_client.hpp"

#include <optional>
#include <string>

namespace baton::test {

/// The fields of an OpenAI error body as text: a string field as it is, null as "null", a missing field
/// as "<absent>". `shaped` says whether the body was a JSON object with an `error` object holding all four
/// fields (message and type strings, param and code strings or null).
struct openai_error {
    bool shaped = false;
    std::string message = "<absent>";
    std::string type = "<absent>";
    std::string param = "<absent>";
    std::string code = "<absent>";
};

/// The error in `r`'s body; never throws (a body that is not JSON gives shaped = false).
openai_error error_of(const http_response& r);

}  // namespace baton::test
