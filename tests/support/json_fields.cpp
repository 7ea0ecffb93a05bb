#include "support/json_fields.hpp"

namespace baton::test {

std::string str(const boost::json::object& o, std::string_view key)
{
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string("<absent>");
}

}  // namespace baton::test
