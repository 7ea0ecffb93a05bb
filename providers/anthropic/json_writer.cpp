#include "providers/anthropic/json_writer.hpp"

#include "providers/anthropic/raw_json.hpp"

#include <boost/json/serialize.hpp>

#include <charconv>

namespace baton::providers::anthropic {

void append_string(std::string& out, std::string_view s)
{
    out += '"';
    append_escaped(out, s);
    out += '"';
}

void append_value(std::string& out, const boost::json::value& v)
{
    char digits[24];
    switch (v.kind()) {
    case boost::json::kind::null:
        out += "null";
        return;
    case boost::json::kind::bool_:
        out += v.get_bool() ? "true" : "false";
        return;
    case boost::json::kind::int64: {
        const auto r = std::to_chars(digits, digits + sizeof digits, v.get_int64());
        out.append(digits, r.ptr);
        return;
    }
    case boost::json::kind::uint64: {
        const auto r = std::to_chars(digits, digits + sizeof digits, v.get_uint64());
        out.append(digits, r.ptr);
        return;
    }
    case boost::json::kind::double_:
        out += boost::json::serialize(v);
        return;
    case boost::json::kind::string:
        append_string(out, v.get_string());
        return;
    case boost::json::kind::array: {
        out += '[';
        bool first = true;
        for (const auto& e : v.get_array()) {
            if (!first) {
                out += ',';
            }
            first = false;
            append_value(out, e);
        }
        out += ']';
        return;
    }
    case boost::json::kind::object: {
        out += '{';
        bool first = true;
        for (const auto& kv : v.get_object()) {
            if (!first) {
                out += ',';
            }
            first = false;
            append_string(out, kv.key());
            out += ':';
            append_value(out, kv.value());
        }
        out += '}';
        return;
    }
    }
}

}  // namespace baton::providers::anthropic
