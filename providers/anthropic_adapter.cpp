#include "providers/anthropic_adapter.hpp"

#include "providers/anthropic/classify_messages_error.hpp"
#include "providers/anthropic/from_messages_response.hpp"
#include "providers/anthropic/messages_stream_translator.hpp"
#include "providers/anthropic/to_messages_request.hpp"
#include "providers/anthropic/to_openai_error.hpp"
#include "providers/scoped_defaults.hpp"

namespace baton::providers {

namespace {

// "{base}/v1/messages", where base is the api_base's path: used as it is when it already ends in
// /v1/messages, with /messages added when it ends in /v1.
std::string messages_path(std::string_view base)
{
    if (base.ends_with("/v1/messages")) {
        return std::string(base);
    }
    if (base.ends_with("/v1")) {
        return std::string(base) + "/messages";
    }
    return std::string(base) + "/v1/messages";
}

}  // namespace

deployment_route anthropic_adapter::route(const routing::deployment& d, std::string_view base_path) const
{
    deployment_route r = common_route(d, base_path);
    const std::string messages = messages_path(r.base_path);
    // The root the other endpoints hang off: the path before /v1/messages.
    const std::string root = messages.substr(0, messages.size() - std::string_view("/v1/messages").size());
    r.targets[static_cast<std::size_t>(api_endpoint::chat_completions)] = messages;
    r.targets[static_cast<std::size_t>(api_endpoint::completions)] = root + "/v1/completions";
    r.targets[static_cast<std::size_t>(api_endpoint::embeddings)] = root + "/v1/embeddings";
    std::string own = "anthropic-version: " + std::string(api_version) + "\r\n";
    if (!d.api_key.empty()) {
        own.insert(0, "x-api-key: " + d.api_key + "\r\n");
    }
    r.headers.insert(0, own);
    return r;
}

void anthropic_adapter::write_body(const deployment_route& r, boost::json::object& body,
                                   std::string_view model, api_endpoint endpoint, std::string& out,
                                   std::string& dropped) const
{
    if (endpoint != api_endpoint::chat_completions) {
        adapter::write_body(r, body, model, endpoint, out, dropped);
        return;
    }
    const scoped_defaults defaults(body, r.defaults);
    anthropic::to_messages_request(body, model, out, dropped);
}

routing::failure_reason anthropic_adapter::classify(int status, std::string_view body) const
{
    return anthropic::classify_messages_error(status, body);
}

response_reading anthropic_adapter::read(std::string_view body, std::int64_t created,
                                         std::string& scratch) const
{
    response_reading r;
    r.usable = anthropic::from_messages_response(body, created, scratch, r.usage);
    if (r.usable) {
        r.body = scratch;
    }
    return r;
}

void anthropic_adapter::rewrite_error(std::string& body) const
{
    anthropic::to_openai_error(body);
}

std::unique_ptr<stream_translator> anthropic_adapter::translator(api_endpoint endpoint,
                                                                 std::int64_t created) const
{
    if (endpoint != api_endpoint::chat_completions) {
        return nullptr;
    }
    return std::make_unique<anthropic::messages_stream_translator>(created);
}

}  // namespace baton::providers
