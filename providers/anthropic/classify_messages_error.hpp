#pragma once

#include "routing/failure_reason.hpp"

#include <string_view>

namespace baton::providers::anthropic {

/// The §5.3 class of a Messages API answer: `status` and `body` (Anthropic's
/// `{"type":"error","error":{"type","message"}}`, or the OpenAI in-band error a translated stream carries,
/// which keeps Anthropic's type). A 2xx is none. Otherwise the error type decides when there is one:
/// overloaded_error and api_error and timeout_error → server_error; rate_limit_error → rate_limit;
/// authentication_error and permission_error → auth; billing_error → billing; not_found_error → not_found;
/// request_too_large → format; invalid_request_error → context_window when the message says the prompt is
/// too long (any context-length phrase routing::classify knows), content_policy for a content-policy one,
/// else format. Without a type, routing::classify(status, body) (529 is a 5xx: server_error). Pure.
routing::failure_reason classify_messages_error(int status, std::string_view body) noexcept;

}  // namespace baton::providers::anthropic
