#include "daemon/config/mask_secret.hpp"

namespace baton::daemon {

std::string mask_secret(std::string_view secret)
{
    constexpr std::size_t min_revealing_length = 12;  // below this, 4 characters are too large a share
    constexpr std::size_t revealed = 4;
    if (secret.empty()) {
        return "(none)";
    }
    if (secret.size() < min_revealing_length) {
        return "****";
    }
    const std::string prefix = secret.starts_with("sk-") ? "sk-" : "";
    return prefix + "..." + std::string(secret.substr(secret.size() - revealed));
}

}  // namespace baton::daemon
