#pragma once

#include <cstddef>
#include <string_view>

namespace baton::providers {

/// Which OpenAI endpoint a routed call serves (SPEC §4). Every adapter speaks these to clients.
enum class api_endpoint { chat_completions, completions, embeddings };

/// Number of api_endpoint values (for per-endpoint tables).
inline constexpr std::size_t endpoint_count = 3;

/// The endpoint's path under an OpenAI-style api_base: "/chat/completions", "/completions", "/embeddings".
constexpr std::string_view endpoint_path(api_endpoint e) noexcept
{
    switch (e) {
    case api_endpoint::chat_completions:
        return "/chat/completions";
    case api_endpoint::completions:
        return "/completions";
    case api_endpoint::embeddings:
        return "/embeddings";
    }
    return "/chat/completions";
}

}  // namespace baton::providers
