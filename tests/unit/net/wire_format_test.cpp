// The bytes baton writes itself (net/wire_format.hpp): routed response heads and upstream POST requests.
#define BOOST_TEST_MODULE net_tests
#include "net/wire_format.hpp"

#include <boost/test/unit_test.hpp>

#include <charconv>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

using baton::net::response_head;
using baton::net::serialize_post;

namespace {

/// The head of an empty 200 response with one `x-ms` header of `ms`: the add_millis text is the part
/// between "x-ms: " and the next CRLF.
std::string millis_text(double ms)
{
    response_head h{200};
    const std::string& head = h.add_millis("x-ms", ms).finish(0, false);
    const std::string_view prefix = "HTTP/1.1 200 OK\r\nx-ms: ";
    const std::string_view suffix = "\r\nContent-Length: 0\r\n\r\n";
    BOOST_REQUIRE_MESSAGE(head.starts_with(prefix) && head.ends_with(suffix), "head: " << head);
    return head.substr(prefix.size(), head.size() - prefix.size() - suffix.size());
}

/// The same for add_number.
std::string number_text(std::int64_t value)
{
    response_head h{200};
    const std::string& head = h.add_number("x-n", value).finish(0, false);
    const std::string_view prefix = "HTTP/1.1 200 OK\r\nx-n: ";
    const std::string_view suffix = "\r\nContent-Length: 0\r\n\r\n";
    BOOST_REQUIRE_MESSAGE(head.starts_with(prefix) && head.ends_with(suffix), "head: " << head);
    return head.substr(prefix.size(), head.size() - prefix.size() - suffix.size());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(response_head_suite)

BOOST_AUTO_TEST_CASE(status_line_has_the_standard_reason)
{
    BOOST_TEST(response_head{200}.finish(0, false) == "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    BOOST_TEST(response_head{404}.finish(0, false) == "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    BOOST_TEST(response_head{502}.finish(0, false) == "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
    BOOST_TEST(response_head{429}.finish(0, false) ==
               "HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\n\r\n");
}

BOOST_AUTO_TEST_CASE(headers_are_written_in_order_as_given)
{
    response_head h{200};
    h.add("Content-Type", "application/json").add("x-baton-model-group", "grp").add("x-empty", "");
    BOOST_TEST(h.finish(17, false) ==
               "HTTP/1.1 200 OK\r\n"
               "Content-Type: application/json\r\n"
               "x-baton-model-group: grp\r\n"
               "x-empty: \r\n"
               "Content-Length: 17\r\n\r\n");
}

BOOST_AUTO_TEST_CASE(four_argument_add_concatenates_the_three_parts)
{
    response_head h{200};
    h.add("x-baton-resolved", "openai", "/", "gpt-4o").add("x-parts", "", "mid", "");
    BOOST_TEST(h.finish(2, false) ==
               "HTTP/1.1 200 OK\r\n"
               "x-baton-resolved: openai/gpt-4o\r\n"
               "x-parts: mid\r\n"
               "Content-Length: 2\r\n\r\n");
}

// Issue #11: a value can never end its header line or start another, whoever wrote it (a model name in
// x-baton-resolved came from the client).
BOOST_AUTO_TEST_CASE(control_bytes_in_values_are_written_as_spaces)
{
    response_head h{200};
    h.add("x-baton-resolved", "openai", "/", "x\r\nSet-Cookie: a=b")
        .add("x-one", std::string_view("a\nb\rc\0d\x7f"
                                       "e\tf",
                                       11));
    BOOST_TEST(h.finish(0, false) ==
               "HTTP/1.1 200 OK\r\n"
               "x-baton-resolved: openai/x  Set-Cookie: a=b\r\n"
               "x-one: a b c d e\tf\r\n"
               "Content-Length: 0\r\n\r\n");
}

// Values are checked eight bytes at a time (short ones as one word of two 4-byte halves): every forbidden
// byte (each control but HTAB, and DEL) is found at every position of values of every size up to 19, and
// bytes next to the bounds (0x1f/0x20, 0x7e/0x7f/0x80) are judged right.
BOOST_AUTO_TEST_CASE(every_forbidden_byte_is_found_at_every_position)
{
    for (unsigned c = 0; c < 256; ++c) {
        const bool forbidden = (c < 0x20 && c != '\t') || c == 0x7f;
        for (std::size_t size = 1; size <= 19; ++size) {
            for (std::size_t at = 0; at < size; ++at) {
                std::string value(size, 'a');
                value[at] = static_cast<char>(c);
                std::string expected = value;
                if (forbidden) expected[at] = ' ';
                response_head h{200};
                h.add("x-v", value);
                BOOST_TEST(h.finish(0, false) ==
                               "HTTP/1.1 200 OK\r\nx-v: " + expected + "\r\nContent-Length: 0\r\n\r\n",
                           "byte " << c << " at " << at << " of " << size);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(add_number_writes_decimal_integers)
{
    BOOST_TEST(number_text(0) == "0");
    BOOST_TEST(number_text(7) == "7");
    BOOST_TEST(number_text(-42) == "-42");
    BOOST_TEST(number_text(1'000'000'000'000) == "1000000000000");
    BOOST_TEST(number_text(std::numeric_limits<std::int64_t>::max()) == "9223372036854775807");
    BOOST_TEST(number_text(std::numeric_limits<std::int64_t>::min()) == "-9223372036854775808");
}

BOOST_AUTO_TEST_CASE(add_millis_writes_three_decimals)
{
    BOOST_TEST(millis_text(0.0) == "0.000");
    BOOST_TEST(millis_text(12.5) == "12.500");
    BOOST_TEST(millis_text(3.0) == "3.000");
    BOOST_TEST(millis_text(0.25) == "0.250");
    BOOST_TEST(millis_text(-1.5) == "-1.500");
    BOOST_TEST(millis_text(123456789.0) == "123456789.000");
    // std::to_chars rounds the exact binary value: 1.2345 is stored as 1.23449999..., 0.0005 as 0.00050000...01.
    BOOST_TEST(millis_text(1.2345) == "1.234");
    BOOST_TEST(millis_text(0.0005) == "0.001");
    BOOST_TEST(millis_text(0.0004) == "0.000");
    BOOST_TEST(millis_text(2.9996) == "3.000");
    BOOST_TEST(millis_text(-0.0004) == "-0.000");
    BOOST_TEST(millis_text(-2.9996) == "-3.000");
    BOOST_TEST(millis_text(1e15) == "1000000000000000.000");
}

// The integer path agrees with std::to_chars(fixed, 3) over a sweep of values, ties and near-ties included.
BOOST_AUTO_TEST_CASE(add_millis_agrees_with_to_chars)
{
    for (int i = -20000; i <= 200000; ++i) {
        for (const double ms : {i / 997.0, i * 0.0005, i * 0.0015 + 1e-12, i * 1.25e-4, i * 3.1}) {
            char digits[64];
            const auto [end, ec] =
                std::to_chars(digits, digits + sizeof digits, ms, std::chars_format::fixed, 3);
            BOOST_REQUIRE(ec == std::errc{});
            const std::string expected(digits, end);
            if (millis_text(ms) != expected) {
                BOOST_TEST(millis_text(ms) == expected, "ms " << ms);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(add_millis_writes_zero_for_nan_and_infinity)
{
    BOOST_TEST(millis_text(std::numeric_limits<double>::quiet_NaN()) == "0.000");
    BOOST_TEST(millis_text(std::numeric_limits<double>::infinity()) == "0.000");
    BOOST_TEST(millis_text(-std::numeric_limits<double>::infinity()) == "0.000");
}

BOOST_AUTO_TEST_CASE(finish_ends_with_content_length_and_optional_connection_close)
{
    {
        response_head h{200};
        h.add("Content-Type", "application/json");
        BOOST_TEST(h.finish(1234, false) ==
                   "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1234\r\n\r\n");
    }
    {
        response_head h{502};
        h.add("Content-Type", "application/json");
        BOOST_TEST(h.finish(0, true) ==
                   "HTTP/1.1 502 Bad Gateway\r\nContent-Type: application/json\r\nConnection: close\r\n"
                   "Content-Length: 0\r\n\r\n");
    }
    {
        response_head h{200};
        BOOST_TEST(h.finish(std::numeric_limits<std::size_t>::max(), false) ==
                   "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(std::numeric_limits<std::size_t>::max()) +
                       "\r\n\r\n");
    }
}

BOOST_AUTO_TEST_CASE(finish_chunked_ends_with_transfer_encoding_and_optional_connection_close)
{
    {
        response_head h{200};
        h.add("Content-Type", "text/event-stream");
        BOOST_TEST(h.finish_chunked(false) ==
                   "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
    }
    {
        response_head h{200};
        h.add("Content-Type", "text/event-stream");
        BOOST_TEST(h.finish_chunked(true) ==
                   "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n");
    }
}

BOOST_AUTO_TEST_CASE(a_routed_head_in_full)
{
    response_head h{200};
    h.add("Content-Type", "application/json")
        .add("x-baton-request-id", "req-1")
        .add("x-baton-resolved", "azure", "/", "my-deploy")
        .add_number("x-baton-attempts", 2)
        .add_number("x-baton-fallbacks", 1)
        .add_millis("x-baton-overhead-ms", 0.5);
    BOOST_TEST(h.finish(5, true) ==
               "HTTP/1.1 200 OK\r\n"
               "Content-Type: application/json\r\n"
               "x-baton-request-id: req-1\r\n"
               "x-baton-resolved: azure/my-deploy\r\n"
               "x-baton-attempts: 2\r\n"
               "x-baton-fallbacks: 1\r\n"
               "x-baton-overhead-ms: 0.500\r\n"
               "Connection: close\r\n"
               "Content-Length: 5\r\n\r\n");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(serialize_post_suite)

BOOST_AUTO_TEST_CASE(post_with_bearer_auth_header)
{
    const std::string body = R"({"model":"up-model","messages":[]})";
    BOOST_TEST(serialize_post("/v1/chat/completions", "api.example.com", "application/json",
                              "Authorization: Bearer sk-123\r\n", body) ==
               "POST /v1/chat/completions HTTP/1.1\r\n"
               "Host: api.example.com\r\n"
               "User-Agent: baton/0.1\r\n"
               "Content-Type: application/json\r\n"
               "Accept: application/json\r\n"
               "Authorization: Bearer sk-123\r\n"
               "Content-Length: 34\r\n"
               "\r\n" +
                   body);
}

BOOST_AUTO_TEST_CASE(post_with_azure_api_key_header)
{
    BOOST_TEST(serialize_post("/az/openai/deployments/d/chat/completions?api-version=2024-10-21",
                              "127.0.0.1:8080", "text/event-stream", "api-key: azure-key\r\n", "{}") ==
               "POST /az/openai/deployments/d/chat/completions?api-version=2024-10-21 HTTP/1.1\r\n"
               "Host: 127.0.0.1:8080\r\n"
               "User-Agent: baton/0.1\r\n"
               "Content-Type: application/json\r\n"
               "Accept: text/event-stream\r\n"
               "api-key: azure-key\r\n"
               "Content-Length: 2\r\n"
               "\r\n"
               "{}");
}

BOOST_AUTO_TEST_CASE(post_without_auth_header)
{
    // No header lines: nothing between Accept and Content-Length.
    BOOST_TEST(serialize_post("/v1/embeddings", "localhost", "application/json", "", R"({"input":"x"})") ==
               "POST /v1/embeddings HTTP/1.1\r\n"
               "Host: localhost\r\n"
               "User-Agent: baton/0.1\r\n"
               "Content-Type: application/json\r\n"
               "Accept: application/json\r\n"
               "Content-Length: 13\r\n"
               "\r\n"
               R"({"input":"x"})");
}

BOOST_AUTO_TEST_CASE(post_with_several_provider_headers)
{
    // Anthropic-style: more than one header line, written as given, in order.
    BOOST_TEST(
        serialize_post("/v1/messages", "h", "*/*", "x-api-key: k\r\nanthropic-version: 2023-06-01\r\n", "") ==
        "POST /v1/messages HTTP/1.1\r\nHost: h\r\nUser-Agent: baton/0.1\r\nContent-Type: application/json\r\n"
        "Accept: */*\r\nx-api-key: k\r\nanthropic-version: 2023-06-01\r\nContent-Length: 0\r\n\r\n");
}

BOOST_AUTO_TEST_CASE(post_with_empty_body_has_content_length_zero)
{
    BOOST_TEST(serialize_post("/v1/x", "h", "*/*", "", "") ==
               "POST /v1/x HTTP/1.1\r\nHost: h\r\nUser-Agent: baton/0.1\r\nContent-Type: application/json\r\n"
               "Accept: */*\r\nContent-Length: 0\r\n\r\n");
}

BOOST_AUTO_TEST_SUITE_END()
