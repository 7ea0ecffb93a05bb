#define BOOST_TEST_MODULE streaming
#include <boost/test/unit_test.hpp>

#include "streaming/sse_parser.hpp"

#include <algorithm>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

using baton::streaming::sse_event;
using baton::streaming::sse_parser;

namespace {

// An owned copy of an sse_event, comparable and printable.
struct rec {
    std::string data;
    std::string event;
    bool has_data = false;
    std::size_t size = 0;

    friend bool operator==(const rec&, const rec&) = default;
    friend std::ostream& operator<<(std::ostream& os, const rec& r)
    {
        return os << "{data=\"" << r.data << "\" event=\"" << r.event << "\" has_data=" << r.has_data
                  << " size=" << r.size << "}";
    }
};

rec make(std::string_view data, std::size_t size, std::string_view event = "", bool has_data = true)
{
    return rec{std::string(data), std::string(event), has_data, size};
}

struct fed {
    std::vector<rec> events;
    std::string leftover;  // bytes never consumed
};

// The relay's loop: append each read to the buffer, take every complete event, consume its bytes.
fed feed(std::string_view stream, const std::vector<std::size_t>& cuts)
{
    fed out;
    sse_parser p;
    std::string buffer;
    std::size_t prev = 0;
    auto drain = [&] {
        while (auto ev = p.next(buffer)) {
            out.events.push_back(rec{std::string(ev->data), std::string(ev->event), ev->has_data, ev->size});
            buffer.erase(0, ev->size);
        }
    };
    for (std::size_t cut : cuts) {
        buffer.append(stream.substr(prev, cut - prev));
        prev = cut;
        drain();
    }
    buffer.append(stream.substr(prev));
    drain();
    out.leftover = buffer;
    return out;
}

fed feed_whole(std::string_view stream)
{
    return feed(stream, {});
}

fed feed_bytewise(std::string_view stream)
{
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < stream.size(); ++i) {
        cuts.push_back(i);
    }
    return feed(stream, cuts);
}

std::size_t consumed(const fed& f)
{
    std::size_t n = 0;
    for (const rec& r : f.events) {
        n += r.size;
    }
    return n;
}

// `f` (fed with reads ending at `cuts`) has the fields of `expected` (the whole-buffer events) and the same
// event boundaries, except that an event whose whole-buffer end is "\r\n" with a read ending between the
// two may end one byte early (the '\n' then opens the next event, or stays unconsumed at the end).
bool same_events(const fed& f, const std::vector<rec>& expected, std::string_view stream,
                 const std::vector<std::size_t>& cuts)
{
    if (f.events.size() != expected.size()) {
        return false;
    }
    std::size_t end = 0;
    std::size_t split_end = 0;
    for (std::size_t k = 0; k < expected.size(); ++k) {
        const rec& a = f.events[k];
        const rec& b = expected[k];
        if (a.data != b.data || a.event != b.event || a.has_data != b.has_data) {
            return false;
        }
        end += b.size;
        split_end += a.size;
        if (split_end != end) {
            const bool cut_in_crlf = split_end + 1 == end && stream.substr(end - 2, 2) == "\r\n" &&
                                     std::find(cuts.begin(), cuts.end(), split_end) != cuts.end();
            if (!cut_in_crlf) {
                return false;
            }
        }
    }
    return split_end + f.leftover.size() == stream.size() && stream.substr(split_end) == f.leftover;
}

// Replaces every "\n" of an LF stream by `eol`.
std::string with_eol(std::string_view lf_stream, std::string_view eol)
{
    std::string out;
    for (char c : lf_stream) {
        if (c == '\n') {
            out += eol;
        } else {
            out += c;
        }
    }
    return out;
}

