#pragma once
// Reading one field of a JSON object (a log event, an admin endpoint's body) as text for an assertion.

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace baton::test {

/// The string field `key` of `o`; "<absent>" when it is missing or not a string.
std::string str(const boost::json::object& o, std::string_view key);

}  // namespace baton::test
