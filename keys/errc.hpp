#pragma once

#include <boost/system/error_category.hpp>
#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>
#include <type_traits>

namespace baton::keys {

/// Why a client key's request was refused before routing: one of its limits (SPEC §3).
/// daemon/error_answer.hpp alone turns it into a 429 with an OpenAI error. Values start at 1.
enum class errc {
    rpm_exceeded = 1,   ///< requests this minute reached rpm_limit
    tpm_exceeded,       ///< tokens this minute reached tpm_limit
    parallel_exceeded,  ///< requests in flight reached max_parallel_requests
};

/// Stable lower-case name.
constexpr std::string_view to_string(errc e) noexcept
{
    switch (e) {
    case errc::rpm_exceeded:
        return "rpm_exceeded";
    case errc::tpm_exceeded:
        return "tpm_exceeded";
    case errc::parallel_exceeded:
        return "parallel_exceeded";
    }
    return "rpm_exceeded";
}

namespace detail {

// Boost.System's error_category has a protected non-virtual destructor by design (categories are
// never deleted through a base pointer).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class keys_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "baton.keys"; }
    std::string message(int ev) const override { return std::string(to_string(static_cast<errc>(ev))); }
};
#pragma GCC diagnostic pop

}  // namespace detail

/// The error_category of keys::errc. Thread-safe.
inline const boost::system::error_category& keys_category() noexcept
{
    static const detail::keys_category_impl instance;
    return instance;
}

inline boost::system::error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), keys_category()};
}

}  // namespace baton::keys

template <>
struct boost::system::is_error_code_enum<baton::keys::errc> : std::true_type {
};
