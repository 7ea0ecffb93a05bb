#include "daemon/config_store.hpp"

#include <algorithm>
#include <cmath>

namespace baton::daemon {

namespace {

std::chrono::milliseconds ms(double seconds)
{
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000.0)));
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
    s->auth_required = !g.master_key_sha256.empty() || !s->cfg.keys.empty();
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
