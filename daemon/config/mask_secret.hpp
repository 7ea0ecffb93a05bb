#pragma once

#include <string>
#include <string_view>

namespace baton::daemon {

/// How a secret may be shown (describe_config, logs): never more than its last 4 characters, and nothing
/// of it at all when it is shorter than 12. "sk-proj-...wxyz"-style keys keep their public "sk-" prefix:
/// "sk-...wxyz"; other keys of 12 characters or more give "...wxyz"; shorter ones "****"; an empty one
/// "(none)". Pure; thread-safe.
std::string mask_secret(std::string_view secret);

}  // namespace baton::daemon
