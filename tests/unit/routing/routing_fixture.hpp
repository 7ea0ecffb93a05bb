#pragma once

// Shared helpers of the routing unit tests: a fake clock, a route table built by hand with its health
// registry, outcome shorthands and a driver that runs a plan against scripted upstream answers.

#include "routing/health_registry.hpp"
#include "routing/plan.hpp"
#include "routing/route_table.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace baton::routing::test {

using namespace std::chrono_literals;

/// The fake clock: an hour after the steady clock's epoch, plus `seconds`.
inline time_point at(double seconds)
{
    return time_point{} + std::chrono::hours(1) + seconds_to_duration(seconds);
}

inline outcome ok(double latency_ms = 10)
{
    outcome o;
    o.status = 200;
    o.latency = std::chrono::duration_cast<duration>(std::chrono::duration<double, std::milli>(latency_ms));
    return o;
}

inline outcome fail(failure_reason r, int status = 0, std::optional<duration> retry_after = std::nullopt)
{
    outcome o;
    o.reason = r;
    o.status = status;
    o.retry_after = retry_after;
    o.latency = 5ms;
    return o;
}

inline outcome rate_limited(std::optional<duration> retry_after = std::nullopt)
{
    return fail(failure_reason::rate_limit, 429, retry_after);
}
inline outcome server_error()
{
    return fail(failure_reason::server_error, 500);
}
inline outcome timed_out()
{
    return fail(failure_reason::timeout, 0);
}

/// A policy under which counted failures never cool a deployment down: for tests about one request alone.
inline cooldown_policy lenient_policy()
{
    cooldown_policy p;
    p.allowed_fails = 1000;
    return p;
}

/// A route table under construction and the health registry its deployments' cells come from.
struct world {
    health_registry health;
    route_table table;

    explicit world(cooldown_policy p = {}) : health(p) {}

    /// Adds deployment `id` to `group`; its upstream model defaults to the group name.
    void add(const std::string& id, const std::string& group, std::optional<double> weight = std::nullopt,
             const std::string& upstream_model = {}, const std::string& provider = "openai")
    {
        deployment d;
        d.id = id;
        d.group = group;
        d.provider = provider;
        d.upstream_model = upstream_model.empty() ? group : upstream_model;
        d.weight = weight;
        d.health = health.cell(id, group);
        table.add(std::move(d));
    }

    /// Adds a fully described deployment (rpm/tpm/max_parallel_requests...), wiring its health cell.
    void add(deployment d)
    {
        d.health = health.cell(d.id, d.group);
        table.add(std::move(d));
    }

    const deployment& dep(const std::string& id) const { return *table.find_deployment(id); }
    deployment_health& cell(const std::string& id) const { return *dep(id).health; }

    /// Puts `id` in cooldown as a rate-limited deployment would be at `now`.
    void cool(const std::string& id, time_point now, duration retry_after = 60s)
    {
        health.record_failure(cell(id), failure_reason::rate_limit, now, retry_after);
    }

    plan make(const std::string& model, request_options options = {},
              std::vector<std::string>* notes = nullptr)
    {
        auto p = plan::make(table, health, model, std::move(options), notes);
        if (!p) {
            throw std::runtime_error("plan::make returned nullopt for " + model);
        }
        return std::move(*p);
    }
};

/// What a driven plan did.
struct run_result {
    std::vector<plan::try_deployment> tries;  ///< every try, in order
    std::vector<duration> waits;              ///< every wait, in order
    plan::step last;                          ///< the step that ended the run (exhausted or give_back)
    time_point end;                           ///< the fake clock when it ended

    std::vector<std::string> ids() const
    {
        std::vector<std::string> out;
        for (const auto& t : tries) {
            out.push_back(t.target->id);
        }
        return out;
    }
    bool succeeded() const { return served; }
    bool exhausted() const { return std::holds_alternative<plan::exhausted>(last) && !served; }
    errc why() const { return std::get<plan::exhausted>(last).why; }
    bool gave_back() const { return std::holds_alternative<plan::give_back>(last) && !served; }

    bool served = false;
};

/// Upstream behaviour: the outcome of the call-th attempt (0-based) at a deployment.
using upstream = std::function<outcome(const deployment&, int call)>;

/// Each deployment answers with its own script, in order, the last entry repeating; unknown ids succeed.
inline upstream scripted(std::map<std::string, std::vector<outcome>> scripts)
{
    auto calls = std::make_shared<std::map<std::string, std::size_t>>();
    return [scripts = std::move(scripts), calls](const deployment& d, int) {
        const auto it = scripts.find(d.id);
        if (it == scripts.end()) {
            return ok();
        }
        const std::size_t n = (*calls)[d.id]++;
        return it->second[std::min(n, it->second.size() - 1)];
    };
}

/// Answers by call order across the whole request: the call-th answer, the last repeating.
inline upstream in_order(std::vector<outcome> answers)
{
    return [answers = std::move(answers)](const deployment&, int call) {
        return answers[std::min<std::size_t>(static_cast<std::size_t>(call), answers.size() - 1)];
    };
}

/// Fails every deployment in `failing` with `how`; every other deployment succeeds.
inline upstream failing(std::vector<std::string> ids, outcome how = server_error())
{
    return [ids = std::move(ids), how](const deployment& d, int) {
        for (const auto& id : ids) {
            if (id == d.id) {
                return how;
            }
        }
        return ok();
    };
}

/// Drives `p` from `start` to its end: tries are answered by `answer`, waits advance the fake clock.
/// `draws` are used in turn for next() (the last repeats).
inline run_result drive(plan& p, const upstream& answer, time_point start = at(0),
                        std::vector<double> draws = {0.0}, int max_steps = 200)
{
    run_result r;
    time_point now = start;
    std::size_t draw_index = 0;
    for (int step = 0; step < max_steps; ++step) {
        const double draw = draws[std::min(draw_index++, draws.size() - 1)];
        plan::step s = p.next(now, draw);
        if (auto* t = std::get_if<plan::try_deployment>(&s)) {
            r.tries.push_back(*t);
            const outcome o = answer(*t->target, static_cast<int>(r.tries.size()) - 1);
            p.report(*t->target, o, now);
            if (o.reason == failure_reason::none) {
                r.served = true;
                r.last = plan::give_back{};
                r.end = now;
                return r;
            }
            continue;
        }
        if (auto* w = std::get_if<plan::wait>(&s)) {
            r.waits.push_back(w->delay);
            now += w->delay;
            continue;
        }
        r.last = s;
        r.end = now;
        return r;
    }
    throw std::runtime_error("plan did not end");
}

}  // namespace baton::routing::test
