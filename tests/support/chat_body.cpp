#include "support/chat_body.hpp"

#include <boost/json.hpp>

namespace baton::test {

boost::json::object chat_body(std::string_view model, bool stream, bool include_usage)
{
    boost::json::object o{
        {"messages", boost::json::array{boost::json::object{{"role", "user"}, {"content", "hi"}}}}};
    if (!model.empty()) o["model"] = model;
    if (stream) o["stream"] = true;
    if (include_usage) o["stream_options"] = boost::json::object{{"include_usage", true}};
    return o;
}

}  // namespace baton::test
