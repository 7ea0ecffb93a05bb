#pragma once
// Reading the calls the fake upstream recorded (fake_upstream_process::calls(); fields in
// fake_upstream/README.md): who was called in which order, with which headers.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace baton::test {

/// The recorded calls, ordered by the fake's global arrival sequence (`seq`). Throws when a call has no
/// integer `seq` (a fake that records differently).
std::vector<boost::json::object> ordered(const boost::json::array& calls);

/// The deployment `name` of each call, in the given order.
std::vector<std::string> names_of(const std::vector<boost::json::object>& calls);

/// The request header `name` (lower case, as recorded) of a call; "<absent>" when the request had none.
std::string call_header(const boost::json::object& call, std::string_view name);
std::string call_header(const boost::json::value& call, std::string_view name);

/// The call's `authorization` header (the key the upstream got); "<absent>" when the request had none.
std::string auth_of(const boost::json::object& call);

}  // namespace baton::test
