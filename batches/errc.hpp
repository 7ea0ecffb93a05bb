#pragma once

#include <boost/system/error_category.hpp>
#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>
#include <type_traits>

namespace baton::batches {

/// Why the files and batches API refused a request, in its own words (SPEC §7). daemon/error_answer.hpp
/// alone turns each into an HTTP status and an OpenAI error body; the comment says which. Values start at 1.
enum class errc {
    invalid_json = 1,  ///< 400: the body is not a JSON object
    invalid_value,     ///< 400: a field has a value outside its domain (endpoint, completion_window, ...)
    invalid_type,      ///< 400: a field has the wrong type (metadata values that are not strings, ...)
    missing_required_parameter,  ///< 400: a required field is absent
    invalid_upload,              ///< 400: a multipart/form-data body that cannot be read, or without a file
    file_not_found,              ///< 404: no file with this id (for this key)
    batch_not_found,             ///< 404: no batch with this id (for this key)
    idempotency_conflict,        ///< 409: an idempotency key reused with other parameters
    cannot_cancel,               ///< 409: the batch is already finished
    file_too_large,              ///< 413: an upload over general_settings.max_file_mb
    storage_failed,              ///< 500: the disk or the database failed (full, read-only, corrupt)
};

/// Stable lower-case name: the OpenAI error `code` of the answer.
constexpr std::string_view to_string(errc e) noexcept
{
    switch (e) {
    case errc::invalid_json:
        return "invalid_json";
    case errc::invalid_value:
        return "invalid_value";
    case errc::invalid_type:
        return "invalid_type";
    case errc::missing_required_parameter:
        return "missing_required_parameter";
    case errc::invalid_upload:
        return "invalid_upload";
    case errc::file_not_found:
        return "file_not_found";
    case errc::batch_not_found:
        return "batch_not_found";
    case errc::idempotency_conflict:
        return "idempotency_conflict";
    case errc::cannot_cancel:
        return "cannot_cancel";
    case errc::file_too_large:
        return "file_too_large";
    case errc::storage_failed:
        return "storage_failed";
    }
    return "invalid_value";
}

namespace detail {

// Boost.System's error_category has a protected non-virtual destructor by design (categories are
// never deleted through a base pointer).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class batches_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "baton.batches"; }
    std::string message(int ev) const override { return std::string(to_string(static_cast<errc>(ev))); }
};
#pragma GCC diagnostic pop

}  // namespace detail

/// The error_category of batches::errc. Thread-safe.
inline const boost::system::error_category& batches_category() noexcept
{
    static const detail::batches_category_impl instance;
    return instance;
}

inline boost::system::error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), batches_category()};
}

/// A refusal as a value: the code, the message for the client and the offending parameter (may be empty).
struct api_error {
    errc code = errc::invalid_value;
    std::string message;
    std::string param;
};

}  // namespace baton::batches

template <>
struct boost::system::is_error_code_enum<baton::batches::errc> : std::true_type {
};
