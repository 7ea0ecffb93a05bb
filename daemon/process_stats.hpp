#pragma once

#include <cstdint>
#include <optional>

namespace baton::daemon {

/// The process metrics of the Prometheus client conventions, as read from /proc. A field is empty when
/// its source could not be read (then its metric is not rendered).
struct process_stats {
    std::optional<std::uint64_t> resident_memory_bytes;  ///< process_resident_memory_bytes (RSS)
    std::optional<std::uint64_t> open_fds;               ///< process_open_fds
    std::optional<std::uint64_t> max_fds;                ///< process_max_fds (soft RLIMIT_NOFILE)
    std::optional<double> cpu_seconds_total;             ///< process_cpu_seconds_total (user + system)
    std::optional<double> start_time_seconds;            ///< process_start_time_seconds, Unix epoch
    std::optional<double> uptime_seconds;                ///< baton_uptime_seconds, since process start
};

/// Reads the calling process's stats from /proc/self/{stat,statm,fd}, /proc/stat (boot time) and
/// /proc/uptime. Uptime comes from the kernel's boot-relative clock, so wall-clock steps don't move it.
/// Blocking file reads (microseconds on procfs): call at scrape time, not per request. Thread-safe.
process_stats read_process_stats();

}  // namespace baton::daemon
