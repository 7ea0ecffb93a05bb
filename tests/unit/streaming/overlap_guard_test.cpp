#include "streaming/overlap_guard.hpp"

#include <boost/test/unit_test.hpp>

#include <optional>
#include <sstream>
#include <string>
#include <vector>

// The overlap guard (issue #10, point 3): every case is run on every split of the hop's text — whole, every
// cut into two and three pieces, and one byte at a time — and must come to the same verdict and the same
// relayed text whatever the split.

using baton::streaming::overlap_guard;

namespace {

/// What the client gets of a hop: the relayed text, or drift (nothing of the hop is relayed).
struct seen {
    bool drifted = false;
    std::string relayed;
    bool operator==(const seen&) const = default;
};

std::ostream& operator<<(std::ostream& os, const seen& s)
{
    return os << (s.drifted ? "drift" : "relay \"" + s.relayed + "\"");
}

/// Feeds `pieces`, then finish(). Checks on the way that nothing is relayed after a drift and that the held
/// text never goes past the limit plus the piece just fed.
seen run(std::string_view delivered, const std::vector<std::string_view>& pieces, bool finish = true)
{
    overlap_guard g(delivered);
    seen s;
    for (const auto piece : pieces) {
        const auto r = g.feed(piece);
        BOOST_TEST_REQUIRE(g.held() <= overlap_guard::hold_limit + piece.size());
        if (r.what == overlap_guard::verdict::drift) {
            s.drifted = true;
            return s;
        }
        if (r.what == overlap_guard::verdict::relay) {
            BOOST_TEST_REQUIRE(g.decided());
            s.relayed.append(r.text);
        }
    }
    if (!finish) {
        return s;
    }
    const auto r = g.finish();
    BOOST_TEST_REQUIRE((r.what != overlap_guard::verdict::hold));
    if (r.what == overlap_guard::verdict::drift) {
        s.drifted = true;
        return s;
    }
    s.relayed.append(r.text);
    return s;
}

/// Runs `hop` against `delivered` on every split and checks each against `want`.
void every_split(std::string_view delivered, std::string_view hop, const seen& want)
{
    BOOST_TEST_CONTEXT("delivered \"" << delivered << "\", hop \"" << hop << "\"")
    {
        BOOST_TEST(run(delivered, {hop}) == want, "whole");
        for (std::size_t i = 0; i <= hop.size(); ++i) {
            BOOST_TEST(run(delivered, {hop.substr(0, i), hop.substr(i)}) == want, "split at " << i);
            for (std::size_t j = i; j <= hop.size(); ++j) {
                const seen got = run(delivered, {hop.substr(0, i), hop.substr(i, j - i), hop.substr(j)});
                if (!(got == want)) {
                    BOOST_TEST(got == want, "split at " << i << " and " << j);
                }
            }
        }
        std::vector<std::string_view> bytes;
        for (std::size_t i = 0; i < hop.size(); ++i) {
            bytes.push_back(hop.substr(i, 1));
        }
        BOOST_TEST(run(delivered, bytes) == want, "byte by byte");
    }
}

seen relay(std::string text)
{
    return {false, std::move(text)};
}

const seen drifted{true, {}};

}  // namespace

BOOST_AUTO_TEST_SUITE(overlap_guard_suite)

BOOST_AUTO_TEST_CASE(a_continuation_is_relayed_as_it_is)
{
    every_split("Alpha beta ", "gamma delta", relay("gamma delta"));
    every_split("the quick brown", " fox jumps", relay(" fox jumps"));
    every_split("1. Apples\n2. Bananas\n", "3. Cherries", relay("3. Cherries"));
}

BOOST_AUTO_TEST_CASE(a_start_over_drops_what_the_client_has_and_relays_the_rest)
{
    every_split("Alpha beta ", "Alpha beta gamma delta", relay("gamma delta"));
    every_split("Alpha beta gamma delta ", "Alpha beta gamma delta epsilon", relay("epsilon"));
    // D's leading whitespace does not hide a start-over, nor N's when D has some too.
    every_split("\nAlpha beta", "Alpha beta gamma", relay(" gamma"));
    every_split("\nAlpha beta", " \nAlpha beta gamma", relay(" gamma"));
    // D was cut mid-word: the restart completes the word.
    every_split("Alpha be", "Alpha beta gamma", relay("ta gamma"));
    // One word delivered is the whole probe.
    every_split("Sure", "Sure! Here it is.", relay("! Here it is."));
}

BOOST_AUTO_TEST_CASE(a_start_over_that_regenerates_exactly_the_delivered_text_adds_nothing)
{
    every_split("Alpha beta", "Alpha beta", relay(""));
    // Only whitespace is left of D where the restart ends or differs: D's end.
    every_split("Alpha beta ", "Alpha beta", relay(""));
    every_split("Alpha beta \n", "Alpha beta\ngamma", relay("\ngamma"));
}

