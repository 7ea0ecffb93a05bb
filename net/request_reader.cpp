#include "net/request_reader.hpp"

#include "net/http_errc.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/rfc7230.hpp>

#include <iterator>

namespace baton::net {

void request_reader::on_request_impl(http::verb verb, beast::string_view method, beast::string_view target,
                                     int version, beast::error_code&)
{
    req.method.assign(method.data(), method.size());
    req.target.assign(target.data(), target.size());
    version_ = version;
    is_head = verb == http::verb::head;
}

void request_reader::on_field_impl(http::field name, beast::string_view name_string, beast::string_view value,
                                   beast::error_code&)
{
    switch (name) {
    case http::field::authorization:
        req.authorization.assign(value.data(), value.size());
        return;
    case http::field::expect:
        expect_continue = beast::iequals(value, "100-continue");
        return;
    case http::field::host:
        ++hosts_;
        return;
    case http::field::transfer_encoding:
        has_transfer_encoding_ = true;
        if (!transfer_encoding_.empty()) transfer_encoding_ += ", ";
        transfer_encoding_.append(value.data(), value.size());
        return;
    case http::field::unknown:
        if (beast::iequals(name_string, "api-key")) {
            req.api_key.assign(value.data(), value.size());
        } else if (beast::iequals(name_string, "x-api-key")) {
            req.x_api_key.assign(value.data(), value.size());
        }
        return;
    default:
        return;
    }
}

void request_reader::on_header_impl(beast::error_code& ec)
{
    if (version_ >= 11 && hosts_ != 1) {
        ec = http_errc::missing_host;
        return;
    }
    if (!has_transfer_encoding_) return;
    if (version_ < 11) {
        ec = http_errc::bad_transfer_encoding;
        return;
    }
    const http::token_list codings{transfer_encoding_};
    std::size_t count = 0;
    std::size_t chunked = 0;
    beast::string_view last;
    for (const auto c : codings) {
        ++count;
        chunked += beast::iequals(c, "chunked") ? 1 : 0;
        last = c;
    }
    // chunked must be the final coding, and applied once (RFC 9112 §6.1).
    if (count == 0 || !beast::iequals(last, "chunked") || chunked > 1) {
        ec = http_errc::bad_transfer_encoding;
    } else if (count > 1) {
        ec = http_errc::unsupported_transfer_encoding;
    }
}

void request_reader::on_body_init_impl(const boost::optional<std::uint64_t>& length, beast::error_code&)
{
    // The length was checked against body_limit before this is called.
    if (length) req.body.reserve(static_cast<std::size_t>(*length));
}

std::size_t request_reader::on_body_impl(beast::string_view data, beast::error_code&)
{
    req.body.append(data.data(), data.size());
    return data.size();
}

std::size_t request_reader::on_chunk_body_impl(std::uint64_t, beast::string_view data, beast::error_code&)
{
    req.body.append(data.data(), data.size());
    return data.size();
}

}  // namespace baton::net
