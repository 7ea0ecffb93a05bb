#pragma once

#include <cstdint>
#include <string>

namespace baton::net {

/// Proof that this process is the only batond serving a TCP port on this host (more exactly, in this
/// network namespace). Reactors share their port through SO_REUSEPORT, which the kernel grants to every
/// socket of the same user: a second batond started on the same address would silently take half the new
/// connections. The lock is an abstract AF_UNIX socket named after the port (`\0baton/listen/<port>`),
/// listening so that a second batond can ask who holds it; the kernel releases it when its holder exits,
/// however that happens. One lock per port, whatever the address: a wildcard and a specific address of one
/// port overlap. Not copyable; moves the descriptor.
class listen_lock {
public:
    /// Takes the lock for `port`; throws std::runtime_error naming the port, and the holder's pid when it
    /// can be known, when another process holds it (`port` 0 takes nothing: the kernel's port is unique).
    static listen_lock acquire(std::uint16_t port);

    listen_lock() = default;
    listen_lock(listen_lock&& other) noexcept;
    listen_lock& operator=(listen_lock&& other) noexcept;
    listen_lock(const listen_lock&) = delete;
    listen_lock& operator=(const listen_lock&) = delete;
    ~listen_lock();

    std::uint16_t port() const noexcept { return port_; }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

}  // namespace baton::net
