#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace baton::routing {

class deployment_health;

/// One upstream deployment: a model at a provider, reached with one key. Immutable once built; the config
/// loader creates them (expanding `api_keys` into `d`, `d__key_1`, ...). Thread safety: read-only, shared
/// by all reactors through the route_table snapshot; its `health` cell is the only mutable part.
struct deployment {
    std::string id;                ///< model_info.id, or a stable hash of litellm_params minus secrets
    std::string group;             ///< model_name: the group clients ask for (may contain one '*')
    std::size_t index = 0;         ///< position in route_table::deployments
    std::string provider;          ///< "openai" | "azure" | "anthropic" | "baton"
    std::string upstream_model;    ///< the model name the provider is sent ("gpt-4o"; "*" for wildcards)
    std::string api_base;          ///< e.g. "https://api.openai.com/v1"; empty for baton/echo
    std::string api_key;           ///< secret: never logged, printed or exported
    std::string api_version;       ///< azure only
    std::optional<double> weight;  ///< selection weight (§5.1); unset = 0 for the weight metric
    double rpm = 0;                ///< requests per minute budget (0 = none)
    double tpm = 0;                ///< tokens per minute budget (0 = none)
    double timeout_seconds = 600;  ///< whole non-streaming attempt
    double stream_timeout_seconds = 30;  ///< to the first streamed event
    int max_parallel_requests = 0;       ///< 0 = unlimited
    bool ssl_verify = true;              ///< verify the upstream's TLS certificate
    /// litellm_params request parameters (temperature, max_tokens, stop, ...) sent with every request
    /// unless the client set them, as the text of one JSON object; empty for none. The adapter parses it
    /// once per config (providers::deployment_route::defaults).
    std::string request_defaults;
    /// litellm_params.extra_headers: (name, value) pairs sent with every request. Values may be secrets.
    std::vector<std::pair<std::string, std::string>> extra_headers;
    /// Health, cooldown and load statistics; shared across config reloads for the same id.
    std::shared_ptr<deployment_health> health;
};

}  // namespace baton::routing
