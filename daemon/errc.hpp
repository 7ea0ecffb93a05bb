#pragma once

#include <boost/system/error_category.hpp>
#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>
#include <type_traits>

namespace baton::daemon {

/// Why the daemon refused a request at its door (dispatch and authentication). Values start at 1.
enum class errc {
    unknown_path = 1,    ///< no endpoint has this path
    method_not_allowed,  ///< the path exists, not with this method
    missing_api_key,     ///< keys are required and none was presented
    invalid_api_key,     ///< the presented key is neither the master key nor a client key
    admin_only,          ///< a client key on an endpoint that needs the master key
    not_found,           ///< an endpoint's object does not exist (`/v1/models/{id}`)
};

constexpr std::string_view to_string(errc e) noexcept
{
    switch (e) {
    case errc::unknown_path:
        return "unknown_path";
    case errc::method_not_allowed:
        return "method_not_allowed";
    case errc::missing_api_key:
        return "missing_api_key";
    case errc::invalid_api_key:
        return "invalid_api_key";
    case errc::admin_only:
        return "admin_only";
    case errc::not_found:
        return "not_found";
    }
    return "unknown_path";
}

namespace detail {

// Boost.System's error_category has a protected non-virtual destructor by design (categories are
// never deleted through a base pointer).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class daemon_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "baton.daemon"; }
    std::string message(int ev) const override { return std::string(to_string(static_cast<errc>(ev))); }
};
#pragma GCC diagnostic pop

}  // namespace detail

inline const boost::system::error_category& daemon_category() noexcept
{
    static const detail::daemon_category_impl instance;
    return instance;
}

inline boost::system::error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), daemon_category()};
}

}  // namespace baton::daemon

template <>
struct boost::system::is_error_code_enum<baton::daemon::errc> : std::true_type {
};
