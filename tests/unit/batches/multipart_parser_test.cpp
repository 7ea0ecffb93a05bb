#include "batches/multipart_parser.hpp"

#include <boost/test/unit_test.hpp>

#include <ostream>
#include <vector>

using namespace baton::batches;
using ev = multipart_parser::event_kind;

namespace {

struct part {
    std::string name;
    std::optional<std::string> filename;
    std::string content_type;
    std::string data;
    bool ended = false;

    bool operator==(const part&) const = default;
};

struct collected {
    std::vector<part> parts;
    bool done = false;
    bool error = false;
    std::string why;
    std::size_t max_buffer = 0;  ///< the most bytes the caller had to keep between reads

    bool operator==(const collected& o) const
    {
        return parts == o.parts && done == o.done && error == o.error;
    }
};

std::ostream& operator<<(std::ostream& os, const collected& c)
{
    os << "{done=" << c.done << " error=" << c.error << " parts=[";
    for (const auto& p : c.parts) {
        os << "{" << p.name << "," << p.filename.value_or("-") << "," << p.content_type << ",\"" << p.data
           << "\"," << p.ended << "}";
    }
    return os << "]}";
}

/// Feeds `message` in pieces ending at each of `cuts` (then the rest), as a reader would: the unconsumed
/// bytes stay in a buffer that the next read appends to.
collected run(std::string_view message, const std::string& boundary, const std::vector<std::size_t>& cuts,
              std::size_t max_header = 16 * 1024)
{
    multipart_parser p(boundary, max_header);
    collected c;
    std::string buffer;
    std::size_t fed = 0;
    auto pump = [&] {
        for (;;) {
            const auto e = p.next(buffer);
            switch (e.kind) {
            case ev::part_begin:
                c.parts.push_back({p.part().name, p.part().filename, p.part().content_type, {}, false});
                break;
            case ev::part_data:
                c.parts.back().data.append(e.data);
                break;
            case ev::part_end:
                c.parts.back().ended = true;
                break;
            case ev::done:
                c.done = true;
                break;
            case ev::error:
                c.error = true;
                c.why = p.error();
                break;
            case ev::need_more:
                break;
            }
            buffer.erase(0, e.consumed);
            if (e.kind == ev::need_more || e.kind == ev::done || e.kind == ev::error) {
                return;
            }
        }
    };
    auto feed_to = [&](std::size_t end) {
        buffer.append(message.substr(fed, end - fed));
        fed = end;
        pump();
        c.max_buffer = std::max(c.max_buffer, buffer.size());
    };
    for (const auto cut : cuts) {
        feed_to(cut);
    }
    feed_to(message.size());
    return c;
}

const std::string boundary = "----baton-test-7MA4YWxk";

std::string two_parts()
{
    return "--" + boundary +
           "\r\n"
           "Content-Disposition: form-data; name=\"purpose\"\r\n"
           "\r\n"
           "batch\r\n"
           "--" +
           boundary +
           "\r\n"
           "Content-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n"
           "Content-Type: application/jsonl\r\n"
           "\r\n"
           "{\"a\":1}\r\n{\"b\":\"--" +
           boundary.substr(0, 10) +
           "\"}\r\n"
           "\r\n--" +
           boundary + "--\r\n";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(multipart_parser_suite)

BOOST_AUTO_TEST_CASE(boundary_from_content_type)
{
    BOOST_TEST(*multipart_boundary("multipart/form-data; boundary=abc") == "abc");
    BOOST_TEST(*multipart_boundary("Multipart/Form-Data;BOUNDARY=\"a b:c\"") == "a b:c");
    BOOST_TEST(*multipart_boundary("multipart/form-data; charset=utf-8; boundary=x-y") == "x-y");
    BOOST_TEST(!multipart_boundary("application/json").has_value());
    BOOST_TEST(!multipart_boundary("multipart/form-data").has_value());
    BOOST_TEST(!multipart_boundary("multipart/form-data; boundary=").has_value());
    BOOST_TEST(!multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'b')).has_value());
    BOOST_TEST(!multipart_boundary("multipart/form-data; boundary=a\"b").has_value());
}

BOOST_AUTO_TEST_CASE(reads_fields_and_a_file_byte_exact)
{
    const auto c = run(two_parts(), boundary, {});
    BOOST_TEST(c.done);
    BOOST_TEST(!c.error);
    BOOST_REQUIRE(c.parts.size() == 2u);
    BOOST_TEST(c.parts[0].name == "purpose");
    BOOST_TEST(!c.parts[0].filename.has_value());
    BOOST_TEST(c.parts[0].data == "batch");
    BOOST_TEST(c.parts[0].ended);
    BOOST_TEST(c.parts[1].name == "file");
    BOOST_TEST(*c.parts[1].filename == "in.jsonl");
    BOOST_TEST(c.parts[1].content_type == "application/jsonl");
    // The body keeps its own CRLFs and a near-boundary inside it; only the delimiter's CRLF is dropped.
    BOOST_TEST(c.parts[1].data == "{\"a\":1}\r\n{\"b\":\"--" + boundary.substr(0, 10) + "\"}\r\n");
}

