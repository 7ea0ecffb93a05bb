#pragma once
// How much memory a child process holds, from /proc (Linux).

#include <sys/types.h>

#include <cstddef>

namespace baton::test {

/// The peak resident set size of process `pid` so far (VmHWM in /proc/<pid>/status), in bytes. Throws
/// std::runtime_error when it cannot be read (the process is gone, no /proc).
std::size_t peak_rss_bytes(pid_t pid);

}  // namespace baton::test
