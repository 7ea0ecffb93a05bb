#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>

namespace baton::net {

namespace asio = boost::asio;

/// Every coroutine and I/O object of baton runs on one reactor's io_context. Naming that executor type
/// instead of the type-erased asio::any_io_executor (Asio's default) saves a type-erased executor copy
/// per operation and per resumption: it showed as several percent of a proxied request's CPU.
using executor = asio::io_context::executor_type;

/// A coroutine on a reactor.
template <class T = void>
using task = asio::awaitable<T, executor>;

using tcp_socket = asio::basic_stream_socket<asio::ip::tcp, executor>;
using tcp_acceptor = asio::basic_socket_acceptor<asio::ip::tcp, executor>;
using tcp_resolver = asio::ip::basic_resolver<asio::ip::tcp, executor>;
using steady_timer =
    asio::basic_waitable_timer<std::chrono::steady_clock, asio::wait_traits<std::chrono::steady_clock>, executor>;

/// The completion token of a task's co_await; `use_tuple` returns errors instead of throwing them.
inline constexpr asio::use_awaitable_t<executor> use_task{};
inline constexpr auto use_tuple = asio::as_tuple(use_task);

}  // namespace baton::net
