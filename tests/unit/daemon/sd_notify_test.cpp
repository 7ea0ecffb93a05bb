#include "daemon/sd_notify.hpp"

#include <boost/test/unit_test.hpp>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <optional>
#include <random>
#include <string>

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

namespace sd = baton::daemon::sd_notify;

namespace {

// Saves an environment variable and puts it back when the test ends.
class env_guard {
public:
    explicit env_guard(const char* name) : name_(name) {
        if (const char* v = std::getenv(name)) {
            old_ = v;
        }
    }
    env_guard(const env_guard&) = delete;
    env_guard& operator=(const env_guard&) = delete;
    ~env_guard() {
        if (old_) {
            ::setenv(name_, old_->c_str(), 1);
        } else {
            ::unsetenv(name_);
        }
    }

private:
    const char* name_;
    std::optional<std::string> old_;
};

std::uint64_t monotonic_usec() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1'000u;
}

// Plays systemd's side: an AF_UNIX datagram socket bound to a path in a fresh temp dir, or to an abstract
// name, with NOTIFY_SOCKET pointing at it for the test's lifetime.
class fake_manager {
public:
    explicit fake_manager(bool abstract) : env_("NOTIFY_SOCKET") {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        BOOST_REQUIRE(fd_ >= 0);
        // A bug must fail the test, not hang it.
        timeval tv{5, 0};
        BOOST_REQUIRE(::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);

        sockaddr_un sa{};
        sa.sun_family = AF_UNIX;
        socklen_t len = 0;
        std::string env_value;
        if (abstract) {
            std::random_device rd;
            const std::string name = "baton-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd());
            std::memcpy(sa.sun_path + 1, name.data(), name.size());
            len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
            env_value = "@" + name;
        } else {
            char tmpl[] = "/tmp/baton_sd_notify_XXXXXX";
            BOOST_REQUIRE(::mkdtemp(tmpl) != nullptr);
            dir_ = tmpl;
            env_value = dir_ + "/notify";
            std::memcpy(sa.sun_path, env_value.data(), env_value.size());
            len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + env_value.size() + 1);
        }
        BOOST_REQUIRE(::bind(fd_, reinterpret_cast<const sockaddr*>(&sa), len) == 0);
        BOOST_REQUIRE(::setenv("NOTIFY_SOCKET", env_value.c_str(), 1) == 0);
    }
    fake_manager(const fake_manager&) = delete;
    fake_manager& operator=(const fake_manager&) = delete;
    ~fake_manager() {
        ::close(fd_);
        if (!dir_.empty()) {
            std::error_code ec;
            std::filesystem::remove_all(dir_, ec);
        }
    }

    // The next datagram, exactly (empty with a failed check on timeout).
    std::string receive() {
        std::array<char, 4096> buf{};
        ssize_t n = -1;
        do {
            n = ::recv(fd_, buf.data(), buf.size(), 0);
        } while (n < 0 && errno == EINTR);
        BOOST_REQUIRE_MESSAGE(n >= 0, "no datagram: " << std::strerror(errno));
        return std::string(buf.data(), static_cast<std::size_t>(n));
    }

private:
    env_guard env_;
    int fd_ = -1;
    std::string dir_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(sd_notify_suite)

BOOST_AUTO_TEST_CASE(unset_socket_is_a_successful_no_op) {
    const env_guard env("NOTIFY_SOCKET");
    ::unsetenv("NOTIFY_SOCKET");
    BOOST_TEST(!sd::ready());
    BOOST_TEST(!sd::notify("READY=1"));
    BOOST_TEST(!sd::watchdog());
    ::setenv("NOTIFY_SOCKET", "", 1);
    BOOST_TEST(!sd::stopping());
}

BOOST_AUTO_TEST_CASE(sends_exact_datagrams_to_a_path_socket) {
    fake_manager manager(false);
    BOOST_TEST(!sd::ready());
    BOOST_TEST(manager.receive() == "READY=1");
    BOOST_TEST(!sd::stopping());
    BOOST_TEST(manager.receive() == "STOPPING=1");
    BOOST_TEST(!sd::watchdog());
    BOOST_TEST(manager.receive() == "WATCHDOG=1");
    BOOST_TEST(!sd::status("serving 3 model groups"));
    BOOST_TEST(manager.receive() == "STATUS=serving 3 model groups");
    BOOST_TEST(!sd::notify("READY=1\nSTATUS=reloaded"));
    BOOST_TEST(manager.receive() == "READY=1\nSTATUS=reloaded");
}

