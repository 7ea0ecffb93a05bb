#pragma once

#include "net/upstream_client.hpp"
#include "providers/adapter.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace baton::daemon {

/// One upstream exchange as the executor hands it to a transport: the HTTP request (origin, target,
/// provider headers, body, deadlines) and the adapter and endpoint it is for (a local adapter answers it).
struct exchange {
    net::upstream_request request;
    const providers::adapter* via = nullptr;
    providers::api_endpoint endpoint = providers::api_endpoint::chat_completions;
};

/// A streamed upstream response whose head arrived; the body is read incrementally (net::upstream_stream's
/// contract).
class upstream_body {
public:
    virtual ~upstream_body() = default;
    virtual unsigned status() const noexcept = 0;
    virtual std::string_view content_type() const noexcept = 0;
    virtual std::string_view retry_after() const noexcept = 0;
    /// Appends the next body bytes to `out`; 0 at the end of the body; `timeout_kind` when nothing came
    /// within `timeout`.
    virtual net::task<boost::system::result<std::size_t, net::upstream_error>> read_some(
        boost::beast::flat_buffer& out, std::chrono::milliseconds timeout,
        net::upstream_errc timeout_kind) = 0;
    /// The rest of the body (an error body), bounded.
    virtual net::task<boost::system::result<std::string, net::upstream_error>> read_rest(
        std::chrono::milliseconds timeout) = 0;
};

/// How the executor reaches upstreams: the network (http_transport), the local adapters
/// (local_transport), or, in tests, a scripted fake (as Beast's test::stream stands in for a socket).
/// Used on one reactor.
class upstream_transport {
public:
    virtual ~upstream_transport() = default;
    /// Sends and reads the whole response.
    virtual net::task<boost::system::result<net::upstream_response, net::upstream_error>> send(
        const exchange& x, net::upstream_abort* abort) = 0;
    /// Sends and returns once the response head arrived.
    virtual net::task<boost::system::result<std::unique_ptr<upstream_body>, net::upstream_error>> open(
        const exchange& x, net::upstream_abort* abort) = 0;
};

/// The network: the reactor's pooled upstream_client. An exchange without an origin (an api_base that is
/// not an absolute http(s) URL) fails with upstream_errc::bad_target, nothing sent.
class http_transport final : public upstream_transport {
public:
    explicit http_transport(net::upstream_client& client) noexcept : client_(client) {}
    net::task<boost::system::result<net::upstream_response, net::upstream_error>> send(
        const exchange& x, net::upstream_abort* abort) override;
    net::task<boost::system::result<std::unique_ptr<upstream_body>, net::upstream_error>> open(
        const exchange& x, net::upstream_abort* abort) override;

private:
    net::upstream_client& client_;
};

/// Local adapters (baton/echo): the adapter's answer() as if an upstream had sent it (JSON, or the SSE
/// bytes of a stream, read back in one piece). No I/O.
class local_transport final : public upstream_transport {
public:
    net::task<boost::system::result<net::upstream_response, net::upstream_error>> send(
        const exchange& x, net::upstream_abort* abort) override;
    net::task<boost::system::result<std::unique_ptr<upstream_body>, net::upstream_error>> open(
        const exchange& x, net::upstream_abort* abort) override;
};

}  // namespace baton::daemon
