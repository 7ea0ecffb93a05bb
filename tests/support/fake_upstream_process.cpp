#include "support/fake_upstream_process.hpp"

#include "support/bin_path.hpp"

#include <boost/json.hpp>

#include <cctype>
#include <cstdio>
#include <stdexcept>
#include <string_view>

namespace baton::test {

fake_upstream_process::started fake_upstream_process::start(const options& opts) {
    std::vector<std::string> args{"--listen", "127.0.0.1:0", "--exit-with-parent"};
    args.insert(args.end(), opts.extra_args.begin(), opts.extra_args.end());
    auto p = std::make_unique<child_process>(bin_path("fake_upstream"), args);
    // Parsed by hand: constructing a std::regex trips GCC 12's -Wmaybe-uninitialized under sanitizers.
    constexpr std::string_view prefix = "listening 127.0.0.1:";
    const auto line = p->wait_for_line([&](std::string_view l) { return l.starts_with(prefix); },
                                       output_stream::out, deadline_after(opts.start_timeout));
    unsigned long port = 0;
    try {
        if (line) port = std::stoul(line->substr(prefix.size()));
    } catch (const std::exception&) {
        port = 0;
    }
    if (port == 0 || port > 65535)
        throw std::runtime_error("fake_upstream did not start; stdout: " + p->read_stdout() +
                                 "; stderr: " + p->read_stderr());
    return {std::move(p), static_cast<std::uint16_t>(port)};
}

namespace {

void expect_ok(const http_response& r, std::string_view what) {
    if (r.status != 200)
        throw std::runtime_error("fake_upstream " + std::string(what) + ": " + std::to_string(r.status) +
                                 " " + r.body);
}

}  // namespace

std::string url_encode(std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            out += buf;
        }
    }
    return out;
}

fake_upstream_process::fake_upstream_process() : fake_upstream_process(options{}) {}

fake_upstream_process::fake_upstream_process(const options& opts) : fake_upstream_process(start(opts)) {}

fake_upstream_process::fake_upstream_process(started s)
    : process_(std::move(s.process)), port_(s.port), control_(s.port) {}

std::string fake_upstream_process::root_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::string fake_upstream_process::base_url(std::string_view name) const {
    return root_url() + "/" + std::string(name) + "/v1";
}

void fake_upstream_process::set_script(std::string_view name, const boost::json::value& script) {
    expect_ok(
        control_.request("PUT", "/_control/scripts/" + url_encode(name), boost::json::serialize(script)),
        "set_script " + std::string(name));
}

boost::json::array fake_upstream_process::calls(std::string_view name) {
    std::string target = "/_control/calls";
    if (!name.empty()) target += "?name=" + url_encode(name);
    const auto r = control_.get(target);
    expect_ok(r, "calls");
    return r.json().at("calls").as_array();
}

bool fake_upstream_process::wait(std::string_view what, std::string_view name, std::size_t n,
                                 std::chrono::milliseconds timeout) {
    std::string target = "/_control/" + std::string(what) + "?count=" + std::to_string(n) +
                         "&timeout_ms=" + std::to_string(timeout.count());
    if (!name.empty()) target += "&name=" + url_encode(name);
    // The fake answers at its own timeout; ours only guards against a fake that stopped answering.
    const auto r = control_.get(target, {}, timeout + std::chrono::seconds(10));
    if (r.status == 408) return false;
    expect_ok(r, what);
    return true;
}

bool fake_upstream_process::wait_calls(std::string_view name, std::size_t n,
                                       std::chrono::milliseconds timeout) {
    return wait("wait", name, n, timeout);
}

bool fake_upstream_process::wait_closed(std::string_view name, std::size_t n,
                                        std::chrono::milliseconds timeout) {
    return wait("wait_closed", name, n, timeout);
}

void fake_upstream_process::clear_calls() {
    expect_ok(control_.request("DELETE", "/_control/calls"), "clear_calls");
}

void fake_upstream_process::reset() { expect_ok(control_.request("POST", "/_control/reset"), "reset"); }

}  // namespace baton::test
