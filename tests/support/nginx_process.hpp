#pragma once
// nginx in the foreground on a temporary prefix, for the tests that put it in front of batond or in front
// of the fake upstream (TLS).

#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace baton::test {

/// Starts `/usr/sbin/nginx` with a main config of its own (pid, error log and temp paths in a temp dir,
/// one worker, `access_log off`) whose `http {}` block is what `servers(ports, dir)` returns for
/// `port_count` fresh 127.0.0.1 ports (`servers` may write files into `dir` and include them). nginx cannot
/// report a port it was given as 0, so the ports come from unused_port(): when another process took one
/// meanwhile ("Address already in use"), nginx is started again on new ports, up to 5 times. The
/// constructor returns once every port accepts connections, or throws with nginx's error log. The
/// destructor stops nginx.
class nginx_process {
public:
    using server_blocks = std::function<std::string(const std::vector<std::uint16_t>& ports, temp_dir& dir)>;

    nginx_process(const std::string& name, std::size_t port_count, const server_blocks& servers);

    /// The i-th listening port.
    std::uint16_t port(std::size_t i = 0) const { return ports_.at(i); }
    std::string error_log() const;

private:
    temp_dir dir_;
    std::vector<std::uint16_t> ports_;
    std::unique_ptr<child_process> process_;
};

}  // namespace baton::test
