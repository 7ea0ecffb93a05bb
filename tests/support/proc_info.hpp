#pragma once
// What a test reads about a running process from /proc (batond's descriptors, memory, CPU and sockets), and
// its descriptor limit, which a test lowers to exhaust it.

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace baton::test {

/// Lowers the soft and hard RLIMIT_NOFILE of `pid` (prlimit(2): a process of the same user may) so that it
/// can open exactly `n` more descriptors: the limit bounds descriptor numbers, and a new descriptor takes
/// the lowest free number. Throws std::system_error on failure, std::runtime_error when the process is gone.
void leave_free_fds(pid_t pid, std::size_t n);

/// Resident memory of `pid` in bytes (VmRSS of /proc/PID/status). Throws std::runtime_error when gone.
std::size_t rss_bytes(pid_t pid);

/// User plus system CPU time `pid` has used, in seconds (/proc/PID/stat). Throws std::runtime_error when
/// gone.
double cpu_seconds(pid_t pid);

/// The TCP states (as /proc/net/tcp names them: "ESTABLISHED", "CLOSE_WAIT", ...) of the sockets `pid`
/// holds open whose remote port is `remote_port`, one entry per socket (IPv4 and IPv6).
std::vector<std::string> tcp_states_to(pid_t pid, std::uint16_t remote_port);

}  // namespace baton::test
