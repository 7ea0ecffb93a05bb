#pragma once

#include "daemon/config/config.hpp"
#include "daemon/reactor.hpp"
#include "log/logger.hpp"
#include "net/listen_lock.hpp"

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace baton::daemon {

/// The composition root of batond: reactors (one io_context and thread each, each with its own
/// SO_REUSEPORT acceptor), signals (SIGHUP reload, SIGTERM/SIGINT drain), the health tick, sd_notify.
class application {
public:
    /// Loads `config_path` (re-read on SIGHUP) against the process's health registry, so cooldowns
    /// survive reloads. Every log line goes to `log` (the level follows general_settings.log_level), which
    /// must outlive the application. Throws std::runtime_error with every error when the file is not a
    /// valid config.
    application(std::string config_path, logger& log);
    ~application();

    /// Binds, serves and blocks until a drain completes. Returns the process exit code (0 after a drain).
    /// Throws on a start-up failure (e.g. the address is in use, or another batond serves the port:
    /// net::listen_lock).
    int run();

private:
    void reload();
    void begin_drain();
    void schedule_drain_check();
    void finish_drain();
    void schedule_stop_check();
    void stop_reactors();
    void schedule_tick();
    void wait_signals();
    void apply_side_settings(const config& cfg);

    std::string config_path_;
    logger& log_;
    shared_state shared_;
    std::vector<net::listen_lock> locks_;  ///< one per port served: no second batond on it
    std::vector<std::unique_ptr<reactor>> reactors_;
    std::shared_ptr<std::atomic<std::size_t>> connections_ = std::make_shared<std::atomic<std::size_t>>(0);
    std::optional<boost::asio::signal_set> signals_;
    std::optional<boost::asio::steady_timer> tick_timer_;
    std::optional<boost::asio::steady_timer> drain_timer_;
    std::chrono::steady_clock::time_point drain_deadline_;
    std::chrono::steady_clock::time_point next_watchdog_;
    std::chrono::milliseconds tick_period_{1000};
    bool stopping_ = false;
    bool finishing_ = false;  ///< finish_drain ran: requests are being stopped, then the reactors
    /// How long requests stopped at the end of the drain get to write their last bytes.
    static constexpr std::chrono::milliseconds stopping_grace{2'000};
};

}  // namespace baton::daemon
