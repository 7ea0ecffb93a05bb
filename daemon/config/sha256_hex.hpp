#pragma once

#include <string>
#include <string_view>

namespace baton::daemon {

/// SHA-256 of `data` as 64 lower-case hex digits (client key hashes, deployment id hashes). Pure;
/// thread-safe.
std::string sha256_hex(std::string_view data);

}  // namespace baton::daemon
