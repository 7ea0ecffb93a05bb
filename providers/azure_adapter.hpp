#pragma once

#include "providers/adapter.hpp"

namespace baton::providers {

/// Azure OpenAI: `{api_base}/openai/deployments/{model}/{endpoint}?api-version={api_version}` with an
/// `api-key` header; bodies and streams in the OpenAI dialect.
class azure_adapter final : public adapter {
public:
    std::string_view name() const noexcept override { return "azure"; }
    deployment_route route(const routing::deployment& d, std::string_view base_path) const override;
    std::string_view target(const deployment_route& r, const routing::deployment& d, api_endpoint endpoint,
                            std::string_view model, std::string& scratch) const override;
};

}  // namespace baton::providers
