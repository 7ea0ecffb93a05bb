#include "support/raw_http.hpp"

#include <boost/beast/core/string.hpp>

#include <charconv>
#include <iterator>
#include <regex>

namespace baton::test {

std::string raw_request(std::string_view method, std::string_view target, std::string_view body,
                        std::string_view extra_headers)
{
    std::string r = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!body.empty()) {
        r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    }
    r += extra_headers;
    r += "\r\n";
    r += body;
    return r;
}

std::optional<std::string> raw_http_response::header(std::string_view name) const
{
    std::string_view rest = head;
    for (auto eol = rest.find("\r\n"); eol != std::string_view::npos; eol = rest.find("\r\n")) {
        rest.remove_prefix(eol + 2);
        const auto line = rest.substr(0, rest.find("\r\n"));
        const auto colon = line.find(':');
        if (colon != std::string_view::npos && boost::beast::iequals(line.substr(0, colon), name)) {
            auto value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
            return std::string(value);
        }
    }
    return std::nullopt;
}

std::optional<raw_http_response> parse_raw_response(std::string_view data)
{
    const auto end = data.find("\r\n\r\n");
    if (end == std::string_view::npos || !data.starts_with("HTTP/1.") || data.size() < 12)
        return std::nullopt;
    raw_http_response r;
    const auto code = data.substr(9, 3);
    if (std::from_chars(code.data(), code.data() + code.size(), r.status).ec != std::errc{})
        return std::nullopt;
    r.head = std::string(data.substr(0, end));
    r.body = std::string(data.substr(end + 4));
    return r;
}

std::size_t response_count(std::string_view data)
{
    static const std::regex status_line{"HTTP/1\\.[01] [1-5][0-9][0-9] "};
    return static_cast<std::size_t>(
        std::distance(std::cregex_iterator(data.data(), data.data() + data.size(), status_line),
                      std::cregex_iterator()));
}

}  // namespace baton::test
