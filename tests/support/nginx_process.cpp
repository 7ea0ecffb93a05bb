#include "support/nginx_process.hpp"

#include "support/deadline.hpp"
#include "support/ports.hpp"

#include <unistd.h>

#include <stdexcept>
#include <thread>

namespace baton::test {

using namespace std::chrono_literals;

nginx_process::nginx_process(const std::string& name, std::size_t port_count, const server_blocks& servers)
    : dir_(name)
{
    const auto tmp = dir_.path().string();
    for (int attempt = 0; attempt < 5; ++attempt) {
        ports_.clear();
        for (std::size_t i = 0; i < port_count; ++i) ports_.push_back(unused_port());
        std::string main;
        main += "daemon off;\n";
        main += "pid " + tmp + "/nginx.pid;\n";
        main += "error_log " + tmp + "/error.log info;\n";
        main += "worker_processes 1;\n";
        if (::geteuid() == 0) main += "user root;\n";  // workers must reach the 0700 temp dir
        main += "events { worker_connections 128; }\n";
        main += "http {\n";
        main += "  access_log off;\n";
        main += "  client_body_temp_path " + tmp + "/client_body;\n";
        main += "  proxy_temp_path " + tmp + "/proxy;\n";
        main += "  fastcgi_temp_path " + tmp + "/fastcgi;\n";
        main += "  uwsgi_temp_path " + tmp + "/uwsgi;\n";
        main += "  scgi_temp_path " + tmp + "/scgi;\n";
        main += servers(ports_, dir_);
        main += "}\n";
        dir_.write_file("nginx.conf", main);
        process_.reset();
        process_ = std::make_unique<child_process>(
            "/usr/sbin/nginx", std::vector<std::string>{"-p", tmp + "/", "-c", tmp + "/nginx.conf"});
        const auto all_accept = [&] {
            for (const auto p : ports_) {
                if (!port_accepts(p)) return false;
            }
            return true;
        };
        // Polls a condition that has no event to wait on (nginx reports nothing when it listens), bounded.
        const auto d = deadline_after(10s);
        while (clock::now() < d && process_->running() && !all_accept()) std::this_thread::sleep_for(10ms);
        if (process_->running() && all_accept()) return;
        const auto err = error_log() + process_->read_stderr();
        if (err.find("Address already in use") == std::string::npos) {
            throw std::runtime_error("nginx did not start: " + err);
        }
    }
    throw std::runtime_error("nginx: no free ports after 5 attempts");
}

std::string nginx_process::error_log() const
{
    return read_file(dir_.path() / "error.log");
}

}  // namespace baton::test
