// libFuzzer target for batches::multipart_parser (POST /v1/files). The first input byte picks a read size
// (1 to 256 bytes) and the second a header limit; the rest is the body, read with the boundary
// "fuzz-boundary". Checks, for any input:
// - the parser never consumes more than it is given, and every data event is a view into its input;
// - the caller's buffer stays bounded (one read plus the header limit plus a delimiter): no byte stream
//   makes it hold a part's body whole;
// - whole-buffer parsing and parsing in reads of the chosen size give the same parts, bytes and ending;
// - after done or error nothing more happens (sticky), and the loop always ends.
// It also runs multipart_boundary() on the input as a Content-Type.
#include "batches/multipart_parser.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using baton::batches::multipart_parser;
using kind = multipart_parser::event_kind;

void check(bool ok)
{
    if (!ok) {
        std::abort();
    }
}

struct part {
    std::string name;
    std::optional<std::string> filename;
    std::string content_type;
    std::string data;
    bool ended = false;
    friend bool operator==(const part&, const part&) = default;
};

struct outcome {
    std::vector<part> parts;
    bool done = false;
    bool error = false;
    friend bool operator==(const outcome&, const outcome&) = default;
};

outcome run(std::string_view body, std::size_t read_size, std::size_t header_limit)
{
    multipart_parser p("fuzz-boundary", header_limit);
    outcome o;
    std::string buffer;
    std::size_t fed = 0;
    const std::size_t bound = read_size + std::max<std::size_t>(header_limit, 256) + 64;
    while (true) {
        const std::size_t n = std::min(read_size, body.size() - fed);
        buffer.append(body.substr(fed, n));
        fed += n;
        for (int guard = 0;; ++guard) {
            check(guard < 1'000'000);
            const auto e = p.next(buffer);
            check(e.consumed <= buffer.size());
            if (e.kind == kind::part_data) {
                check(!e.data.empty());
                check(e.data.data() >= buffer.data() &&
                      e.data.data() + e.data.size() <= buffer.data() + buffer.size());
                check(!o.parts.empty());
                o.parts.back().data.append(e.data);
            } else if (e.kind == kind::part_begin) {
                o.parts.push_back({p.part().name, p.part().filename, p.part().content_type, {}, false});
            } else if (e.kind == kind::part_end) {
                check(!o.parts.empty());
                o.parts.back().ended = true;
            }
            buffer.erase(0, e.consumed);
            if (e.kind == kind::done) {
                o.done = true;
                check(buffer.empty());
            }
            if (e.kind == kind::error) {
                o.error = true;
                check(p.failed());
                check(p.next(buffer).kind == kind::error);  // sticky
            }
            if (e.kind == kind::need_more || e.kind == kind::done || e.kind == kind::error) {
                break;
            }
        }
        check(buffer.size() <= bound);
        if (o.done || o.error || fed == body.size()) {
            break;
        }
    }
    return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 2) {
        return 0;
    }
    const std::size_t read_size = 1 + data[0];
    const std::size_t header_limit = 32 + 16 * static_cast<std::size_t>(data[1]);
    const std::string_view body(reinterpret_cast<const char*>(data) + 2, size - 2);
    (void)baton::batches::multipart_boundary(body);

    const outcome whole = run(body, body.size() + 1, header_limit);
    const outcome pieces = run(body, read_size, header_limit);
    // A header block over the limit can be seen early or late depending on the reads; otherwise the same.
    if (!whole.error && !pieces.error) {
        check(whole == pieces);
    }
    return 0;
}
