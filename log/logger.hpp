#pragma once

#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace baton {

/// Severity of a log line, least to most severe. Lines below the logger's level are dropped.
enum class log_level { debug, info, warning, error };

/// Parses a config/CLI level name, case-insensitively: "debug", "info", "warning" (or "warn"), "error".
/// nullopt for anything else. Thread-safe (pure).
std::optional<log_level> log_level_from_string(std::string_view name) noexcept;

/// The level's name as written in the "level" field: "debug", "info", "warning", "error". Pure.
std::string_view to_string(log_level level) noexcept;

/// The syslog priority journald reads from the `<N>` line prefix (SyslogLevelPrefix=yes):
/// debug 7, info 6, warning 4, error 3. Pure.
int syslog_priority(log_level level) noexcept;

/// Replaces, in place and recursively (nested objects and arrays of objects), the value of every member
/// whose name is a secret's name by the string "[redacted]". Names are matched whole and
/// case-insensitively: api_key, api_keys, master_key, authorization, x-api-key, key, password,
/// redis_password, secret. Counters such as prompt_tokens or key_count are left alone on purpose.
/// This is the logger's last line of defence, not a licence to log secrets. Not thread-safe on one object.
void redact(boost::json::object& fields);

/// Structured logger: one JSON object per line, `<N>{"ts":...,"level":...,"event":...,<fields>}\n`,
/// written with a single write(2) so that lines from different threads never interleave (on pipes for
/// lines up to PIPE_BUF, on journald's stream socket and on O_APPEND files always).
/// Thread safety: every member may be called concurrently from any thread; the level is an atomic and
/// writing takes no lock.
class logger {
public:
    /// Wall clock giving the "ts" field; injectable so tests can assert exact lines.
    using clock_function = std::chrono::system_clock::time_point (*)() noexcept;

    /// A logger writing to `fd` (not owned, never closed) from `level` up. Default: stderr, info, the
    /// system clock.
    explicit logger(int fd = 2, log_level level = log_level::info,
                    clock_function clock = &std::chrono::system_clock::now) noexcept;

    logger(const logger&) = delete;
    logger& operator=(const logger&) = delete;

    /// Changes the threshold; takes effect for every thread's next write. Relaxed atomic store.
    void set_level(log_level level) noexcept { level_.store(level, std::memory_order_relaxed); }

    /// The current threshold. Relaxed atomic load.
    log_level level() const noexcept { return level_.load(std::memory_order_relaxed); }

    /// True when a line at `level` would be written. One relaxed load: test it before building costly
    /// fields on hot paths (`if (log.enabled(log_level::debug)) log.debug(...)`).
    bool enabled(log_level level) const noexcept { return level >= this->level(); }

    /// Writes one line when `level` is enabled. `event` is a short snake_case name ("reload",
    /// "stream_start"); `fields` are redacted (see redact) and appended after ts, level and event. A field
    /// named ts, level or event is written as field_ts, field_level, field_event. Doubles are written in
    /// shortest round-trip form, NaN and infinities as null. Never throws: a line that cannot be built or
    /// written (allocation failure, EBADF, EAGAIN on a non-blocking fd, ...) is dropped.
    void write(log_level level, std::string_view event, boost::json::object fields = {}) const noexcept;

    /// write(log_level::debug, ...).
    void debug(std::string_view event, boost::json::object fields = {}) const noexcept;
    /// write(log_level::info, ...).
    void info(std::string_view event, boost::json::object fields = {}) const noexcept;
    /// write(log_level::warning, ...).
    void warning(std::string_view event, boost::json::object fields = {}) const noexcept;
    /// write(log_level::error, ...).
    void error(std::string_view event, boost::json::object fields = {}) const noexcept;

    /// The full line write() would emit at time `ts` for already-redacted `fields`, trailing newline
    /// included. Exposed for tests and for callers that want to batch; pure apart from allocation.
    static std::string format_line(log_level level, std::chrono::system_clock::time_point ts,
                                   std::string_view event, const boost::json::object& fields);

private:
    int fd_;
    std::atomic<log_level> level_;
    clock_function clock_;
};

}  // namespace baton