// A stream that uses every feature: single and multi-line data, the optional space, comments, event and
// unknown fields, a field without colon, keep-alives, extra blank lines, and an unterminated tail.
const std::string corpus_lf =
    ": hello\n"
    "\n"
    "data: {\"a\":1}\n"
    "\n"
    "event: error\n"
    "data: {\"error\":{}}\n"
    "\n"
    "data:first\n"
    "data:  second\n"
    ": interleaved comment\n"
    "data\n"
    "id: 7\n"
    "retry: 100\n"
    "whatever: x\n"
    "\n"
    "\n"
    "event: a\n"
    "event: b\n"
    "\n"
    "data: [DONE]\n"
    "\n"
    "data: tail";

std::vector<rec> corpus_events(std::size_t eol_len)
{
    auto sz = [eol_len](std::size_t chars, std::size_t lines) { return chars + lines * eol_len; };
    return {
        make("", sz(7, 2), "", false),
        make("{\"a\":1}", sz(13, 2)),
        make("{\"error\":{}}", sz(12 + 18, 3), "error"),
        make("first\n second\n", sz(10 + 13 + 21 + 4 + 5 + 10 + 11, 8)),
        make("", sz(0, 1), "", false),
        make("", sz(8 + 8, 3), "b", false),
        make("[DONE]", sz(12, 2)),
    };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sse_parser_suite)

BOOST_AUTO_TEST_CASE(single_data_line_is_zero_copy)
{
    const std::string input = "data: hello\n\nrest";
    sse_parser p;
    const auto ev = p.next(input);
    BOOST_REQUIRE(ev.has_value());
    BOOST_TEST(ev->size == 13u);
    BOOST_TEST(ev->data == "hello");
    BOOST_TEST(ev->has_data);
    BOOST_TEST(ev->event.empty());
    BOOST_TEST(ev->data.data() == input.data() + 6);  // views the input: no copy
}

BOOST_AUTO_TEST_CASE(line_endings_lf_crlf_cr)
{
    for (std::string_view eol : {"\n", "\r\n", "\r"}) {
        const std::string input = "data: x" + std::string(eol) + std::string(eol) + "data: y";
        sse_parser p;
        const auto ev = p.next(input);
        BOOST_REQUIRE(ev.has_value());
        BOOST_TEST(ev->data == "x");
        BOOST_TEST(ev->size == 7 + 2 * eol.size());
    }
}

BOOST_AUTO_TEST_CASE(multi_line_data_joined_with_lf)
{
    const std::string input = "data: a\ndata:b\ndata:  c\n\n";
    sse_parser p;
    const auto ev = p.next(input);
    BOOST_REQUIRE(ev.has_value());
    BOOST_TEST(ev->data == "a\nb\n c");
    BOOST_TEST(ev->size == input.size());
}

BOOST_AUTO_TEST_CASE(data_without_value_and_empty_data)
{
    sse_parser p;
    auto ev = p.next("data\n\n");
    BOOST_REQUIRE(ev.has_value());
    BOOST_TEST(ev->has_data);
    BOOST_TEST(ev->data == "");
    ev = p.next("data:\ndata:\n\n");
    BOOST_REQUIRE(ev.has_value());
    BOOST_TEST(ev->data == "\n");
}

BOOST_AUTO_TEST_CASE(comments_and_unknown_fields_are_skipped)
{
    sse_parser p;
    auto ev = p.next(": keep-alive\n\n");
    BOOST_REQUIRE(ev.has_value());
    BOOST_TEST(!ev->has_data);
    BOOST_TEST(ev->size == 14u);
    ev = p.next(":c\nid: 1\nretry: 5\nDATA: no\nfoo\ndata: yes\n\n");
    BOOST_REQUIRE(ev.has_value());
    BOOST_TEST(ev->has_data);
    BOOST_TEST(ev->data == "yes");
}

BOOST_AUTO_TEST_CASE(event_field_last_wins)
{
    sse_parser p;
    const auto ev = p.next("event: first\nevent:error\ndata: {}\n\n");
    BOOST_REQUIRE(ev.has_value());
    BOOST_TEST(ev->event == "error");
    BOOST_TEST(ev->data == "{}");
}

