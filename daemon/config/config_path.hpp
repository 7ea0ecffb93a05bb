#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace baton::daemon::config_detail {

/// Where a value sits in the config, as errors and warnings print it: `model_list[2].litellm_params.weight`.
/// Keys made only of letters, digits, '_' and '-' are joined with '.'; any other key is quoted, JSON-style:
/// `router_settings.model_group_alias["gpt-3.5"]`. Cheap value type.
class config_path {
public:
    /// The empty path (the document's top level).
    config_path() = default;

    /// This path followed by mapping key `key`.
    config_path key(std::string_view key) const;
    /// This path followed by list index `i` (0-based, as written: `[2]`).
    config_path index(std::size_t i) const;

    /// The printed form; empty for the top level.
    const std::string& str() const noexcept { return text_; }
    /// True for the top level (no key or index yet).
    bool empty() const noexcept { return text_.empty(); }

    /// The path with every list index replaced by `[]`: the same key in different entries of a list shares
    /// one pattern (used to warn once about an unknown key repeated across entries).
    std::string pattern() const;

private:
    explicit config_path(std::string text) : text_(std::move(text)) {}

    std::string text_;
};

}  // namespace baton::daemon::config_detail
