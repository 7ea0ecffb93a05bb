#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace baton::batches {

/// A new object id: `prefix` + 24 hex digits from the two random words (the caller draws them). Pure.
/// splitmix64: a fixed, well-mixed function of its input (ids derived from it are stable across restarts).
std::uint64_t splitmix64(std::uint64_t x) noexcept;

std::string make_id(std::string_view prefix, std::uint64_t random_a, std::uint64_t random_b);

/// The id of a file baton writes for a batch ("file-" + 24 hex digits), the same every time for the same
/// batch and `role` ("output", "error"): finalizing again after a crash rewrites the same file instead of
/// leaving one behind. Pure.
std::string derived_file_id(std::string_view batch_id, std::string_view role);

/// True when `id` could be an id baton made (letters, digits, '-' and '_', 1 to 64 characters): anything
/// else is not found without a look-up, and never reaches a path. Pure.
bool plausible_id(std::string_view id) noexcept;

}  // namespace baton::batches
