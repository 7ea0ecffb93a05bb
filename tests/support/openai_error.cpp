#include "support/openai_error.hpp"

#include <boost/json/parse.hpp>

namespace baton::test {

namespace {

std::string text_of(const boost::json::object& o, std::string_view key, bool* ok, bool nullable)
{
    const auto* v = o.if_contains(key);
    if (v == nullptr) {
        *ok = false;
        return "<absent>";
    }
    if (v->is_string()) {
        return std::string(v->get_string());
    }
    if (v->is_null() && nullable) {
        return "null";
    }
    *ok = false;
    return "<not a string>";
}

}  // namespace

openai_error error_of(const http_response& r)
{
    openai_error out;
    boost::system::error_code ec;
    const auto v = boost::json::parse(r.body, ec);
    if (ec || !v.is_object()) {
        return out;
    }
    const auto* e = v.get_object().if_contains("error");
    if (e == nullptr || !e->is_object()) {
        return out;
    }
    const auto& err = e->get_object();
    bool ok = true;
    out.message = text_of(err, "message", &ok, false);
    out.type = text_of(err, "type", &ok, false);
    out.param = text_of(err, "param", &ok, true);
    out.code = text_of(err, "code", &ok, true);
    out.shaped = ok;
    return out;
}

}  // namespace baton::test
