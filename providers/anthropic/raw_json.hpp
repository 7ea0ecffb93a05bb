#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace baton::providers::anthropic {

/// A forward reader over the members of one JSON object's text, without allocating or building a DOM: the
/// stream translator reads every upstream event with it, so an event costs a scan of its bytes rather than a
/// parse and a tree. Values are returned as their raw text (a string with its quotes and escapes, a nested
/// object with its braces), ready to be copied into another JSON document or read again with a nested
/// raw_object. Validation is structural: brackets balance, strings end, escapes are well formed; a
/// malformed text makes next() return false and ok() false. Pure; not thread-safe (a cursor).
class raw_object {
public:
    /// A reader of `text`, which must hold one object ("{...}", surrounding blanks allowed); ok() is false
    /// otherwise.
    explicit raw_object(std::string_view text) noexcept;

    /// The next member: `key` is the raw key without its quotes (escapes kept as written), `value` the raw
    /// value. False at the end of the object or on malformed text.
    bool next(std::string_view& key, std::string_view& value) noexcept;

    /// The raw value of the first member named `key`, read from the start of the object; empty when absent
    /// or malformed.
    std::string_view find(std::string_view key) const noexcept;

    /// False once the text proved malformed.
    bool ok() const noexcept { return ok_; }

private:
    std::string_view text_;
    std::size_t at_ = 0;
    bool ok_ = true;
    bool done_ = false;
};

/// The end (one past) of the JSON value starting at `text[at]`, or npos when it is malformed or unterminated.
std::size_t raw_value_end(std::string_view text, std::size_t at) noexcept;

/// True for a raw JSON string ("...").
inline bool is_raw_string(std::string_view v) noexcept
{
    return v.size() >= 2 && v.front() == '"' && v.back() == '"';
}

/// The raw string's characters between the quotes (escapes kept), or empty when `v` is not a string.
inline std::string_view raw_string_body(std::string_view v) noexcept
{
    return is_raw_string(v) ? v.substr(1, v.size() - 2) : std::string_view{};
}

/// A non-negative integer value (token counts), or nullopt when `v` is not one.
std::optional<std::int64_t> raw_count(std::string_view v) noexcept;

/// Appends `s` to `out` as the characters of a JSON string (quotes not included): `"`, `\` and control
/// characters escaped. Used to turn raw JSON text (a tool's input object) into an OpenAI `arguments` string.
void append_escaped(std::string& out, std::string_view s);

/// The unescaped text of a raw JSON string body (for the few values read as text: stop reasons, error
/// types). Invalid escapes are kept as written.
std::string unescape(std::string_view raw_body);

}  // namespace baton::providers::anthropic
