#pragma once

#include "daemon/config/config_path.hpp"

#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace baton::daemon::config_detail {

/// Collects the errors and warnings of one load, in the order they are found. Messages must never carry a
/// secret's value. Not thread-safe (one per load).
class config_diagnostics {
public:
    /// Records the error `<at>: <message>` (just `<message>` when `at` is the top level).
    void error(const config_path& at, std::string_view message);
    /// Records an error line as it is (YAML syntax errors, unreadable files).
    void error_line(std::string line);
    /// Records the warning `<at>: <message>`.
    void warning(const config_path& at, std::string_view message);
    /// Records an unknown key at `at`, to be warned about once per pattern (config_path::pattern): the first
    /// occurrence is printed, with "(and N more like it)" when it repeats. `known` lists the keys valid
    /// there; a close one is suggested ("did you mean \"weight\"?").
    void unknown_key(const config_path& at, std::span<const std::string_view> known);

    /// True once any error was recorded.
    bool has_errors() const noexcept { return !errors_.empty(); }
    /// Errors so far; compare before and after reading a part to tell whether that part was valid.
    std::size_t error_count() const noexcept { return errors_.size(); }

    /// The errors so far, in order.
    std::vector<std::string> errors() const { return errors_; }
    /// The warnings so far, in order, with unknown keys folded per pattern.
    std::vector<std::string> warnings() const;

private:
    struct warning_entry {
        std::string text;          // the whole line for a plain warning, the first line for an unknown key
        std::size_t repeats = 0;   // further unknown keys of the same pattern
    };

    std::vector<std::string> errors_;
    std::vector<warning_entry> warnings_;
    std::map<std::string, std::size_t> unknown_patterns_;  // pattern -> index into warnings_
};

}  // namespace baton::daemon::config_detail
