#pragma once

#include <boost/beast/http/basic_parser.hpp>

#include <cstddef>
#include <memory>
#include <string>

namespace baton::net {

class body_reader;

namespace beast = boost::beast;
namespace http = beast::http;

/// What the request handler's head phase (request_handler::admit) decided, kept for its handle(): opaque to
/// net. `keep` holds alive what the two pointers point into (the daemon's config snapshot).
struct admission {
    std::shared_ptr<const void> keep;
    const void* route = nullptr;   ///< the daemon: its endpoint row
    const void* caller = nullptr;  ///< the daemon: the calling client key (null: master key or no auth)
};

/// A downstream request as the handler gets it: the method, the target, the headers baton reads, and the
/// body. Parsed without a header container (Beast's allocates per field).
struct incoming_request {
    std::string method;  ///< as sent, e.g. "POST"
    std::string target;
    std::string authorization;    ///< Authorization
    std::string api_key;          ///< api-key
    std::string x_api_key;        ///< x-api-key
    std::string content_type;     ///< Content-Type (uploads read their multipart boundary from it)
    std::string idempotency_key;  ///< Idempotency-Key (POST /v1/batches)
    std::string body;
    admission admitted;  ///< set by request_handler::admit on the head, before the body is read
    /// Set instead of `body` when the handler asked for the body streamed (request_handler::body_mode_for):
    /// see body_reader in net/http_server.hpp.
    body_reader* body_stream = nullptr;
};

/// The longest chunk-size line (with its chunk extensions), and the longest last chunk with its trailer
/// section, that a chunked body may carry, in bytes. Beast's parser buffers either until its end is seen
/// and puts no bound on them: without this one, a single request could grow memory without limit.
inline constexpr std::size_t chunk_framing_limit = 64 * 1024;

/// Parses one downstream HTTP/1.1 request into an incoming_request: the head's fields are looked at once as
/// they are parsed, and only the ones baton uses are kept. Beyond Beast's own checks (header limit, body
/// limit, bad chunks, Content-Length with Transfer-Encoding), it refuses at the end of the head, with an
/// http_errc (RFC 9112):
/// - `Transfer-Encoding` whose final coding is not `chunked` (§6.3: the body's length cannot be known; read
///   as "no body" it would run as a second request) or in an HTTP/1.0 request (§6.1): bad_transfer_encoding;
/// - codings before a final `chunked` (`gzip, chunked`): baton decodes none (§6.1, 501):
///   unsupported_transfer_encoding;
/// - an HTTP/1.1 request without exactly one `Host` (§3.2): missing_host.
/// Used on one thread; one request per reader.
class request_reader final : public http::basic_parser<true> {
public:
    incoming_request req;
    bool expect_continue = false;  ///< `Expect: 100-continue`
    bool is_head = false;          ///< the method is HEAD: the response has no body (RFC 9110 §9.3.2)

private:
    void on_request_impl(http::verb verb, beast::string_view method, beast::string_view target, int version,
                         beast::error_code&) override;
    void on_response_impl(int, beast::string_view, int, beast::error_code&) override {}
    void on_field_impl(http::field name, beast::string_view name_string, beast::string_view value,
                       beast::error_code&) override;
    void on_header_impl(beast::error_code& ec) override;
    void on_body_init_impl(const boost::optional<std::uint64_t>& length, beast::error_code&) override;
    std::size_t on_body_impl(beast::string_view data, beast::error_code&) override;
    void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view data, beast::error_code&) override;
    void on_finish_impl(beast::error_code&) override {}

    int version_ = 11;
    int hosts_ = 0;
    bool has_transfer_encoding_ = false;
    std::string transfer_encoding_;  ///< every Transfer-Encoding line, joined with ", "
};

/// True when the bytes a parser left unconsumed in its buffer while reading a body (`unconsumed`, after a
/// put() that asked for more) are over chunk_framing_limit. Body data is consumed as it arrives, so what
/// stays is an unfinished chunk-size line or trailer section.
constexpr bool chunk_framing_too_large(std::size_t unconsumed) noexcept
{
    return unconsumed > chunk_framing_limit;
}

}  // namespace baton::net
