#include "routing/retry_after.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace baton::routing {

namespace {

using sys_seconds = std::chrono::sys_seconds;

std::string_view trim(std::string_view v)
{
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    return v;
}

bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/// A cursor over the value: each take_* consumes what it read, or fails and leaves the parse failed.
class cursor {
public:
    explicit cursor(std::string_view s) : s_(s) {}

    bool ok() const { return ok_; }
    bool at_end() const { return s_.empty(); }

    void literal(std::string_view l)
    {
        if (ok_ && s_.starts_with(l)) {
            s_.remove_prefix(l.size());
        } else {
            ok_ = false;
        }
    }
    /// Exactly `n` digits.
    int digits(std::size_t n)
    {
        int v = 0;
        for (std::size_t i = 0; i < n; ++i) {
            if (!ok_ || s_.empty() || !is_digit(s_.front())) {
                ok_ = false;
                return 0;
            }
            v = v * 10 + (s_.front() - '0');
            s_.remove_prefix(1);
        }
        return v;
    }
    /// Letters up to the next non-letter (a day or month name).
    std::string_view word()
    {
        std::size_t n = 0;
        while (n < s_.size() && ((s_[n] >= 'A' && s_[n] <= 'Z') || (s_[n] >= 'a' && s_[n] <= 'z'))) ++n;
        if (n == 0) ok_ = false;
        const auto w = s_.substr(0, n);
        s_.remove_prefix(n);
        return w;
    }
    char peek() const { return s_.empty() ? '\0' : s_.front(); }

private:
    std::string_view s_;
    bool ok_ = true;
};

int month_of(std::string_view m)
{
    static constexpr std::array<std::string_view, 12> names{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (names[i] == m) return static_cast<int>(i) + 1;
    }
    return 0;
}

/// hh:mm:ss
std::optional<std::chrono::seconds> time_of_day(cursor& c)
{
    const int h = c.digits(2);
    c.literal(":");
    const int m = c.digits(2);
    c.literal(":");
    const int s = c.digits(2);
    // 60 is a leap second; it counts as the next minute's first.
    if (!c.ok() || h > 23 || m > 59 || s > 60) return std::nullopt;
    return std::chrono::hours(h) + std::chrono::minutes(m) + std::chrono::seconds(s);
}

std::optional<sys_seconds> make_time(int year, int month, int day, std::chrono::seconds tod)
{
    const std::chrono::year_month_day ymd{std::chrono::year(year),
                                          std::chrono::month(static_cast<unsigned>(month)),
                                          std::chrono::day(static_cast<unsigned>(day))};
    if (!ymd.ok()) return std::nullopt;
    return sys_seconds(std::chrono::sys_days(ymd)) + tod;
}

std::optional<sys_seconds> http_date(std::string_view v)
{
    cursor c(v);
    c.word();  // the day name (not checked against the date: recipients only need the date)
    if (!c.ok()) return std::nullopt;
    if (c.peek() == ',') {
        c.literal(", ");
        const int day = c.digits(2);
        if (c.peek() == ' ') {
            // IMF-fixdate: 06 Nov 1994 08:49:37 GMT
            c.literal(" ");
            const int month = month_of(c.word());
            c.literal(" ");
            const int year = c.digits(4);
            c.literal(" ");
            const auto tod = time_of_day(c);
            c.literal(" GMT");
            if (!c.ok() || !c.at_end() || month == 0 || !tod) return std::nullopt;
            return make_time(year, month, day, *tod);
        }
        // RFC 850: 06-Nov-94 08:49:37 GMT (a two-digit year: 70-99 are 19xx, 00-69 are 20xx)
        c.literal("-");
        const int month = month_of(c.word());
        c.literal("-");
        const int yy = c.digits(2);
        c.literal(" ");
        const auto tod = time_of_day(c);
        c.literal(" GMT");
        if (!c.ok() || !c.at_end() || month == 0 || !tod) return std::nullopt;
        return make_time(yy >= 70 ? 1900 + yy : 2000 + yy, month, day, *tod);
    }
    // asctime: Nov  6 08:49:37 1994
    c.literal(" ");
    const int month = month_of(c.word());
    c.literal(" ");
    int day = 0;
    if (c.peek() == ' ') {
        c.literal(" ");
        day = c.digits(1);
    } else {
        day = c.digits(2);
    }
    c.literal(" ");
    const auto tod = time_of_day(c);
    c.literal(" ");
    const int year = c.digits(4);
    if (!c.ok() || !c.at_end() || month == 0 || !tod) return std::nullopt;
    return make_time(year, month, day, *tod);
}

std::optional<duration> delay_seconds(std::string_view v, duration cap)
{
    // Whole seconds, then an optional fraction. Digits beyond what any cap needs only make it larger.
    std::size_t i = 0;
    std::int64_t whole = 0;
    bool beyond = false;
    while (i < v.size() && is_digit(v[i])) {
        if (whole > 1'000'000'000) {
            beyond = true;
        } else {
            whole = whole * 10 + (v[i] - '0');
        }
        ++i;
    }
    if (i == 0) return std::nullopt;
    std::int64_t nanos = 0;
    if (i < v.size() && v[i] == '.') {
        ++i;
        std::int64_t scale = 100'000'000;
        const std::size_t start = i;
        while (i < v.size() && is_digit(v[i])) {
            nanos += (v[i] - '0') * scale;
            scale /= 10;
            ++i;
        }
        if (i == start) return std::nullopt;
    }
    if (i != v.size()) return std::nullopt;
    if (beyond || std::chrono::seconds(whole) >= cap) return cap;
    return std::min<duration>(cap, std::chrono::seconds(whole) + std::chrono::nanoseconds(nanos));
}

}  // namespace

std::optional<duration> parse_retry_after(std::string_view value,
                                          std::chrono::system_clock::time_point wall_now, duration cap)
{
    value = trim(value);
    if (value.empty()) return std::nullopt;
    cap = std::max(cap, duration::zero());
    if (is_digit(value.front())) return delay_seconds(value, cap);
    const auto when = http_date(value);
    if (!when) return std::nullopt;
    // In whole seconds first: a date centuries away does not fit the clock's nanoseconds.
    const std::chrono::seconds until = *when - std::chrono::floor<std::chrono::seconds>(wall_now);
    if (until <= std::chrono::seconds::zero()) return duration::zero();
    if (until >= std::chrono::duration_cast<std::chrono::seconds>(cap)) return cap;
    return std::clamp(std::chrono::duration_cast<duration>(*when - wall_now), duration::zero(), cap);
}

}  // namespace baton::routing
