#include "providers/adapter.hpp"

#include "providers/json_body.hpp"
#include "providers/scoped_defaults.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace baton::providers {

deployment_route adapter::common_route(const routing::deployment& d, std::string_view base_path) const
{
    deployment_route r;
    r.via = this;
    r.base_path = std::string(base_path);
    if (!d.request_defaults.empty()) {
        // The config loader wrote this text from YAML; a text that is not an object is its bug, not a
        // request's.
        boost::system::error_code ec;
        boost::json::value v = boost::json::parse(d.request_defaults, ec);
        if (!ec && v.is_object()) {
            r.defaults = std::move(v.get_object());
        }
    }
    for (const auto& [name, value] : d.extra_headers) {
        r.headers += name;
        r.headers += ": ";
        r.headers += value;
        r.headers += "\r\n";
    }
    return r;
}

deployment_route adapter::route(const routing::deployment& d, std::string_view base_path) const
{
    deployment_route r = common_route(d, base_path);
    for (const auto e :
         {api_endpoint::chat_completions, api_endpoint::completions, api_endpoint::embeddings}) {
        r.targets[static_cast<std::size_t>(e)] = r.base_path + std::string(endpoint_path(e));
    }
    if (!d.api_key.empty()) {
        r.headers.insert(0, "authorization: Bearer " + d.api_key + "\r\n");
    }
    return r;
}

std::string_view adapter::target(const deployment_route& r, const routing::deployment&, api_endpoint endpoint,
                                 std::string_view, std::string&) const
{
    return r.targets[static_cast<std::size_t>(endpoint)];
}

void adapter::write_body(const deployment_route& r, boost::json::object& body, std::string_view model,
                         api_endpoint, std::string& out, std::string& dropped) const
{
    dropped.clear();
    body["model"] = model;
    const scoped_defaults defaults(body, r.defaults);
    out = boost::json::serialize(body);
}

void adapter::mark_prefill(boost::json::object& body) const
{
    body["continue_final_message"] = true;
    body["add_generation_prompt"] = false;
}

routing::failure_reason adapter::classify(int status, std::string_view body) const
{
    return routing::classify(status, body);
}

response_reading adapter::read(std::string_view body, std::int64_t, std::string&) const
{
    // Every byte is checked (issue #11: a body whose first byte was '{' passed, whatever followed), in the
    // same pass that reads the usage.
    const json_body whole = read_json_body(body);
    response_reading r;
    r.usable = whole.object;
    if (r.usable) {
        r.body = body;
        r.usage = whole.usage;
    }
    return r;
}

void adapter::rewrite_error(std::string&) const {}

std::unique_ptr<stream_translator> adapter::translator(api_endpoint, std::int64_t) const
{
    return nullptr;
}

local_answer adapter::answer(api_endpoint, std::string_view, bool) const
{
    return {500,
            R"({"error":{"message":"not a local provider","type":"server_error","param":null,"code":null}})"};
}

}  // namespace baton::providers