BOOST_AUTO_TEST_CASE(sends_to_an_abstract_socket) {
    fake_manager manager(true);
    BOOST_TEST(std::getenv("NOTIFY_SOCKET")[0] == '@');
    BOOST_TEST(!sd::ready());
    BOOST_TEST(manager.receive() == "READY=1");
    BOOST_TEST(!sd::watchdog());
    BOOST_TEST(manager.receive() == "WATCHDOG=1");
}

BOOST_AUTO_TEST_CASE(reloading_carries_the_monotonic_clock_in_microseconds) {
    fake_manager manager(false);
    const std::uint64_t before = monotonic_usec();
    BOOST_TEST(!sd::reloading());
    const std::uint64_t after = monotonic_usec();
    const std::string msg = manager.receive();
    const std::string prefix = "RELOADING=1\nMONOTONIC_USEC=";
    BOOST_REQUIRE(msg.rfind(prefix, 0) == 0);
    const std::string digits = msg.substr(prefix.size());
    BOOST_REQUIRE(!digits.empty());
    BOOST_TEST(digits.find_first_not_of("0123456789") == std::string::npos);
    const std::uint64_t usec = std::stoull(digits);
    BOOST_TEST(usec >= before);
    BOOST_TEST(usec <= after);
}

BOOST_AUTO_TEST_CASE(status_newlines_cannot_inject_assignments) {
    fake_manager manager(true);
    BOOST_TEST(!sd::status("draining\nREADY=1"));
    BOOST_TEST(manager.receive() == "STATUS=draining READY=1");
}

BOOST_AUTO_TEST_CASE(bad_addresses_are_errors) {
    const env_guard env("NOTIFY_SOCKET");
    ::setenv("NOTIFY_SOCKET", "relative/notify", 1);
    BOOST_TEST((sd::ready() == std::errc::invalid_argument));
    ::setenv("NOTIFY_SOCKET", "vsock:2:1234", 1);
    BOOST_TEST((sd::ready() == std::errc::invalid_argument));
    ::setenv("NOTIFY_SOCKET", ("/" + std::string(200, 'x')).c_str(), 1);
    BOOST_TEST((sd::ready() == std::errc::filename_too_long));
    ::setenv("NOTIFY_SOCKET", ("@" + std::string(200, 'x')).c_str(), 1);
    BOOST_TEST((sd::ready() == std::errc::filename_too_long));
}

BOOST_AUTO_TEST_CASE(nobody_listening_is_reported) {
    const env_guard env("NOTIFY_SOCKET");
    char tmpl[] = "/tmp/baton_sd_notify_XXXXXX";
    BOOST_REQUIRE(::mkdtemp(tmpl) != nullptr);
    const std::string path = std::string(tmpl) + "/absent";
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
    BOOST_TEST(static_cast<bool>(sd::ready()));
    ::rmdir(tmpl);
}

BOOST_AUTO_TEST_CASE(watchdog_interval_follows_the_environment) {
    const env_guard usec("WATCHDOG_USEC");
    const env_guard pid("WATCHDOG_PID");
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
    BOOST_TEST(!sd::watchdog_interval().has_value());

    ::setenv("WATCHDOG_USEC", "30000000", 1);
    BOOST_TEST((sd::watchdog_interval() == std::chrono::microseconds(30'000'000)));

    ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
    BOOST_TEST((sd::watchdog_interval() == std::chrono::seconds(30)));

    ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);
    BOOST_TEST(!sd::watchdog_interval().has_value());

    ::unsetenv("WATCHDOG_PID");
    for (const char* bad : {"0", "-5", "abc", "30s", ""}) {
        BOOST_TEST_CONTEXT(bad) {
            ::setenv("WATCHDOG_USEC", bad, 1);
            BOOST_TEST(!sd::watchdog_interval().has_value());
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
