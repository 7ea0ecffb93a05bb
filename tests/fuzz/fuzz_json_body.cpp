// libFuzzer target for providers/json_body (issue #11, defect 7): the one-pass check of a 2xx body and the
// basic_parser reference it falls back on.
// Invariants: no crash or sanitizer report; read_json_body and read_json_body_exact both call a body an
// object exactly when boost::json::parse (max_depth 64, as read_json_body_exact's) parses it to an object;
// when they do, both read the same usage.
#include "providers/json_body.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace {

void check(bool ok, const char* what, std::string_view body)
{
    if (!ok) {
        std::fprintf(stderr, "fuzz_json_body: %s on %zu bytes: %.*s\n", what, body.size(),
                     static_cast<int>(body.size()), body.data());
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    boost::json::parse_options options;
    options.max_depth = 64;
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(body, ec, {}, options);
    const bool object = !ec && v.is_object();

    const auto fast = baton::providers::read_json_body(body);
    const auto exact = baton::providers::read_json_body_exact(body);
    check(exact.object == object, "read_json_body_exact disagrees with boost::json::parse", body);
    check(fast.object == object, "read_json_body disagrees with boost::json::parse", body);
    if (object) {
        check(fast.usage.prompt_tokens == exact.usage.prompt_tokens &&
                  fast.usage.completion_tokens == exact.usage.completion_tokens &&
                  fast.usage.total_tokens == exact.usage.total_tokens,
              "read_json_body and read_json_body_exact read different usage", body);
    }
    return 0;
}
