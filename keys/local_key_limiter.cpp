#include "keys/local_key_limiter.hpp"

#include <algorithm>

namespace baton::keys {

verdict local_key_limiter::admit(std::string_view name, const key_limits& limits, wall_time now)
{
    std::lock_guard lock{mutex_};
    auto it = windows_.find(name);
    if (it == windows_.end()) {
        it = windows_.emplace(std::string(name), key_window{}).first;
    }
    return keys::admit(limits, it->second, now);
}

void local_key_limiter::settle(std::string_view name, std::uint64_t tokens, wall_time now)
{
    std::lock_guard lock{mutex_};
    if (const auto it = windows_.find(name); it != windows_.end()) {
        keys::settle(it->second, tokens, now);
    }
}

key_usage local_key_limiter::usage(std::string_view name, const key_limits& limits, wall_time now) const
{
    std::lock_guard lock{mutex_};
    const auto it = windows_.find(name);
    return usage_of(limits, it != windows_.end() ? it->second : key_window{}, now);
}

void local_key_limiter::retain_only(const std::vector<std::string>& names)
{
    std::lock_guard lock{mutex_};
    std::erase_if(windows_, [&](const auto& entry) {
        return std::find(names.begin(), names.end(), entry.first) == names.end();
    });
}

}  // namespace baton::keys
