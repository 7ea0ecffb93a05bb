#include "net/socket_deadline.hpp"

namespace baton::net {

struct socket_deadline::state {
    explicit state(tcp_socket& s) : socket(&s), timer(s.get_executor()) {}
    tcp_socket* socket;  ///< null once the owner is gone
    steady_timer timer;
    clock::time_point deadline = clock::time_point::max();
    clock::time_point armed = clock::time_point::max();  ///< the timer's expiry while a wait is pending
    bool expired = false;
};

socket_deadline::socket_deadline(tcp_socket& socket) : state_(std::make_shared<state>(socket)) {}

socket_deadline::~socket_deadline()
{
    state_->socket = nullptr;
    state_->timer.cancel();
}

void socket_deadline::rebind(tcp_socket& socket) noexcept
{
    state_->socket = &socket;
}

void socket_deadline::expires_at(clock::time_point t)
{
    auto& s = *state_;
    s.deadline = t;
    s.expired = false;
    // Later than the armed expiry: the timer fires first and re-arms itself for `t`.
    if (t < s.armed) arm(state_, t);
}

void socket_deadline::expires_never() noexcept
{
    state_->deadline = clock::time_point::max();
}

bool socket_deadline::expired() const noexcept
{
    return state_->expired;
}

void socket_deadline::arm(const std::shared_ptr<state>& sp, clock::time_point at)
{
    auto& s = *sp;
    s.armed = at;
    s.timer.expires_at(at);  // cancels a wait armed for a later expiry
    s.timer.async_wait([sp](const boost::system::error_code& ec) {
        auto& st = *sp;
        // Cancelled: re-armed for an earlier expiry (that wait is pending now), or the owner is gone.
        if (ec || !st.socket) return;
        st.armed = clock::time_point::max();
        if (st.deadline == clock::time_point::max()) return;
        if (clock::now() >= st.deadline) {
            st.expired = true;
            st.deadline = clock::time_point::max();
            boost::system::error_code ignored;
            st.socket->cancel(ignored);
            return;
        }
        arm(sp, st.deadline);
    });
}

}  // namespace baton::net
