#pragma once

#include "net/executor.hpp"
#include "net/http_errc.hpp"
#include "net/request_reader.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include <cstddef>
#include <tuple>

namespace baton::net {

namespace beast = boost::beast;

/// Reads into `parser` until its head (`head_only`) or its whole message is parsed: the bytes already in
/// `buffer` first, then from `stream`. The same contract as Beast's http::async_read_header/async_read
/// (end_of_stream when the peer closes before a message starts, partial_message when it closes in the
/// middle, the parser's own errors for bad input and limits; http_errc::chunk_framing_too_large for a
/// chunk-size line or trailer section over chunk_framing_limit), without their machinery: no composed
/// operation with its work guard and type-erased executor copies, and no posted completion when the
/// buffer already holds what is needed (the usual case for a request's body, and for a small response
/// that came with its head). Returns (error, 0) so that it fits where a read's (error, bytes) goes.
template <class Stream, bool isRequest>
task<std::tuple<boost::system::error_code, std::size_t>> read_http(Stream& stream, beast::flat_buffer& buffer,
                                                                    beast::http::basic_parser<isRequest>& parser,
                                                                    bool head_only)
{
    namespace http = beast::http;
    // Parse every element available at once, except when stopping at the head (as Beast does).
    parser.eager(!head_only);
    for (;;) {
        if (head_only ? parser.is_header_done() : parser.is_done()) co_return std::tuple{boost::system::error_code{}, 0};
        if (buffer.size() != 0) {
            boost::system::error_code ec;
            const auto used = parser.put(buffer.data(), ec);
            buffer.consume(used);
            if (!ec && used != 0) continue;
            if (ec && ec != http::error::need_more) co_return std::tuple{ec, 0};
            // A body's data is consumed as it comes: what stays is chunk framing, which Beast buffers whole.
            if (parser.is_header_done() && chunk_framing_too_large(buffer.size())) {
                co_return std::tuple{boost::system::error_code(http_errc::chunk_framing_too_large), 0};
            }
        }
        auto [ec, n] = co_await stream.async_read_some(buffer.prepare(beast::read_size(buffer, 65536)), use_tuple);
        if (ec == asio::error::eof) {
            if (!parser.got_some()) co_return std::tuple{boost::system::error_code(http::error::end_of_stream), 0};
            ec = {};
            parser.put_eof(ec);  // a body that runs to EOF ends here; anything else was cut
            if (ec) co_return std::tuple{ec, 0};
            continue;
        }
        if (ec) co_return std::tuple{ec, 0};
        buffer.commit(n);
    }
}

}  // namespace baton::net
