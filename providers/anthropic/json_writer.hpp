#pragma once

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace baton::providers::anthropic {

/// Appends `s` as a JSON string (quotes included).
void append_string(std::string& out, std::string_view s);

/// Appends `v` as JSON text, as boost::json::serialize would write it, without a temporary string per value:
/// the request translation writes its whole body into one buffer.
void append_value(std::string& out, const boost::json::value& v);

}  // namespace baton::providers::anthropic
