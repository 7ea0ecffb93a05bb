#include "routing/continuation.hpp"

namespace baton::routing {

std::string_view to_string(continuation c) noexcept
{
    switch (c) {
    case continuation::prefill:
        return "prefill";
    case continuation::instruct:
        return "instruct";
    case continuation::none:
        return "none";
    }
    return "none";
}

std::optional<continuation> continuation_from_string(std::string_view s) noexcept
{
    for (const continuation c : {continuation::prefill, continuation::instruct, continuation::none}) {
        if (s == to_string(c)) {
            return c;
        }
    }
    return std::nullopt;
}

std::optional<continuation> next_continuation(continuation c) noexcept
{
    switch (c) {
    case continuation::prefill:
        return continuation::instruct;
    case continuation::instruct:
        return continuation::none;
    case continuation::none:
        return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace baton::routing
