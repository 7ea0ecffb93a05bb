#include "providers/anthropic/raw_json.hpp"

#include <charconv>
#include <cstdint>

namespace baton::providers::anthropic {

namespace {

constexpr std::size_t npos = std::string_view::npos;
constexpr int max_depth = 64;  // deeper nesting in an event is not something a provider sends

constexpr bool is_blank(char c) noexcept
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

constexpr bool is_hex(char c) noexcept
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::size_t skip_blanks(std::string_view t, std::size_t i) noexcept
{
    while (i < t.size() && is_blank(t[i])) {
        ++i;
    }
    return i;
}

unsigned hex4(std::string_view t, std::size_t i) noexcept
{
    unsigned v = 0;
    for (std::size_t k = 0; k < 4; ++k) {
        const char c = t[i + k];
        v = v * 16 + static_cast<unsigned>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
}

// The length of the well-formed UTF-8 sequence starting at t[i] (a byte >= 0x80), or 0: overlong forms,
// surrogates and code points past U+10FFFF are not UTF-8, and a JSON parser refuses them.
std::size_t utf8_length(std::string_view t, std::size_t i) noexcept
{
    const auto c = static_cast<unsigned char>(t[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 1;
        cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        n = 2;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 3;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (i + n >= t.size()) {
        return 0;
    }
    for (std::size_t k = 1; k <= n; ++k) {
        const auto b = static_cast<unsigned char>(t[i + k]);
        if ((b & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (b & 0x3f);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (n == 3 && (cp < 0x10000 || cp > 0x10ffff))) {
        return 0;
    }
    return n + 1;
}

// One past the closing quote of the string opening at t[i] ('"'), or npos. The string must be valid: escapes
// well formed (a \u surrogate in a pair), no control characters, UTF-8 well formed — so that a string copied
// as it is into a client's chunk is one any JSON parser takes.
std::size_t string_end(std::string_view t, std::size_t i) noexcept
{
    for (++i; i < t.size(); ++i) {
        const auto c = static_cast<unsigned char>(t[i]);
        if (c == '"') {
            return i + 1;
        }
        if (c < 0x20) {
            return npos;
        }
        if (c >= 0x80) {
            const std::size_t n = utf8_length(t, i);
            if (n == 0) {
                return npos;
            }
            i += n - 1;
            continue;
        }
        if (c == '\\') {
            if (++i >= t.size()) {
                return npos;
            }
            switch (t[i]) {
            case '"':
            case '\\':
            case '/':
            case 'b':
            case 'f':
            case 'n':
            case 'r':
            case 't':
                break;
            case 'u': {
                if (i + 4 >= t.size() || !is_hex(t[i + 1]) || !is_hex(t[i + 2]) || !is_hex(t[i + 3]) ||
                    !is_hex(t[i + 4])) {
                    return npos;
                }
                const unsigned u = hex4(t, i + 1);
                i += 4;
                if (u >= 0xdc00 && u <= 0xdfff) {
                    return npos;  // a low surrogate alone
                }
                if (u >= 0xd800 && u <= 0xdbff) {
                    // A high surrogate must be followed by a low one.
                    if (i + 6 >= t.size() || t[i + 1] != '\\' || t[i + 2] != 'u' || !is_hex(t[i + 3]) ||
                        !is_hex(t[i + 4]) || !is_hex(t[i + 5]) || !is_hex(t[i + 6])) {
                        return npos;
                    }
                    const unsigned low = hex4(t, i + 3);
                    if (low < 0xdc00 || low > 0xdfff) {
                        return npos;
                    }
                    i += 6;
                }
                break;
            }
            default:
                return npos;
            }
        }
    }
    return npos;
}

// One past a number or literal starting at t[i].
std::size_t scalar_end(std::string_view t, std::size_t i) noexcept
{
    const std::size_t start = i;
    for (const std::string_view lit :
         {std::string_view("true"), std::string_view("false"), std::string_view("null")}) {
        if (t.substr(i, lit.size()) == lit) {
            return i + lit.size();
        }
    }
    while (i < t.size() && ((t[i] >= '0' && t[i] <= '9') || t[i] == '-' || t[i] == '+' || t[i] == '.' ||
                            t[i] == 'e' || t[i] == 'E')) {
        ++i;
    }
    return i == start ? npos : i;
}

std::size_t value_end(std::string_view t, std::size_t i, int depth) noexcept;

// One past the container opening at t[i] ('{' or '[').
std::size_t container_end(std::string_view t, std::size_t i, int depth) noexcept
{
    if (depth > max_depth) {
        return npos;
    }
    const char close = t[i] == '{' ? '}' : ']';
    const bool object = close == '}';
    i = skip_blanks(t, i + 1);
    if (i < t.size() && t[i] == close) {
        return i + 1;
    }
    for (;;) {
        if (object) {
            if (i >= t.size() || t[i] != '"') {
                return npos;
            }
            i = string_end(t, i);
            if (i == npos) {
                return npos;
            }
            i = skip_blanks(t, i);
            if (i >= t.size() || t[i] != ':') {
                return npos;
            }
            i = skip_blanks(t, i + 1);
        }
        i = value_end(t, i, depth + 1);
        if (i == npos) {
            return npos;
        }
        i = skip_blanks(t, i);
        if (i >= t.size()) {
            return npos;
        }
        if (t[i] == close) {
            return i + 1;
        }
        if (t[i] != ',') {
            return npos;
        }
        i = skip_blanks(t, i + 1);
    }
}

std::size_t value_end(std::string_view t, std::size_t i, int depth) noexcept
{
    if (i >= t.size()) {
        return npos;
    }
    switch (t[i]) {
    case '"':
        return string_end(t, i);
    case '{':
    case '[':
        return container_end(t, i, depth);
    default:
        return scalar_end(t, i);
    }
}

}  // namespace

std::size_t raw_value_end(std::string_view text, std::size_t at) noexcept
{
    return value_end(text, at, 0);
}

raw_object::raw_object(std::string_view text) noexcept
{
    std::size_t b = skip_blanks(text, 0);
    std::size_t e = text.size();
    while (e > b && is_blank(text[e - 1])) {
        --e;
    }
    text_ = text.substr(b, e - b);
    if (text_.size() < 2 || text_.front() != '{' || text_.back() != '}') {
        ok_ = false;
        done_ = true;
        return;
    }
    at_ = skip_blanks(text_, 1);
    if (at_ == text_.size() - 1) {
        done_ = true;  // "{}"
    }
}

bool raw_object::next(std::string_view& key, std::string_view& value) noexcept
{
    if (done_) {
        return false;
    }
    const auto fail = [this] {
        ok_ = false;
        done_ = true;
        return false;
    };
    if (at_ >= text_.size() || text_[at_] != '"') {
        return fail();
    }
    const std::size_t key_end = string_end(text_, at_);
    if (key_end == npos) {
        return fail();
    }
    key = text_.substr(at_ + 1, key_end - at_ - 2);
    std::size_t i = skip_blanks(text_, key_end);
    if (i >= text_.size() || text_[i] != ':') {
        return fail();
    }
    i = skip_blanks(text_, i + 1);
    const std::size_t end = value_end(text_, i, 1);
    if (end == npos) {
        return fail();
    }
    value = text_.substr(i, end - i);
    i = skip_blanks(text_, end);
    if (i >= text_.size()) {
        return fail();
    }
    if (text_[i] == '}') {
        if (i != text_.size() - 1) {
            return fail();  // something after the object's end
        }
        done_ = true;
    } else if (text_[i] == ',') {
        at_ = skip_blanks(text_, i + 1);
    } else {
        return fail();
    }
    return true;
}

std::string_view raw_object::find(std::string_view key) const noexcept
{
    raw_object r = *this;
    r.at_ = skip_blanks(text_, 1);
    r.done_ = !ok_ || r.at_ == text_.size() - 1;
    std::string_view k;
    std::string_view v;
    while (r.next(k, v)) {
        if (k == key) {
            return v;
        }
    }
    return {};
}

std::optional<std::int64_t> raw_count(std::string_view v) noexcept
{
    std::int64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || p != v.data() + v.size() || n < 0) {
        return std::nullopt;
    }
    return n;
}

void append_escaped(std::string& out, std::string_view s)
{
    constexpr char hex[] = "0123456789abcdef";
    std::size_t plain = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c != '"' && c != '\\' && c >= 0x20) {
            continue;
        }
        out.append(s.data() + plain, i - plain);
        plain = i + 1;
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        }
    }
    out.append(s.data() + plain, s.size() - plain);
}

std::string unescape(std::string_view raw)
{
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '\\' || i + 1 >= raw.size()) {
            out += raw[i];
            continue;
        }
        const char e = raw[++i];
        switch (e) {
        case 'n':
            out += '\n';
            break;
        case 'r':
            out += '\r';
            break;
        case 't':
            out += '\t';
            break;
        case 'b':
            out += '\b';
            break;
        case 'f':
            out += '\f';
            break;
        case 'u': {
            unsigned cp = 0;
            auto [p, ec] =
                std::from_chars(raw.data() + i + 1, raw.data() + std::min(raw.size(), i + 5), cp, 16);
            if (ec != std::errc{} || p != raw.data() + i + 5) {
                out += "\\u";
                break;
            }
            i += 4;
            // Basic multilingual plane only (surrogate pairs are kept as two code units' UTF-8 forms): the
            // texts read this way are error types and stop reasons, which are ASCII.
            if (cp < 0x80) {
                out += static_cast<char>(cp);
            } else if (cp < 0x800) {
                out += static_cast<char>(0xc0 | (cp >> 6));
                out += static_cast<char>(0x80 | (cp & 0x3f));
            } else {
                out += static_cast<char>(0xe0 | (cp >> 12));
                out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
                out += static_cast<char>(0x80 | (cp & 0x3f));
            }
            break;
        }
        default:
            out += e;
            break;
        }
    }
    return out;
}

}  // namespace baton::providers::anthropic
