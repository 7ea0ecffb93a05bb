#include "providers/json_body.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace baton::providers {

namespace {

using boost::json::error_code;
using boost::json::string_view;

/// Keeps nothing but the nesting depth, the last key and the counts of the top-level "usage" object.
class usage_handler {
public:
    static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }
    bool on_array_begin(error_code&)
    {
        ++depth_;
        return true;
    }
    bool on_array_end(std::size_t, error_code&)
    {
        --depth_;
        return true;
    }
    bool on_object_begin(error_code&)
    {
        if (depth_ == 0) {
            top_is_object_ = true;
        }
        ++depth_;
        // Only an object opened right under the top one decides: one nested in "usage" (its *_details)
        // must not end the counting of the keys after it.
        if (depth_ == 2) {
            in_usage_ = key_is("usage");
        }
        return true;
    }
    bool on_object_end(std::size_t, error_code&)
    {
        if (depth_ == 2) {
            in_usage_ = false;
        }
        --depth_;
        return true;
    }
    bool on_string_part(string_view, std::size_t, error_code&) { return true; }
    bool on_string(string_view, std::size_t, error_code&) { return true; }
    bool on_key_part(string_view s, std::size_t n, error_code&)
    {
        append_key(s, n - s.size());
        return true;
    }
    bool on_key(string_view s, std::size_t n, error_code&)
    {
        append_key(s, n - s.size());
        key_size_ = n;
        return true;
    }
    bool on_number_part(string_view, error_code&) { return true; }
    bool on_int64(std::int64_t i, string_view, error_code&)
    {
        count(i);
        return true;
    }
    bool on_uint64(std::uint64_t u, string_view, error_code&)
    {
        count(static_cast<std::int64_t>(std::min<std::uint64_t>(u, INT64_MAX)));
        return true;
    }
    bool on_double(double, string_view, error_code&) { return true; }
    bool on_bool(bool, error_code&) { return true; }
    bool on_null(error_code&) { return true; }
    bool on_comment_part(string_view, error_code&) { return true; }
    bool on_comment(string_view, error_code&) { return true; }

    bool top_is_object() const noexcept { return top_is_object_; }
    const streaming::token_usage& usage() const noexcept { return usage_; }

private:
    // Keys longer than the buffer are never one of the few looked for: only their size is kept.
    void append_key(string_view s, std::size_t offset)
    {
        if (offset + s.size() <= key_.size()) {
            std::memcpy(key_.data() + offset, s.data(), s.size());
        }
        key_size_ = offset + s.size();
    }
    bool key_is(std::string_view k) const noexcept
    {
        return key_size_ == k.size() && std::memcmp(key_.data(), k.data(), k.size()) == 0;
    }
    void count(std::int64_t v)
    {
        if (!in_usage_ || depth_ != 2 || v < 0) {
            return;
        }
        if (key_is("prompt_tokens")) {
            usage_.prompt_tokens = v;
        } else if (key_is("completion_tokens")) {
            usage_.completion_tokens = v;
        } else if (key_is("total_tokens")) {
            usage_.total_tokens = v;
        }
    }

    int depth_ = 0;
    bool top_is_object_ = false;
    bool in_usage_ = false;
    std::array<char, 24> key_{};
    std::size_t key_size_ = 0;
    streaming::token_usage usage_;
};

// --- the fast pass
// ------------------------------------------------------------------------------------------ One pass over
// the bytes that says "certainly one JSON object" (and reads the usage on the way) or "cannot tell": then
// basic_parser decides. Everything it accepts, Boost.JSON accepts (tests/fuzz/fuzz_json_body.cpp checks that
// against boost::json::parse); what is rare in an answer (\u escapes, integers of more than 18 digits,
// exponents of more than 2, nesting deeper than fast_max_depth) or wrong is left to basic_parser, so its
// limits and error rules are the only ones. basic_parser's generic machinery cost ~3,400 instructions on
// bench/callgrind.sh's 309-byte completion; this pass is the cheapest part of the request again.

