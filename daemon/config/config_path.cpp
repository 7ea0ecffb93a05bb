#include "daemon/config/config_path.hpp"

#include "daemon/config/quoted_text.hpp"

#include <algorithm>

namespace baton::daemon::config_detail {

namespace {

bool is_plain_key(std::string_view key)
{
    return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

}  // namespace

config_path config_path::key(std::string_view key) const
{
    if (is_plain_key(key)) {
        return config_path(text_.empty() ? std::string(key) : text_ + "." + std::string(key));
    }
    return config_path(text_ + "[" + quoted_text(key) + "]");
}

config_path config_path::index(std::size_t i) const { return config_path(text_ + "[" + std::to_string(i) + "]"); }

std::string config_path::pattern() const
{
    std::string out;
    out.reserve(text_.size());
    for (std::size_t i = 0; i < text_.size(); ++i) {
        out += text_[i];
        if (text_[i] == '[' && i + 1 < text_.size() && text_[i + 1] >= '0' && text_[i + 1] <= '9') {
            while (i + 1 < text_.size() && text_[i + 1] >= '0' && text_[i + 1] <= '9') {
                ++i;
            }
        }
    }
    return out;
}

}  // namespace baton::daemon::config_detail
