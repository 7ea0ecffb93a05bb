#include "batches/multipart_parser.hpp"

#include <algorithm>
#include <cctype>

namespace baton::batches {

namespace {

bool iequals(std::string_view a, std::string_view b) noexcept
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trim(std::string_view s) noexcept
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

/// Header parameters `; name=value` (value a token or a quoted string with backslash escapes), read one at
/// a time from `rest`. False at the end or on a malformed parameter.
bool next_parameter(std::string_view& rest, std::string& name, std::string& value)
{
    rest = trim(rest);
    if (rest.empty() || rest.front() != ';') {
        return false;
    }
    rest.remove_prefix(1);
    rest = trim(rest);
    const auto eq = rest.find('=');
    if (eq == std::string_view::npos) {
        return false;
    }
    name.assign(trim(rest.substr(0, eq)));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
    rest.remove_prefix(eq + 1);
    rest = trim(rest);
    value.clear();
    if (!rest.empty() && rest.front() == '"') {
        std::size_t i = 1;
        for (; i < rest.size() && rest[i] != '"'; ++i) {
            if (rest[i] == '\\' && i + 1 < rest.size()) {
                ++i;
            }
            value += rest[i];
        }
        if (i >= rest.size()) {
            return false;  // unterminated quoted string
        }
        rest.remove_prefix(i + 1);
        return true;
    }
    const auto end = rest.find(';');
    value.assign(trim(rest.substr(0, end)));
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    return true;
}

int hex_value(char c) noexcept
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/// RFC 5987 ext-value "UTF-8''percent%20encoded" (the language part ignored); nullopt when malformed.
std::optional<std::string> ext_value(std::string_view v)
{
    const auto first = v.find('\'');
    const auto second = first == std::string_view::npos ? first : v.find('\'', first + 1);
    if (second == std::string_view::npos || !iequals(v.substr(0, first), "utf-8")) {
        return std::nullopt;
    }
    std::string out;
    for (std::size_t i = second + 1; i < v.size(); ++i) {
        if (v[i] != '%') {
            out += v[i];
            continue;
        }
        if (i + 2 >= v.size() || hex_value(v[i + 1]) < 0 || hex_value(v[i + 2]) < 0) {
            return std::nullopt;
        }
        out += static_cast<char>(hex_value(v[i + 1]) * 16 + hex_value(v[i + 2]));
        i += 2;
    }
    return out;
}

bool boundary_char(char c) noexcept
{
    // RFC 2046 bcharsnospace, plus space inside.
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
}

}  // namespace

std::optional<std::string> multipart_boundary(std::string_view content_type)
{
    const auto semi = content_type.find(';');
    if (!iequals(trim(content_type.substr(0, semi)), "multipart/form-data") ||
        semi == std::string_view::npos) {
        return std::nullopt;
    }
    std::string_view rest = content_type.substr(semi);
    std::string name;
    std::string value;
    while (next_parameter(rest, name, value)) {
        if (name != "boundary") {
            continue;
        }
        if (value.empty() || value.size() > 70 || value.back() == ' ' ||
            !std::all_of(value.begin(), value.end(), boundary_char)) {
            return std::nullopt;
        }
        return value;
    }
    return std::nullopt;
}

multipart_parser::multipart_parser(std::string boundary, std::size_t max_header_bytes)
    : delimiter_("\r\n--" + boundary), max_header_bytes_(max_header_bytes)
{
}

multipart_parser::event multipart_parser::fail(std::string why, std::size_t consumed)
{
    state_ = state::failed;
    error_ = std::move(why);
    return {event_kind::error, {}, consumed};
}

multipart_parser::event multipart_parser::next(std::string_view input)
{
    std::size_t used = 0;  // consumed by steps that produce no event
    for (;;) {
        const std::string_view in = input.substr(used);
        switch (state_) {
        case state::failed:
            return {event_kind::error, {}, used};
        case state::epilogue:
            return {event_kind::done, {}, input.size()};

        case state::preamble: {
            if (at_start_) {
                // The first delimiter may open the body without its CRLF.
                const std::string_view dash = std::string_view(delimiter_).substr(2);
                if (in.size() < dash.size() && dash.starts_with(in)) {
                    return {event_kind::need_more, {}, used};
                }
                at_start_ = false;
                if (in.starts_with(dash)) {
                    used += dash.size();
                    state_ = state::after_delimiter;
                    continue;
                }
            }
            const auto at = in.find(delimiter_);
            if (at == std::string_view::npos) {
                // Preamble bytes are dropped, except a tail that may begin a delimiter.
                const std::size_t keep = std::min(in.size(), delimiter_.size() - 1);
                return {event_kind::need_more, {}, used + in.size() - keep};
            }
            used += at + delimiter_.size();
            state_ = state::after_delimiter;
            continue;
        }

        case state::after_delimiter: {
            if (in.size() < 2) {
                return {event_kind::need_more, {}, used};
            }
            if (in.starts_with("--")) {
                state_ = state::epilogue;
                return {event_kind::done, {}, input.size()};
            }
            std::size_t i = 0;
            while (i < in.size() && (in[i] == ' ' || in[i] == '\t')) {
                ++i;
            }
            if (i > 256) {
                return fail("too much padding after a multipart boundary", used);
            }
            if (in.size() < i + 2) {
                return {event_kind::need_more, {}, used};
            }
            if (in.substr(i, 2) != "\r\n") {
                return fail("a multipart boundary is followed by something other than a line end", used);
            }
            used += i + 2;
            state_ = state::headers;
            continue;
        }

        case state::headers: {
            if (in.size() >= 2 && in.starts_with("\r\n")) {
                part_ = {};
                state_ = state::body;
                return {event_kind::part_begin, {}, used + 2};
            }
            const auto end = in.find("\r\n\r\n");
            if (end == std::string_view::npos) {
                if (in.size() > max_header_bytes_) {
                    return fail("the headers of a multipart part exceed " +
                                    std::to_string(max_header_bytes_) + " bytes",
                                used);
                }
                return {event_kind::need_more, {}, used};
            }
            if (end > max_header_bytes_) {
                return fail("the headers of a multipart part exceed " + std::to_string(max_header_bytes_) +
                                " bytes",
                            used);
            }
            if (!read_headers(in.substr(0, end))) {
                state_ = state::failed;
                return {event_kind::error, {}, used};
            }
            state_ = state::body;
            return {event_kind::part_begin, {}, used + end + 4};
        }

        case state::body: {
            const auto at = in.find(delimiter_);
            if (at == 0) {
                state_ = state::after_delimiter;
                return {event_kind::part_end, {}, used + delimiter_.size()};
            }
            if (at != std::string_view::npos) {
                return {event_kind::part_data, in.substr(0, at), used + at};
            }
            // Hold back only a tail that could be the start of the delimiter.
            std::size_t safe = in.size();
            const std::size_t tail = std::min(in.size(), delimiter_.size() - 1);
            for (std::size_t k = tail; k > 0; --k) {
                if (std::string_view(delimiter_).starts_with(in.substr(in.size() - k))) {
                    safe = in.size() - k;
                    break;
                }
            }
            if (safe == 0) {
                return {event_kind::need_more, {}, used};
            }
            return {event_kind::part_data, in.substr(0, safe), used + safe};
        }
        }
    }
}

bool multipart_parser::read_headers(std::string_view block)
{
    part_ = {};
    while (!block.empty()) {
        const auto eol = block.find("\r\n");
        const std::string_view line = block.substr(0, eol);
        block.remove_prefix(eol == std::string_view::npos ? block.size() : eol + 2);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) {
            error_ = "a multipart part header line has no name";
            return false;
        }
        const std::string_view name = trim(line.substr(0, colon));
        const std::string_view value = trim(line.substr(colon + 1));
        if (iequals(name, "content-type")) {
            part_.content_type.assign(value);
        } else if (iequals(name, "content-disposition")) {
            const auto semi = value.find(';');
            if (!iequals(trim(value.substr(0, semi)), "form-data")) {
                error_ = "a multipart part is not form-data";
                return false;
            }
            std::string_view rest = semi == std::string_view::npos ? std::string_view{} : value.substr(semi);
            std::string pname;
            std::string pvalue;
            std::optional<std::string> extended;
            while (next_parameter(rest, pname, pvalue)) {
                if (pname == "name") {
                    part_.name = pvalue;
                } else if (pname == "filename") {
                    part_.filename = pvalue;
                } else if (pname == "filename*") {
                    extended = ext_value(pvalue);
                }
            }
            if (!trim(rest).empty()) {
                error_ = "a multipart part has a malformed Content-Disposition";
                return false;
            }
            if (extended) {
                part_.filename = std::move(extended);  // RFC 7578 §4.2: filename* wins
            }
        }
    }
    return true;
}

}  // namespace baton::batches
