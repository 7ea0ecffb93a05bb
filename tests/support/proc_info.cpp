#include "support/proc_info.hpp"

#include <sys/resource.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include <unistd.h>

namespace baton::test {

namespace fs = std::filesystem;

namespace {

std::string proc_path(pid_t pid, const char* what)
{
    return "/proc/" + std::to_string(pid) + "/" + what;
}

std::string read_file(const std::string& path)
{
    std::ifstream in{path};
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// The socket inodes among the descriptors of `pid` ("socket:[INODE]" links).
std::set<std::string> socket_inodes(pid_t pid)
{
    std::set<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(proc_path(pid, "fd"), ec)) {
        std::error_code lec;
        const auto target = fs::read_symlink(e.path(), lec).string();
        if (!lec && target.starts_with("socket:[") && target.ends_with("]")) {
            out.insert(target.substr(8, target.size() - 9));
        }
    }
    return out;
}

const char* state_name(unsigned s)
{
    static const char* names[] = {"?",          "ESTABLISHED", "SYN_SENT",  "SYN_RECV",
                                  "FIN_WAIT1",  "FIN_WAIT2",   "TIME_WAIT", "CLOSE",
                                  "CLOSE_WAIT", "LAST_ACK",    "LISTEN",    "CLOSING"};
    return s < sizeof names / sizeof names[0] ? names[s] : "?";
}

}  // namespace

void leave_free_fds(pid_t pid, std::size_t n)
{
    std::set<long> open;
    std::error_code ec;
    for (auto it = fs::directory_iterator(proc_path(pid, "fd"), ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
        open.insert(std::stol(it->path().filename().string()));
    }
    if (ec) throw std::runtime_error("cannot list " + proc_path(pid, "fd") + ": " + ec.message());
    // The limit is one above the n-th lowest free number.
    long fd = 0;
    for (std::size_t free = 0;; ++fd) {
        if (!open.contains(fd) && ++free == n) break;
    }
    const rlim_t limit = n == 0 ? static_cast<rlim_t>(0) : static_cast<rlim_t>(fd + 1);
    const rlimit l{limit, limit};
    if (::prlimit(pid, RLIMIT_NOFILE, &l, nullptr) != 0) {
        throw std::system_error(errno, std::generic_category(), "prlimit(RLIMIT_NOFILE)");
    }
}

std::size_t rss_bytes(pid_t pid)
{
    std::istringstream in{read_file(proc_path(pid, "status"))};
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with("VmRSS:")) {
            std::istringstream v{line.substr(6)};
            std::size_t kib = 0;
            v >> kib;
            return kib * 1024;
        }
    }
    throw std::runtime_error("no VmRSS in " + proc_path(pid, "status"));
}

double cpu_seconds(pid_t pid)
{
    const auto stat = read_file(proc_path(pid, "stat"));
    // Fields after the command name (which may hold spaces) start after the last ')'.
    std::istringstream in{stat.substr(stat.rfind(')') + 2)};
    std::string field;
    unsigned long long utime = 0;
    unsigned long long stime = 0;
    // state is field 3; utime and stime are fields 14 and 15.
    for (int i = 3; i < 14; ++i) in >> field;
    in >> utime >> stime;
    return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::vector<std::string> tcp_states_to(pid_t pid, std::uint16_t remote_port)
{
    const auto inodes = socket_inodes(pid);
    std::vector<std::string> out;
    for (const char* table : {"net/tcp", "net/tcp6"}) {
        std::ifstream in{proc_path(pid, table)};
        std::string line;
        std::getline(in, line);  // the column names
        while (std::getline(in, line)) {
            // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
            std::istringstream f{line};
            std::string sl, local, remote, st, queues, timer, retr, uid, timeout, inode;
            f >> sl >> local >> remote >> st >> queues >> timer >> retr >> uid >> timeout >> inode;
            const auto colon = remote.rfind(':');
            if (colon == std::string::npos || !inodes.contains(inode)) continue;
            if (std::stoul(remote.substr(colon + 1), nullptr, 16) != remote_port) continue;
            out.emplace_back(state_name(std::stoul(st, nullptr, 16)));
        }
    }
    return out;
}

}  // namespace baton::test