constexpr int fast_max_depth = 48;  // below basic_parser's 64, so its limit alone decides near it
constexpr std::uint64_t ones = 0x0101010101010101u;
constexpr std::uint64_t highs = 0x8080808080808080u;

enum class key_kind : unsigned char { other, usage, prompt, completion, total };

[[gnu::always_inline]] inline void skip_ws(const char*& p, const char* end) noexcept
{
    // Most tokens follow each other without whitespace: one compare says so.
    if (p != end && static_cast<unsigned char>(*p) > ' ') {
        return;
    }
    while (p != end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) {
        ++p;
    }
}

/// The top bit of each of the 8 bytes at `p` that needs a closer look inside a string ('"', '\\', a control
/// byte, a non-ASCII byte), or 0. Each test is exact about its lowest hit (a false hit only ever sits above a
/// true one), so countr_zero of the result finds the first byte to look at.
std::uint64_t special8(const char* p) noexcept
{
    static_assert(std::endian::native == std::endian::little, "the first byte in memory is the lowest");
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    const std::uint64_t quote = w ^ (ones * '"');
    const std::uint64_t slash = w ^ (ones * '\\');
    return (((quote - ones) & ~quote) | ((slash - ones) & ~slash) | ((w - ones * 0x20) & ~w) | w) & highs;
}

#if defined(__SSE2__)
/// The same for the 16 bytes at `p`, one bit a byte (bit i: byte i): one step for most keys and short values.
/// The signed compare with 0x20 catches both the control bytes and the non-ASCII ones (negative as int8).
[[gnu::always_inline]] inline unsigned special16(const char* p) noexcept
{
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
    const __m128i slash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
    const __m128i low = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
    return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, slash), low)));
}
#endif

bool in(unsigned char c, unsigned char lo, unsigned char hi) noexcept
{
    return c >= lo && c <= hi;
}

/// Past one well-formed UTF-8 sequence of 2 to 4 bytes at `p` (Unicode table 3-7: no overlong forms, no
/// surrogates, nothing above U+10FFFF), or nullptr.
const char* skip_utf8(const char* p, const char* end) noexcept
{
    const auto at = [&](std::ptrdiff_t i) { return static_cast<unsigned char>(p[i]); };
    const unsigned char c = at(0);
    const std::ptrdiff_t left = end - p;
    if (in(c, 0xc2, 0xdf)) {
        return left >= 2 && in(at(1), 0x80, 0xbf) ? p + 2 : nullptr;
    }
    if (in(c, 0xe0, 0xef)) {
        const unsigned char lo = c == 0xe0 ? 0xa0 : 0x80;
        const unsigned char hi = c == 0xed ? 0x9f : 0xbf;
        return left >= 3 && in(at(1), lo, hi) && in(at(2), 0x80, 0xbf) ? p + 3 : nullptr;
    }
    if (in(c, 0xf0, 0xf4)) {
        const unsigned char lo = c == 0xf0 ? 0x90 : 0x80;
        const unsigned char hi = c == 0xf4 ? 0x8f : 0xbf;
        return left >= 4 && in(at(1), lo, hi) && in(at(2), 0x80, 0xbf) && in(at(3), 0x80, 0xbf) ? p + 4
                                                                                                : nullptr;
    }
    return nullptr;
}

/// From just past an opening quote to just past its closing one, or nullptr (unsure). `escaped` tells
/// whether the string held an escape (then its bytes are not its value).
[[gnu::always_inline]] inline const char* skip_string(const char* p, const char* end, bool& escaped) noexcept
{
    for (;;) {
#if defined(__SSE2__)
        if (end - p >= 16) {
            const unsigned hits = special16(p);
            if (hits == 0) {
                p += 16;
                continue;
            }
            p += std::countr_zero(hits);
        } else
#endif
            if (end - p >= 8) {
            const std::uint64_t hits = special8(p);
            if (hits == 0) {
                p += 8;
                continue;
            }
            p += std::countr_zero(hits) / 8;
        } else if (p == end) {
            return nullptr;
        }
        const auto c = static_cast<unsigned char>(*p);
        if (c == '"') {
            return p + 1;
        }
        if (c == '\\') {
            if (end - p < 2) {
                return nullptr;
            }
            switch (p[1]) {
            case '"':
            case '\\':
            case '/':
            case 'b':
            case 'f':
            case 'n':
            case 'r':
            case 't':
                escaped = true;
                p += 2;
                continue;
            default:  // \u (surrogate rules) and anything wrong: basic_parser's call
                return nullptr;
            }
        }
        if (c < 0x20) {
            return nullptr;
        }
        if (c < 0x80) {
            ++p;
            continue;
        }
        p = skip_utf8(p, end);
        if (p == nullptr) {
            return nullptr;
        }
    }
}