BOOST_AUTO_TEST_CASE(a_start_over_that_drifts_is_never_glued_on)
{
    every_split("Alpha beta gamma delta ", "Alpha beta gamma epsilon zeta", drifted);
    every_split("Alpha beta ", "Alpha betamax is a tape", drifted);
    // It stops before reaching D's end.
    every_split("Alpha beta gamma delta", "Alpha beta gamma", drifted);
    every_split("Alpha beta gamma delta", "Alpha be", drifted);
    // A long replay that parts late.
    std::string d;
    std::string n;
    for (int i = 0; i < 40; ++i) {
        d += "word" + std::to_string(i) + " ";
        n += "word" + std::to_string(i) + " ";
    }
    n.replace(n.size() - 3, 3, "X ");
    BOOST_TEST(run(d, {n}) == drifted);
    BOOST_TEST(run(d, {n.substr(0, 100), n.substr(100)}) == drifted);
}

BOOST_AUTO_TEST_CASE(an_overlap_with_the_last_words_is_dropped)
{
    every_split("the quick brown", "brown fox", relay(" fox"));
    every_split("the quick brown ", "brown fox", relay("fox"));
    every_split("the quick br", "brown fox", relay("own fox"));
    every_split("Hello, world", "world! Bye", relay("! Bye"));
    // The longest overlap wins.
    every_split("one two three two three", "two three four", relay(" four"));
    every_split("a b c d", "c d e", relay(" e"));
}

BOOST_AUTO_TEST_CASE(first_words_alike_are_not_a_start_over_unless_the_probe_matches)
{
    every_split("The cat sat", "The end.", relay("The end."));
    every_split("The cat sat. ", "The dog ran.", relay("The dog ran."));
    every_split("I think so", "In fact, no", relay("In fact, no"));
    // The probe's words must be N's whole words.
    every_split("Alpha beta gamma", "Alpha betamax", relay("Alpha betamax"));
    every_split("Alpha beta gamma", "Alphabet soup", relay("Alphabet soup"));
    // A continuation begins with whitespace where an answer does not: N's leading whitespace counts when D
    // has none. (A restart that differs from D within the probe cannot be told from a continuation.)
    every_split("Alpha beta gamma", " Alpha beta gamma", relay(" Alpha beta gamma"));
}

BOOST_AUTO_TEST_CASE(empty_or_blank_text)
{
    every_split("Alpha beta", "", relay(""));
    every_split("Alpha beta", "  ", relay("  "));
    every_split("", "anything at all", relay("anything at all"));
    every_split(" \n ", "anything", relay("anything"));
}

BOOST_AUTO_TEST_CASE(nothing_is_relayed_while_undecided)
{
    overlap_guard g("the quick brown");
    BOOST_TEST((g.feed("br").what == overlap_guard::verdict::hold));  // may be the overlap "brown"
    BOOST_TEST((g.feed("o").what == overlap_guard::verdict::hold));
    const auto r = g.feed("wn fox");
    BOOST_TEST((r.what == overlap_guard::verdict::relay));
    BOOST_TEST(r.text == " fox");
    BOOST_TEST(g.decided());
    const auto later = g.feed(" jumps");
    BOOST_TEST((later.what == overlap_guard::verdict::relay));
    BOOST_TEST(later.text == " jumps");

    overlap_guard s("Alpha beta gamma");
    BOOST_TEST((s.feed("Alpha beta gam").what == overlap_guard::verdict::hold));  // replaying: dropped
    BOOST_TEST(s.held() == 0u);
    const auto rest = s.feed("ma delta");
    BOOST_TEST((rest.what == overlap_guard::verdict::relay));
    BOOST_TEST(rest.text == " delta");
}

BOOST_AUTO_TEST_CASE(the_held_text_is_bounded)
{
    // D ends with a long run of one-letter words: N repeating them keeps every candidate open, but past
    // hold_limit the guard decides with the longest complete overlap.
    std::string d = "start";
    for (int i = 0; i < 2000; ++i) {
        d += " a";
    }
    std::string n;
    for (int i = 0; i < 1000; ++i) {
        n += "a ";
    }
    overlap_guard g(d);
    std::size_t relayed_at = 0;
    std::string out;
    for (std::size_t i = 0; i < n.size(); ++i) {
        const std::string piece = n.substr(i, 1);  // r.text views what was fed: keep it alive
        const auto r = g.feed(piece);
        BOOST_TEST_REQUIRE(g.held() <= overlap_guard::hold_limit);
        if (r.what == overlap_guard::verdict::relay && relayed_at == 0) {
            relayed_at = i + 1;
        }
        if (r.what == overlap_guard::verdict::relay) {
            out.append(r.text);
        }
    }
    BOOST_TEST(relayed_at > 0u);
    BOOST_TEST(relayed_at <= overlap_guard::hold_limit);
    BOOST_TEST(out.size() < n.size());  // an overlap was dropped
}

BOOST_AUTO_TEST_SUITE_END()
