#include "daemon/sd_notify.hpp"

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace baton::daemon::sd_notify {

namespace {

std::error_code last_error() {
    return {errno, std::system_category()};
}

// Closes the descriptor on every path out of notify().
class fd_guard {
public:
    explicit fd_guard(int fd) noexcept : fd_(fd) {}
    fd_guard(const fd_guard&) = delete;
    fd_guard& operator=(const fd_guard&) = delete;
    ~fd_guard() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    int get() const noexcept { return fd_; }

private:
    int fd_;
};

template <class T>
std::optional<T> parse_positive(const char* s) {
    if (s == nullptr) {
        return std::nullopt;
    }
    const std::string_view v(s);
    T out{};
    const auto r = std::from_chars(v.data(), v.data() + v.size(), out);
    if (r.ec != std::errc{} || r.ptr != v.data() + v.size() || out <= 0) {
        return std::nullopt;
    }
    return out;
}

}  // namespace

std::error_code notify(std::string_view state) {
    const char* env = std::getenv("NOTIFY_SOCKET");
    if (env == nullptr || *env == '\0') {
        return {};
    }
    const std::string_view address(env);

    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    socklen_t len = 0;
    if (address.front() == '/') {
        if (address.size() >= sizeof(sa.sun_path)) {
            return std::make_error_code(std::errc::filename_too_long);
        }
        std::memcpy(sa.sun_path, address.data(), address.size());
        len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size() + 1);
    } else if (address.front() == '@') {
        // Abstract namespace: a leading NUL, then the name; the length, not a terminator, ends it.
        if (address.size() > sizeof(sa.sun_path)) {
            return std::make_error_code(std::errc::filename_too_long);
        }
        sa.sun_path[0] = '\0';
        std::memcpy(sa.sun_path + 1, address.data() + 1, address.size() - 1);
        len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size());
    } else {
        return std::make_error_code(std::errc::invalid_argument);
    }

    const fd_guard fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) {
        return last_error();
    }
    ssize_t sent = -1;
    do {
        sent = ::sendto(fd.get(), state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&sa),
                        len);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) {
        return last_error();
    }
    if (static_cast<std::size_t>(sent) != state.size()) {
        return std::make_error_code(std::errc::message_size);
    }
    return {};
}

std::error_code ready() {
    return notify("READY=1");
}

std::error_code reloading() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    const std::uint64_t usec =
        static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1'000u;
    std::string state = "RELOADING=1\nMONOTONIC_USEC=";
    state += std::to_string(usec);
    return notify(state);
}

std::error_code stopping() {
    return notify("STOPPING=1");
}

std::error_code watchdog() {
    return notify("WATCHDOG=1");
}

std::error_code status(std::string_view text) {
    std::string state = "STATUS=";
    state += text;
    for (std::size_t i = 7; i < state.size(); ++i) {
        if (state[i] == '\n') {
            state[i] = ' ';
        }
    }
    return notify(state);
}

std::optional<std::chrono::microseconds> watchdog_interval() {
    const auto usec = parse_positive<std::int64_t>(std::getenv("WATCHDOG_USEC"));
    if (!usec) {
        return std::nullopt;
    }
    if (const char* pid = std::getenv("WATCHDOG_PID"); pid != nullptr) {
        const auto owner = parse_positive<long long>(pid);
        if (!owner || *owner != static_cast<long long>(::getpid())) {
            return std::nullopt;
        }
    }
    return std::chrono::microseconds(*usec);
}

}  // namespace baton::daemon::sd_notify
