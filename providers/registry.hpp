#pragma once

#include "providers/adapter.hpp"

#include <span>
#include <string_view>

namespace baton::providers {

/// What the config loader needs to know of a provider prefix (`<provider>/<model>`), next to the adapter
/// that serves it. One row per provider in registry.cpp: adding a provider is one row (and, for a new
/// dialect, one adapter).
struct provider_info {
    std::string_view name;  ///< the prefix, e.g. "openai"
    /// The adapter that speaks its dialect; null for a provider baton knows but cannot serve (see
    /// `unsupported`).
    const adapter* via;
    /// api_base when the config gives none (LiteLLM's default for the provider); empty when the provider
    /// has no usual one (then api_base, or api_base_env, is required).
    std::string_view default_api_base;
    /// LiteLLM's environment variable standing in for a missing api_base (GROQ_API_BASE, AZURE_API_BASE);
    /// it wins over default_api_base. Empty for none.
    std::string_view api_base_env;
    /// LiteLLM's usual environment variable for the key (OPENAI_API_KEY, ...); empty for none.
    std::string_view api_key_env;
    /// True: api_key_env is read even when api_base is set (azure). False: only for the provider's own
    /// endpoint, so a key meant for it never goes to a server named by api_base.
    bool key_env_with_any_base = false;
    /// Environment variable standing in for a missing api_version (azure: AZURE_API_VERSION).
    std::string_view api_version_env;
    /// api_version when neither the config nor api_version_env give one; empty for providers without one.
    std::string_view default_api_version;
    /// For a local provider, the upstream models it serves ("echo"); empty for the others.
    std::span<const std::string_view> models;
    /// For a provider baton cannot serve (via == nullptr): why, for the one-line config error.
    std::string_view unsupported;
};

/// The provider registered under `name`, or nullptr. The only place provider names are compared.
const provider_info* find_provider(std::string_view name) noexcept;

/// The adapter for a prefix the registry does not know, used when the deployment names an api_base: an
/// OpenAI-compatible server.
const adapter& openai_compatible() noexcept;

/// The adapter for a deployment's provider prefix: the registered one, else openai_compatible().
const adapter& adapter_for(std::string_view provider) noexcept;

/// Every registered provider, in registration order (for docs and --check-config).
std::span<const provider_info> all_providers() noexcept;

/// The provider a `model` without a `<provider>/` prefix means: "openai", as in LiteLLM.
inline constexpr std::string_view default_provider = "openai";

}  // namespace baton::providers
