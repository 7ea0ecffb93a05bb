#include <boost/test/unit_test.hpp>

// net::request_reader: what the downstream request parser keeps and refuses, byte for byte (RFC 9112 §3.2,
// §6.1, §6.3), and the bound on chunk framing that read_http applies.

#include "net/http_errc.hpp"
#include "net/request_reader.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include <string>
#include <string_view>

namespace http = boost::beast::http;
using baton::net::http_errc;
using baton::net::make_error_code;
using baton::net::request_reader;

namespace {

/// Feeds `bytes` to a fresh reader in one put (eager: head and body); returns the reader and the error.
struct parsed {
    request_reader reader;
    boost::system::error_code ec;
    std::size_t used = 0;
};

void parse(parsed& p, std::string_view bytes)
{
    p.reader.eager(true);
    p.reader.header_limit(64 * 1024);
    p.used = p.reader.put(boost::asio::buffer(bytes.data(), bytes.size()), p.ec);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(request_reader_suite)

BOOST_AUTO_TEST_CASE(keeps_method_target_keys_and_the_body)
{
    parsed p;
    parse(p,
          "POST /v1/chat/completions?x=1 HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer k1\r\napi-key: k2\r\n"
          "X-Api-Key: k3\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}");
    BOOST_TEST(!p.ec);
    BOOST_TEST(p.reader.is_done());
    BOOST_TEST(p.reader.req.method == "POST");
    BOOST_TEST(p.reader.req.target == "/v1/chat/completions?x=1");
    BOOST_TEST(p.reader.req.authorization == "Bearer k1");
    BOOST_TEST(p.reader.req.api_key == "k2");
    BOOST_TEST(p.reader.req.x_api_key == "k3");
    BOOST_TEST(p.reader.expect_continue);
    BOOST_TEST(!p.reader.is_head);
    BOOST_TEST(p.reader.req.body == "{}");
}

BOOST_AUTO_TEST_CASE(chunked_body_with_extensions_and_trailers_is_joined)
{
    parsed p;
    parse(p,
          "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
          "2;a=b\r\n{\"\r\n3\r\n\":1\r\n1\r\n}\r\n0\r\nX-T: v\r\n\r\n");
    BOOST_TEST(!p.ec, p.ec.message());
    BOOST_TEST(p.reader.is_done());
    BOOST_TEST(p.reader.req.body == "{\"\":1}");
}

BOOST_AUTO_TEST_CASE(head_is_recognised)
{
    parsed p;
    parse(p, "HEAD /health/liveness HTTP/1.1\r\nHost: h\r\n\r\n");
    BOOST_TEST(!p.ec);
    BOOST_TEST(p.reader.is_head);
    BOOST_TEST(p.reader.req.method == "HEAD");
}

BOOST_AUTO_TEST_CASE(transfer_encoding_must_end_in_chunked_applied_once)
{
    struct row {
        std::string_view head;
        boost::system::error_code want;
    };
    const row rows[] = {
        {"Transfer-Encoding: gzip\r\n", http_errc::bad_transfer_encoding},
        {"Transfer-Encoding: chunked, gzip\r\n", http_errc::bad_transfer_encoding},
        {"Transfer-Encoding: chunked, chunked\r\n", http_errc::bad_transfer_encoding},
        {"Transfer-Encoding: \r\n", http_errc::bad_transfer_encoding},
        {"Transfer-Encoding: gzip, chunked\r\n", http_errc::unsupported_transfer_encoding},
        {"Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n",
         http_errc::unsupported_transfer_encoding},
        {"Transfer-Encoding: Chunked\r\n", {}},
    };
    for (const auto& r : rows) {
        BOOST_TEST_CONTEXT(r.head)
        {
            parsed p;
            parse(p, "POST / HTTP/1.1\r\nHost: h\r\n" + std::string(r.head) + "\r\n0\r\n\r\n");
            BOOST_TEST(p.ec == r.want, p.ec.message());
        }
    }
}

BOOST_AUTO_TEST_CASE(transfer_encoding_in_http10_is_refused)
{
    parsed p;
    parse(p, "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    BOOST_TEST(p.ec == make_error_code(http_errc::bad_transfer_encoding));
}

BOOST_AUTO_TEST_CASE(http11_needs_exactly_one_host)
{
    {
        parsed p;
        parse(p, "GET / HTTP/1.1\r\n\r\n");
        BOOST_TEST(p.ec == make_error_code(http_errc::missing_host));
    }
    {
        parsed p;
        parse(p, "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n");
        BOOST_TEST(p.ec == make_error_code(http_errc::missing_host));
    }
    {
        parsed p;
        parse(p, "GET / HTTP/1.0\r\n\r\n");
        BOOST_TEST(!p.ec);
    }
}

BOOST_AUTO_TEST_CASE(unfinished_chunk_framing_stays_in_the_buffer)
{
    // What read_http bounds: an unfinished chunk-size line is not consumed; Beast waits for its end.
    parsed p;
    const std::string head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
    parse(p, head);
    BOOST_REQUIRE(!p.ec);
    const std::string line = "2;" + std::string(1000, 'e');
    const auto used = p.reader.put(boost::asio::buffer(line), p.ec);
    BOOST_TEST(p.ec == make_error_code(http::error::need_more));
    BOOST_TEST(line.size() - used == line.size());
    BOOST_TEST(!baton::net::chunk_framing_too_large(line.size() - used));
    BOOST_TEST(baton::net::chunk_framing_too_large(baton::net::chunk_framing_limit + 1));
}

BOOST_AUTO_TEST_SUITE_END()
