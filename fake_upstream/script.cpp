#include "fake_upstream/script.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string_view>
#include <utility>
#include <vector>

namespace baton::fake {
namespace json = boost::json;

namespace {

// Parsing fails fast with the first error: a script is written by a test author, one message is enough.
struct parse_error {
    std::string message;
};

void check_keys(const json::object& o, std::initializer_list<std::string_view> allowed,
                const std::string& path) {
    for (const auto& kv : o) {
        bool known = false;
        for (auto a : allowed) known = known || kv.key() == a;
        if (!known) throw parse_error{path + "." + std::string(kv.key()) + ": unknown field"};
    }
}

int get_int(const json::value& v, const std::string& path, int min) {
    std::optional<std::int64_t> n;
    if (v.is_int64())
        n = v.get_int64();
    else if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<int>::max()))
        n = static_cast<std::int64_t>(v.get_uint64());
    else if (v.is_double() &&
             v.get_double() == static_cast<double>(static_cast<std::int64_t>(v.get_double())))
        n = static_cast<std::int64_t>(v.get_double());
    if (!n || *n < min || *n > std::numeric_limits<int>::max())
        throw parse_error{path + ": must be an integer >= " + std::to_string(min)};
    return static_cast<int>(*n);
}

bool get_bool(const json::value& v, const std::string& path) {
    if (!v.is_bool()) throw parse_error{path + ": must be a boolean"};
    return v.get_bool();
}

std::string get_string(const json::value& v, const std::string& path) {
    if (!v.is_string()) throw parse_error{path + ": must be a string"};
    return std::string(v.get_string());
}

const json::object& get_object(const json::value& v, const std::string& path) {
    if (!v.is_object()) throw parse_error{path + ": must be an object"};
    return v.get_object();
}

std::vector<std::string> get_strings(const json::value& v, const std::string& path) {
    if (!v.is_array()) throw parse_error{path + ": must be an array of strings"};
    std::vector<std::string> out;
    for (std::size_t i = 0; i < v.get_array().size(); ++i)
        out.push_back(get_string(v.get_array()[i], path + "[" + std::to_string(i) + "]"));
    return out;
}

stream_spec parse_stream(const json::value& v, const std::string& path) {
    const auto& o = get_object(v, path);
    check_keys(o,
               {"chunks", "pieces", "first_delay_ms", "interval_ms", "cut_after", "error_after",
                "stall_after", "garbage_after", "eof_after", "no_done", "drip_ms", "endless_after"},
               path);
    auto field = [&](std::string_view key) { return path + "." + std::string(key); };
    stream_spec s;
    for (auto [key, target] : {std::pair{"chunks", &s.chunks}, std::pair{"first_delay_ms", &s.first_delay_ms},
                               std::pair{"interval_ms", &s.interval_ms}, std::pair{"drip_ms", &s.drip_ms}})
        if (const auto* x = o.if_contains(key)) *target = get_int(*x, field(key), 0);
    for (auto [key, target] :
         {std::pair{"cut_after", &s.cut_after}, std::pair{"error_after", &s.error_after},
          std::pair{"stall_after", &s.stall_after}, std::pair{"garbage_after", &s.garbage_after},
          std::pair{"eof_after", &s.eof_after}, std::pair{"endless_after", &s.endless_after}})
        if (const auto* x = o.if_contains(key)) *target = get_int(*x, field(key), 0);
    if (const auto* x = o.if_contains("pieces")) s.pieces = get_strings(*x, field("pieces"));
    if (const auto* x = o.if_contains("no_done")) s.no_done = get_bool(*x, field("no_done"));
    return s;
}

model_spec parse_model(const json::value& v, const std::string& path)
{
    const auto& o = get_object(v, path);
    check_keys(o, {"words", "reject_prefill"}, path);
    model_spec m;
    if (const auto* x = o.if_contains("words")) m.words = get_int(*x, path + ".words", 1);
    if (const auto* x = o.if_contains("reject_prefill"))
        m.reject_prefill = get_bool(*x, path + ".reject_prefill");
    return m;
}

response_spec parse_response(const json::value& v, const std::string& path) {
    const auto& o = get_object(v, path);
    check_keys(o,
               {"status", "headers", "error", "body", "delay_ms", "hang", "close", "garbage", "content",
                "stream", "model"},
               path);
    auto field = [&](std::string_view key) { return path + "." + std::string(key); };
    response_spec r;
    if (const auto* x = o.if_contains("status")) {
        const int status = get_int(*x, field("status"), 100);
        if (status > 599) throw parse_error{field("status") + ": must be an HTTP status (100..599)"};
        r.status = static_cast<unsigned>(status);
    }
    if (const auto* x = o.if_contains("headers")) {
        for (const auto& h : get_object(*x, field("headers"))) {
            const auto& hv = h.value();
            r.headers.emplace_back(std::string(h.key()),
                                   hv.is_string() ? std::string(hv.get_string()) : json::serialize(hv));
        }
    }
    if (const auto* x = o.if_contains("error")) {
        const auto& e = get_object(*x, field("error"));
        check_keys(e, {"message", "type", "code", "param"}, field("error"));
        r.error = e;
    }
    if (const auto* x = o.if_contains("body"))
        r.body = x->is_string() ? std::string(x->get_string()) : json::serialize(*x);
    if (const auto* x = o.if_contains("delay_ms")) r.delay_ms = get_int(*x, field("delay_ms"), 0);
    for (auto [key, target] :
         {std::pair{"hang", &r.hang}, std::pair{"close", &r.close}, std::pair{"garbage", &r.garbage}})
        if (const auto* x = o.if_contains(key)) *target = get_bool(*x, field(key));
    if (const auto* x = o.if_contains("content")) r.content = get_string(*x, field("content"));
    if (const auto* x = o.if_contains("stream")) r.stream = parse_stream(*x, field("stream"));
    if (const auto* x = o.if_contains("model")) r.model = parse_model(*x, field("model"));
    return r;
}

}  // namespace

boost::system::result<script, std::string> parse_script(const json::value& v) {
    try {
        script s;
        const auto& o = get_object(v, "script");
        if (!o.contains("steps") && !o.contains("then")) {
            s.then = parse_response(v, "script");
            return s;
        }
        check_keys(o, {"steps", "then"}, "script");
        if (const auto* steps = o.if_contains("steps")) {
            if (!steps->is_array()) throw parse_error{"script.steps: must be an array"};
            for (std::size_t i = 0; i < steps->get_array().size(); ++i)
                s.steps.push_back(
                    parse_response(steps->get_array()[i], "script.steps[" + std::to_string(i) + "]"));
        }
        if (const auto* then = o.if_contains("then")) s.then = parse_response(*then, "script.then");
        return s;
    } catch (const parse_error& e) {
        return e.message;
    }
}

}  // namespace baton::fake
