#include "net/wire_format.hpp"

#include <boost/beast/http/status.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace baton::net {

namespace http = boost::beast::http;

std::string serialize_response(const http::response<http::string_body>& res)
{
    std::string out;
    out.reserve(256 + res.body().size());
    out += "HTTP/1.1 ";
    out += std::to_string(res.result_int());
    out += ' ';
    const auto reason = res.reason().empty() ? http::obsolete_reason(res.result()) : res.reason();
    out.append(reason.data(), reason.size());
    out += "\r\n";
    for (const auto& f : res) {
        const auto name = f.name_string();
        const auto value = f.value();
        out.append(name.data(), name.size());
        out += ": ";
        out.append(value.data(), value.size());
        out += "\r\n";
    }
    out += "\r\n";
    out += res.body();
    return out;
}

std::string serialize_post(std::string_view target, std::string_view host, std::string_view accept,
                           std::string_view headers, std::string_view body)
{
    std::string out;
    out.reserve(160 + target.size() + headers.size() + body.size());
    out += "POST ";
    out += target;
    out += " HTTP/1.1\r\nHost: ";
    out += host;
    out += "\r\nUser-Agent: baton/0.1\r\nContent-Type: application/json\r\nAccept: ";
    out += accept;
    out += "\r\n";
    out += headers;
    out += "Content-Length: ";
    out += std::to_string(body.size());
    out += "\r\n\r\n";
    out += body;
    return out;
}

response_head::response_head(unsigned status)
{
    out_.reserve(512);
    out_ += "HTTP/1.1 ";
    char digits[8];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, status);
    (void)ec;
    out_.append(digits, end);
    out_ += ' ';
    const auto reason = http::obsolete_reason(static_cast<http::status>(status));
    out_.append(reason.data(), reason.size());
    out_ += "\r\n";
}

response_head& response_head::add(std::string_view name, std::string_view value)
{
    out_ += name;
    out_ += ": ";
    append_value(value);
    out_ += "\r\n";
    return *this;
}

response_head& response_head::add(std::string_view name, std::string_view first, std::string_view second,
                                  std::string_view third)
{
    out_ += name;
    out_ += ": ";
    append_value(first);
    append_value(second);
    append_value(third);
    out_ += "\r\n";
    return *this;
}

namespace {

/// True when `value` holds a byte RFC 9110 §5.5 forbids in a field value: a control byte but HTAB, or DEL.
/// Eight bytes a step (a byte below 0x20 or equal to 0x7f sets its top bit in `hit`; both tests are exact),
/// because every routed response runs several values through here and a byte loop cost ~1,500 instructions
/// per request. HTAB also hits; the caller's exact loop keeps it.
bool has_control(std::string_view value) noexcept
{
    constexpr std::uint64_t ones = 0x0101010101010101u;
    constexpr std::uint64_t highs = 0x8080808080808080u;
    const auto hits = [](std::uint64_t w) {
        const std::uint64_t del = w ^ (ones * 0x7f);
        return ((((w - ones * 0x20) & ~w) | ((del - ones) & ~del)) & highs) != 0;
    };
    const auto load = [](const char* at, std::size_t size) {
        std::uint64_t w = 0;
        std::memcpy(&w, at, size);
        return w;
    };
    const char* p = value.data();
    const std::size_t n = value.size();
    if (n >= 8) {
        // Whole words, then the last 8 bytes (overlapping the words already checked): no byte loop.
        for (std::size_t i = 0; i + 8 <= n; i += 8) {
            if (hits(load(p + i, 8))) return true;
        }
        return n % 8 != 0 && hits(load(p + n - 8, 8));
    }
    if (n >= 4) {
        // The first and the last 4 bytes (they overlap when n < 8) make one word.
        return hits(load(p, 4) | (load(p + n - 4, 4) << 32));
    }
    for (std::size_t i = 0; i < n; ++i) {
        const auto c = static_cast<unsigned char>(p[i]);
        if (c < 0x20 || c == 0x7f) return true;
    }
    return false;
}

}  // namespace

void response_head::append_value(std::string_view value)
{
    const std::size_t at = out_.size();
    out_ += value;
    if (!has_control(value)) return;
    // RFC 9110 §5.5: CR, LF, NUL (and the other controls but HTAB) never belong in a field value; as the RFC
    // asks of recipients, each becomes a space, so no value can end the header or start another.
    for (std::size_t i = at; i < out_.size(); ++i) {
        const auto c = static_cast<unsigned char>(out_[i]);
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            out_[i] = ' ';
        }
    }
}

void response_head::append_line(std::string_view name, std::string_view value)
{
    out_ += name;
    out_ += ": ";
    out_ += value;
    out_ += "\r\n";
}

response_head& response_head::add_number(std::string_view name, std::int64_t value)
{
    char digits[24];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
    (void)ec;
    append_line(name, std::string_view(digits,
                                       static_cast<std::size_t>(end - digits)));  // digits: nothing to clean
    return *this;
}

response_head& response_head::add_millis(std::string_view name, double ms)
{
    char digits[32];
    const double v = std::isfinite(ms) ? ms : 0.0;
    // Every routed response carries one of these, and to_chars(double, fixed) cost ~400 instructions: the
    // microseconds as an integer give the same text whenever the product is far from a tie (then rounding the
    // computed product goes the way rounding the exact one does); near a tie, or for huge values, to_chars
    // rounds the exact binary value as before.
    const double us = v * 1000.0;
    const double rounded = std::nearbyint(us);
    if (std::fabs(us) < 1e12 && std::fabs(std::fabs(us - rounded) - 0.5) > 1e-3) {
        const auto n = static_cast<std::int64_t>(rounded);
        const std::uint64_t mag = n < 0 ? static_cast<std::uint64_t>(-n) : static_cast<std::uint64_t>(n);
        char* p = digits;
        if (std::signbit(v)) *p++ = '-';  // as to_chars: -0.0004 is "-0.000"
        p = std::to_chars(p, digits + sizeof digits, mag / 1000).ptr;
        const auto frac = static_cast<unsigned>(mag % 1000);
        p[0] = '.';
        p[1] = static_cast<char>('0' + frac / 100);
        p[2] = static_cast<char>('0' + frac / 10 % 10);
        p[3] = static_cast<char>('0' + frac % 10);
        append_line(name, std::string_view(digits, static_cast<std::size_t>(p + 4 - digits)));
        return *this;
    }
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v, std::chars_format::fixed, 3);
    append_line(name, ec != std::errc{} ? std::string_view("0.000")
                                        : std::string_view(digits, static_cast<std::size_t>(end - digits)));
    return *this;
}

std::string& response_head::finish(std::size_t length, bool close)
{
    if (close) out_ += "Connection: close\r\n";
    char digits[24];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, length);
    (void)ec;
    out_ += "Content-Length: ";
    out_.append(digits, end);
    out_ += "\r\n\r\n";
    return out_;
}

std::string& response_head::finish_chunked(bool close)
{
    if (close) out_ += "Connection: close\r\n";
    out_ += "Transfer-Encoding: chunked\r\n\r\n";
    return out_;
}

}  // namespace baton::net
