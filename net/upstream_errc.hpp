#pragma once

// Header-only on purpose: the pure policy folders read net's vocabulary (routing classifies a transport
// failure, as Envoy's RetryState reads the codec's reset reason) without linking Asio.

#include <boost/system/error_category.hpp>
#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>
#include <type_traits>

namespace baton::net {

/// Why an upstream exchange failed without an HTTP status. Values start at 1: 0 is "no error" in an
/// error_code.
enum class upstream_errc {
    connect_timeout = 1,  ///< resolve + TCP connect took longer than its deadline
    tls_timeout,          ///< the TLS handshake took longer than its deadline
    head_timeout,         ///< no response head in time (first byte)
    first_event_timeout,  ///< streamed: no first SSE event within stream_timeout
    idle_timeout,         ///< streamed: nothing within stream_idle_timeout between events
    total_timeout,        ///< the whole non-streamed attempt took longer than `timeout`
    connection,           ///< refused, reset, DNS failure, EOF before a response
    tls,                  ///< TLS handshake or certificate verification failed
    bad_response,         ///< the response was not valid HTTP/1.1 (or its body could not be read)
    bad_target,           ///< the deployment's api_base is not an absolute http(s) URL: nothing was sent
    cancelled,            ///< aborted by baton (the client went away); never reported as a failure
};

/// Stable lower-case name ("connect_timeout", ...), used in logs and error codes.
constexpr std::string_view to_string(upstream_errc e) noexcept
{
    switch (e) {
    case upstream_errc::connect_timeout:
        return "connect_timeout";
    case upstream_errc::tls_timeout:
        return "tls_timeout";
    case upstream_errc::head_timeout:
        return "head_timeout";
    case upstream_errc::first_event_timeout:
        return "first_event_timeout";
    case upstream_errc::idle_timeout:
        return "idle_timeout";
    case upstream_errc::total_timeout:
        return "total_timeout";
    case upstream_errc::connection:
        return "connection";
    case upstream_errc::tls:
        return "tls";
    case upstream_errc::bad_response:
        return "bad_response";
    case upstream_errc::bad_target:
        return "bad_target";
    case upstream_errc::cancelled:
        return "cancelled";
    }
    return "connection";
}

namespace detail {

// Boost.System's error_category has a protected non-virtual destructor by design (categories are
// never deleted through a base pointer).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class upstream_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "baton.upstream"; }
    std::string message(int ev) const override
    {
        return std::string(to_string(static_cast<upstream_errc>(ev)));
    }
};
#pragma GCC diagnostic pop

}  // namespace detail

/// The error_category of upstream_errc. Thread-safe (a function-local static).
inline const boost::system::error_category& upstream_category() noexcept
{
    static const detail::upstream_category_impl instance;
    return instance;
}

inline boost::system::error_code make_error_code(upstream_errc e) noexcept
{
    return {static_cast<int>(e), upstream_category()};
}

/// True for the timeouts (every phase's deadline).
constexpr bool is_timeout(upstream_errc e) noexcept
{
    switch (e) {
    case upstream_errc::connect_timeout:
    case upstream_errc::tls_timeout:
    case upstream_errc::head_timeout:
    case upstream_errc::first_event_timeout:
    case upstream_errc::idle_timeout:
    case upstream_errc::total_timeout:
        return true;
    default:
        return false;
    }
}

}  // namespace baton::net

template <>
struct boost::system::is_error_code_enum<baton::net::upstream_errc> : std::true_type {
};
