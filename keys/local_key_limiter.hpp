#pragma once

#include "keys/key_limiter.hpp"

#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

namespace baton::keys {

/// The counters of one process: a map from key name to key_window under one mutex, held for a few
/// dozen instructions per call (a hash lookup and key_window's arithmetic). Thread-safe.
class local_key_limiter final : public key_limiter {
public:
    verdict admit(std::string_view name, const key_limits& limits, wall_time now) override;
    void settle(std::string_view name, std::uint64_t tokens, wall_time now) override;
    key_usage usage(std::string_view name, const key_limits& limits, wall_time now) const override;
    void retain_only(const std::vector<std::string>& names) override;

private:
    struct name_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };

    mutable std::mutex mutex_;
    std::unordered_map<std::string, key_window, name_hash, std::equal_to<>> windows_;
};

}  // namespace baton::keys
