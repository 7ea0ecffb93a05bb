#include "daemon/config/config_diagnostics.hpp"

#include <algorithm>
#include <vector>

namespace baton::daemon::config_detail {

namespace {

std::string line_at(const config_path& at, std::string_view message)
{
    if (at.empty()) {
        return std::string(message);
    }
    return at.str() + ": " + std::string(message);
}

// Optimal string alignment distance (edits incl. transpositions), for "did you mean" hints.
std::size_t edit_distance(std::string_view a, std::string_view b)
{
    const std::size_t n = a.size();
    const std::size_t m = b.size();
    std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
    for (std::size_t i = 0; i <= n; ++i) {
        d[i][0] = i;
    }
    for (std::size_t j = 0; j <= m; ++j) {
        d[0][j] = j;
    }
    for (std::size_t i = 1; i <= n; ++i) {
        for (std::size_t j = 1; j <= m; ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[n][m];
}

// The last key of a path as written (unquoted when it was quoted).
std::string last_key(const std::string& path)
{
    if (!path.empty() && path.back() == ']') {
        const auto open = path.rfind("[\"");
        if (open != std::string::npos) {
            return path.substr(open + 2, path.size() - open - 4);
        }
        return {};
    }
    const auto dot = path.rfind('.');
    return dot == std::string::npos ? path : path.substr(dot + 1);
}

}  // namespace

void config_diagnostics::error(const config_path& at, std::string_view message)
{
    errors_.push_back(line_at(at, message));
}

void config_diagnostics::error_line(std::string line) { errors_.push_back(std::move(line)); }

void config_diagnostics::warning(const config_path& at, std::string_view message)
{
    warnings_.push_back({line_at(at, message), 0});
}

void config_diagnostics::unknown_key(const config_path& at, std::span<const std::string_view> known)
{
    const std::string pattern = at.pattern();
    if (const auto it = unknown_patterns_.find(pattern); it != unknown_patterns_.end()) {
        ++warnings_[it->second].repeats;
        return;
    }
    std::string text = at.str() + ": unknown key, ignored";
    const std::string key = last_key(at.str());
    // Only short keys get hints: distance 1-2 on a long key is a deliberate name, not a typo.
    std::string_view best;
    std::size_t best_distance = 3;
    if (key.size() <= 64) {
        for (const auto candidate : known) {
            const std::size_t limit = std::min<std::size_t>(2, std::max<std::size_t>(1, candidate.size() / 4));
            const std::size_t d = edit_distance(key, candidate);
            if (d <= limit && d < best_distance) {
                best = candidate;
                best_distance = d;
            }
        }
    }
    if (!best.empty()) {
        text += " (did you mean \"" + std::string(best) + "\"?)";
    }
    unknown_patterns_.emplace(pattern, warnings_.size());
    warnings_.push_back({std::move(text), 0});
}

std::vector<std::string> config_diagnostics::warnings() const
{
    std::vector<std::string> out;
    out.reserve(warnings_.size());
    for (const auto& w : warnings_) {
        if (w.repeats == 0) {
            out.push_back(w.text);
        } else {
            out.push_back(w.text + " (and " + std::to_string(w.repeats) + " more like it)");
        }
    }
    return out;
}

}  // namespace baton::daemon::config_detail
