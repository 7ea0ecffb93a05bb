#pragma once

#include "streaming/token_usage.hpp"

#include <string_view>

namespace baton::providers {

/// What one pass over a whole response body found.
struct json_body {
    /// True when the body is exactly one JSON object (whitespace around it allowed): every byte checked,
    /// so a body that starts well and breaks later (truncated, trailing bytes, a second document) is not.
    bool object = false;
    /// The top-level "usage" object's prompt_tokens, completion_tokens and total_tokens (total =
    /// prompt + completion when the body gives no total); zeros when absent or not integers.
    streaming::token_usage usage;
};

/// Checks and reads `body` without a DOM: a 2xx answer is relayed byte for byte, so it is validated without
/// the cost of a tree. A one-pass check (string bytes eight at a time, UTF-8, numbers, literals, nesting)
/// answers the common bodies; whatever it cannot vouch for (\u escapes, very long numbers, deep nesting, any
/// error) goes to read_json_body_exact, whose answer it then is. Same result as read_json_body_exact for
/// every input (tests/fuzz/fuzz_json_body.cpp). Pure; never throws.
json_body read_json_body(std::string_view body) noexcept;

/// The reference: one streaming parse by Boost.JSON's basic_parser with a handler that keeps only the usage
/// counts. Nesting deeper than 64 levels counts as not an object. Pure; never throws.
json_body read_json_body_exact(std::string_view body) noexcept;

}  // namespace baton::providers
