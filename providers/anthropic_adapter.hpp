#pragma once

#include "providers/adapter.hpp"

namespace baton::providers {

/// Anthropic's native Messages API (`anthropic/<model>`): chat completions go to `{api_base}/v1/messages`
/// (an api_base already ending in `/v1/messages` is used as it is, one ending in `/v1` gets `/messages`)
/// with `x-api-key` and `anthropic-version: 2023-06-01`; bodies, responses, streams and errors are
/// translated both ways by the pure code in providers/anthropic/. Completions and embeddings, which the
/// Messages API lacks, go to `{base}/v1/completions` and `{base}/v1/embeddings` untranslated (Anthropic
/// answers 404: the request fails over like any not_found). A cut stream continues by instruction: current
/// Claude models refuse an assistant prefill, so the continuation ends with a user turn.
class anthropic_adapter final : public adapter {
public:
    /// The anthropic-version header value sent with every request.
    static constexpr std::string_view api_version = "2023-06-01";

    std::string_view name() const noexcept override { return "anthropic"; }
    deployment_route route(const routing::deployment& d, std::string_view base_path) const override;
    void write_body(const deployment_route& r, boost::json::object& body, std::string_view model,
                    api_endpoint endpoint, std::string& out, std::string& dropped) const override;
    routing::failure_reason classify(int status, std::string_view body) const override;
    response_reading read(std::string_view body, std::int64_t created, std::string& scratch) const override;
    void rewrite_error(std::string& body) const override;
    std::unique_ptr<stream_translator> translator(api_endpoint endpoint, std::int64_t created) const override;
    continuation default_continuation() const noexcept override { return continuation::instruct; }
};

}  // namespace baton::providers