bool digit(char c) noexcept
{
    return c >= '0' && c <= '9';
}

/// Past the number at `p`, or nullptr. `integer` tells whether it had neither fraction nor exponent (as
/// basic_parser's on_int64), then `value` holds it.
const char* skip_number(const char* p, const char* end, bool& integer, std::int64_t& value) noexcept
{
    const bool negative = *p == '-';
    if (negative) {
        ++p;
    }
    if (p == end || !digit(*p)) {
        return nullptr;
    }
    std::uint64_t v = 0;  // unsigned: more than 18 digits wrap (defined) before they are refused
    if (*p == '0') {
        ++p;
    } else {
        const char* const first = p;
        while (p != end && digit(*p)) {
            v = v * 10 + static_cast<std::uint64_t>(*p - '0');
            ++p;
        }
        if (p - first > 18) {
            return nullptr;  // int64, uint64 or double: basic_parser's choice
        }
    }
    integer = true;
    value = negative ? -static_cast<std::int64_t>(v) : static_cast<std::int64_t>(v);
    if (p != end && *p == '.') {
        integer = false;
        ++p;
        if (p == end || !digit(*p)) {
            return nullptr;
        }
        while (p != end && digit(*p)) {
            ++p;
        }
    }
    if (p != end && (*p == 'e' || *p == 'E')) {
        integer = false;
        ++p;
        if (p != end && (*p == '+' || *p == '-')) {
            ++p;
        }
        const char* const first = p;
        while (p != end && digit(*p)) {
            ++p;
        }
        if (p == first || p - first > 2) {
            return nullptr;
        }
    }
    return p;
}

key_kind classify(std::string_view k) noexcept
{
    switch (k.size()) {
    case 5:
        return k == "usage" ? key_kind::usage : key_kind::other;
    case 12:
        return k == "total_tokens" ? key_kind::total : key_kind::other;
    case 13:
        return k == "prompt_tokens" ? key_kind::prompt : key_kind::other;
    case 17:
        return k == "completion_tokens" ? key_kind::completion : key_kind::other;
    default:
        return key_kind::other;
    }
}

/// From an object member's opening quote to the first byte of its value; false when unsure. Only keys at
/// `depth` 1 and 2 can matter, so only those are told apart.
[[gnu::always_inline]] inline bool read_key(const char*& p, const char* end, int depth,
                                            key_kind& key) noexcept
{
    if (*p != '"') {
        return false;
    }
    const char* const first = p + 1;
    bool escaped = false;
    p = skip_string(first, end, escaped);
    if (p == nullptr) {
        return false;
    }
    // An escape other than \u (left to basic_parser) never yields a letter or '_': no such key is looked for.
    key = escaped || depth > 2 ? key_kind::other
                               : classify(std::string_view(first, static_cast<std::size_t>(p - 1 - first)));
    skip_ws(p, end);
    if (p == end || *p != ':') {
        return false;
    }
    ++p;
    skip_ws(p, end);
    return p != end;
}

