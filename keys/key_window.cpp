#include "keys/key_window.hpp"

#include <algorithm>
#include <charconv>

namespace baton::keys {

namespace {

constexpr std::int64_t ms_per_minute = 60'000;

std::int64_t ms_of(wall_time t)
{
    return std::chrono::duration_cast<millis>(t.time_since_epoch()).count();
}

// Floor division, so times before the epoch still get whole minutes.
std::int64_t minute_of(wall_time t)
{
    const std::int64_t ms = ms_of(t);
    return ms >= 0 ? ms / ms_per_minute : -((-ms + ms_per_minute - 1) / ms_per_minute);
}

void roll(key_window& w, std::int64_t minute)
{
    if (w.minute != minute) {
        // A clock that went back starts a new count too: the counts are for one minute, whichever.
        w.minute = minute;
        w.requests = 0;
        w.tokens = 0;
    }
}

std::uint64_t remaining(std::uint64_t limit, std::uint64_t used)
{
    return used >= limit ? 0 : limit - used;
}

std::string number(std::uint64_t n)
{
    char digits[24];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
    (void)ec;
    return std::string(digits, end);
}

}  // namespace

key_usage usage_of(const key_limits& limits, const key_window& w, wall_time now)
{
    const std::int64_t minute = minute_of(now);
    const bool current = w.minute == minute;
    key_usage u;
    u.limits = limits;
    u.requests = current ? w.requests : 0;
    u.tokens = current ? w.tokens : 0;
    u.in_flight = w.in_flight;
    u.requests_remaining = remaining(limits.rpm, u.requests);
    u.tokens_remaining = remaining(limits.tpm, u.tokens);
    u.reset = millis((minute + 1) * ms_per_minute - ms_of(now));
    u.requests_total = w.requests_total;
    u.tokens_total = w.tokens_total;
    u.refused_total = w.refused_total;
    return u;
}

verdict admit(const key_limits& limits, key_window& w, wall_time now)
{
    roll(w, minute_of(now));
    verdict v;
    if (limits.max_parallel != 0 && w.in_flight >= limits.max_parallel) {
        v.refused_by = limit_kind::parallel;
    } else if (limits.rpm != 0 && w.requests >= limits.rpm) {
        v.refused_by = limit_kind::rpm;
    } else if (limits.tpm != 0 && w.tokens >= limits.tpm) {
        v.refused_by = limit_kind::tpm;
    }
    if (v.admitted()) {
        ++w.requests;
        ++w.in_flight;
        ++w.requests_total;
    } else {
        ++w.refused_total;
    }
    v.usage = usage_of(limits, w, now);
    if (!v.admitted()) {
        v.retry_after = v.refused_by == limit_kind::parallel ? millis(1000) : v.usage.reset;
    }
    return v;
}

void settle(key_window& w, std::uint64_t tokens, wall_time now)
{
    roll(w, minute_of(now));
    w.in_flight = w.in_flight > 0 ? w.in_flight - 1 : 0;
    w.tokens += tokens;
    w.tokens_total += tokens;
}

std::string reset_text(millis d)
{
    const std::int64_t ms = std::max<std::int64_t>(d.count(), 0);
    if (ms < 1000) {
        return number(static_cast<std::uint64_t>(ms)) + "ms";
    }
    const auto seconds_text = [](std::int64_t in_ms) {
        std::string s = number(static_cast<std::uint64_t>(in_ms / 1000));
        if (const std::int64_t frac = in_ms % 1000; frac != 0) {
            char digits[4] = {static_cast<char>('0' + frac / 100), static_cast<char>('0' + frac / 10 % 10),
                              static_cast<char>('0' + frac % 10), 0};
            std::string f(digits);
            while (!f.empty() && f.back() == '0') f.pop_back();
            s += "." + f;
        }
        return s + "s";
    };
    if (ms < 60'000) {
        return seconds_text(ms);
    }
    return number(static_cast<std::uint64_t>(ms / 60'000)) + "m" + seconds_text(ms % 60'000);
}

std::string refusal_message(std::string_view key_name, const verdict& v)
{
    std::string m = "Rate limit reached for key `" + std::string(key_name) + "` on ";
    const key_usage& u = v.usage;
    switch (v.refused_by) {
    case limit_kind::parallel:
        m += "parallel requests: Limit " + number(u.limits.max_parallel) + ", In flight " +
             number(u.in_flight) + ". Please try again when one of them has finished.";
        return m;
    case limit_kind::rpm:
        m += "requests per minute (RPM): Limit " + number(u.limits.rpm) + ", Used " + number(u.requests) +
             ", Requested 1.";
        break;
    case limit_kind::tpm:
        m += "tokens per minute (TPM): Limit " + number(u.limits.tpm) + ", Used " + number(u.tokens) + ".";
        break;
    case limit_kind::none:
        return {};
    }
    m += " Please try again in " + reset_text(v.retry_after) + ".";
    return m;
}

}  // namespace baton::keys
