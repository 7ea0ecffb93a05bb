#include "providers/anthropic/to_openai_error.hpp"

#include "providers/anthropic/raw_json.hpp"

namespace baton::providers::anthropic {

void to_openai_error(std::string& body)
{
    raw_object root(body);
    if (root.find("type") != "\"error\"") {
        return;
    }
    const std::string_view err = root.find("error");
    if (err.empty() || err.front() != '{') {
        return;
    }
    raw_object e(err);
    const std::string_view type = e.find("type");
    const std::string_view message = e.find("message");
    if (!is_raw_string(type) || !is_raw_string(message)) {
        return;
    }
    std::string out = "{\"error\":{\"message\":";
    out += message;
    out += ",\"type\":";
    out += type;
    out += ",\"param\":null,\"code\":";
    out += type;
    out += "}}";
    body = std::move(out);
}

}  // namespace baton::providers::anthropic
