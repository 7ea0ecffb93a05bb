#pragma once

#include "daemon/reactor.hpp"
#include "net/http_server.hpp"

#include <boost/asio/awaitable.hpp>

#include <string_view>

namespace baton::daemon {

/// The daemon's request handler on one reactor: dispatch by path and method, authentication, the routed
/// endpoints (through routed_call) and the admin endpoints. Holds no routing policy.
class request_handler final : public net::request_handler {
public:
    explicit request_handler(reactor& r) : reactor_(r) {}

    net::task<void> handle(net::incoming_request& req,
                                        net::downstream& out) override;

private:
    reactor& reactor_;
};

}  // namespace baton::daemon
