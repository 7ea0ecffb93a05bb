#pragma once
// One HTTP/1.1 keep-alive connection to the fake upstream: deployment calls and the control API.

#include "fake_upstream/fake_state.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <memory>

namespace baton::fake {

/// Serves `socket` until the peer closes it, a response ends the connection (script `close`, stream
/// `cut_after`, Connection: close) or the request is malformed (400, then close). Never throws: an
/// unexpected exception is logged to stderr and ends only this connection. `connection_id` is recorded
/// with every call. Run it on a strand when the io_context has several threads.
boost::asio::awaitable<void> run_session(boost::asio::ip::tcp::socket socket,
                                         std::shared_ptr<fake_state> state, std::uint64_t connection_id);

}  // namespace baton::fake
