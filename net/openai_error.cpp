#include "net/openai_error.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace baton::net {

std::string openai_error_body(std::string_view message, std::string_view type, std::string_view code,
                              std::string_view param)
{
    boost::json::object err;
    err["message"] = message;
    err["type"] = type;
    err["param"] = param.empty() ? boost::json::value(nullptr) : boost::json::value(param);
    err["code"] = code.empty() ? boost::json::value(nullptr) : boost::json::value(code);
    boost::json::object root;
    root["error"] = std::move(err);
    return boost::json::serialize(root);
}

}  // namespace baton::net
