#pragma once

#include "streaming/token_usage.hpp"

#include <string_view>

namespace baton::providers {

/// Token usage of a whole (non-streamed) OpenAI response body, found by a byte scan of its "usage"
/// object instead of a full JSON parse: the body is relayed as it is and must stay cheap. Missing or
/// unreadable counts are 0. Pure.
streaming::token_usage scan_usage(std::string_view body) noexcept;

}  // namespace baton::providers
