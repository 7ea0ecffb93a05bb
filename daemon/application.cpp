#include "daemon/application.hpp"

#include "daemon/config/config_loader.hpp"
#include "daemon/request_handler.hpp"
#include "daemon/sd_notify.hpp"
#include "log/logger.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/json/array.hpp>

#include <csignal>
#include <thread>

namespace baton::daemon {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

routing::cooldown_policy policy_of(const routing::router_settings& s)
{
    routing::cooldown_policy p;
    p.allowed_fails = s.allowed_fails;
    p.cooldown_time = routing::seconds_to_duration(s.cooldown_time);
    p.retry_after_cap = routing::seconds_to_duration(s.retry_after_cap);
    p.retry_after_max_wait = routing::seconds_to_duration(s.retry_after_max_wait);
    return p;
}

void log_warnings(const logger& log, const config& cfg)
{
    // Includes the loader's warning when neither master_key nor keys are configured (no authentication).
    for (const auto& w : cfg.warnings) log.warning("config_warning", {{"message", w}});
}

}  // namespace

application::application(std::string config_path, logger& log)
    : config_path_(std::move(config_path)), log_(log), shared_(log)
{
    // The running config's health cells must live in shared_.health: the tick, /v1/health and reloads
    // all go through it.
    auto loaded = load_config_file(config_path_, process_environment(), shared_.health);
    if (!loaded.ok()) {
        std::string all;
        for (const auto& e : loaded.errors) all += (all.empty() ? "" : "; ") + e;
        throw std::runtime_error(all);
    }
    auto initial = std::move(*loaded.value);
    shared_.health.set_policy(policy_of(initial.routes.settings));
    log_warnings(log_, initial);
    shared_.configs.replace(make_snapshot(std::move(initial)));
    shared_.health.add_listener([this](const routing::health_event& e) {
        json::object f{{"deployment", e.deployment_id}, {"model_group", e.model_group}, {"healthy", e.healthy}};
        if (!e.healthy) {
            f["reason"] = routing::to_string(e.reason);
            f["cooldown_seconds"] = std::chrono::duration<double>(e.cooldown).count();
        }
        log_.info(e.healthy ? "cooldown_end" : "cooldown_start", std::move(f));
    });
    shared_.health.set_error_sink([this](const std::string& what) {
        log_.error("health_listener_failed", {{"what", what}});
    });
}

application::~application() = default;

void application::apply_side_settings(const config& cfg)
{
    if (auto level = log_level_from_string(cfg.general.log_level)) log_.set_level(*level);
}