BOOST_AUTO_TEST_CASE(every_split_point_gives_the_same_parts)
{
    const std::string message = two_parts();
    const auto whole = run(message, boundary, {});
    for (std::size_t cut = 0; cut <= message.size(); ++cut) {
        const auto split = run(message, boundary, {cut});
        BOOST_TEST_INFO("split at byte " << cut);
        BOOST_TEST(split == whole);
    }
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < message.size(); ++i) {
        every.push_back(i);
    }
    const auto bytewise = run(message, boundary, every);
    BOOST_TEST(bytewise == whole);
    // Byte by byte, the caller never holds more than a header block or a delimiter.
    BOOST_TEST(bytewise.max_buffer <= 128u);
}

BOOST_AUTO_TEST_CASE(a_large_body_is_never_held_whole)
{
    std::string body;
    for (int i = 0; i < 20000; ++i) {
        body += "{\"custom_id\":\"" + std::to_string(i) + "\"}\n";
    }
    const std::string message = "--" + boundary +
                                "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"\r\n\r\n" +
                                body + "\r\n--" + boundary + "--";
    std::vector<std::size_t> cuts;
    for (std::size_t i = 4096; i < message.size(); i += 4096) {
        cuts.push_back(i);
    }
    const auto c = run(message, boundary, cuts);
    BOOST_TEST(c.done);
    BOOST_REQUIRE(c.parts.size() == 1u);
    BOOST_TEST(c.parts[0].data == body);
    BOOST_TEST(c.max_buffer < 4096u + 64u);
}

BOOST_AUTO_TEST_CASE(preamble_epilogue_padding_and_lf_free_start)
{
    const std::string message = "this is a preamble\r\n--" + boundary +
                                " \t\r\nContent-Disposition: form-data; name=x\r\n\r\nv\r\n--" + boundary +
                                "--\r\nepilogue ignored --" + boundary + "\r\n";
    const auto c = run(message, boundary, {});
    BOOST_TEST(c.done);
    BOOST_REQUIRE(c.parts.size() == 1u);
    BOOST_TEST(c.parts[0].name == "x");
    BOOST_TEST(c.parts[0].data == "v");
}

BOOST_AUTO_TEST_CASE(empty_parts_and_headerless_parts)
{
    const std::string message = "--" + boundary + "\r\n\r\n\r\n--" + boundary +
                                "\r\nContent-Disposition: form-data; name=\"e\"\r\n\r\n\r\n--" + boundary +
                                "--";
    const auto c = run(message, boundary, {});
    BOOST_TEST(c.done);
    BOOST_REQUIRE(c.parts.size() == 2u);
    BOOST_TEST(c.parts[0].name.empty());
    BOOST_TEST(c.parts[0].data.empty());
    BOOST_TEST(c.parts[1].name == "e");
    BOOST_TEST(c.parts[1].data.empty());
}

BOOST_AUTO_TEST_CASE(quoted_and_extended_filenames)
{
    const std::string message =
        "--" + boundary +
        "\r\ncontent-disposition: form-data; name=\"file\"; filename=\"a \\\"q\\\";b.jsonl\"\r\n\r\n"
        "x\r\n--" +
        boundary +
        "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"plain\"; "
        "filename*=UTF-8''caf%C3%A9.jsonl\r\n\r\ny\r\n--" +
        boundary + "--";
    const auto c = run(message, boundary, {});
    BOOST_REQUIRE(c.parts.size() == 2u);
    BOOST_TEST(*c.parts[0].filename == "a \"q\";b.jsonl");
    BOOST_TEST(*c.parts[1].filename == "caf\xc3\xa9.jsonl");
}

BOOST_AUTO_TEST_CASE(malformed_input_is_an_error_not_a_hang)
{
    // Garbage after a delimiter.
    auto c = run("--" + boundary + "xx\r\n\r\nv\r\n--" + boundary + "--", boundary, {});
    BOOST_TEST(c.error);
    BOOST_TEST(c.why == "a multipart boundary is followed by something other than a line end");
    // A header line without a colon.
    c = run("--" + boundary + "\r\nnonsense\r\n\r\nv\r\n--" + boundary + "--", boundary, {});
    BOOST_TEST(c.error);
    BOOST_TEST(c.why == "a multipart part header line has no name");
    // A header block over the limit, also when it never ends.
    c = run("--" + boundary + "\r\nX-Long: " + std::string(200, 'a'), boundary, {}, 64);
    BOOST_TEST(c.error);
    BOOST_TEST(c.why == "the headers of a multipart part exceed 64 bytes");
    // Not form-data.
    c = run("--" + boundary + "\r\nContent-Disposition: attachment\r\n\r\nv\r\n--" + boundary + "--",
            boundary, {});
    BOOST_TEST(c.error);
    // A truncated message is simply not done.
    c = run("--" + boundary + "\r\nContent-Disposition: form-data; name=f\r\n\r\nhalf a bo", boundary, {});
    BOOST_TEST(!c.error);
    BOOST_TEST(!c.done);
    // No boundary at all.
    c = run("just some bytes", boundary, {});
    BOOST_TEST(!c.done);
    BOOST_TEST(c.parts.empty());
}

BOOST_AUTO_TEST_SUITE_END()
