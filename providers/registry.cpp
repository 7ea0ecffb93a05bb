#include "providers/registry.hpp"

#include "providers/anthropic_adapter.hpp"
#include "providers/azure_adapter.hpp"
#include "providers/echo_adapter.hpp"
#include "providers/openai_adapter.hpp"

#include <array>

namespace baton::providers {

namespace {

const openai_adapter openai{"openai"};
const openai_adapter compatible{"openai"};
const anthropic_adapter anthropic;
const azure_adapter azure;
const echo_adapter echo;
// The OpenAI-compatible clouds: the OpenAI dialect under their own name (x-baton-resolved, metrics).
const openai_adapter groq{"groq"};
const openai_adapter openrouter{"openrouter"};
const openai_adapter together_ai{"together_ai"};
const openai_adapter mistral{"mistral"};
const openai_adapter deepseek{"deepseek"};
const openai_adapter fireworks_ai{"fireworks_ai"};
const openai_adapter xai{"xai"};
const openai_adapter cerebras{"cerebras"};
const openai_adapter perplexity{"perplexity"};
const openai_adapter deepinfra{"deepinfra"};
const openai_adapter gemini{"gemini"};
const openai_adapter nvidia_nim{"nvidia_nim"};
const openai_adapter hosted_vllm{"hosted_vllm"};
const openai_adapter lm_studio{"lm_studio"};
// LiteLLM's ollama api_base is the server's root (its native API); its OpenAI-compatible API is under /v1.
const openai_adapter ollama{"ollama", "/v1"};
const openai_adapter ollama_chat{"ollama_chat", "/v1"};

constexpr std::array<std::string_view, 1> echo_models{"echo"};

constexpr std::string_view needs_aws = "needs AWS SigV4 request signing, which baton does not do";
constexpr std::string_view needs_google = "needs Google Cloud OAuth credentials, which baton does not do";
constexpr std::string_view native_only = "speaks only its own API, which baton does not translate";

// Defaults (api_base, environment variables) are LiteLLM's, from its get_llm_provider logic and provider
// configs, so that a LiteLLM config needs no api_base where LiteLLM needs none.
const std::array<provider_info, 42> providers{{
    {.name = "openai",
     .via = &openai,
     .default_api_base = "https://api.openai.com/v1",
     .api_base_env = "OPENAI_API_BASE",
     .api_key_env = "OPENAI_API_KEY"},
    {.name = "anthropic",
     .via = &anthropic,
     .default_api_base = "https://api.anthropic.com",
     .api_base_env = "ANTHROPIC_API_BASE",
     .api_key_env = "ANTHROPIC_API_KEY"},
    {.name = "azure",
     .via = &azure,
     .api_base_env = "AZURE_API_BASE",
     .api_key_env = "AZURE_API_KEY",
     .key_env_with_any_base = true,
     .api_version_env = "AZURE_API_VERSION",
     .default_api_version = "2025-02-01-preview"},
    {.name = "baton", .via = &echo, .models = echo_models},

    {.name = "groq",
     .via = &groq,
     .default_api_base = "https://api.groq.com/openai/v1",
     .api_base_env = "GROQ_API_BASE",
     .api_key_env = "GROQ_API_KEY"},
    {.name = "openrouter",
     .via = &openrouter,
     .default_api_base = "https://openrouter.ai/api/v1",
     .api_base_env = "OPENROUTER_API_BASE",
     .api_key_env = "OPENROUTER_API_KEY"},
    {.name = "together_ai",
     .via = &together_ai,
     .default_api_base = "https://api.together.xyz/v1",
     .api_base_env = "TOGETHER_AI_API_BASE",
     .api_key_env = "TOGETHER_API_KEY"},
    {.name = "mistral",
     .via = &mistral,
     .default_api_base = "https://api.mistral.ai/v1",
     .api_base_env = "MISTRAL_API_BASE",
     .api_key_env = "MISTRAL_API_KEY"},
    {.name = "deepseek",
     .via = &deepseek,
     .default_api_base = "https://api.deepseek.com/beta",
     .api_base_env = "DEEPSEEK_API_BASE",
     .api_key_env = "DEEPSEEK_API_KEY"},
    {.name = "fireworks_ai",
     .via = &fireworks_ai,
     .default_api_base = "https://api.fireworks.ai/inference/v1",
     .api_base_env = "FIREWORKS_API_BASE",
     .api_key_env = "FIREWORKS_API_KEY"},
    {.name = "xai",
     .via = &xai,
     .default_api_base = "https://api.x.ai/v1",
     .api_base_env = "XAI_API_BASE",
     .api_key_env = "XAI_API_KEY"},
    {.name = "cerebras",
     .via = &cerebras,
     .default_api_base = "https://api.cerebras.ai/v1",
     .api_base_env = "CEREBRAS_API_BASE",
     .api_key_env = "CEREBRAS_API_KEY"},
    {.name = "perplexity",
     .via = &perplexity,
     .default_api_base = "https://api.perplexity.ai",
     .api_base_env = "PERPLEXITY_API_BASE",
     .api_key_env = "PERPLEXITYAI_API_KEY"},
    {.name = "deepinfra",
     .via = &deepinfra,
     .default_api_base = "https://api.deepinfra.com/v1/openai",
     .api_base_env = "DEEPINFRA_API_BASE",
     .api_key_env = "DEEPINFRA_API_KEY"},
    {.name = "gemini",
     .via = &gemini,
     .default_api_base = "https://generativelanguage.googleapis.com/v1beta/openai",
     .api_key_env = "GEMINI_API_KEY"},
    {.name = "nvidia_nim",
     .via = &nvidia_nim,
     .default_api_base = "https://integrate.api.nvidia.com/v1",
     .api_base_env = "NVIDIA_NIM_API_BASE",
     .api_key_env = "NVIDIA_NIM_API_KEY"},
    {.name = "ollama",
     .via = &ollama,
     .default_api_base = "http://localhost:11434",
     .api_base_env = "OLLAMA_API_BASE"},
    {.name = "ollama_chat",
     .via = &ollama_chat,
     .default_api_base = "http://localhost:11434",
     .api_base_env = "OLLAMA_API_BASE"},
    {.name = "hosted_vllm",
     .via = &hosted_vllm,
     .api_base_env = "HOSTED_VLLM_API_BASE",
     .api_key_env = "HOSTED_VLLM_API_KEY"},
    {.name = "lm_studio",
     .via = &lm_studio,
     .api_base_env = "LM_STUDIO_API_BASE",
     .api_key_env = "LM_STUDIO_API_KEY"},

    // Known to LiteLLM, not servable by baton: --check-config names them in one line.
    {.name = "bedrock", .via = nullptr, .unsupported = needs_aws},
    {.name = "sagemaker", .via = nullptr, .unsupported = needs_aws},
    {.name = "sagemaker_chat", .via = nullptr, .unsupported = needs_aws},
    {.name = "vertex_ai", .via = nullptr, .unsupported = needs_google},
    {.name = "vertex_ai_beta", .via = nullptr, .unsupported = needs_google},
    {.name = "vllm",
     .via = nullptr,
     .unsupported = "is LiteLLM's in-process vLLM; use hosted_vllm/ with api_base for a vLLM server"},
    {.name = "watsonx", .via = nullptr, .unsupported = native_only},
    {.name = "watsonx_text", .via = nullptr, .unsupported = native_only},
    {.name = "cohere", .via = nullptr, .unsupported = native_only},
    {.name = "cohere_chat", .via = nullptr, .unsupported = native_only},
    {.name = "replicate", .via = nullptr, .unsupported = native_only},
    {.name = "huggingface", .via = nullptr, .unsupported = native_only},
    {.name = "cloudflare", .via = nullptr, .unsupported = native_only},
    {.name = "predibase", .via = nullptr, .unsupported = native_only},
    {.name = "clarifai", .via = nullptr, .unsupported = native_only},
    {.name = "palm", .via = nullptr, .unsupported = native_only},
    {.name = "aleph_alpha", .via = nullptr, .unsupported = native_only},
    {.name = "nlp_cloud", .via = nullptr, .unsupported = native_only},
    {.name = "petals", .via = nullptr, .unsupported = native_only},
    {.name = "triton", .via = nullptr, .unsupported = native_only},
    {.name = "baseten", .via = nullptr, .unsupported = native_only},
    {.name = "oobabooga", .via = nullptr, .unsupported = native_only},
}};

}  // namespace

const provider_info* find_provider(std::string_view name) noexcept
{
    for (const auto& p : providers) {
        if (p.name == name) {
            return &p;
        }
    }
    return nullptr;
}

const adapter& openai_compatible() noexcept
{
    return compatible;
}

const adapter& adapter_for(std::string_view provider) noexcept
{
    const provider_info* p = find_provider(provider);
    return p != nullptr && p->via != nullptr ? *p->via : compatible;
}

std::span<const provider_info> all_providers() noexcept
{
    return providers;
}

}  // namespace baton::providers
