#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace baton::streaming {

/// The overlap guard of one continuation hop (issue #10, point 3): holds back the new upstream's first text
/// until it can tell how it relates to the text the client already has (`delivered`), so that a hop that
/// starts the answer over, or repeats the last words, is never glued onto it. Pure; one per hop.
///
/// The rules, on the hop's text N (all its text pieces, in order) against the delivered text D:
/// - **Starts over**: N begins with D's *probe* — D's first `probe_words` words (D's leading whitespace
///   skipped, the spacing between them included; all of D when it has no more words), at most `hold_limit`
///   bytes — as whole words (N goes on with whitespace after the probe, or ends there, unless the probe is
///   all of D, which a restart may extend: "Alpha be" is started over by "Alpha beta"). N's leading
///   whitespace is skipped only when D has some too: a continuation usually begins with a space, an answer
///   does not. Then N must match D all the way: the matched part is dropped and only what follows D's end
///   is relayed. If N differs from D before D's end — or the hop's text ends there — the hop *drifted*:
///   nothing of it is relayed. A difference where only whitespace is left of D counts as D's end when N has
///   whitespace there too (a restart that spaces the end differently is no drift; a word running on is).
/// - **Overlap**: otherwise, when N begins with a suffix of D that starts at a word of D (a byte that is not
///   whitespace, at D's start or after whitespace) within D's last `hold_limit` bytes, the longest such
///   suffix is dropped and the rest of N relayed ("brown fox" after "the quick brown" gives " fox"; a cut
///   mid-word, "the quick br", followed by "brown fox" gives "own fox").
/// - **Continuation**: anything else is relayed as it is.
/// While N could still become one of the first two (it is a prefix of D's probe, or of a candidate suffix)
/// the guard holds N back, but never more than `hold_limit` bytes: past it, the candidates that are still
/// open count as not matched. A start-over being replayed holds nothing (it only keeps its position in D).
/// So the held text is at most `hold_limit` bytes plus one piece, and the wait is the time the new upstream
/// takes to produce that much (or to regenerate D, for a start-over), each event within the relay's idle
/// timeout.
class overlap_guard {
public:
    /// Words of D that make the probe for a start-over. Two: one word alike is common between an answer and
    /// a genuine continuation ("The cat sat. " then "The dog..."), two rarely are; a restart that differs
    /// within them is indistinguishable from a continuation (docs/streaming.md says so).
    static constexpr std::size_t probe_words = 2;
    /// Most bytes held back while undecided; also the longest overlap (and probe) recognised.
    static constexpr std::size_t hold_limit = 1024;

    enum class verdict {
        hold,   ///< nothing to relay yet (held back, or a start-over's repeat being dropped)
        relay,  ///< relay `text` (possibly empty); from now on every piece is relayed as it is
        drift,  ///< the hop started the answer over and drifted from D: relay nothing of it
    };
    struct result {
        verdict what = verdict::hold;
        /// For relay: the text that goes to the client now (held text included). Valid until the next call.
        std::string_view text;
    };

    /// Guards a hop that follows `delivered` (copied). An empty or all-whitespace D has nothing to guard:
    /// every piece is relayed.
    explicit overlap_guard(std::string_view delivered);

    /// The next text piece of the hop.
    result feed(std::string_view piece);
    /// The hop's text is over (a finish_reason, another kind of output, the end of the stream): decides with
    /// what was fed. hold is never returned: a replay that reached D's end relays "", one that did not
    /// drifts.
    result finish();

    /// True once relay was returned (the guard only passes text through) or drift.
    bool decided() const noexcept { return state_ == state::passing || state_ == state::drifted; }
    /// Bytes of the hop's text held back right now.
    std::size_t held() const noexcept { return held_.size(); }

private:
    enum class state { undecided, replaying, passing, drifted };

    result decide(bool final);
    result replay(std::string_view piece, bool final);
    result pass(std::string_view text);
    result drift();

    std::string delivered_;
    std::size_t start_ = 0;                // D's first byte that is not whitespace
    std::size_t probe_end_ = 0;            // one past D's probe
    bool probe_is_all_ = false;            // D has no word after its probe
    std::size_t position_ = 0;             // replaying: bytes of D matched so far
    std::string held_;                     // undecided: the hop's text so far
    std::vector<std::size_t> candidates_;  // undecided: word starts of D whose suffix N may still begin with
    std::size_t compared_ = 0;             // bytes of N already compared with every candidate
    std::size_t best_ = 0;                 // the longest candidate N begins with so far
    std::string out_;                      // the last relay's text
    state state_ = state::undecided;
};

}  // namespace baton::streaming
