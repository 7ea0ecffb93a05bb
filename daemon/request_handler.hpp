#pragma once

#include "daemon/reactor.hpp"
#include "net/http_server.hpp"

#include <string>
#include <string_view>

namespace baton::daemon {

/// The daemon's request handler on one reactor: on the request's head, finds its row in the endpoint table
/// (daemon/endpoint_table.hpp; HEAD finds the GET row) and authenticates the caller for the row's auth
/// class (admit); once the body is read, runs the row's handler (handle). Holds no routing policy.
class request_handler final : public net::request_handler {
public:
    explicit request_handler(reactor& r) : reactor_(r) {}

    /// 404/405/401/403 from the head alone (daemon::errc), the body never read; else records the row, the
    /// caller's key and the config snapshot they belong to in `req.admitted`.
    std::string admit(net::incoming_request& req, bool close) override;
    net::task<void> handle(net::incoming_request& req, net::downstream& out) override;
    std::string error_response(net::http_errc e, std::string_view message) override;
    void log_exception(std::string_view what) noexcept override;

private:
    reactor& reactor_;
};

/// `text` with every secret of `snap` (deployment api keys, the master key) replaced by "[redacted]", for
/// texts that may quote them (exception messages). Pure.
std::string mask_secrets(std::string_view text, const snapshot& snap);

}  // namespace baton::daemon