int application::run()
{
    const auto snap = shared_.configs.current();
    const auto& general = snap->cfg.general;
    std::size_t threads = general.threads > 0 ? static_cast<std::size_t>(general.threads)
                                              : std::max(1u, std::thread::hardware_concurrency());

    for (std::size_t i = 0; i < threads; ++i) {
        reactors_.push_back(std::make_unique<reactor>(i, shared_));
        shared_.reactors.push_back(reactors_.back().get());
    }
    // Files and batches: the store opens (or start-up fails) before anything is served.
    batches_ = std::make_unique<batch_service>(shared_);
    shared_.batches = batches_.get();
    // Reactor 0 binds first; a port 0 becomes a real port that the others then share (SO_REUSEPORT).
    std::vector<asio::ip::tcp::endpoint> endpoints;
    for (const auto& l : general.listen) {
        boost::system::error_code ec;
        auto addr = asio::ip::make_address(l.host, ec);
        if (!ec) {
            endpoints.emplace_back(addr, l.port);
            continue;
        }
        // A host name: listen on every address it resolves to (start-up only, so a blocking lookup is fine).
        asio::ip::tcp::resolver resolver{reactors_.front()->ioc()};
        auto results = resolver.resolve(l.host, std::to_string(l.port), ec);
        if (ec || results.empty()) {
            throw std::runtime_error("general_settings.listen: cannot resolve host " + l.host + ": " + ec.message());
        }
        for (const auto& r : results) endpoints.push_back(r.endpoint());
    }
    // One batond per port: the lock is taken before the port is bound, so a second daemon never gets a
    // share of the connections (SO_REUSEPORT would let it). A port 0 is locked once the kernel chose it.
    auto lock_port = [this](std::uint16_t port) {
        for (const auto& l : locks_) {
            if (l.port() == port) return;
        }
        locks_.push_back(net::listen_lock::acquire(port));
    };
    for (const auto& ep : endpoints) {
        lock_port(ep.port());
    }
    for (auto& r : reactors_) {
        r->upstream().set_limits(snap->pool);
        r->upstream().retain_origins(snap->origins);
        r->server = std::make_unique<net::http_server>(r->ioc(), std::make_shared<request_handler>(*r),
                                                       snap->limits, connections_, log_);
        for (auto& ep : endpoints) {
            const auto bound = r->server->listen(ep);
            if (r->index() == 0) {
                ep = bound;
                lock_port(bound.port());
            }
        }
    }
    auto& main_ioc = reactors_.front()->ioc();
    signals_.emplace(main_ioc, SIGHUP, SIGTERM, SIGINT);
    wait_signals();
    tick_timer_.emplace(main_ioc);
    drain_timer_.emplace(main_ioc);
    next_watchdog_ = std::chrono::steady_clock::now();
    // The watchdog is pinged from the tick at half its interval, so a short WatchdogSec shortens the tick.
    if (auto interval = sd_notify::watchdog_interval()) {
        tick_period_ = std::min(tick_period_, std::chrono::duration_cast<std::chrono::milliseconds>(*interval / 2));
        tick_period_ = std::max(tick_period_, std::chrono::milliseconds(10));
    }
    schedule_tick();

    for (auto& r : reactors_) r->server->start();
    batches_->start();
    for (std::size_t i = 1; i < reactors_.size(); ++i) {
        auto* r = reactors_[i].get();
        r->thread = std::thread([r] { r->ioc().run(); });
    }
    // The listening line is the last step of start-up: tools (and the tests) that wait for it find every
    // descriptor batond keeps (the signal pipe among them) already open. It is written whatever
    // the log level; the level applies after.
    for (const auto& ep : endpoints) {
        json::object f{{"address", ep.address().to_string() + ":" + std::to_string(ep.port())},
                       {"reactors", static_cast<std::int64_t>(threads)},
                       {"config", config_path_}};
        log_.info("listening", std::move(f));
    }
    apply_side_settings(snap->cfg);
    sd_notify::ready();
    sd_notify::status("serving");
    main_ioc.run();
    for (auto& r : reactors_) {
        if (r->thread.joinable()) r->thread.join();
    }
    batches_->join();
    log_.info("stopped", {});
    return 0;
}

void application::wait_signals()
{
    signals_->async_wait([this](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        if (sig == SIGHUP) {
            reload();
            wait_signals();
        } else {
            if (!stopping_) begin_drain();
            else finish_drain();  // a second SIGTERM/SIGINT: stop now
        }
    });
}

void application::schedule_tick()
{
    tick_timer_->expires_after(tick_period_);
    tick_timer_->async_wait([this](const boost::system::error_code& ec) {
        if (ec || stopping_) return;
        const auto now = std::chrono::steady_clock::now();
        shared_.health.tick(now);
        // A wedged reactor 0 stops these pings and systemd restarts the service.
        if (auto interval = sd_notify::watchdog_interval(); interval && now >= next_watchdog_) {
            sd_notify::watchdog();
            next_watchdog_ = now + *interval / 2;
        }
        schedule_tick();
    });
}