/// True when `body` is certainly one JSON object; then `usage` holds what basic_parser's handler would keep.
bool fast_read(std::string_view body, streaming::token_usage& usage) noexcept
{
    const char* p = body.data();
    const char* const end = p + body.size();
    skip_ws(p, end);
    if (p == end || *p != '{') {
        return false;
    }
    std::uint64_t objects = 0;  // bit d: the container at depth d is an object
    int depth = 0;
    bool in_usage = false;  // inside the top-level "usage" object (depth 2)
    key_kind key = key_kind::other;
    for (;;) {
        // p is at a value.
        const char c = *p;
        if (c == '{' || c == '[') {
            if (++depth > fast_max_depth) {
                return false;
            }
            const bool object = c == '{';
            objects = object ? objects | (std::uint64_t{1} << depth) : objects & ~(std::uint64_t{1} << depth);
            if (depth == 2 && object) {
                in_usage = key == key_kind::usage;
            }
            ++p;
            skip_ws(p, end);
            if (p == end) {
                return false;
            }
            if (*p != (object ? '}' : ']')) {
                if (object && !read_key(p, end, depth, key)) {
                    return false;
                }
                continue;
            }
            // An empty container: its closer is handled below.
        } else {
            if (c == '"') {
                bool escaped = false;
                p = skip_string(p + 1, end, escaped);
            } else if (c == '-' || digit(c)) {
                bool integer = false;
                std::int64_t v = 0;
                p = skip_number(p, end, integer, v);
                if (p != nullptr && in_usage && depth == 2 && integer && v >= 0) {
                    if (key == key_kind::prompt) {
                        usage.prompt_tokens = v;
                    } else if (key == key_kind::completion) {
                        usage.completion_tokens = v;
                    } else if (key == key_kind::total) {
                        usage.total_tokens = v;
                    }
                }
            } else {
                const std::string_view word = c == 't' ? "true" : c == 'f' ? "false" : c == 'n' ? "null" : "";
                const auto n = static_cast<std::size_t>(end - p);
                p = !word.empty() && n >= word.size() && std::memcmp(p, word.data(), word.size()) == 0
                        ? p + word.size()
                        : nullptr;
            }
            if (p == nullptr) {
                return false;
            }
            skip_ws(p, end);
            if (p == end) {
                return false;
            }
        }
        // After a value (or at the closer of an empty container): commas and closers.
        for (;;) {
            const bool object = (objects >> depth & 1) != 0;
            if (*p == ',') {
                ++p;
                skip_ws(p, end);
                if (p == end || (object && !read_key(p, end, depth, key))) {
                    return false;
                }
                break;
            }
            if (*p != (object ? '}' : ']')) {
                return false;
            }
            if (depth == 2 && object) {
                in_usage = false;
            }
            ++p;
            if (--depth == 0) {
                skip_ws(p, end);
                return p == end;
            }
            skip_ws(p, end);
            if (p == end) {
                return false;
            }
        }
    }
}

}  // namespace

json_body read_json_body(std::string_view body) noexcept
{
    json_body out;
    if (!fast_read(body, out.usage)) {
        return read_json_body_exact(body);
    }
    out.object = true;
    if (out.usage.total_tokens == 0) {
        // Saturating: a hostile upstream may send counts whose sum overflows.
        if (__builtin_add_overflow(out.usage.prompt_tokens, out.usage.completion_tokens,
                                   &out.usage.total_tokens)) {
            out.usage.total_tokens = std::numeric_limits<decltype(out.usage.total_tokens)>::max();
        }
    }
    return out;
}

json_body read_json_body_exact(std::string_view body) noexcept
{
    boost::json::parse_options options;
    options.max_depth = 64;
    boost::json::basic_parser<usage_handler> parser(options);
    error_code ec;
    const std::size_t used = parser.write_some(false, body.data(), body.size(), ec);
    json_body out;
    if (ec || used != body.size() || !parser.done() || !parser.handler().top_is_object()) {
        return out;
    }
    out.object = true;
    out.usage = parser.handler().usage();
    if (out.usage.total_tokens == 0) {
        // Saturating: a hostile upstream may send counts whose sum overflows.
        if (__builtin_add_overflow(out.usage.prompt_tokens, out.usage.completion_tokens,
                                   &out.usage.total_tokens)) {
            out.usage.total_tokens = std::numeric_limits<decltype(out.usage.total_tokens)>::max();
        }
    }
    return out;
}

}  // namespace baton::providers
