#pragma once
// Requests and responses as bytes, for tests that speak HTTP over a raw_connection (malformed requests,
// pipelining, interim responses).

#include <optional>
#include <string>
#include <string_view>

namespace baton::test {

/// The bytes of an HTTP/1.1 request: the request line, `Host: 127.0.0.1`, `Content-Type: application/json`
/// and `Content-Length` when `body` is not empty, `extra_headers` (whole lines, each ending in CRLF), the
/// blank line and `body`.
std::string raw_request(std::string_view method, std::string_view target, std::string_view body = {},
                        std::string_view extra_headers = {});

/// One response read off a raw connection.
struct raw_http_response {
    unsigned status = 0;
    std::string head;  ///< the status line and header lines, without the blank line
    std::string body;  ///< every byte after the blank line (what follows the response too)

    /// A header's value (name matched case-insensitively), nullopt when absent.
    std::optional<std::string> header(std::string_view name) const;
};

/// `data` split at its first blank line, the status taken from `HTTP/1.x NNN`; nullopt when `data` holds
/// no complete head or does not start with a status line.
std::optional<raw_http_response> parse_raw_response(std::string_view data);

/// How many responses `data` holds: its status lines (`HTTP/1.x NNN `), e.g. in a pipelined exchange or
/// when a body was wrongly run as a second request.
std::size_t response_count(std::string_view data);

}  // namespace baton::test
