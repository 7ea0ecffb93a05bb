#include "routing/failure_reason.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <initializer_list>
#include <string>
#include <utility>

namespace baton::routing {

namespace {

constexpr std::array<std::pair<failure_reason, std::string_view>, 13> names{{
    {failure_reason::none, "none"},
    {failure_reason::rate_limit, "rate_limit"},
    {failure_reason::timeout, "timeout"},
    {failure_reason::connection, "connection"},
    {failure_reason::server_error, "server_error"},
    {failure_reason::auth, "auth"},
    {failure_reason::billing, "billing"},
    {failure_reason::not_found, "not_found"},
    {failure_reason::bad_response, "bad_response"},
    {failure_reason::context_window, "context_window"},
    {failure_reason::content_policy, "content_policy"},
    {failure_reason::format, "format"},
    {failure_reason::cooling_down, "cooling_down"},
}};

std::string lower(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool contains_any(std::string_view haystack, std::initializer_list<std::string_view> needles)
{
    return std::any_of(needles.begin(), needles.end(),
                       [&](std::string_view n) { return haystack.find(n) != std::string_view::npos; });
}

// Codes and types are machine-readable: exact (lower-cased) values only.
bool is_context_code(std::string_view code)
{
    return code == "context_length_exceeded" || code == "context_window_exceeded";
}

bool is_content_code(std::string_view code)
{
    return code == "content_filter" || code == "content_policy_violation";
}

// Messages are prose from many providers (OpenAI, Azure, Anthropic, vLLM, llama.cpp): phrases.
bool is_context_message(std::string_view msg)
{
    return contains_any(msg, {"context length", "context_length", "context window", "context_window",
                              "maximum context", "prompt is too long", "too many tokens",
                              "exceeds the context", "reduce the length of the messages"});
}

bool is_content_message(std::string_view msg)
{
    return contains_any(msg, {"content policy", "content_policy", "content management policy",
                              "content filter", "content_filter"});
}

std::string string_field(const boost::json::object& o, std::string_view key)
{
    if (const auto* v = o.if_contains(key); v != nullptr && v->is_string()) {
        return lower(v->get_string());
    }
    return {};
}

failure_reason classify_400(std::string_view body)
{
    std::string code;
    std::string type;
    std::string message;
    boost::system::error_code ec;
    const boost::json::value doc = boost::json::parse(body, ec);
    if (!ec && doc.is_object()) {
        const auto& root = doc.get_object();
        // OpenAI and Anthropic nest under "error"; some servers answer with the fields at top level.
        const boost::json::object* err = &root;
        if (const auto* e = root.if_contains("error"); e != nullptr) {
            if (e->is_object()) {
                err = &e->get_object();
            } else if (e->is_string()) {
                message = lower(e->get_string());
            }
        }
        code = string_field(*err, "code");
        type = string_field(*err, "type");
        if (message.empty()) {
            message = string_field(*err, "message");
        }
    } else {
        // Not JSON (a proxy's text page, say): the phrases may still be there.
        message = lower(body);
    }
    if (is_context_code(code) || is_context_code(type) || is_context_message(message)) {
        return failure_reason::context_window;
    }
    if (is_content_code(code) || is_content_code(type) || is_content_message(message)) {
        return failure_reason::content_policy;
    }
    return failure_reason::format;
}

}  // namespace

std::string_view to_string(failure_reason r) noexcept
{
    for (const auto& [reason, name] : names) {
        if (reason == r) {
            return name;
        }
    }
    return "unknown";
}

std::optional<failure_reason> failure_reason_from_string(std::string_view s) noexcept
{
    for (const auto& [reason, name] : names) {
        if (name == s) {
            return reason;
        }
    }
    return std::nullopt;
}

bool is_retryable(failure_reason r) noexcept
{
    switch (r) {
    case failure_reason::rate_limit:
    case failure_reason::timeout:
    case failure_reason::connection:
    case failure_reason::server_error:
    case failure_reason::auth:
    case failure_reason::billing:
    case failure_reason::not_found:
    case failure_reason::bad_response:
        return true;
    case failure_reason::none:
    case failure_reason::context_window:
    case failure_reason::content_policy:
    case failure_reason::format:
    case failure_reason::cooling_down:
        return false;
    }
    return false;
}

bool cools_down_at_once(failure_reason r) noexcept
{
    return r == failure_reason::rate_limit || r == failure_reason::auth || r == failure_reason::billing;
}

bool counts_toward_allowed_fails(failure_reason r) noexcept
{
    switch (r) {
    case failure_reason::timeout:
    case failure_reason::connection:
    case failure_reason::server_error:
    case failure_reason::not_found:
    case failure_reason::bad_response:
        return true;
    default:
        return false;
    }
}

failure_reason classify(net::upstream_errc e) noexcept
{
    if (net::is_timeout(e)) {
        return failure_reason::timeout;
    }
    if (e == net::upstream_errc::bad_response) {
        return failure_reason::bad_response;
    }
    return failure_reason::connection;
}

failure_reason classify(int status, std::string_view body) noexcept
{
    if (status >= 200 && status < 300) {
        return failure_reason::none;
    }
    switch (status) {
    case 400:
        try {
            return classify_400(body);
        } catch (...) {
            // Only allocation can throw here; an unreadable 400 is still the client's fault.
            return failure_reason::format;
        }
    case 401:
    case 403:
        return failure_reason::auth;
    case 402:
        return failure_reason::billing;
    case 404:
        return failure_reason::not_found;
    case 408:
        return failure_reason::timeout;
    case 413:
    case 422:
        return failure_reason::format;
    case 429:
        return failure_reason::rate_limit;
    default:
        break;
    }
    if (status >= 500 && status < 600) {
        return failure_reason::server_error;
    }
    if (status >= 400 && status < 500) {
        return failure_reason::format;
    }
    // 1xx/3xx (or garbage) where an API answer was expected: the upstream misbehaved.
    return failure_reason::bad_response;
}

}  // namespace baton::routing
