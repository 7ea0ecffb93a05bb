#pragma once

#include "routing/deployment.hpp"
#include "routing/route_table.hpp"
#include "routing/time.hpp"

#include <functional>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace baton::routing {

/// Chooses one deployment among candidates the caller has already filtered (not excluded for the request,
/// not cooling down), by the configured routing strategy (SPEC §5.1):
/// - simple_shuffle: random, proportional to `weight`; when every candidate's weight is 0 or unset, to
///   `rpm`, then to `tpm`; when those are all 0 too, uniform. A weight-0 deployment is therefore chosen only
///   when no candidate has a positive weight.
/// - least_busy: fewest requests in flight.
/// - latency_based: lowest latency EWMA; deployments never measured come first (so each gets measured).
/// - usage_based: lowest share of its rpm/tpm budget used this minute (the larger of the two ratios; a
///   deployment without budgets counts as 0 used); one at or over either budget is not eligible.
/// For the last three, ties are broken by the simple_shuffle rule among the tied candidates.
/// For every strategy a deployment with max_parallel_requests > 0 and that many requests in flight is not
/// eligible. A deployment without a health cell counts as idle, never measured and unused.
/// Pure and stateless apart from the strategy: `now` and a uniform `draw` in [0, 1) are arguments (a draw
/// outside that range is clamped into it). Thread safety: const members are safe from any thread; the
/// candidates' health cells are read with relaxed atomics, so a pick sees a recent, not an exact, load.
class picker {
public:
    /// A picker for `strategy`; the default is simple_shuffle.
    explicit picker(routing_strategy strategy = routing_strategy::simple_shuffle) noexcept
        : strategy_(strategy)
    {
    }

    routing_strategy strategy() const noexcept { return strategy_; }

    /// True when `d` may take a request at `now` under this strategy (max_parallel_requests; rpm/tpm budgets
    /// for usage_based). Cooldown and exclusion are the caller's business.
    bool eligible(const deployment& d, time_point now) const noexcept;

    /// The chosen candidate, or nullptr when no candidate is eligible. Null entries are ignored. Among
    /// equals the draw decides, so the same inputs always give the same choice.
    const deployment* pick(std::span<const deployment* const> candidates, time_point now, double draw) const;

    /// `candidates` minus those whose id is in `excluded_ids` (and minus null entries), order kept. Every
    /// candidate excluded gives an empty list, never the original one: a deployment that failed is not
    /// tried again in the same request (SPEC §5.2). Ids that name no candidate are ignored.
    static std::vector<const deployment*> without(std::span<const deployment* const> candidates,
                                                  const std::set<std::string, std::less<>>& excluded_ids);

    /// The simple_shuffle rule alone (no eligibility check): weight, then rpm, then tpm, then uniform.
    /// nullptr when `candidates` is empty.
    static const deployment* weighted(std::span<const deployment* const> candidates, double draw) noexcept;

private:
    routing_strategy strategy_;
};

}  // namespace baton::routing