void application::reload()
{
    sd_notify::reloading();
    auto result = load_config_file(config_path_, process_environment(), shared_.health);
    if (!result.ok()) {
        shared_.reloads_error.fetch_add(1);
        json::array errors;
        for (const auto& e : result.errors) errors.push_back(json::value(e));
        log_.error("reload_rejected", {{"config", config_path_},
                                       {"errors", std::move(errors)},
                                       {"message", "the running config is kept"}});
        sd_notify::ready();
        return;
    }
    auto next = std::move(*result.value);
    const auto old = shared_.configs.current();
    auto addresses = [](const config& c) {
        std::vector<std::string> out;
        for (const auto& l : c.general.listen) out.push_back(l.to_string());
        return out;
    };
    if (next.general.threads != old->cfg.general.threads || addresses(next) != addresses(old->cfg)) {
        log_.warning("reload_partial",
                     {{"message", "general_settings.listen and threads take effect at the next restart"}});
    }
    std::vector<std::string> live;
    for (const auto& d : next.routes.deployments()) live.push_back(d.id);
    shared_.health.set_policy(policy_of(next.routes.settings));
    apply_side_settings(next);
    log_warnings(log_, next);
    const auto deployments = static_cast<std::int64_t>(next.routes.deployments().size());
    auto snap = make_snapshot(std::move(next));
    for (auto& r : reactors_) {
        // Pools of origins the new config no longer names are dropped (their idle connections closed).
        asio::post(r->ioc(), [r = r.get(), s = snap] {
            r->server->set_limits(s->limits);
            r->upstream().set_limits(s->pool);
            r->upstream().retain_origins(s->origins);
        });
    }
    shared_.configs.replace(std::move(snap));
    shared_.health.retain_only(live);
    // Limit state is kept by key name: a key that stays keeps its counts, one removed is forgotten.
    std::vector<std::string> key_names;
    for (const auto& k : shared_.configs.current()->cfg.keys) key_names.push_back(k.name);
    shared_.key_limiter->retain_only(key_names);
    shared_.reloads_ok.fetch_add(1);
    log_.info("reload_ok", {{"config", config_path_}, {"deployments", deployments}});
    sd_notify::ready();
}

void application::begin_drain()
{
    stopping_ = true;
    shared_.draining.store(true);
    sd_notify::stopping();
    const auto grace = shared_.configs.current()->cfg.general.graceful_shutdown_seconds;
    log_.info("draining", {{"graceful_shutdown_seconds", grace},
                           {"connections", static_cast<std::int64_t>(connections_->load())}});
    tick_timer_->cancel();
    for (auto& r : reactors_) {
        asio::post(r->ioc(), [r = r.get()] { r->server->drain(); });
    }
    batches_->drain();
    drain_deadline_ = std::chrono::steady_clock::now() + routing::seconds_to_duration(grace);
    wait_signals();
    schedule_drain_check();
}

void application::schedule_drain_check()
{
    // Polls the shared connection count: in-flight requests and streams finish on their own.
    drain_timer_->expires_after(20ms);
    drain_timer_->async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        // Batch lines in an upstream exchange finish too, so that their answers are not paid for twice.
        const bool idle = connections_->load() == 0 && batches_->lines_sending() == 0;
        if (idle || std::chrono::steady_clock::now() >= drain_deadline_) {
            finish_drain();
        } else {
            schedule_drain_check();
        }
    });
}

void application::finish_drain()
{
    if (finishing_) {
        return;
    }
    finishing_ = true;
    signals_->cancel();
    drain_timer_->cancel();
    tick_timer_->cancel();
    batches_->stop();
    if (connections_->load() == 0) {
        stop_reactors();
        return;
    }
    log_.warning("drain_timeout", {{"connections", static_cast<std::int64_t>(connections_->load())}});
    // Requests still in flight end their answers now (a stream with an error event and its end) and are
    // logged; connections are cut once they are done, or after a short grace.
    for (auto& r : reactors_) {
        asio::post(r->ioc(), [r = r.get()] { r->server->stop_requests(); });
    }
    drain_deadline_ = std::chrono::steady_clock::now() + stopping_grace;
    schedule_stop_check();
}

void application::schedule_stop_check()
{
    drain_timer_->expires_after(20ms);
    drain_timer_->async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        if (connections_->load() == 0 || std::chrono::steady_clock::now() >= drain_deadline_) {
            stop_reactors();
        } else {
            schedule_stop_check();
        }
    });
}

void application::stop_reactors()
{
    for (auto& r : reactors_) {
        asio::post(r->ioc(), [r = r.get()] {
            r->server->close_all();
            // Sessions unwind on their own once cut; then nothing is left and the reactor stops.
            r->ioc().stop();
        });
    }
}

}  // namespace baton::daemon
