#pragma once

#include "keys/key_window.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace baton::keys {

/// Where client keys' counters live (SPEC §3 rpm_limit / tpm_limit / max_parallel_requests; §11 shares
/// them across instances): the one interface the daemon uses, so that the local implementation of today
/// and a shared one (Redis) are interchangeable. Counters are kept by key name, so a reload that keeps a
/// key's name keeps its counts. Implementations decide with admit()/settle()/usage_of() of key_window.hpp
/// and are safe to call from every reactor thread. Never blocks on the network: a shared implementation
/// answers from local state when it must.
class key_limiter {
public:
    virtual ~key_limiter() = default;

    /// Admits (and counts) or refuses one request of key `name` with `limits` at `now`. Every admitted
    /// request must be settled exactly once.
    virtual verdict admit(std::string_view name, const key_limits& limits, wall_time now) = 0;
    /// The admitted request of key `name` ended at `now` having used `tokens`.
    virtual void settle(std::string_view name, std::uint64_t tokens, wall_time now) = 0;
    /// Where key `name` stands (zeros for a key never seen).
    virtual key_usage usage(std::string_view name, const key_limits& limits, wall_time now) const = 0;
    /// Forgets the counters of keys whose name is not in `names` (after a reload removed them). A request
    /// in flight of a forgotten key settles into nothing.
    virtual void retain_only(const std::vector<std::string>& names) = 0;
};

}  // namespace baton::keys
