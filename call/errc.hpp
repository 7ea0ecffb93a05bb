#pragma once

#include <boost/system/error_category.hpp>
#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>
#include <type_traits>

namespace baton::call {

/// Why a routed call refused or failed a request, in the call's own words (request validation, an upstream
/// answer that is no answer; the key's scope is routing's, routing::errc::model_not_allowed). routing::errc,
/// net::upstream_errc and streaming::stream_trigger cover the rest; daemon/error_answer.hpp alone turns any
/// of them into a status and an OpenAI error. Values start at 1.
enum class errc {
    invalid_json = 1,            ///< the body is not a JSON object
    invalid_type,                ///< a field has the wrong type (`param` names it)
    invalid_value,               ///< a field has a value outside its domain
    missing_required_parameter,  ///< a required field is absent
    unparseable_body,            ///< an upstream 2xx whose body is not a JSON object (a bad_response failure)
};

/// Stable lower-case name; the OpenAI error `code` for the request errors.
constexpr std::string_view to_string(errc e) noexcept
{
    switch (e) {
    case errc::invalid_json:
        return "invalid_json";
    case errc::invalid_type:
        return "invalid_type";
    case errc::invalid_value:
        return "invalid_value";
    case errc::missing_required_parameter:
        return "missing_required_parameter";
    case errc::unparseable_body:
        return "bad_response";
    }
    return "invalid_value";
}

namespace detail {

// Boost.System's error_category has a protected non-virtual destructor by design (categories are
// never deleted through a base pointer).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class call_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "baton.call"; }
    std::string message(int ev) const override { return std::string(to_string(static_cast<errc>(ev))); }
};
#pragma GCC diagnostic pop

}  // namespace detail

/// The error_category of call::errc. Thread-safe.
inline const boost::system::error_category& call_category() noexcept
{
    static const detail::call_category_impl instance;
    return instance;
}

inline boost::system::error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), call_category()};
}

}  // namespace baton::call

template <>
struct boost::system::is_error_code_enum<baton::call::errc> : std::true_type {
};
