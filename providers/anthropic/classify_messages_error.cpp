#include "providers/anthropic/classify_messages_error.hpp"

#include "providers/anthropic/raw_json.hpp"

namespace baton::providers::anthropic {

routing::failure_reason classify_messages_error(int status, std::string_view body) noexcept
{
    using routing::failure_reason;
    if (status >= 200 && status < 300) {
        return failure_reason::none;
    }
    const std::string_view err = raw_object(body).find("error");
    const std::string_view type = !err.empty() && err.front() == '{'
                                      ? raw_string_body(raw_object(err).find("type"))
                                      : std::string_view{};
    if (type == "overloaded_error" || type == "api_error" || type == "timeout_error") {
        return failure_reason::server_error;
    }
    if (type == "rate_limit_error") {
        return failure_reason::rate_limit;
    }
    if (type == "authentication_error" || type == "permission_error") {
        return failure_reason::auth;
    }
    if (type == "billing_error") {
        return failure_reason::billing;
    }
    if (type == "not_found_error") {
        return failure_reason::not_found;
    }
    if (type == "request_too_large") {
        return failure_reason::format;
    }
    if (type == "invalid_request_error") {
        // The message decides between a context window, a content policy and a plain format error;
        // routing::classify reads 400 bodies for exactly that.
        return routing::classify(400, body);
    }
    return routing::classify(status, body);
}

}  // namespace baton::providers::anthropic
