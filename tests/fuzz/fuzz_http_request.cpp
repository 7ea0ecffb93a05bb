// libFuzzer target for the downstream request parser (net::request_reader), driven as the server drives
// it (net/http_read.hpp): the head first, then the body, from a buffer that reads fill piece by piece, with
// the chunk framing bound. For any bytes:
// - no crash, no sanitizer report, and the unconsumed bytes of a body never pass chunk_framing_limit;
// - a finished request's body is within the body limit, and a refused one says why with an error code;
// - reads of any sizes give the outcome of one read of everything (method, target, keys, body, or the same
//   refusal), except that pieces may meet the framing bound where one read of a whole long line does not.
#include "net/http_errc.hpp"
#include "net/request_reader.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace http = boost::beast::http;
using baton::net::request_reader;

constexpr std::size_t body_limit = 256 * 1024;

void check(bool ok)
{
    if (!ok) std::abort();
}

struct outcome {
    boost::system::error_code ec;  ///< empty when the request was read whole
    bool finished = false;         ///< the input held a whole request
    std::string method, target, authorization, api_key, x_api_key, body;
    bool expect = false;
    bool head = false;
    friend bool operator==(const outcome&, const outcome&) = default;
};

/// Reads one request from `in` split at `cuts` (ascending offsets), as read_http does.
outcome read(std::string_view in, const std::vector<std::size_t>& cuts)
{
    request_reader p;
    p.header_limit(64 * 1024);
    p.body_limit(body_limit);
    std::string buffer;
    std::size_t next = 0;
    outcome out;
    bool head_only = true;
    p.eager(false);
    for (;;) {
        if (head_only && p.is_header_done()) {
            head_only = false;
            p.eager(true);
        }
        if (!head_only && p.is_done()) {
            out.finished = true;
            break;
        }
        if (!buffer.empty()) {
            boost::system::error_code ec;
            const auto used = p.put(boost::asio::buffer(buffer), ec);
            check(used <= buffer.size());
            buffer.erase(0, used);
            if (!ec && used != 0) continue;
            if (ec && ec != http::error::need_more) {
                out.ec = ec;
                break;
            }
            if (p.is_header_done() && baton::net::chunk_framing_too_large(buffer.size())) {
                out.ec = baton::net::http_errc::chunk_framing_too_large;
                break;
            }
        }
        if (next == cuts.size()) break;  // the input ended: the client is waiting or cut
        const std::size_t from = next == 0 ? 0 : cuts[next - 1];
        buffer.append(in.substr(from, cuts[next] - from));
        ++next;
    }
    check(p.req.body.size() <= body_limit);
    if (out.ec) check(!out.ec.message().empty());
    out.method = p.req.method;
    out.target = p.req.target;
    out.authorization = p.req.authorization;
    out.api_key = p.req.api_key;
    out.x_api_key = p.req.x_api_key;
    out.body = p.req.body;
    out.expect = p.expect_continue;
    out.head = p.is_head;
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 1) return 0;
    // The first byte picks the read size (1..256 bytes); the rest is what the client sends.
    const std::size_t step = static_cast<std::size_t>(data[0]) + 1;
    const std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);

    const outcome whole = read(in, {in.size()});
    std::vector<std::size_t> cuts;
    for (std::size_t at = step; at < in.size(); at += step) cuts.push_back(at);
    cuts.push_back(in.size());
    const outcome pieces = read(in, cuts);

    if (pieces.ec == baton::net::http_errc::chunk_framing_too_large && !whole.ec) return 0;
    // Beast reports a head over the limit as soon as it has that many bytes: earlier with one read.
    if (whole.ec == http::error::header_limit || pieces.ec == http::error::header_limit) return 0;
    // Beast resumes its search for the head's end where the last read stopped: with a malformed line ending
    // (a bare CR), reads in pieces may keep waiting for more (the header timeout then closes) where one read
    // refuses the head at once. Either is safe; what must never differ is a request taken.
    const auto waiting = [](const outcome& o) { return !o.ec && !o.finished; };
    if ((waiting(pieces) && whole.ec) || (waiting(whole) && pieces.ec)) return 0;
    // A request read whole must be the same request read in pieces; two unfinished heads may differ in what
    // the parser has filled so far.
    if (whole.ec != pieces.ec || whole.finished != pieces.finished ||
        (whole.finished && !(whole == pieces))) {
        std::fprintf(stderr,
                     "fuzz_http_request: one read: '%s' finished=%d; reads of %zu: '%s' finished=%d\n",
                     whole.ec.message().c_str(), whole.finished, step, pieces.ec.message().c_str(),
                     pieces.finished);
        std::abort();
    }
    return 0;
}