BOOST_AUTO_TEST_CASE(incomplete_event_waits)
{
    sse_parser p;
    std::string buffer = "data: par";
    BOOST_TEST(!p.next(buffer).has_value());
    buffer += "tial\n";
    BOOST_TEST(!p.next(buffer).has_value());
    buffer += "\n";
    const auto ev = p.next(buffer);
    BOOST_REQUIRE(ev.has_value());
    BOOST_TEST(ev->data == "partial");
    BOOST_TEST(ev->size == buffer.size());
}

BOOST_AUTO_TEST_CASE(cr_as_last_byte_then_lf_is_one_line_end)
{
    // "data: a\r" + "\n" + "\n": CRLF then LF, one event of 10 bytes, not an early event plus a stray one.
    sse_parser p;
    std::string buffer = "data: a\r";
    BOOST_TEST(!p.next(buffer).has_value());
    buffer += "\n";
    BOOST_TEST(!p.next(buffer).has_value());
    buffer += "\n";
    const auto ev = p.next(buffer);
    BOOST_REQUIRE(ev.has_value());
    BOOST_TEST(ev->data == "a");
    BOOST_TEST(ev->size == 10u);
}

BOOST_AUTO_TEST_CASE(event_ending_in_lone_cr_is_not_delayed)
{
    sse_parser p;
    std::string buffer = "data: a\r\r";
    auto ev = p.next(buffer);
    BOOST_REQUIRE(ev.has_value());  // dispatched at once, no wait for a possible '\n'
    BOOST_TEST(ev->data == "a");
    BOOST_TEST(ev->size == 9u);
    buffer.erase(0, ev->size);
    buffer += "\n";  // it was a CRLF after all: belongs to the next event, not an empty event
    BOOST_TEST(!p.next(buffer).has_value());
    buffer += "data: b\n\n";
    ev = p.next(buffer);
    BOOST_REQUIRE(ev.has_value());
    BOOST_TEST(ev->data == "b");
    BOOST_TEST(ev->size == 10u);
}

BOOST_AUTO_TEST_CASE(crlf_inside_one_buffer_counts_in_event)
{
    sse_parser p;
    const auto ev = p.next("data: a\r\r\ndata: b\n\n");
    BOOST_REQUIRE(ev.has_value());
    BOOST_TEST(ev->data == "a");
    BOOST_TEST(ev->size == 10u);
}

