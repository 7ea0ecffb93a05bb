#include "providers/azure_adapter.hpp"

namespace baton::providers {

namespace {

/// `model` as one path segment: every byte but RFC 3986's unreserved ones percent-encoded. Routing lets only
/// valid model names through (routing/model_name.hpp); this keeps the path one segment whatever comes.
void append_segment(std::string& t, std::string_view model)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    for (const char ch : model) {
        const auto c = static_cast<unsigned char>(ch);
        const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                                c == '-' || c == '_' || c == '.' || c == '~';
        if (unreserved) {
            t += ch;
        } else {
            t += '%';
            t += hex[c >> 4];
            t += hex[c & 0xf];
        }
    }
}

std::string azure_target(const routing::deployment& d, std::string_view base, api_endpoint endpoint,
                         std::string_view model)
{
    std::string t(base);
    t += "/openai/deployments/";
    append_segment(t, model);
    t += endpoint_path(endpoint);
    t += "?api-version=";
    t += d.api_version;
    return t;
}

}  // namespace

deployment_route azure_adapter::route(const routing::deployment& d, std::string_view base_path) const
{
    deployment_route r = common_route(d, base_path);
    for (const auto e :
         {api_endpoint::chat_completions, api_endpoint::completions, api_endpoint::embeddings}) {
        r.targets[static_cast<std::size_t>(e)] = azure_target(d, r.base_path, e, d.upstream_model);
    }
    if (!d.api_key.empty()) {
        r.headers.insert(0, "api-key: " + d.api_key + "\r\n");
    }
    return r;
}

std::string_view azure_adapter::target(const deployment_route& r, const routing::deployment& d,
                                       api_endpoint endpoint, std::string_view model,
                                       std::string& scratch) const
{
    // The model is part of the path: a wildcard deployment sends the requested name.
    if (model == d.upstream_model) {
        return r.targets[static_cast<std::size_t>(endpoint)];
    }
    scratch = azure_target(d, r.base_path, endpoint, model);
    return scratch;
}

}  // namespace baton::providers
