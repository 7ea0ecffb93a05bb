#include "log/logger.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <utility>

#include <unistd.h>

namespace baton {

namespace {

bool iequals(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i];
        char y = b[i];
        if (x >= 'A' && x <= 'Z') {
            x = static_cast<char>(x - 'A' + 'a');
        }
        if (y >= 'A' && y <= 'Z') {
            y = static_cast<char>(y - 'A' + 'a');
        }
        if (x != y) {
            return false;
        }
    }
    return true;
}

constexpr std::array<std::string_view, 9> secret_names = {
    "api_key", "api_keys", "master_key",     "authorization", "x-api-key",
    "key",     "password", "redis_password", "secret",
};

bool is_secret_name(std::string_view name) noexcept
{
    for (std::string_view s : secret_names) {
        if (iequals(name, s)) {
            return true;
        }
    }
    return false;
}

void redact_value(boost::json::value& v);

void redact_array(boost::json::array& a)
{
    for (boost::json::value& v : a) {
        redact_value(v);
    }
}

void redact_value(boost::json::value& v)
{
    if (auto* o = v.if_object()) {
        redact(*o);
    } else if (auto* a = v.if_array()) {
        redact_array(*a);
    }
}

// ISO 8601 UTC with milliseconds: 2026-11-23T20:14:19.123Z.
void append_timestamp(std::string& out, std::chrono::system_clock::time_point ts)
{
    using namespace std::chrono;
    const auto ms = floor<milliseconds>(ts);
    const auto secs = floor<seconds>(ms);
    const std::time_t t = system_clock::to_time_t(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::array<char, 32> buf{};
    const int n = std::snprintf(buf.data(), buf.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                                tm.tm_sec, static_cast<int>((ms - secs).count()));
    out.append(buf.data(), static_cast<std::size_t>(n));
}

void append_string(std::string& out, std::string_view s)
{
    out += boost::json::serialize(boost::json::string_view(s.data(), s.size()));
}

template <class T>
void append_number(std::string& out, T v)
{
    std::array<char, 32> buf{};
    const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
    out.append(buf.data(), r.ptr);
}

// Boost.JSON writes doubles as 1.25E1; operators reading journalctl deserve 12.5.
void append_value(std::string& out, const boost::json::value& v)
{
    switch (v.kind()) {
    case boost::json::kind::null:
        out += "null";
        break;
    case boost::json::kind::bool_:
        out += v.get_bool() ? "true" : "false";
        break;
    case boost::json::kind::int64:
        append_number(out, v.get_int64());
        break;
    case boost::json::kind::uint64:
        append_number(out, v.get_uint64());
        break;
    case boost::json::kind::double_:
        if (std::isfinite(v.get_double())) {
            append_number(out, v.get_double());
        } else {
            out += "null";
        }
        break;
    case boost::json::kind::string:
        append_string(out, v.get_string());
        break;
    case boost::json::kind::array: {
        out += '[';
        bool first = true;
        for (const boost::json::value& e : v.get_array()) {
            if (!first) {
                out += ',';
            }
            first = false;
            append_value(out, e);
        }
        out += ']';
        break;
    }
    case boost::json::kind::object: {
        out += '{';
        bool first = true;
        for (const auto& m : v.get_object()) {
            if (!first) {
                out += ',';
            }
            first = false;
            append_string(out, m.key());
            out += ':';
            append_value(out, m.value());
        }
        out += '}';
        break;
    }
    }
}

bool is_reserved(std::string_view key) noexcept
{
    return key == "ts" || key == "level" || key == "event";
}

}  // namespace

std::optional<log_level> log_level_from_string(std::string_view name) noexcept
{
    if (iequals(name, "debug")) {
        return log_level::debug;
    }
    if (iequals(name, "info")) {
        return log_level::info;
    }
    if (iequals(name, "warning") || iequals(name, "warn")) {
        return log_level::warning;
    }
    if (iequals(name, "error")) {
        return log_level::error;
    }
    return std::nullopt;
}

std::string_view to_string(log_level level) noexcept
{
    switch (level) {
    case log_level::debug:
        return "debug";
    case log_level::info:
        return "info";
    case log_level::warning:
        return "warning";
    case log_level::error:
        return "error";
    }
    return "error";
}

int syslog_priority(log_level level) noexcept
{
    switch (level) {
    case log_level::debug:
        return 7;
    case log_level::info:
        return 6;
    case log_level::warning:
        return 4;
    case log_level::error:
        return 3;
    }
    return 3;
}

void redact(boost::json::object& fields)
{
    for (auto& m : fields) {
        if (is_secret_name(m.key())) {
            m.value() = "[redacted]";
        } else {
            redact_value(m.value());
        }
    }
}

logger::logger(int fd, log_level level, clock_function clock) noexcept : fd_(fd), level_(level), clock_(clock)
{
}

std::string logger::format_line(log_level level, std::chrono::system_clock::time_point ts,
                                std::string_view event, const boost::json::object& fields)
{
    std::string line;
    line.reserve(96 + event.size() + fields.size() * 24);
    line += '<';
    append_number(line, syslog_priority(level));
    line += ">{\"ts\":\"";
    append_timestamp(line, ts);
    line += "\",\"level\":\"";
    line += to_string(level);
    line += "\",\"event\":";
    append_string(line, event);
    for (const auto& m : fields) {
        line += ',';
        if (is_reserved(m.key())) {
            std::string renamed = "field_";
            renamed += m.key();
            append_string(line, renamed);
        } else {
            append_string(line, m.key());
        }
        line += ':';
        append_value(line, m.value());
    }
    line += "}\n";
    return line;
}

void logger::write(log_level level, std::string_view event, boost::json::object fields) const noexcept
{
    if (!enabled(level)) {
        return;
    }
    try {
        redact(fields);
        const std::string line = format_line(level, clock_(), event, fields);
        const char* p = line.data();
        std::size_t left = line.size();
        // One write(2) in practice; the loop only resumes after a signal or a short write to a full pipe.
        while (left > 0) {
            const ssize_t n = ::write(fd_, p, left);
            if (n < 0) {
                if (errno == EINTR) {
                    continue;
                }
                return;
            }
            p += n;
            left -= static_cast<std::size_t>(n);
        }
    } catch (...) {
        // A log line is never worth failing the caller for (see the contract).
        return;
    }
}

void logger::debug(std::string_view event, boost::json::object fields) const noexcept
{
    write(log_level::debug, event, std::move(fields));
}

void logger::info(std::string_view event, boost::json::object fields) const noexcept
{
    write(log_level::info, event, std::move(fields));
}

void logger::warning(std::string_view event, boost::json::object fields) const noexcept
{
    write(log_level::warning, event, std::move(fields));
}

void logger::error(std::string_view event, boost::json::object fields) const noexcept
{
    write(log_level::error, event, std::move(fields));
}

}  // namespace baton
