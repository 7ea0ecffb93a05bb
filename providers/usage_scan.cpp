#include "providers/usage_scan.hpp"

#include <charconv>

namespace baton::providers {

namespace {

/// The integer after `"name":` within `scope`, or 0.
std::int64_t number_after(std::string_view scope, std::string_view quoted_name) noexcept
{
    const auto at = scope.find(quoted_name);
    if (at == std::string_view::npos) return 0;
    auto rest = scope.substr(at + quoted_name.size());
    std::size_t i = 0;
    while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\t' || rest[i] == '\n' || rest[i] == '\r')) ++i;
    if (i >= rest.size() || rest[i] != ':') return 0;
    ++i;
    while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\t' || rest[i] == '\n' || rest[i] == '\r')) ++i;
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(rest.data() + i, rest.data() + rest.size(), v);
    (void)p;
    return ec == std::errc{} && v > 0 ? v : 0;
}

}  // namespace

streaming::token_usage scan_usage(std::string_view body) noexcept
{
    streaming::token_usage u;
    // The usage object comes last in OpenAI bodies; search from the end so message text can't fool it.
    const auto at = body.rfind("\"usage\"");
    if (at == std::string_view::npos) return u;
    const auto open = body.find('{', at);
    if (open == std::string_view::npos) return u;
    // The matching brace (nested *_details objects included); usage holds no strings with braces.
    std::size_t close = open;
    for (int depth = 0; close < body.size(); ++close) {
        if (body[close] == '{') ++depth;
        if (body[close] == '}' && --depth == 0) break;
    }
    const auto scope = body.substr(open, close - open);
    u.prompt_tokens = number_after(scope, "\"prompt_tokens\"");
    u.completion_tokens = number_after(scope, "\"completion_tokens\"");
    u.total_tokens = number_after(scope, "\"total_tokens\"");
    if (u.total_tokens == 0) u.total_tokens = u.prompt_tokens + u.completion_tokens;
    return u;
}

}  // namespace baton::providers
