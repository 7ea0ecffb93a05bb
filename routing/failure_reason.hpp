#pragma once

#include "net/upstream_errc.hpp"

#include <optional>
#include <string_view>

namespace baton::routing {

/// Why an upstream attempt failed (SPEC §5.3). `none` is a success.
enum class failure_reason {
    none,
    rate_limit,      ///< 429: fail over, cool down for max(Retry-After, cooldown_time), capped
    timeout,         ///< connect/first-byte/idle timeout, 408: fail over, counts toward allowed_fails
    connection,      ///< refused, reset, DNS, TLS failure: fail over, counts
    server_error,    ///< 500, 502, 503, 504, 529: fail over, counts
    auth,            ///< 401, 403: fail over, cool down at once
    billing,         ///< 402: fail over, cool down at once
    not_found,       ///< 404: fail over, counts
    bad_response,    ///< unparseable body / broken SSE: fail over, counts
    context_window,  ///< 400 context_length_exceeded: context_window_fallbacks only
    content_policy,  ///< 400 content_filter: content_policy_fallbacks only
    format,          ///< other 400, 413, 422: returned to the client at once, no cooldown
    cooling_down,    ///< not an upstream failure: the deployment was skipped because it was cooling down
};

/// Stable lower-case name used in logs, metrics labels and error bodies ("rate_limit", ...).
std::string_view to_string(failure_reason r) noexcept;

/// Inverse of to_string; nullopt for an unknown name.
std::optional<failure_reason> failure_reason_from_string(std::string_view s) noexcept;

/// True for the reasons that move on to another deployment of the same group (§5.2).
bool is_retryable(failure_reason r) noexcept;

/// True for the reasons that put the deployment in cooldown at once (rate_limit, auth, billing).
bool cools_down_at_once(failure_reason r) noexcept;

/// True for the reasons that count toward allowed_fails (timeout, connection, server_error, not_found,
/// bad_response). rate_limit/auth/billing cool down at once instead; format/context/content never count.
bool counts_toward_allowed_fails(failure_reason r) noexcept;

/// Maps a transport-level failure (no HTTP status), in net's own vocabulary, to its §5.3 class: every
/// timeout → timeout, bad_response → bad_response, the rest (connection, tls, bad_target) → connection.
/// `cancelled` is not a failure of the upstream; callers never report it (it maps to connection).
failure_reason classify(net::upstream_errc e) noexcept;

/// Maps an upstream HTTP status and body (OpenAI error JSON or anything else) to its §5.3 class.
/// 2xx gives none. The body is looked at only for 400 (context window / content policy / format).
failure_reason classify(int status, std::string_view body) noexcept;

}  // namespace baton::routing
