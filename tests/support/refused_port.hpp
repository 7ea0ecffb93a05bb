#pragma once
// A "dead" upstream: a loopback port whose connections are refused.

#include <cstdint>
#include <string>
#include <string_view>

namespace baton::test {

/// A TCP socket bound to an ephemeral 127.0.0.1 port that never listens, held for the object's life: a
/// connection to the port is refused (RST), and no other process can take the port meanwhile (which a
/// port merely found free, like unused_port(), does not guarantee). The constructor throws
/// std::system_error when the socket cannot be bound. Not copyable.
class refused_port {
public:
    refused_port();
    ~refused_port();
    refused_port(const refused_port&) = delete;
    refused_port& operator=(const refused_port&) = delete;

    std::uint16_t port() const { return port_; }
    /// "http://127.0.0.1:PORT" + `path`: an api_base nothing answers on.
    std::string url(std::string_view path = "/v1") const;

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

}  // namespace baton::test
