#include "streaming/sse_parser.hpp"

#include <cstring>

namespace baton::streaming {

namespace {

constexpr bool is_eol(char c) noexcept
{
    return c == '\n' || c == '\r';
}

// Position of the first '\r' or '\n' in s at or after `from`, or s.size(). Two memchr calls (vectorised
// by libc) instead of a byte loop: '\n' bounds the search for the rarer '\r'.
std::size_t find_eol(std::string_view s, std::size_t from) noexcept
{
    const char* begin = s.data() + from;
    const std::size_t len = s.size() - from;
    const auto* lf = static_cast<const char*>(std::memchr(begin, '\n', len));
    const std::size_t limit = lf != nullptr ? static_cast<std::size_t>(lf - begin) : len;
    const auto* cr = static_cast<const char*>(std::memchr(begin, '\r', limit));
    if (cr != nullptr) {
        return from + static_cast<std::size_t>(cr - begin);
    }
    return lf != nullptr ? from + limit : s.size();
}

}  // namespace

std::optional<sse_event> sse_parser::next(std::string_view input)
{
    const std::size_t n = input.size();
    // Bytes before scanned_ are unchanged since the last call (the caller only appends), so the line state
    // at scanned_ follows from the byte before it; at 0 it is "start of a line", after a CR if the previous
    // event ended in one.
    std::size_t pos = scanned_ <= n ? scanned_ : 0;
    bool at_line_start = true;
    bool after_cr = skip_lf_;
    if (pos > 0) {
        at_line_start = is_eol(input[pos - 1]);
        after_cr = input[pos - 1] == '\r';
    }

    std::size_t end = 0;  // one past the event's terminating blank line, once found
    bool ends_in_lone_cr = false;
    while (pos < n) {
        if (at_line_start) {
            const char c = input[pos];
            if (c == '\n' && after_cr) {  // second half of a CRLF
                after_cr = false;
                ++pos;
                continue;
            }
            if (is_eol(c)) {  // an empty line: the event ends here
                end = pos + 1;
                if (c == '\r') {
                    if (end < n) {
                        end += input[end] == '\n' ? 1 : 0;
                    } else {
                        ends_in_lone_cr = true;
                    }
                }
                break;
            }
        }
        const std::size_t eol = find_eol(input, pos);
        if (eol == n) {
            pos = n;
            break;
        }
        at_line_start = true;
        after_cr = input[eol] == '\r';
        pos = eol + 1;
    }
    if (end == 0) {
        scanned_ = n;
        return std::nullopt;
    }

    // Second pass over the event's own bytes only: split into lines and pick the fields.
    sse_event ev;
    ev.size = end;
    std::size_t line_begin = skip_lf_ && input[0] == '\n' ? 1 : 0;
    std::size_t data_lines = 0;
    std::string_view first_data;
    const std::string_view event_bytes = input.substr(0, end);
    for (;;) {
        const std::size_t eol = find_eol(event_bytes, line_begin);
        const std::string_view line = event_bytes.substr(line_begin, eol - line_begin);
        if (line.empty()) {
            break;  // the blank line that ends the event (always present within event_bytes)
        }
        line_begin = eol + 1;
        if (event_bytes[eol] == '\r' && line_begin < end && event_bytes[line_begin] == '\n') {
            ++line_begin;
        }
        if (line.front() == ':') {
            continue;  // comment
        }
        const std::size_t colon = line.find(':');
        const std::string_view name = line.substr(0, colon);
        std::string_view value;
        if (colon != std::string_view::npos) {
            value = line.substr(colon + 1);
            if (!value.empty() && value.front() == ' ') {
                value.remove_prefix(1);
            }
        }
        if (name == "data") {
            ++data_lines;
            if (data_lines == 1) {
                first_data = value;
            } else {
                if (data_lines == 2) {
                    scratch_.assign(first_data);
                }
                scratch_.push_back('\n');
                scratch_.append(value);
            }
        } else if (name == "event") {
            ev.event = value;
        }
    }
    ev.has_data = data_lines > 0;
    if (data_lines == 1) {
        ev.data = first_data;
    } else if (data_lines > 1) {
        ev.data = scratch_;
    }
    scanned_ = 0;
    skip_lf_ = ends_in_lone_cr;
    return ev;
}

}  // namespace baton::streaming
