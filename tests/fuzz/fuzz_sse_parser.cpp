// libFuzzer target for streaming::sse_parser. Checks, for any byte stream:
// - whole-buffer parsing gives exactly the events (fields and sizes) of a naive line-by-line WHATWG
// reference;
// - feeding it in reads of any sizes (byte by byte, halves, input-derived cuts) gives the same fields, the
// same
//   event boundaries except a '\n' that a read boundary separated from an event's final '\r', and sizes that
//   add up with the leftover to the input; every event has a positive size.
#include "streaming/sse_parser.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using baton::streaming::sse_parser;

struct rec {
    std::string data;
    std::string event;
    bool has_data = false;
    std::size_t size = 0;
    friend bool operator==(const rec&, const rec&) = default;
};

struct fed {
    std::vector<rec> events;
    std::size_t consumed = 0;
    std::string leftover;
};

void check(bool ok)
{
    if (!ok) {
        std::abort();
    }
}

fed feed(std::string_view in, const std::vector<std::size_t>& cuts)
{
    fed out;
    sse_parser p;
    std::string buffer;
    std::size_t prev = 0;
    auto drain = [&] {
        while (auto ev = p.next(buffer)) {
            check(ev->size > 0 && ev->size <= buffer.size());
            out.events.push_back(rec{std::string(ev->data), std::string(ev->event), ev->has_data, ev->size});
            out.consumed += ev->size;
            buffer.erase(0, ev->size);
        }
    };
    for (std::size_t cut : cuts) {
        buffer.append(in.substr(prev, cut - prev));
        prev = cut;
        drain();
    }
    buffer.append(in.substr(prev));
    drain();
    out.leftover = buffer;
    check(out.consumed + out.leftover.size() == in.size());
    return out;
}

// WHATWG HTML §9.2.6, the simplest way: split the whole input into lines, dispatch at each blank line.
std::vector<rec> reference(std::string_view s)
{
    std::vector<rec> out;
    std::size_t pos = 0;
    std::size_t event_start = 0;
    std::vector<std::string> data;
    std::string event;
    while (pos < s.size()) {
        const std::size_t eol = s.find_first_of("\r\n", pos);
        if (eol == std::string_view::npos) {
            break;
        }
        const std::string_view line = s.substr(pos, eol - pos);
        pos = eol + 1;
        if (s[eol] == '\r' && pos < s.size() && s[pos] == '\n') {
            ++pos;
        }
        if (line.empty()) {
            rec r;
            r.has_data = !data.empty();
            for (std::size_t i = 0; i < data.size(); ++i) {
                r.data += (i > 0 ? "\n" : "") + data[i];
            }
            r.event = event;
            r.size = pos - event_start;
            out.push_back(r);
            event_start = pos;
            data.clear();
            event.clear();
            continue;
        }
        if (line[0] == ':') {
            continue;
        }
        const std::size_t colon = line.find(':');
        const std::string_view name = line.substr(0, colon);
        std::string_view value =
            colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
        if (!value.empty() && value[0] == ' ') {
            value.remove_prefix(1);
        }
        if (name == "data") {
            data.emplace_back(value);
        } else if (name == "event") {
            event = value;
        }
    }
    return out;
}

// Same fields and boundaries, except an end moved one byte early by a read boundary between "\r" and "\n".
void check_equivalent(const fed& f, const std::vector<rec>& expected, std::string_view in,
                      const std::vector<std::size_t>& cuts)
{
    check(f.events.size() == expected.size());
    std::size_t end = 0;
    std::size_t split_end = 0;
    for (std::size_t k = 0; k < expected.size(); ++k) {
        check(f.events[k].data == expected[k].data);
        check(f.events[k].event == expected[k].event);
        check(f.events[k].has_data == expected[k].has_data);
        end += expected[k].size;
        split_end += f.events[k].size;
        if (split_end != end) {
            check(split_end + 1 == end && in.substr(end - 2, 2) == "\r\n" &&
                  std::find(cuts.begin(), cuts.end(), split_end) != cuts.end());
        }
    }
    check(in.substr(split_end) == f.leftover);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size)
{
    const std::string_view in(reinterpret_cast<const char*>(bytes), size);

    const fed whole = feed(in, {});
    const std::vector<rec> expected = reference(in);
    check(whole.events == expected);

    std::vector<std::size_t> bytewise;
    for (std::size_t i = 1; i < size; ++i) {
        bytewise.push_back(i);
    }
    check_equivalent(feed(in, bytewise), expected, in, bytewise);

    const std::vector<std::size_t> halves{size / 2};
    check_equivalent(feed(in, halves), expected, in, halves);

    // Cuts derived from the input itself (so libFuzzer explores them): after every byte below 0x20.
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < size; ++i) {
        if (bytes[i - 1] < 0x20) {
            cuts.push_back(i);
        }
    }
    check_equivalent(feed(in, cuts), expected, in, cuts);
    return 0;
}
