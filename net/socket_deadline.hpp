#pragma once

#include "net/executor.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>

namespace baton::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

/// The deadline of one socket's operations, enforced by one timer that is re-armed lazily.
///
/// Every I/O operation on a connection has a deadline (STYLE.md: one per phase), and there are several
/// per request. Arming a timer per operation (what beast::tcp_stream does) costs a timer wait, a cancel and
/// two handler runs each time. Here setting the deadline is a store: the timer is only touched when the
/// deadline moves earlier than the expiry it was armed for; when it fires early (the deadline has moved
/// later since) it re-arms itself. When the deadline passes, the socket's pending operations are cancelled
/// and `expired()` tells their callers that it was a timeout.
///
/// Callers set the deadline before an operation and clear it (`expires_never`) after, so that a deadline
/// never outlives its phase. Used on the socket's reactor thread only.
class socket_deadline {
public:
    using clock = std::chrono::steady_clock;

    explicit socket_deadline(tcp_socket& socket);
    ~socket_deadline();
    socket_deadline(const socket_deadline&) = delete;
    socket_deadline& operator=(const socket_deadline&) = delete;

    /// Points the deadline at another socket object (the connection was moved, e.g. into a TLS stream).
    void rebind(tcp_socket& socket) noexcept;

    void expires_after(clock::duration d) { expires_at(clock::now() + d); }
    void expires_at(clock::time_point t);
    void expires_never() noexcept;

    /// True when the last deadline passed and cancelled the socket's operations (until the next
    /// expires_after/expires_at).
    bool expired() const noexcept;

private:
    struct state;
    static void arm(const std::shared_ptr<state>& s, clock::time_point at);
    // Shared with the pending timer handler, which may run after this object is gone.
    std::shared_ptr<state> state_;
};

}  // namespace baton::net
