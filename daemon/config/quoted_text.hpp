#pragma once

#include <string>
#include <string_view>

namespace baton::daemon::config_detail {

/// `s` in double quotes, JSON-style: `"` and `\` escaped, control characters as \u00XX, so that a name
/// quoted in an error message is unambiguous and can't break the line. Pure.
std::string quoted_text(std::string_view s);

}  // namespace baton::daemon::config_detail
