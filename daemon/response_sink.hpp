#pragma once

#include "keys/key_window.hpp"
#include "net/executor.hpp"
#include "routing/deployment.hpp"

#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>

namespace baton::net {
class downstream;
}

namespace baton::daemon {

/// What a routed answer says about how it was served (SPEC §4 response headers). Views; valid for the call.
struct answer_meta {
    std::string_view request_id;
    /// Whether the x-baton-* routing headers below apply (false before a plan existed: request id only).
    bool routing = false;
    const routing::deployment* served = nullptr;  ///< null when nothing served (an error)
    std::string_view group;                       ///< the served group
    std::string_view model;                       ///< the served upstream model
    int attempts = 0;
    int fallbacks = 0;
    double overhead_ms = 0;
    /// The calling key's limit state when it has limits: the x-ratelimit-* headers (rate_limit_headers.hpp).
    const keys::key_usage* limits = nullptr;
};

/// Where a routed call's answer goes (issue #9): the client's HTTP connection for a live request
/// (http_sink), a batch's output row for a batch line. "Take an answer, take chunks, take an error,
/// finish." Used on one reactor; one call at a time.
class response_sink {
public:
    virtual ~response_sink() = default;

    /// A whole answer: `status`, `content_type` (empty = application/json) and `body`.
    virtual net::task<void> respond(unsigned status, std::string_view content_type, std::string_view body,
                                    const answer_meta& meta) = 0;

    /// A stream starts: its head (status 200, SSE) goes out with the first write.
    virtual void stream_begin(const answer_meta& meta) = 0;
    /// The stream's next bytes, `data` then `more` (whole SSE events; either may be empty), as one write.
    /// An error means the reader is gone: stop.
    virtual net::task<boost::system::error_code> stream_write(std::string_view data,
                                                              std::string_view more) = 0;
    /// The stream's last bytes (`data`, then `payload`, each when not empty) and its end.
    virtual net::task<boost::system::error_code> stream_end(std::string_view data,
                                                            std::string_view payload) = 0;
    /// The stream ends with `event` (an in-band error event) instead of [DONE]; the connection is not reused.
    virtual net::task<void> stream_fail(std::string_view event) = 0;

    /// Calls `on_gone(ctx)` once if the reader goes away while the call runs (a client disconnect);
    /// unwatch() stops it. Sinks without a reader that can leave ignore it.
    virtual void watch(void (*on_gone)(void*), void* ctx) = 0;
    virtual void unwatch() noexcept = 0;
    /// The reader left: nothing more can be delivered (the connection is closed after this call).
    virtual void abandon() noexcept = 0;

    /// True when the server stops this call (the end of a drain; `on_gone` was called for it): the call
    /// ends its answer with cut_short instead of abandoning it. Sinks without a server never stop.
    virtual bool stopping() const noexcept { return false; }
    /// Ends the answer of a call the server stopped: nothing when it is complete; a begun stream gets
    /// `body` as its last event (`data: <body>`) and its end; an answer not begun is `status` with `body`.
    /// Returns the answer's status (the stream's 200), 0 when nothing was begun or written.
    virtual net::task<unsigned> cut_short(unsigned status, std::string_view body, const answer_meta& meta);
};

/// The live client's HTTP/1.1 connection: heads written straight into one string (net::response_head),
/// stream chunks framed without copies, the head sent with the first events.
class http_sink final : public response_sink {
public:
    explicit http_sink(net::downstream& out) noexcept : out_(out) {}

    net::task<void> respond(unsigned status, std::string_view content_type, std::string_view body,
                            const answer_meta& meta) override;
    void stream_begin(const answer_meta& meta) override;
    net::task<boost::system::error_code> stream_write(std::string_view data, std::string_view more) override;
    net::task<boost::system::error_code> stream_end(std::string_view data, std::string_view payload) override;
    net::task<void> stream_fail(std::string_view event) override;
    void watch(void (*on_gone)(void*), void* ctx) override;
    void unwatch() noexcept override;
    void abandon() noexcept override;
    bool stopping() const noexcept override;
    net::task<unsigned> cut_short(unsigned status, std::string_view body, const answer_meta& meta) override;

private:
    net::downstream& out_;
    std::string head_;        ///< a stream's head until its first write takes it
    bool streaming_ = false;  ///< stream_begin was called
    bool ended_ = false;      ///< the answer is complete (or being written whole)
};

}  // namespace baton::daemon
