#pragma once
// batond running as a child process on a config written for the test.

#include "support/child_process.hpp"
#include "support/deadline.hpp"
#include "support/temp_dir.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace baton::test {

/// Writes `config_yaml` to `<temp dir>/baton.yaml` and starts `$BATON_BIN_DIR/batond --config <that file>`
/// with the temp dir as its working directory (so a relative data_dir stays inside it). batond logs JSON
/// lines on stderr, each optionally preceded by a syslog priority like "<6>"; the constructor waits for the
/// line with "event":"listening" and takes the port from its "address":"127.0.0.1:PORT". Throws
/// std::runtime_error (with batond's stderr) when that line does not come by `start_timeout` or batond exits
/// first. Not thread-safe; the destructor SIGTERMs batond (SIGKILL after 5 s).
class baton_process {
public:
    struct options {
        std::vector<std::pair<std::string, std::string>> env;  ///< e.g. {"TEAM_A_KEY", "sk-a"}
        std::vector<std::string> extra_args;                   ///< after --config FILE
        clock::duration start_timeout = std::chrono::seconds(15);
        /// false: don't wait for "listening" (a config expected to be rejected); port() is then 0.
        bool wait_listening = true;
    };

    explicit baton_process(std::string_view config_yaml);
    baton_process(std::string_view config_yaml, options opts);

    /// The first listening port.
    std::uint16_t port() const { return port_; }
    const std::filesystem::path& config_path() const { return config_path_; }
    /// batond's working directory (a temp dir, removed with this object).
    const std::filesystem::path& dir() const { return dir_.path(); }

    /// Everything batond wrote to stderr so far.
    std::string log() const;
    /// Current size of the log: pass it as `from` to wait for lines written after this point.
    std::size_t log_size() const;
    /// The first complete log line at or after byte `from` containing `substring`, nullopt at `d` or when
    /// batond exited without writing it.
    std::optional<std::string> wait_log(std::string_view substring, deadline d, std::size_t from = 0);
    /// The log lines that parse as JSON objects (priority prefixes stripped), in order.
    std::vector<boost::json::object> log_events() const;
    /// The log events named `event` of request `request_id`, in order. Waits (until `d`) for the request's
    /// access line first: batond writes it once the request is over. Empty when that line never came.
    std::vector<boost::json::object> request_events(std::string_view request_id, std::string_view event,
                                                    deadline d);

    /// SIGHUP: re-read the config file.
    void reload();
    /// Rewrites the config file with `config_yaml`, then SIGHUP.
    void reload(std::string_view config_yaml);
    /// SIGTERM, then waits up to `timeout` for the exit; nullopt when batond is still running then.
    std::optional<exit_status> stop(clock::duration timeout = std::chrono::seconds(40));

    child_process& process() { return *process_; }

private:
    temp_dir dir_;
    std::filesystem::path config_path_;
    std::unique_ptr<child_process> process_;
    std::uint16_t port_ = 0;
};

/// A log line without its syslog priority prefix ("<6>{...}" → "{...}").
std::string_view strip_priority(std::string_view line);

}  // namespace baton::test
