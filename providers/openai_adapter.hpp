#pragma once

#include "providers/adapter.hpp"

namespace baton::providers {

/// OpenAI and every OpenAI-compatible server (vLLM, llama.cpp, Ollama's /v1, the OpenAI-compatible clouds,
/// Anthropic's OpenAI-compatible endpoint): `{api_base}/chat/completions` with `Authorization: Bearer`,
/// bodies and streams relayed as they are. Everything is the adapter defaults; only the name differs per
/// provider prefix.
class openai_adapter final : public adapter {
public:
    explicit constexpr openai_adapter(std::string_view name) noexcept : name_(name) {}
    std::string_view name() const noexcept override { return name_; }

private:
    std::string_view name_;
};

}  // namespace baton::providers
