#include "routing/picker.hpp"

#include "routing/deployment_health.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace baton::routing {

namespace {

double clamp_draw(double draw) noexcept
{
    if (!(draw >= 0.0)) {  // also catches NaN
        return 0.0;
    }
    return draw < 1.0 ? draw : std::nextafter(1.0, 0.0);
}

double positive(double v) noexcept
{
    return v > 0 && std::isfinite(v) ? v : 0.0;
}

double weight_metric(const deployment& d) noexcept
{
    return positive(d.weight.value_or(0.0));
}
double rpm_metric(const deployment& d) noexcept
{
    return positive(d.rpm);
}
double tpm_metric(const deployment& d) noexcept
{
    return positive(d.tpm);
}

// Share of the tighter of the rpm/tpm budgets used this minute; 0 without budgets.
double usage_ratio(const deployment& d, time_point now) noexcept
{
    if (!d.health) {
        return 0.0;
    }
    double ratio = 0.0;
    if (d.rpm > 0) {
        ratio = std::max(ratio, static_cast<double>(d.health->requests_this_minute(now)) / d.rpm);
    }
    if (d.tpm > 0) {
        ratio = std::max(ratio, static_cast<double>(d.health->tokens_this_minute(now)) / d.tpm);
    }
    return ratio;
}

// Keeps the candidates with the lowest key; the weighted rule then breaks the tie.
template <class Key>
const deployment* lowest_then_weighted(const std::vector<const deployment*>& pool, double draw, Key key)
{
    std::vector<const deployment*> best;
    double best_key = 0;
    for (const deployment* d : pool) {
        const double k = key(*d);
        if (best.empty() || k < best_key) {
            best.assign(1, d);
            best_key = k;
        } else if (k == best_key) {
            best.push_back(d);
        }
    }
    return picker::weighted(best, draw);
}

}  // namespace

std::vector<const deployment*> picker::without(std::span<const deployment* const> candidates,
                                               const std::set<std::string, std::less<>>& excluded_ids)
{
    std::vector<const deployment*> out;
    out.reserve(candidates.size());
    for (const deployment* d : candidates) {
        if (d != nullptr && !excluded_ids.contains(d->id)) {
            out.push_back(d);
        }
    }
    return out;
}

bool picker::eligible(const deployment& d, time_point now) const noexcept
{
    if (!d.health) {
        return true;
    }
    if (d.max_parallel_requests > 0 && d.health->in_flight() >= d.max_parallel_requests) {
        return false;
    }
    if (strategy_ == routing_strategy::usage_based) {
        if (d.rpm > 0 && static_cast<double>(d.health->requests_this_minute(now)) >= d.rpm) {
            return false;
        }
        if (d.tpm > 0 && static_cast<double>(d.health->tokens_this_minute(now)) >= d.tpm) {
            return false;
        }
    }
    return true;
}

const deployment* picker::weighted(std::span<const deployment* const> candidates, double draw) noexcept
{
    std::size_t count = 0;
    for (const deployment* d : candidates) {
        count += d != nullptr ? 1 : 0;
    }
    if (count == 0) {
        return nullptr;
    }
    draw = clamp_draw(draw);
    for (auto metric : {weight_metric, rpm_metric, tpm_metric}) {
        double total = 0;
        for (const deployment* d : candidates) {
            total += d != nullptr ? metric(*d) : 0.0;
        }
        if (!(total > 0)) {
            continue;  // nobody has this metric: fall through to the next one
        }
        // The first candidate whose cumulative share passes the draw. A zero-weight candidate adds nothing
        // to the sum, so it can never be the one that passes it.
        const double target = draw * total;
        double cumulative = 0;
        const deployment* last_positive = nullptr;
        for (const deployment* d : candidates) {
            if (d == nullptr || metric(*d) <= 0) {
                continue;
            }
            cumulative += metric(*d);
            last_positive = d;
            if (target < cumulative) {
                return d;
            }
        }
        return last_positive;  // rounding left the target at the very top
    }
    // Uniform among the non-null candidates.
    auto nth = std::min(static_cast<std::size_t>(draw * static_cast<double>(count)), count - 1);
    for (const deployment* d : candidates) {
        if (d == nullptr) {
            continue;
        }
        if (nth == 0) {
            return d;
        }
        --nth;
    }
    return nullptr;
}

const deployment* picker::pick(std::span<const deployment* const> candidates, time_point now,
                               double draw) const
{
    std::vector<const deployment*> pool;
    pool.reserve(candidates.size());
    for (const deployment* d : candidates) {
        if (d != nullptr && eligible(*d, now)) {
            pool.push_back(d);
        }
    }
    if (pool.empty()) {
        return nullptr;
    }
    switch (strategy_) {
    case routing_strategy::simple_shuffle:
        return weighted(pool, draw);
    case routing_strategy::least_busy:
        return lowest_then_weighted(pool, draw, [](const deployment& d) {
            return d.health ? static_cast<double>(d.health->in_flight()) : 0.0;
        });
    case routing_strategy::latency_based:
        // Never measured (negative EWMA) sorts first, so a new deployment gets its first sample.
        return lowest_then_weighted(pool, draw, [](const deployment& d) {
            const double ms = d.health ? d.health->latency_ewma_ms() : -1.0;
            return ms < 0 ? -1.0 : ms;
        });
    case routing_strategy::usage_based:
        return lowest_then_weighted(pool, draw, [now](const deployment& d) { return usage_ratio(d, now); });
    }
    return weighted(pool, draw);
}

}  // namespace baton::routing
