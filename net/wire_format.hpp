#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace baton::net {

/// The bytes of an HTTP/1.1 response head and body, in one contiguous string: one write instead of
/// Beast's generic serializer (whose buffer-sequence iteration dominated the per-request profile).
/// `res` must be prepared (prepare_payload) so that its framing headers are set.
std::string serialize_response(const boost::beast::http::response<boost::beast::http::string_body>& res);

/// The bytes of a POST request with a JSON body: request line, Host, Content-Type, Accept, `headers` (whole
/// header lines, each ending in CRLF, written as given: a provider's auth and version headers), then
/// Content-Length and the body.
std::string serialize_post(std::string_view target, std::string_view host, std::string_view accept,
                           std::string_view headers, std::string_view body);

/// An HTTP/1.1 response head written straight into one string, for the routed responses: a handful of
/// known headers, no field container (Beast's allocates per field and dominated the request profile).
/// Names are the caller's constants. Values may carry what a client or an upstream wrote (a model name):
/// every control byte but HTAB in them is written as a space (RFC 9110 §5.5), so a value can never end its
/// header line or add another.
class response_head {
public:
    explicit response_head(unsigned status);

    /// `name: value`, the value's control bytes written as spaces.
    response_head& add(std::string_view name, std::string_view value);
    /// `name: <first><second><third>` without building the joined string (control bytes as spaces).
    response_head& add(std::string_view name, std::string_view first, std::string_view second,
                       std::string_view third);
    response_head& add_number(std::string_view name, std::int64_t value);
    /// A duration in milliseconds with three decimals (microsecond resolution).
    response_head& add_millis(std::string_view name, double ms);

    /// Ends the head of a body of `length` bytes; `close` adds `Connection: close`.
    std::string& finish(std::size_t length, bool close);
    /// Ends the head of a chunked body.
    std::string& finish_chunked(bool close);

private:
    void append_value(std::string_view value);
    /// `name: value` for values baton wrote itself (digits): nothing to clean.
    void append_line(std::string_view name, std::string_view value);

    std::string out_;
};

}  // namespace baton::net
