#include "providers/json_body.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

namespace baton::providers {

namespace {

using boost::json::error_code;
using boost::json::string_view;

/// Keeps nothing but the nesting depth, the last key and the counts of the top-level "usage" object.
class usage_handler {
public:
    static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }
    bool on_array_begin(error_code&)
    {
        ++depth_;
        return true;
    }
    bool on_array_end(std::size_t, error_code&)
    {
        --depth_;
        return true;
    }
    bool on_object_begin(error_code&)
    {
        if (depth_ == 0) {
            top_is_object_ = true;
        }
        ++depth_;
        in_usage_ = depth_ == 2 && key_is("usage");
        return true;
    }
    bool on_object_end(std::size_t, error_code&)
    {
        if (depth_ == 2) {
            in_usage_ = false;
        }
        --depth_;
        return true;
    }
    bool on_string_part(string_view, std::size_t, error_code&) { return true; }
    bool on_string(string_view, std::size_t, error_code&) { return true; }
    bool on_key_part(string_view s, std::size_t n, error_code&)
    {
        append_key(s, n - s.size());
        return true;
    }
    bool on_key(string_view s, std::size_t n, error_code&)
    {
        append_key(s, n - s.size());
        key_size_ = n;
        return true;
    }
    bool on_number_part(string_view, error_code&) { return true; }
    bool on_int64(std::int64_t i, string_view, error_code&)
    {
        count(i);
        return true;
    }
    bool on_uint64(std::uint64_t u, string_view, error_code&)
    {
        count(static_cast<std::int64_t>(std::min<std::uint64_t>(u, INT64_MAX)));
        return true;
    }
    bool on_double(double, string_view, error_code&) { return true; }
    bool on_bool(bool, error_code&) { return true; }
    bool on_null(error_code&) { return true; }
    bool on_comment_part(string_view, error_code&) { return true; }
    bool on_comment(string_view, error_code&) { return true; }

    bool top_is_object() const noexcept { return top_is_object_; }
    const streaming::token_usage& usage() const noexcept { return usage_; }

private:
    // Keys longer than the buffer are never one of the few looked for: only their size is kept.
    void append_key(string_view s, std::size_t offset)
    {
        if (offset + s.size() <= key_.size()) {
            std::memcpy(key_.data() + offset, s.data(), s.size());
        }
        key_size_ = offset + s.size();
    }
    bool key_is(std::string_view k) const noexcept
    {
        return key_size_ == k.size() && std::memcmp(key_.data(), k.data(), k.size()) == 0;
    }
    void count(std::int64_t v)
    {
        if (!in_usage_ || depth_ != 2 || v < 0) {
            return;
        }
        if (key_is("prompt_tokens")) {
            usage_.prompt_tokens = v;
        } else if (key_is("completion_tokens")) {
            usage_.completion_tokens = v;
        } else if (key_is("total_tokens")) {
            usage_.total_tokens = v;
        }
    }

    int depth_ = 0;
    bool top_is_object_ = false;
    bool in_usage_ = false;
    std::array<char, 24> key_{};
    std::size_t key_size_ = 0;
    streaming::token_usage usage_;
};

}  // namespace

json_body read_json_body(std::string_view body) noexcept
{
    boost::json::parse_options options;
    options.max_depth = 64;
    boost::json::basic_parser<usage_handler> parser(options);
    error_code ec;
    const std::size_t used = parser.write_some(false, body.data(), body.size(), ec);
    json_body out;
    if (ec || used != body.size() || !parser.done() || !parser.handler().top_is_object()) {
        return out;
    }
    out.object = true;
    out.usage = parser.handler().usage();
    if (out.usage.total_tokens == 0) {
        out.usage.total_tokens = out.usage.prompt_tokens + out.usage.completion_tokens;
    }
    return out;
}

}  // namespace baton::providers
