#include "streaming/overlap_guard.hpp"

#include <algorithm>

namespace baton::streaming {

namespace {

constexpr bool is_space(char c) noexcept
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool only_space(std::string_view s) noexcept
{
    return std::all_of(s.begin(), s.end(), is_space);
}

std::size_t skip_space(std::string_view s, std::size_t i) noexcept
{
    while (i < s.size() && is_space(s[i])) {
        ++i;
    }
    return i;
}

std::size_t common_prefix(std::string_view a, std::string_view b) noexcept
{
    const std::size_t n = std::min(a.size(), b.size());
    return static_cast<std::size_t>(
        std::mismatch(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(n), b.begin()).first - a.begin());
}

}  // namespace

overlap_guard::overlap_guard(std::string_view delivered) : delivered_(delivered)
{
    const std::string_view d = delivered_;
    start_ = skip_space(d, 0);
    if (start_ == d.size()) {
        state_ = state::passing;  // nothing the client could see repeated
        return;
    }
    // The probe ends with its last word: the spacing after it is not part of it.
    std::size_t i = start_;
    for (std::size_t words = 0; words < probe_words && i < d.size(); ++words) {
        i = skip_space(d, i);
        while (i < d.size() && !is_space(d[i])) {
            ++i;
        }
    }
    probe_end_ = std::min(i, start_ + hold_limit);
    probe_is_all_ = skip_space(d, probe_end_) == d.size();
    // Overlap candidates: every word start within D's last hold_limit bytes, longest suffix first.
    const std::size_t from = d.size() > hold_limit ? d.size() - hold_limit : 0;
    for (std::size_t p = std::max(from, start_); p < d.size(); ++p) {
        if (!is_space(d[p]) && (p == 0 || is_space(d[p - 1]))) {
            candidates_.push_back(p);
        }
    }
}

overlap_guard::result overlap_guard::feed(std::string_view piece)
{
    switch (state_) {
    case state::passing:
        return {verdict::relay, piece};
    case state::drifted:
        return {verdict::drift, {}};
    case state::replaying:
        return replay(piece, false);
    case state::undecided:
        break;
    }
    held_.append(piece);
    return decide(false);
}

overlap_guard::result overlap_guard::finish()
{
    switch (state_) {
    case state::passing:
        return {verdict::relay, {}};
    case state::drifted:
        return {verdict::drift, {}};
    case state::replaying:
        return replay({}, true);
    case state::undecided:
        break;
    }
    return decide(true);
}

overlap_guard::result overlap_guard::decide(bool final)
{
    const std::string_view n = held_;
    const std::string_view d = delivered_;
    const bool room = !final && held_.size() < hold_limit;

    // Starts over: N's first words are D's first words, whole (N's leading whitespace counts only when D
    // has none: a continuation usually begins with a space, an answer does not).
    const std::string_view probe = d.substr(start_, probe_end_ - start_);
    const std::string_view body = n.substr(start_ > 0 ? skip_space(n, 0) : 0);
    if (body.size() >= probe.size() && body.starts_with(probe)) {
        const bool whole = probe_is_all_ || (body.size() > probe.size() && is_space(body[probe.size()]));
        if (body.size() == probe.size() && !probe_is_all_ && room) {
            return {verdict::hold, {}};  // is the probe's last word N's whole word?
        }
        if (whole || body.size() == probe.size()) {
            state_ = state::replaying;
            position_ = start_;
            out_.assign(body);
            held_.clear();
            const std::string text = std::move(out_);
            return replay(text, final);
        }
    } else if (!body.empty() && probe.starts_with(body)) {
        if (room) {
            return {verdict::hold, {}};
        }
        return drift();  // it started the answer over and stopped short of D's first words
    } else if (body.empty() && start_ > 0 && room) {
        return {verdict::hold, {}};  // only the whitespace D also begins with, so far
    }

    // Overlap: the longest word-start suffix of D that N begins with. A candidate N has parted from never
    // comes back (N only grows), so each byte of N is compared once per candidate.
    bool open = false;
    std::size_t kept = 0;
    for (const std::size_t p : candidates_) {
        const std::string_view suffix = d.substr(p);
        const std::size_t from = std::min(compared_, suffix.size());
        const std::size_t upto = std::min(n.size(), suffix.size());
        if (from < upto &&
            common_prefix(n.substr(from, upto - from), suffix.substr(from, upto - from)) != upto - from) {
            continue;  // parted: dropped for good
        }
        if (n.size() >= suffix.size()) {
            best_ = std::max(best_, suffix.size());  // complete: N begins with it, and always will
            continue;
        }
        open = true;  // N is still a prefix of it
        candidates_[kept++] = p;
    }
    candidates_.resize(kept);
    compared_ = n.size();
    if (open && room) {
        return {verdict::hold, {}};
    }
    out_.assign(n.substr(best_));
    held_.clear();
    candidates_.clear();
    state_ = state::passing;
    return {verdict::relay, out_};
}

overlap_guard::result overlap_guard::replay(std::string_view piece, bool final)
{
    const std::string_view rest = std::string_view(delivered_).substr(position_);
    const std::size_t m = common_prefix(piece, rest);
    position_ += m;
    const bool at_end = only_space(std::string_view(delivered_).substr(position_));
    if (m < piece.size()) {
        // The piece goes on past a difference: fine only where D is over, or only whitespace is left of it
        // and the piece has whitespace there too (a word running on past D's last word is a drift).
        if (!at_end || (position_ < delivered_.size() && !is_space(piece[m]))) {
            return drift();
        }
        return pass(piece.substr(m));
    }
    if (final || position_ == delivered_.size()) {
        if (!at_end) {
            return drift();
        }
        return pass({});
    }
    return {verdict::hold, {}};
}

overlap_guard::result overlap_guard::pass(std::string_view text)
{
    state_ = state::passing;
    out_.assign(text);
    return {verdict::relay, out_};
}

overlap_guard::result overlap_guard::drift()
{
    state_ = state::drifted;
    held_.clear();
    return {verdict::drift, {}};
}

}  // namespace baton::streaming
