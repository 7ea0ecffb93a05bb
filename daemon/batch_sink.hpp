#pragma once

#include "daemon/response_sink.hpp"

#include <string>

namespace baton::daemon {

/// Where a batch line's answer goes (issue #9's sink for a batch output row): it keeps the status and body
/// the executor wrote, for the runner to turn into the line's output or error row. Batch lines never stream
/// (validation refuses `stream: true`); should a stream start anyway, its bytes are kept as the body. No
/// reader can leave: watch() is a no-op (the runner cancels the executor itself). One line, one reactor.
class batch_sink final : public response_sink {
public:
    net::task<void> respond(unsigned status, std::string_view content_type, std::string_view body,
                            const answer_meta& meta) override;
    void stream_begin(const answer_meta& meta) override;
    net::task<boost::system::error_code> stream_write(std::string_view data, std::string_view more) override;
    net::task<boost::system::error_code> stream_end(std::string_view data, std::string_view payload) override;
    net::task<void> stream_fail(std::string_view event) override;
    void watch(void (*on_gone)(void*), void* ctx) override;
    void unwatch() noexcept override;
    void abandon() noexcept override;

    /// The answer's status; 0 while none was written.
    unsigned status() const noexcept { return status_; }
    const std::string& body() const noexcept { return body_; }

private:
    unsigned status_ = 0;
    std::string body_;
};

}  // namespace baton::daemon
