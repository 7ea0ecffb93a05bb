#include "routing/health_registry.hpp"

#include <algorithm>
#include <exception>
#include <set>
#include <utility>

namespace baton::routing {

health_registry::health_registry(cooldown_policy policy) : policy_(policy) {}

std::shared_ptr<deployment_health> health_registry::cell(const std::string& id, const std::string& group)
{
    const std::lock_guard lock(mutex_);
    auto it = cells_.find(id);
    if (it == cells_.end()) {
        it = cells_.emplace(id, std::make_shared<deployment_health>(id, group)).first;
    }
    return it->second;
}

void health_registry::retain_only(const std::vector<std::string>& live_ids)
{
    const std::set<std::string> live(live_ids.begin(), live_ids.end());
    const std::lock_guard lock(mutex_);
    std::erase_if(cells_, [&](const auto& entry) { return !live.contains(entry.first); });
}

void health_registry::set_policy(const cooldown_policy& p)
{
    const std::lock_guard lock(mutex_);
    policy_ = p;
}

cooldown_policy health_registry::policy() const
{
    const std::lock_guard lock(mutex_);
    return policy_;
}

void health_registry::record_failure(deployment_health& h, failure_reason r, time_point now,
                                     std::optional<duration> retry_after)
{
    const bool at_once = cools_down_at_once(r);
    if (!at_once && !counts_toward_allowed_fails(r)) {
        return;  // the request's fault (format, context, content) or not an attempt at all
    }
    const cooldown_policy p = policy();

    std::optional<health_event> event;
    {
        const std::lock_guard lock(h.mutex_);
        ++h.consecutive_failures_;
        h.last_error_ = r;

        std::optional<duration> cooldown;
        if (at_once) {
            // The cap bounds what the upstream asks for, never the configured cooldown_time.
            const duration asked = std::clamp(retry_after.value_or(duration::zero()), duration::zero(),
                                              std::max(p.retry_after_cap, duration::zero()));
            // A short Retry-After is what the request waits before retrying this deployment (plan): a
            // longer cooldown would make that retry impossible.
            const bool short_wait =
                r == failure_reason::rate_limit && retry_after && asked <= p.retry_after_max_wait;
            cooldown = short_wait ? asked : std::max(asked, p.cooldown_time);
        } else {
            // Only failures within the window count: drop older ones, then add this one.
            while (!h.recent_failures_.empty() && now - h.recent_failures_.front() >= p.window) {
                h.recent_failures_.pop_front();
            }
            h.recent_failures_.push_back(now);
            const auto threshold = static_cast<std::size_t>(std::max(p.allowed_fails, 1));
            if (h.recent_failures_.size() >= threshold) {
                cooldown = p.cooldown_time;
            }
        }

        if (cooldown && *cooldown > duration::zero()) {
            h.recent_failures_.clear();  // the next cooldown needs allowed_fails fresh failures
            const bool was_cooling = h.cooling(now);
            const std::int64_t until = to_nanoseconds(now + *cooldown);
            // Writers hold the cell's mutex, so a plain compare-then-store cannot race another writer.
            if (until > h.cooldown_until_ns_.load(std::memory_order_relaxed)) {
                h.cooldown_until_ns_.store(until, std::memory_order_release);
            }
            if (!was_cooling) {
                ++h.cooldowns_total_;
            }
            if (!h.reported_cooling_) {
                h.reported_cooling_ = true;
                event = health_event{h.id_, h.group_, false, r, *cooldown};
            }
        }
    }
    if (event) {
        notify(*event);
    }
}

void health_registry::record_success(deployment_health& h, time_point now)
{
    std::optional<health_event> event;
    {
        const std::lock_guard lock(h.mutex_);
        h.consecutive_failures_ = 0;
        if (h.reported_cooling_ && !h.cooling(now)) {
            h.reported_cooling_ = false;
            event = health_event{h.id_, h.group_, true, failure_reason::none, duration::zero()};
        }
    }
    if (event) {
        notify(*event);
    }
}

void health_registry::tick(time_point now)
{
    std::vector<std::shared_ptr<deployment_health>> cells = all();
    std::vector<health_event> events;
    for (const auto& h : cells) {
        const std::lock_guard lock(h->mutex_);
        if (h->reported_cooling_ && !h->cooling(now)) {
            h->reported_cooling_ = false;
            events.push_back(health_event{h->id_, h->group_, true, failure_reason::none, duration::zero()});
        }
    }
    for (const auto& e : events) {
        notify(e);
    }
}

void health_registry::add_listener(listener l)
{
    const std::lock_guard lock(mutex_);
    listeners_.push_back(std::move(l));
}

void health_registry::set_error_sink(error_sink s)
{
    const std::lock_guard lock(mutex_);
    error_sink_ = std::move(s);
}

std::vector<std::shared_ptr<deployment_health>> health_registry::all() const
{
    const std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<deployment_health>> out;
    out.reserve(cells_.size());
    for (const auto& [id, h] : cells_) {
        out.push_back(h);
    }
    return out;
}

void health_registry::notify(const health_event& e)
{
    // Copies taken under the lock, calls made outside it: a listener may call back into the registry.
    std::vector<listener> ls;
    error_sink sink;
    {
        const std::lock_guard lock(mutex_);
        ls = listeners_;
        sink = error_sink_;
    }
    for (const auto& l : ls) {
        std::string what;
        try {
            if (l) {
                l(e);
            }
            continue;
        } catch (const std::exception& ex) {
            what = "health listener threw: " + std::string(ex.what());
        } catch (...) {
            what = "health listener threw a non-standard exception";
        }
        if (sink) {
            try {
                sink(what);
            } catch (...) {
                // The sink is the last resort; nothing may escape into routing.
            }
        }
    }
}

}  // namespace baton::routing