BOOST_AUTO_TEST_CASE(blank_lines_are_empty_events)
{
    const fed f = feed_whole("\n\ndata: x\n\n");
    BOOST_TEST(f.events == (std::vector<rec>{make("", 1, "", false), make("", 1, "", false), make("x", 9)}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(reset_forgets_progress)
{
    sse_parser p;
    BOOST_TEST(!p.next("data: abc").has_value());
    p.reset();
    const auto ev = p.next("data: z\n\n");
    BOOST_REQUIRE(ev.has_value());
    BOOST_TEST(ev->data == "z");
}

BOOST_AUTO_TEST_CASE(corpus_whole_buffer)
{
    for (std::string_view eol : {"\n", "\r\n", "\r"}) {
        const std::string stream = with_eol(corpus_lf, eol);
        const fed f = feed_whole(stream);
        BOOST_TEST(f.events == corpus_events(eol.size()), boost::test_tools::per_element());
        BOOST_TEST(f.leftover == "data: tail");
        BOOST_TEST(consumed(f) + f.leftover.size() == stream.size());
    }
}

BOOST_AUTO_TEST_CASE(every_split_gives_the_same_events)
{
    // LF and CR streams: identical events, sizes included, for every split.
    for (std::string_view eol : {"\n", "\r"}) {
        const std::string stream = with_eol(corpus_lf, eol);
        const std::vector<rec> expected = corpus_events(eol.size());
        for (std::size_t i = 0; i <= stream.size(); ++i) {
            const fed f = feed(stream, {i});
            BOOST_TEST_CONTEXT("eol size " << eol.size() << " split at " << i)
            {
                BOOST_TEST(f.events == expected, boost::test_tools::per_element());
                BOOST_TEST(f.leftover == "data: tail");
            }
        }
        for (std::size_t i = 0; i <= stream.size(); i += 3) {
            for (std::size_t j = i; j <= stream.size(); ++j) {
                const fed f = feed(stream, {i, j});
                BOOST_TEST_REQUIRE((f.events == expected), "split at " << i << " and " << j);
                BOOST_TEST_REQUIRE(f.leftover == "data: tail");
            }
        }
        const fed bytewise = feed_bytewise(stream);
        BOOST_TEST(bytewise.events == expected, boost::test_tools::per_element());
        BOOST_TEST(bytewise.leftover == "data: tail");
    }
}

BOOST_AUTO_TEST_CASE(every_split_of_a_crlf_stream_gives_the_same_events)
{
    // Same fields; a read ending between an event's final CR and LF moves that LF to the next event.
    const std::string stream = with_eol(corpus_lf, "\r\n");
    const std::vector<rec> expected = corpus_events(2);
    for (std::size_t i = 0; i <= stream.size(); ++i) {
        BOOST_TEST_CONTEXT("split at " << i)
        {
            const fed f = feed(stream, {i});
            BOOST_TEST(same_events(f, expected, stream, {i}));
        }
    }
    for (std::size_t i = 0; i <= stream.size(); i += 3) {
        for (std::size_t j = i; j <= stream.size(); ++j) {
            BOOST_TEST_REQUIRE(same_events(feed(stream, {i, j}), expected, stream, {i, j}),
                               "split at " << i << " and " << j);
        }
    }
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < stream.size(); ++i) {
        every.push_back(i);
    }
    const fed bytewise = feed_bytewise(stream);
    BOOST_TEST(same_events(bytewise, expected, stream, every));
    // Every event of this stream ends in "\r\n\r\n": read byte by byte, each one's last LF moved on.
    BOOST_TEST(bytewise.events.front().size == expected.front().size - 1);
    BOOST_TEST(bytewise.leftover == "\ndata: tail");
}

BOOST_AUTO_TEST_CASE(mixed_endings_split_moves_only_the_lf_after_a_final_cr)
{
    const std::string stream = "data: a\r\r\ndata: b\r\n\r\n";
    const std::vector<rec> expected{make("a", 10), make("b", 11)};
    BOOST_TEST(feed_whole(stream).events == expected, boost::test_tools::per_element());
    for (std::size_t i = 0; i <= stream.size(); ++i) {
        BOOST_TEST(same_events(feed(stream, {i}), expected, stream, {i}), "split at " << i);
    }
    BOOST_TEST(feed(stream, {9}).events == (std::vector<rec>{make("a", 9), make("b", 12)}),
               boost::test_tools::per_element());
    const fed last = feed(stream, {20});
    BOOST_TEST(last.events == (std::vector<rec>{make("a", 10), make("b", 10)}),
               boost::test_tools::per_element());
    BOOST_TEST(last.leftover == "\n");
}

BOOST_AUTO_TEST_CASE(long_line_in_small_reads_is_linear, *boost::unit_test::timeout(60))
{
    // 4 MiB in 16-byte reads: rescanning from the start each time would scan ~550 GB and time out.
    const std::size_t total = std::size_t{4} << 20;
    sse_parser p;
    std::string buffer = "data: ";
    buffer.reserve(total + 16);
    while (buffer.size() < total) {
        buffer.append(16, 'x');
        BOOST_REQUIRE(!p.next(buffer).has_value());
    }
    buffer += "\n\n";
    const auto ev = p.next(buffer);
    BOOST_REQUIRE(ev.has_value());
    BOOST_TEST(ev->size == buffer.size());
    BOOST_TEST(ev->data.size() == buffer.size() - 8);
}

BOOST_AUTO_TEST_SUITE_END()
