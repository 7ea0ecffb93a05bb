#include "providers/registry.hpp"

#include "providers/azure_adapter.hpp"
#include "providers/echo_adapter.hpp"
#include "providers/openai_adapter.hpp"

#include <array>

namespace baton::providers {

namespace {

const openai_adapter openai{"openai"};
const openai_adapter anthropic_compat{"anthropic"};
const openai_adapter compatible{"openai"};
const azure_adapter azure;
const echo_adapter echo;

constexpr std::array<std::string_view, 1> echo_models{"echo"};

// Anthropic is reached through its OpenAI-compatible endpoint (Bearer auth on {api_base}/chat/completions).
const std::array<provider_info, 4> providers{{
    {.name = "openai",
     .via = &openai,
     .default_api_base = "https://api.openai.com/v1",
     .api_key_env = "OPENAI_API_KEY"},
    {.name = "anthropic",
     .via = &anthropic_compat,
     .default_api_base = "https://api.anthropic.com/v1",
     .api_key_env = "ANTHROPIC_API_KEY"},
    {.name = "azure",
     .via = &azure,
     .api_base_env = "AZURE_API_BASE",
     .api_key_env = "AZURE_API_KEY",
     .key_env_with_any_base = true,
     .api_version_env = "AZURE_API_VERSION"},
    {.name = "baton", .via = &echo, .models = echo_models},
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
    return p != nullptr ? *p->via : compatible;
}

std::span<const provider_info> all_providers() noexcept
{
    return providers;
}

}  // namespace baton::providers
