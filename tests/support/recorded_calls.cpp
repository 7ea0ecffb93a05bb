#include "support/recorded_calls.hpp"

#include <algorithm>

namespace baton::test {

std::vector<boost::json::object> ordered(const boost::json::array& calls)
{
    std::vector<boost::json::object> out;
    for (const auto& c : calls) out.push_back(c.as_object());
    std::sort(out.begin(), out.end(), [](const boost::json::object& a, const boost::json::object& b) {
        return a.at("seq").as_int64() < b.at("seq").as_int64();
    });
    return out;
}

std::vector<std::string> names_of(const std::vector<boost::json::object>& calls)
{
    std::vector<std::string> out;
    for (const auto& c : calls) out.emplace_back(c.at("name").as_string());
    return out;
}

std::string call_header(const boost::json::object& call, std::string_view name)
{
    const auto* h = call.at("headers").as_object().if_contains(name);
    return h && h->is_string() ? std::string(h->get_string()) : std::string("<absent>");
}

std::string call_header(const boost::json::value& call, std::string_view name)
{
    return call_header(call.as_object(), name);
}

std::string auth_of(const boost::json::object& call)
{
    return call_header(call, "authorization");
}

}  // namespace baton::test
