#include "net/listen_lock.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

namespace baton::net {

namespace {

/// The abstract socket address of a port's lock: a leading NUL, then the name (not NUL-terminated).
socklen_t lock_address(std::uint16_t port, sockaddr_un& addr)
{
    std::memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    const std::string name = "baton/listen/" + std::to_string(port);
    std::memcpy(addr.sun_path + 1, name.data(), name.size());
    return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
}

/// The pid of the process holding the lock at `addr`, 0 when it cannot be known.
pid_t holder_of(const sockaddr_un& addr, socklen_t len)
{
    // Non-blocking: with the holder's backlog full, connect fails at once instead of waiting.
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return 0;
    pid_t pid = 0;
    // The listener never accepts: the connection completes in its backlog, and SO_PEERCRED names the
    // process that called listen().
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), len) == 0) {
        ucred cred{};
        socklen_t n = sizeof cred;
        if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &n) == 0) pid = cred.pid;
    }
    ::close(fd);
    return pid;
}

}  // namespace

listen_lock listen_lock::acquire(std::uint16_t port)
{
    listen_lock lock;
    if (port == 0) return lock;
    sockaddr_un addr;
    const socklen_t len = lock_address(port, addr);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        throw std::runtime_error("port " + std::to_string(port) +
                                 ": cannot create its lock: " + std::strerror(errno));
    }
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), len) != 0) {
        const int err = errno;
        ::close(fd);
        if (err != EADDRINUSE) {
            throw std::runtime_error("port " + std::to_string(port) +
                                     ": cannot take its lock: " + std::strerror(err));
        }
        const pid_t holder = holder_of(addr, len);
        throw std::runtime_error("port " + std::to_string(port) + " is already served by another batond" +
                                 (holder > 0 ? " (pid " + std::to_string(holder) + ")" : std::string()) +
                                 ": a second one would silently share its connections (SO_REUSEPORT)");
    }
    if (::listen(fd, 64) != 0) {
        const int err = errno;
        ::close(fd);
        throw std::runtime_error("port " + std::to_string(port) +
                                 ": cannot take its lock: " + std::strerror(err));
    }
    lock.fd_ = fd;
    lock.port_ = port;
    return lock;
}

listen_lock::listen_lock(listen_lock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), port_(std::exchange(other.port_, 0))
{
}

listen_lock& listen_lock::operator=(listen_lock&& other) noexcept
{
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
        port_ = std::exchange(other.port_, 0);
    }
    return *this;
}

listen_lock::~listen_lock()
{
    if (fd_ >= 0) ::close(fd_);
}

}  // namespace baton::net
