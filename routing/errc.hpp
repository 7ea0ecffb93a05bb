#pragma once

#include <boost/system/error_category.hpp>
#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>
#include <type_traits>

namespace baton::routing {

/// Why routing could not serve a request. Routing names the cause; daemon/error_answer.hpp alone turns
/// it into an HTTP status and an OpenAI error body. Values start at 1 (0 is "no error").
enum class errc {
    model_not_found = 1,  ///< the model names no group, alias or wildcard match
    nothing_sent,         ///< plan exhausted: every candidate was cooling down or saturated; nothing was sent
    all_rate_limited,     ///< plan exhausted: every attempt sent was rate limited
    all_timed_out,        ///< plan exhausted: every attempt sent timed out
    all_failed,           ///< plan exhausted: the attempts failed for other or mixed reasons
    model_not_allowed,    ///< the model is outside the calling key's `models` scope
    invalid_model_name,  ///< a '*' in the model, or a wildcard capture that is no model name (model_name.hpp)
};

/// Stable lower-case name ("model_not_found", ...).
constexpr std::string_view to_string(errc e) noexcept
{
    switch (e) {
    case errc::model_not_found:
        return "model_not_found";
    case errc::nothing_sent:
        return "nothing_sent";
    case errc::all_rate_limited:
        return "all_rate_limited";
    case errc::all_timed_out:
        return "all_timed_out";
    case errc::all_failed:
        return "all_failed";
    case errc::model_not_allowed:
        return "model_not_allowed";
    case errc::invalid_model_name:
        return "invalid_model_name";
    }
    return "all_failed";
}

namespace detail {

// Boost.System's error_category has a protected non-virtual destructor by design (categories are
// never deleted through a base pointer).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class routing_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "baton.routing"; }
    std::string message(int ev) const override { return std::string(to_string(static_cast<errc>(ev))); }
};
#pragma GCC diagnostic pop

}  // namespace detail

/// The error_category of routing::errc. Thread-safe.
inline const boost::system::error_category& routing_category() noexcept
{
    static const detail::routing_category_impl instance;
    return instance;
}

inline boost::system::error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), routing_category()};
}

}  // namespace baton::routing

template <>
struct boost::system::is_error_code_enum<baton::routing::errc> : std::true_type {
};
