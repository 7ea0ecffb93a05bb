#pragma once

// Header-only, like upstream_errc.hpp: the daemon maps these to answers without linking net's internals.

#include <boost/system/error_category.hpp>
#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>
#include <type_traits>

namespace baton::net {

/// Why the downstream server refused a request before any handler saw it. The daemon turns each into an
/// answer (net::request_handler::error_response); values start at 1.
enum class http_errc {
    header_too_large = 1,   ///< the request head is over the header limit
    body_too_large,         ///< Content-Length or the body read so far is over the body limit
    bad_request,            ///< the request head is not valid HTTP/1.1
    bad_request_body,       ///< the request body is not valid (bad chunking)
    overloaded,             ///< over max_connections
    internal_error,         ///< the handler failed (a programming error)
    bad_transfer_encoding,  ///< Transfer-Encoding not ending in chunked, or in HTTP/1.0 (RFC 9112 §6)
    unsupported_transfer_encoding,  ///< a coding before chunked (gzip, chunked): none is decoded
    missing_host,                   ///< HTTP/1.1 without exactly one Host (RFC 9112 §3.2)
    chunk_framing_too_large,        ///< a chunk-size line or the trailer section over chunk_framing_limit
    shutting_down,                  ///< the drain period ended while the request was in flight
};

constexpr std::string_view to_string(http_errc e) noexcept
{
    switch (e) {
    case http_errc::header_too_large:
        return "header_too_large";
    case http_errc::body_too_large:
        return "request_too_large";
    case http_errc::bad_request:
        return "bad_request";
    case http_errc::bad_request_body:
        return "bad_request_body";
    case http_errc::overloaded:
        return "overloaded";
    case http_errc::internal_error:
        return "internal_error";
    case http_errc::bad_transfer_encoding:
        return "bad_transfer_encoding";
    case http_errc::unsupported_transfer_encoding:
        return "unsupported_transfer_encoding";
    case http_errc::missing_host:
        return "missing_host";
    case http_errc::chunk_framing_too_large:
        return "chunk_framing_too_large";
    case http_errc::shutting_down:
        return "shutting_down";
    }
    return "bad_request";
}

namespace detail {

// Boost.System's error_category has a protected non-virtual destructor by design (categories are
// never deleted through a base pointer).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class http_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "baton.http"; }
    std::string message(int ev) const override { return std::string(to_string(static_cast<http_errc>(ev))); }
};
#pragma GCC diagnostic pop

}  // namespace detail

/// The error_category of http_errc. Thread-safe.
inline const boost::system::error_category& http_category() noexcept
{
    static const detail::http_category_impl instance;
    return instance;
}

inline boost::system::error_code make_error_code(http_errc e) noexcept
{
    return {static_cast<int>(e), http_category()};
}

}  // namespace baton::net

template <>
struct boost::system::is_error_code_enum<baton::net::http_errc> : std::true_type {
};
