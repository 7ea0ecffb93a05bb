#pragma once
// The scripted fake OpenAI upstream (fake_upstream/) running as a child process, with its control API.

#include "support/child_process.hpp"
#include "support/deadline.hpp"
#include "support/http_client.hpp"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace baton::test {

/// Starts `$BATON_BIN_DIR/fake_upstream --listen 127.0.0.1:0` and waits (up to `start_timeout`) for its
/// "listening 127.0.0.1:PORT" line. Every control call throws std::runtime_error on an unexpected answer.
/// Script format and recorded-call fields: fake_upstream/README.md. Not thread-safe.
class fake_upstream_process {
public:
    struct options {
        std::vector<std::string> extra_args;  ///< e.g. {"--threads", "2"} or {"--script", path}
        clock::duration start_timeout = std::chrono::seconds(10);
    };

    fake_upstream_process();
    explicit fake_upstream_process(const options& opts);

    std::uint16_t port() const { return port_; }
    /// "http://127.0.0.1:PORT"
    std::string root_url() const;
    /// "http://127.0.0.1:PORT/<name>/v1": the api_base of deployment `name`.
    std::string base_url(std::string_view name = "default") const;

    /// PUT /_control/scripts/<name>: installs the script (its step counter restarts at 0).
    void set_script(std::string_view name, const boost::json::value& script);
    /// Recorded calls of `name` in arrival order (all names when empty).
    boost::json::array calls(std::string_view name = {});
    /// True once `n` calls of `name` were recorded, false at `timeout`.
    bool wait_calls(std::string_view name, std::size_t n,
                    std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
    /// True once `n` calls of `name` saw the client close the connection before their response ended.
    bool wait_closed(std::string_view name, std::size_t n,
                     std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
    /// DELETE /_control/calls: forgets calls (scripts and their step counters stay).
    void clear_calls();
    /// POST /_control/reset: forgets scripts, calls and per-name counters.
    void reset();

    child_process& process() { return *process_; }
    /// A client on the fake's port (e.g. to call a deployment directly).
    http_client& control() { return control_; }

private:
    struct started {
        std::unique_ptr<child_process> process;
        std::uint16_t port = 0;
    };
    explicit fake_upstream_process(started s);
    static started start(const options& opts);
    bool wait(std::string_view what, std::string_view name, std::size_t n, std::chrono::milliseconds timeout);

    std::unique_ptr<child_process> process_;
    std::uint16_t port_ = 0;
    http_client control_;
};

/// Percent-encodes everything but RFC 3986 unreserved characters (for query values and path segments).
std::string url_encode(std::string_view s);

}  // namespace baton::test
