#pragma once

#include <optional>
#include <string_view>

namespace baton::routing {

/// How a stream cut mid-answer is continued on a deployment (SPEC §6, issue #10), in the order baton falls
/// back through them when an upstream refuses a continuation request: `prefill` gives the partial answer as
/// a trailing assistant message for the model to extend (with the provider's own switch where it has one);
/// `instruct` adds a trailing user turn asking to continue without repeating; `none` restarts the answer
/// (the overlap guard then drops what the client already has).
enum class continuation { prefill, instruct, none };

/// The config spelling: "prefill", "instruct", "none".
std::string_view to_string(continuation c) noexcept;
/// Inverse of to_string; nullopt for an unknown spelling (the config loader reports it).
std::optional<continuation> continuation_from_string(std::string_view s) noexcept;
/// The strategy to try after `c` was refused: prefill → instruct → none → nullopt.
std::optional<continuation> next_continuation(continuation c) noexcept;

}  // namespace baton::routing
