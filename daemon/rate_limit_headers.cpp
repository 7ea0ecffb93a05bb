#include "daemon/rate_limit_headers.hpp"

namespace baton::daemon {

void add_rate_limit_headers(net::response_head& h, const keys::key_usage& u)
{
    if (u.limits.rpm == 0 && u.limits.tpm == 0) {
        return;
    }
    const std::string reset = keys::reset_text(u.reset);
    if (u.limits.rpm != 0) {
        h.add_number("x-ratelimit-limit-requests", static_cast<std::int64_t>(u.limits.rpm));
        h.add_number("x-ratelimit-remaining-requests", static_cast<std::int64_t>(u.requests_remaining));
        h.add("x-ratelimit-reset-requests", reset);
    }
    if (u.limits.tpm != 0) {
        h.add_number("x-ratelimit-limit-tokens", static_cast<std::int64_t>(u.limits.tpm));
        h.add_number("x-ratelimit-remaining-tokens", static_cast<std::int64_t>(u.tokens_remaining));
        h.add("x-ratelimit-reset-tokens", reset);
    }
}

}  // namespace baton::daemon
