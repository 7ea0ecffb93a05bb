#pragma once

#include "keys/key_window.hpp"
#include "net/wire_format.hpp"

namespace baton::daemon {

/// OpenAI's rate-limit headers for a key with limits (SPEC §3): for rpm_limit `x-ratelimit-limit-requests`,
/// `x-ratelimit-remaining-requests`, `x-ratelimit-reset-requests`, and the same three `-tokens` for
/// tpm_limit; a limit that is not set writes none. Resets are written as OpenAI does ("12s", "250ms",
/// "1m0s"): the end of the current minute, when both counts start afresh. max_parallel_requests has no
/// OpenAI header and writes none.
void add_rate_limit_headers(net::response_head& h, const keys::key_usage& u);

}  // namespace baton::daemon
