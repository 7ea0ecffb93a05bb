// net/socket_deadline.hpp on real loopback sockets: a deadline that passes cancels the pending operation
// and says so; one moved later (the lazy re-arm) or cleared does not; one moved earlier fires early.
#include "net/executor.hpp"
#include "net/socket_deadline.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>

#include <array>
#include <chrono>
#include <optional>

namespace asio = boost::asio;
using baton::net::socket_deadline;
using baton::net::tcp_acceptor;
using baton::net::tcp_socket;
using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

/// A connected pair of TCP sockets on 127.0.0.1 (ephemeral port).
struct socket_pair {
    asio::io_context ioc{1};
    tcp_socket a{ioc.get_executor()};
    tcp_socket b{ioc.get_executor()};

    socket_pair()
    {
        tcp_acceptor acceptor{ioc.get_executor(), {asio::ip::make_address("127.0.0.1"), 0}};
        a.connect(acceptor.local_endpoint());
        acceptor.accept(b);
    }
};

/// The outcome of one async_read_some on `pair.a`.
struct read_result {
    std::optional<boost::system::error_code> ec;
    clock_type::time_point at;
};

/// Runs handlers until the read completed, at most `limit` (timers of the deadline may stay pending).
void run_until_read(socket_pair& pair, const read_result& r, clock_type::duration limit)
{
    const auto until = clock_type::now() + limit;
    while (!r.ec && clock_type::now() < until) {
        pair.ioc.run_one_until(until);
    }
}

void start_read(socket_pair& pair, std::array<char, 16>& buf, read_result& out)
{
    pair.a.async_read_some(asio::buffer(buf), [&out](const boost::system::error_code& ec, std::size_t) {
        out.ec = ec;
        out.at = clock_type::now();
    });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(socket_deadline_suite)

BOOST_AUTO_TEST_CASE(a_passed_deadline_cancels_the_pending_read_and_says_so)
{
    socket_pair pair;
    socket_deadline deadline{pair.a};
    std::array<char, 16> buf{};
    read_result r;
    const auto started = clock_type::now();
    deadline.expires_after(50ms);
    start_read(pair, buf, r);
    run_until_read(pair, r, 5s);
    BOOST_REQUIRE(r.ec.has_value());
    BOOST_TEST((*r.ec == asio::error::operation_aborted));
    BOOST_TEST(deadline.expired());
    BOOST_TEST((r.at - started >= 50ms));
    BOOST_TEST((r.at - started < 2s));
    // The next phase's deadline clears the flag.
    deadline.expires_after(10s);
    BOOST_TEST(!deadline.expired());
}

BOOST_AUTO_TEST_CASE(a_deadline_moved_later_does_not_fire_at_the_old_expiry)
{
    socket_pair pair;
    socket_deadline deadline{pair.a};
    std::array<char, 16> buf{};
    read_result r;
    const auto started = clock_type::now();
    deadline.expires_after(100ms);
    start_read(pair, buf, r);
    // Before the first expiry, move the deadline well after it, then send data a little after it: the
    // timer wakes at the old expiry, sees the new deadline and re-arms instead of cancelling.
    asio::steady_timer move_later{pair.ioc, 20ms};
    move_later.async_wait([&](const boost::system::error_code&) { deadline.expires_after(5s); });
    asio::steady_timer send{pair.ioc, 300ms};
    send.async_wait([&](const boost::system::error_code&) { asio::write(pair.b, asio::buffer("x", 1)); });
    run_until_read(pair, r, 5s);
    BOOST_REQUIRE(r.ec.has_value());
    BOOST_TEST(!*r.ec, "read failed: " << r.ec->message());
    BOOST_TEST(!deadline.expired());
    BOOST_TEST((r.at - started >= 300ms));
}

BOOST_AUTO_TEST_CASE(a_deadline_moved_earlier_fires_at_the_new_expiry)
{
    socket_pair pair;
    socket_deadline deadline{pair.a};
    std::array<char, 16> buf{};
    read_result r;
    const auto started = clock_type::now();
    deadline.expires_after(30s);
    start_read(pair, buf, r);
    deadline.expires_after(50ms);
    run_until_read(pair, r, 10s);
    BOOST_REQUIRE(r.ec.has_value());
    BOOST_TEST((*r.ec == asio::error::operation_aborted));
    BOOST_TEST(deadline.expired());
    BOOST_TEST((r.at - started < 5s));
}

BOOST_AUTO_TEST_CASE(a_cleared_deadline_never_cancels)
{
    socket_pair pair;
    socket_deadline deadline{pair.a};
    std::array<char, 16> buf{};
    read_result r;
    deadline.expires_after(50ms);
    deadline.expires_never();
    start_read(pair, buf, r);
    // The timer armed for 50 ms still wakes up; the data sent at 200 ms must be what ends the read.
    asio::steady_timer send{pair.ioc, 200ms};
    send.async_wait([&](const boost::system::error_code&) { asio::write(pair.b, asio::buffer("y", 1)); });
    run_until_read(pair, r, 5s);
    BOOST_REQUIRE(r.ec.has_value());
    BOOST_TEST(!*r.ec, "read failed: " << r.ec->message());
    BOOST_TEST(buf[0] == 'y');
    BOOST_TEST(!deadline.expired());
}

BOOST_AUTO_TEST_CASE(destroying_the_deadline_with_its_timer_pending_is_safe)
{
    socket_pair pair;
    {
        socket_deadline deadline{pair.a};
        deadline.expires_after(20ms);
    }
    std::array<char, 16> buf{};
    read_result r;
    start_read(pair, buf, r);
    asio::steady_timer send{pair.ioc, 100ms};
    send.async_wait([&](const boost::system::error_code&) { asio::write(pair.b, asio::buffer("z", 1)); });
    run_until_read(pair, r, 5s);
    BOOST_REQUIRE(r.ec.has_value());
    BOOST_TEST(!*r.ec, "the gone deadline cancelled the read: " << r.ec->message());
}

BOOST_AUTO_TEST_SUITE_END()
