#pragma once

#include "providers/adapter.hpp"

namespace baton::providers {

/// OpenAI and every OpenAI-compatible server (vLLM, llama.cpp, Ollama's /v1, the OpenAI-compatible clouds):
/// `{api_base}/chat/completions` with `Authorization: Bearer`, bodies and streams relayed as they are.
/// Everything is the adapter defaults; only the name differs per provider prefix, and for servers whose
/// OpenAI-compatible API sits under a fixed path of the server's root (Ollama: `/v1`) that path is added to
/// an api_base that does not end with it.
class openai_adapter final : public adapter {
public:
    explicit constexpr openai_adapter(std::string_view name, std::string_view base_suffix = {}) noexcept
        : name_(name), base_suffix_(base_suffix)
    {
    }
    std::string_view name() const noexcept override { return name_; }
    deployment_route route(const routing::deployment& d, std::string_view base_path) const override;

private:
    std::string_view name_;
    std::string_view base_suffix_;
};

}  // namespace baton::providers
