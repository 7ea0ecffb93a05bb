#include "daemon/process_stats.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

namespace baton::daemon {

namespace {

std::optional<std::string> read_file(const char* path) {
    std::ifstream in(path);
    if (!in) {
        return std::nullopt;
    }
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) {
        return std::nullopt;
    }
    return s;
}

// Fields of /proc/self/stat after "pid (comm)"; comm may hold spaces and parentheses, hence the last ')'.
// Index 0 is field 3 (state) of proc(5).
std::vector<std::string> stat_fields_after_comm(const std::string& stat) {
    std::vector<std::string> out;
    const auto close = stat.rfind(')');
    if (close == std::string::npos) {
        return out;
    }
    std::istringstream in(stat.substr(close + 1));
    for (std::string f; in >> f;) {
        out.push_back(std::move(f));
    }
    return out;
}

std::optional<double> boot_time_seconds() {
    const auto s = read_file("/proc/stat");
    if (!s) {
        return std::nullopt;
    }
    std::istringstream in(*s);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("btime ", 0) == 0) {
            return std::stod(line.substr(6));
        }
    }
    return std::nullopt;
}

}  // namespace

process_stats read_process_stats() {
    process_stats p;
    const long page = ::sysconf(_SC_PAGESIZE);
    const long ticks = ::sysconf(_SC_CLK_TCK);

    try {
        if (const auto statm = read_file("/proc/self/statm"); statm && page > 0) {
            std::istringstream in(*statm);
            std::uint64_t size = 0;
            std::uint64_t resident = 0;
            if (in >> size >> resident) {
                p.resident_memory_bytes = resident * static_cast<std::uint64_t>(page);
            }
        }

        std::error_code ec;
        std::uint64_t fds = 0;
        for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) {
            ++fds;
        }
        if (!ec) {
            p.open_fds = fds;
        }

        rlimit lim{};
        if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
            p.max_fds = static_cast<std::uint64_t>(lim.rlim_cur);
        }

        if (const auto stat = read_file("/proc/self/stat"); stat && ticks > 0) {
            const auto f = stat_fields_after_comm(*stat);
            // proc(5): utime is field 14, stime 15, starttime 22 (clock ticks since boot).
            if (f.size() > 19) {
                const double hz = static_cast<double>(ticks);
                p.cpu_seconds_total = (std::stod(f[11]) + std::stod(f[12])) / hz;
                const double started_after_boot = std::stod(f[19]) / hz;
                if (const auto btime = boot_time_seconds()) {
                    p.start_time_seconds = *btime + started_after_boot;
                }
                if (const auto up = read_file("/proc/uptime")) {
                    p.uptime_seconds = std::max(0.0, std::stod(*up) - started_after_boot);
                }
            }
        }
    } catch (const std::exception&) {
        // stod on a malformed /proc file: report what was read so far.
        return p;
    }
    return p;
}

}  // namespace baton::daemon
