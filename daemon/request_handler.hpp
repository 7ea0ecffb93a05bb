#pragma once

#include "daemon/reactor.hpp"
#include "net/http_server.hpp"

#include <boost/asio/awaitable.hpp>

#include <span>
#include <string_view>

namespace baton::daemon {

/// One entry of baton's HTTP surface (SPEC §4), as listed by GET /v1/inspect/routes.
struct route_entry {
    std::string_view method;
    std::string_view path;
};

/// Every route baton serves, in the order /v1/inspect/routes lists them.
std::span<const route_entry> all_routes() noexcept;

/// The daemon's request handler on one reactor: dispatch by path and method, authentication, the routed
/// endpoints (through routed_call) and the admin endpoints. Holds no routing policy.
class request_handler final : public net::request_handler {
public:
    explicit request_handler(reactor& r) : reactor_(r) {}

    boost::asio::awaitable<void> handle(net::http::request<net::http::string_body>& req,
                                        net::downstream& out) override;

private:
    reactor& reactor_;
};

}  // namespace baton::daemon
