// libFuzzer target for request rewriting: a client body through call::parse_routed_request, then each
// adapter's write_body, as a call does per attempt. For any body:
// - no crash and no sanitizer report; a refusal is one of the documented codes, with a message;
// - an accepted body loses baton's own fields (fallbacks, num_retries, disable_fallbacks, metadata,
//   stream_failover), keeps the endpoint's required field, asks a streaming upstream for usage, and never
//   streams embeddings;
// - every adapter writes a JSON object naming the attempt's upstream model.
#include "call/routed_request.hpp"
#include "providers/adapter.hpp"
#include "providers/registry.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

namespace json = boost::json;
using baton::providers::api_endpoint;

void check(bool ok)
{
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 1) return 0;
    // First byte: the endpoint, whether a default model exists, and which upstream model the attempt uses.
    const auto endpoint = static_cast<api_endpoint>(data[0] % 3);
    const bool has_default = (data[0] & 0x04) != 0;
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

    json::monotonic_resource arena;
    auto parsed = baton::call::parse_routed_request(text, endpoint, has_default, json::storage_ptr(&arena));
    if (const auto* bad = std::get_if<baton::call::request_error>(&parsed)) {
        using baton::call::errc;
        check(bad->code == errc::invalid_json || bad->code == errc::invalid_type ||
              bad->code == errc::invalid_value || bad->code == errc::missing_required_parameter);
        check(!bad->message.empty());
        return 0;
    }
    auto& r = std::get<baton::call::routed_request>(parsed);
    for (const char* field :
         {"fallbacks", "num_retries", "disable_fallbacks", "metadata", "stream_failover"}) {
        check(!r.body.contains(field));
    }
    check(r.body.contains(endpoint == api_endpoint::chat_completions ? "messages"
                          : endpoint == api_endpoint::completions    ? "prompt"
                                                                     : "input"));
    check(!(r.stream && endpoint == api_endpoint::embeddings));
    const auto* named = r.body.if_contains("model");
    check(named != nullptr ? named->as_string() == r.model : r.model.empty());
    if (r.stream) {
        check(r.body.at("stream_options").at("include_usage") == json::value(true));
    }
    const std::string model = (data[0] & 0x08) != 0 ? r.model : std::string("up-model");
    std::string out;
    std::string dropped;
    baton::providers::deployment_route route;
    if ((data[0] & 0x10) != 0) route.defaults["temperature"] = 0.5;  // litellm_params request defaults
    for (const auto& p : baton::providers::all_providers()) {
        if (p.via == nullptr) continue;  // a provider baton names but cannot serve (bedrock, ...)
        json::object copy(r.body, json::storage_ptr(&arena));
        route.via = p.via;
        p.via->write_body(route, copy, model, endpoint, out, dropped);
        json::error_code ec;
        const json::value written = json::parse(out, ec);
        check(!ec && written.is_object());
        const auto* m = written.as_object().if_contains("model");
        check(m != nullptr && m->is_string() && m->as_string() == model);
    }
    return 0;
}
