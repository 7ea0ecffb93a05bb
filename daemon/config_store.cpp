#include "daemon/config_store.hpp"

#include <algorithm>
#include <cmath>

namespace baton::daemon {

namespace {

std::chrono::milliseconds ms(double seconds)
{
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000.0)));
}

std::string upstream_target(const routing::deployment& d, std::string_view base, api_endpoint endpoint,
                            std::string_view model)
{
    std::string t(base);
    if (d.provider == "azure") {
        t += "/openai/deployments/";
        t += model;
        t += endpoint_path(endpoint);
        t += "?api-version=";
        t += d.api_version;
    } else {
        // openai and every OpenAI-compatible server (anthropic through its OpenAI-compatible endpoint).
        t += endpoint_path(endpoint);
    }
    return t;
}

upstream_route route_of(const routing::deployment& d, const routing::router_settings& settings)
{
    upstream_route r;
    if (d.provider != "baton") {
        if (auto split = net::split_url(d.api_base, d.ssl_verify)) {
            r.where = std::move(split->first);
            r.base_path = std::move(split->second);
        }
    }
    for (const auto e : {api_endpoint::chat_completions, api_endpoint::completions, api_endpoint::embeddings}) {
        r.targets[static_cast<std::size_t>(e)] = upstream_target(d, r.base_path, e, d.upstream_model);
    }
    if (!d.api_key.empty()) {
        if (d.provider == "azure") {
            r.auth_name = "api-key";
            r.auth_value = d.api_key;
        } else {
            r.auth_name = "authorization";
            r.auth_value = "Bearer " + d.api_key;
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

std::string_view endpoint_path(api_endpoint e) noexcept
{
    switch (e) {
        case api_endpoint::chat_completions: return "/chat/completions";
        case api_endpoint::completions: return "/completions";
        case api_endpoint::embeddings: return "/embeddings";
    }
    return "/chat/completions";
}

std::string_view upstream_route::target(const routing::deployment& d, api_endpoint endpoint, std::string_view model,
                                        std::string& scratch) const
{
    // Only azure puts the model in the path.
    if (d.provider != "azure" || model == d.upstream_model) return targets[static_cast<std::size_t>(endpoint)];
    scratch = upstream_target(d, base_path, endpoint, model);
    return scratch;
}

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
    s->auth_required = !g.master_key_sha256.empty() || !s->cfg.keys.empty();
    for (const auto& d : s->cfg.routes.deployments()) {
        if (s->upstreams.size() <= d.index) s->upstreams.resize(d.index + 1);
        s->upstreams[d.index] = route_of(d, s->cfg.routes.settings);
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
