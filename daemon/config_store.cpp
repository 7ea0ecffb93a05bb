#include "daemon/config_store.hpp"

#include "providers/registry.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <unordered_set>

namespace baton::daemon {

namespace {

std::chrono::milliseconds ms(double seconds)
{
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000.0)));
}

upstream_route route_of(const routing::deployment& d, const providers::adapter& via,
                        const routing::router_settings& settings, std::string* base_path)
{
    upstream_route r;
    if (!via.local()) {
        if (auto split = net::split_url(d.api_base, d.ssl_verify)) {
            r.where = std::move(split->first);
            *base_path = std::move(split->second);
        }
    }
    const auto secs = [](double s) {
        return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(std::max(s, 0.001) * 1000)));
    };
    r.timeouts.total = secs(d.timeout_seconds);
    r.timeouts.head = r.timeouts.total;
    r.timeouts.connect = std::min(r.timeouts.total, std::chrono::milliseconds(10'000));
    r.timeouts.tls = r.timeouts.connect;
    r.timeouts.first_event = secs(d.stream_timeout_seconds);
    r.timeouts.idle = secs(settings.stream_idle_timeout);
    return r;
}

}  // namespace

std::shared_ptr<const snapshot> make_snapshot(config cfg)
{
    auto s = std::make_shared<snapshot>();
    s->cfg = std::move(cfg);
    for (std::size_t i = 0; i < s->cfg.keys.size(); ++i) s->keys_by_hash.emplace(s->cfg.keys[i].key_sha256, i);
    const auto& g = s->cfg.general;
    s->limits.body_limit = static_cast<std::size_t>(g.max_request_body_mb * 1024.0 * 1024.0);
    s->limits.header_timeout = ms(g.header_read_timeout_seconds);
    s->limits.body_timeout = ms(g.body_read_timeout_seconds);
    s->limits.idle_timeout = ms(g.idle_timeout_seconds);
    s->limits.write_timeout = ms(g.write_timeout_seconds);
    s->limits.max_connections = static_cast<std::size_t>(std::max(1, g.max_connections));
    s->pool.idle_timeout = ms(g.upstream_idle_timeout_seconds);
    s->pool.max_idle_per_origin = static_cast<std::size_t>(std::max(0, g.upstream_idle_connections));
    s->auth_required = !g.master_key_sha256.empty() || !s->cfg.keys.empty();
    for (const auto& d : s->cfg.routes.deployments()) {
        if (s->upstreams.size() <= d.index) {
            s->upstreams.resize(d.index + 1);
            s->providers.resize(d.index + 1);
        }
        const providers::adapter& via = providers::adapter_for(d.provider);
        std::string base_path;
        s->upstreams[d.index] = route_of(d, via, s->cfg.routes.settings, &base_path);
        s->providers[d.index] = via.route(d, base_path);
    }
    std::unordered_set<std::string_view> seen;
    for (const auto& u : s->upstreams) {
        if (u.where && seen.insert(u.where->key).second) {
            s->origins.push_back(u.where->key);
        }
    }
    return s;
}

std::shared_ptr<const snapshot> config_store::current() const
{
    std::lock_guard lock{mutex_};
    return current_;
}

void config_store::replace(std::shared_ptr<const snapshot> next)
{
    {
        std::lock_guard lock{mutex_};
        current_ = std::move(next);
    }
    generation_.fetch_add(1, std::memory_order_acq_rel);
}

}  // namespace baton::daemon
