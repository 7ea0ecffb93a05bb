#pragma once

#include <cstddef>
#include <string_view>

namespace baton::routing {

/// The longest name a wildcard group's '*' may stand for, in bytes.
inline constexpr std::size_t max_model_capture = 256;

/// True when `capture` — what a wildcard group's '*' matched in a requested name ("openai/*" and
/// "openai/gpt-4o" → "gpt-4o") — may be sent upstream as a model name, where adapters put it in a JSON body
/// or a URL path (azure) and baton in the x-baton-resolved header: 1 to max_model_capture bytes of letters,
/// digits and `-_.:@+/`, where '/' separates segments that are neither empty nor "." nor "..". So no
/// control byte or space (header or request injection), no '%', '?' or '#' (a URL's own syntax), no '*' (a
/// pattern is not a model) and no path walking; names such as "meta-llama/Llama-3.1-8B-Instruct:free",
/// "ft:gpt-4o-mini:org::id" or "claude-3-5-sonnet@20240620" pass. Pure.
bool valid_model_capture(std::string_view capture) noexcept;

/// The rule of valid_model_capture() in words, for error messages.
inline constexpr std::string_view model_capture_rule =
    "1 to 256 letters, digits or - _ . : @ + /, with no empty, '.' or '..' segment between slashes";

}  // namespace baton::routing
