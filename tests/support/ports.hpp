#pragma once
// Loopback port helpers for tests that need a port nobody listens on, or to see whether one accepts.

#include <cstdint>

namespace baton::test {

/// A 127.0.0.1 port nobody listens on (bound to :0, then closed): connecting to it is refused. Another
/// process may take it afterwards, so callers that listen on it retry on a clash.
std::uint16_t unused_port();

/// True when a TCP connection to 127.0.0.1:`port` is accepted.
bool port_accepts(std::uint16_t port);

}  // namespace baton::test
