#include "routing/plan.hpp"

#include "routing/model_name.hpp"
#include "routing/picker.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace baton::routing {

namespace {

// Backoff before another round over the same group (num_retries): 0.25 s doubling per round, at most 8 s,
// with "equal jitter" (between half and all of it) so concurrent retries spread out but never collapse to 0.
constexpr double backoff_base_seconds = 0.25;
constexpr double backoff_cap_seconds = 8.0;

}  // namespace

boost::system::result<plan, plan::refusal> plan::make(const route_table& table, health_registry& health,
                                                      std::string_view model, request_options options,
                                                      std::vector<std::string>* notes)
{
    plan p(table, health);
    p.options_ = std::move(options);
    p.requested_ = model.empty() ? table.default_model : std::string(model);
    const auto not_found = [&] {
        return refusal{errc::model_not_found, p.requested_, "model",
                       "The model `" + p.requested_ + "` does not exist or is not configured in baton"};
    };
    if (p.requested_.empty()) {
        return not_found();
    }

    // Step 1: what the name itself stands for.
    p.lookup_keys_.push_back(p.requested_);
    switch (p.add_entry(p.requested_, true)) {
    case entry_result::added:
        break;
    case entry_result::names_nothing:
        return not_found();
    case entry_result::out_of_scope:
        return refusal{errc::model_not_allowed, p.requested_, "model",
                       "this key is not allowed to use model `" + p.requested_ + "`"};
    case entry_result::invalid_name:
        return refusal{errc::invalid_model_name, p.requested_, "model", p.invalid_detail_};
    }
    if (const auto it = table.settings.model_group_alias.find(p.requested_);
        it != table.settings.model_group_alias.end() && it->second != p.requested_) {
        p.lookup_keys_.push_back(it->second);
    }
    if (std::find(p.lookup_keys_.begin(), p.lookup_keys_.end(), p.groups_.front().name) ==
        p.lookup_keys_.end()) {
        p.lookup_keys_.push_back(p.groups_.front().name);
    }

    if (!p.options_.disable_fallbacks) {
        // Step 2: the request's own fallbacks replace the key's backup_models. They are the client's own
        // words: a name that is no model name refuses the request, as the model itself would.
        if (p.options_.fallbacks) {
            for (const auto& entry : *p.options_.fallbacks) {
                const entry_result r = p.add_entry(entry, false);
                if (r == entry_result::invalid_name) {
                    return refusal{errc::invalid_model_name, entry, "fallbacks", p.invalid_detail_};
                }
                if (r != entry_result::added) {
                    p.notes_.push_back(p.note_for(r, "fallbacks", entry));
                }
            }
        } else {
            p.add_list(p.options_.backup_models, "backup_models");
        }
        // Step 3: router_settings.fallbacks for this model (never for the fallback groups themselves).
        if (const auto* configured = p.lookup(table.settings.fallbacks)) {
            p.add_list(*configured, "router_settings.fallbacks");
        }
        // Step 4.
        p.add_list(table.settings.default_fallbacks, "router_settings.default_fallbacks");
    }

    if (notes != nullptr) {
        notes->insert(notes->end(), p.notes_.begin(), p.notes_.end());
    }
    return p;
}

bool plan::in_scope(std::string_view name) const
{
    const auto* scope = options_.scope;
    return scope == nullptr || std::find(scope->begin(), scope->end(), name) != scope->end();
}

plan::entry_result plan::add_entry(const std::string& entry, bool primary)
{
    // The name as written decides the scope: a rename's own name must be listed (docs/configuration.md).
    const bool allowed = in_scope(entry);
    std::string name = entry;
    if (const auto it = table_->settings.model_group_alias.find(name);
        it != table_->settings.model_group_alias.end()) {
        name = it->second;  // one level: a rename never chains into another rename
    }
    // The model asked for is never a pattern: a literal '*' would reach the upstream. A fallback may name a
    // wildcard group by its pattern (it then serves the requested model: pattern_model()).
    if (primary && (entry.find('*') != std::string::npos || name.find('*') != std::string::npos)) {
        invalid_detail_ =
            "model `" + entry + "` contains '*': a wildcard pattern is not a model; name one model";
        return entry_result::invalid_name;
    }
    if (table_->group(name) != nullptr) {
        if (!allowed) {
            return entry_result::out_of_scope;
        }
        add_stage({name, pattern_model(name)});
        return entry_result::added;
    }
    // An alias is looked up before wildcards, so an "*" group never swallows alias names.
    if (const alias* a = table_->find_alias(name)) {
        if (!allowed) {
            return entry_result::out_of_scope;
        }
        const std::size_t before = groups_.size();
        bool any = false;
        for (const auto& link : a->chain) {
            // The alias is in scope, so its whole chain is.
            const entry_result r = add_group(link, true);
            if (r == entry_result::added) {
                any = true;
            } else {
                notes_.push_back("alias '" + a->name + "': chain entry '" + link + "' " +
                                 (r == entry_result::invalid_name ? "is not a valid model name"
                                                                  : "names no configured group") +
                                 "; skipped");
            }
        }
        if (primary && groups_.size() > before) {
            alias_ = a->name;
        }
        return any ? entry_result::added : entry_result::names_nothing;
    }
    if (const entry_result r = add_group(name, allowed); r != entry_result::names_nothing) {
        return r;
    }
    // LiteLLM also routes a name that is a deployment's model_info.id to that one deployment; in scope when
    // the id or its group is listed.
    if (const deployment* d = table_->find_deployment(name)) {
        if (!allowed && !in_scope(d->group)) {
            return entry_result::out_of_scope;
        }
        add_stage({d->group, {}, d->index});
        return entry_result::added;
    }
    return entry_result::names_nothing;
}

plan::entry_result plan::add_group(const std::string& name, bool allowed)
{
    std::string matched;
    if (table_->match_group(name, &matched) == nullptr) {
        return entry_result::names_nothing;
    }
    std::string part;
    if (matched != name) {
        const std::string_view capture =
            route_table::wildcard_capture(matched, name).value_or(std::string_view{});
        // What '*' stands for goes upstream (a JSON body, a URL path) and into x-baton-resolved.
        if (!valid_model_capture(capture)) {
            invalid_detail_ = "model `" + name + "` is not valid for wildcard group `" + matched +
                              "`: what '*' stands for must be " + std::string(model_capture_rule);
            return entry_result::invalid_name;
        }
        // A wildcard group listed by its pattern brings every name it matches.
        allowed = allowed || in_scope(matched);
        part = std::string(capture);
    } else {
        part = pattern_model(matched);
    }
    if (!allowed) {
        return entry_result::out_of_scope;
    }
    add_stage({std::move(matched), std::move(part)});
    return entry_result::added;
}

std::string plan::pattern_model(const std::string& group) const
{
    if (group.find('*') == std::string::npos || groups_.empty()) {
        return {};
    }
    // A wildcard group named by its pattern ("anthropic/*" in a fallback list) serves the requested model
    // itself, without the provider prefix it was asked with: "openai/gpt-4o" → "gpt-4o".
    const std::size_t slash = requested_.find('/');
    return slash == std::string::npos ? requested_ : requested_.substr(slash + 1);
}

void plan::add_stage(stage_group g)
{
    const bool present = std::any_of(groups_.begin(), groups_.end(), [&](const stage_group& s) {
        return s.name == g.name && s.upstream_model == g.upstream_model && s.pinned == g.pinned;
    });
    if (!present) {
        groups_.push_back(std::move(g));
    }
}

void plan::add_list(const std::vector<std::string>& entries, std::string_view what)
{
    for (const auto& entry : entries) {
        if (const entry_result r = add_entry(entry, false); r != entry_result::added) {
            notes_.push_back(note_for(r, what, entry));
        }
    }
}

std::string plan::note_for(entry_result r, std::string_view what, const std::string& entry) const
{
    std::string n = std::string(what) + " entry '" + entry + "' ";
    switch (r) {
    case entry_result::out_of_scope:
        return n + "is outside the key's models; skipped";
    case entry_result::invalid_name:
        return n + "is not a valid model name; skipped";
    case entry_result::names_nothing:
    case entry_result::added:
        break;
    }
    return n + "names no configured group or alias; skipped";
}

const std::vector<std::string>* plan::lookup(
    const std::map<std::string, std::vector<std::string>, std::less<>>& fallbacks) const
{
    for (const auto& key : lookup_keys_) {
        if (const auto it = fallbacks.find(key); it != fallbacks.end()) {
            return &it->second;
        }
    }
    // LiteLLM's generic entry: `fallbacks: [{"*": [...]}]` applies to every model without its own.
    if (const auto it = fallbacks.find(std::string_view("*")); it != fallbacks.end()) {
        return &it->second;
    }
    return nullptr;
}

bool plan::eligible(const deployment& d) const
{
    return banned_.find(d.id) == banned_.end() && (!allowed_ || allowed_(d));
}

std::shared_ptr<deployment_health> plan::health_of(const deployment& d) const
{
    return d.health ? d.health : health_->cell(d.id, d.group);
}

plan::step plan::next(time_point now, double draw)
{
    switch (ending_) {
    case ending::running:
        break;
    case ending::succeeded:
    case ending::gave_back:
        return give_back{};
    case ending::exhausted:
        return exhausted{exhausted_why()};
    }
    auto found = scan(now, draw, true);
    if (auto* t = std::get_if<try_deployment>(&found)) {
        return std::move(*t);
    }
    if (auto* w = std::get_if<wait>(&found)) {
        return *w;
    }
    return finish(ending::exhausted);
}

std::optional<plan::try_deployment> plan::hedge(time_point now, double draw, const deployment& in_flight)
{
    if (ending_ != ending::running || !last_stage_) {
        return std::nullopt;
    }
    // The attempt in flight is no candidate beside itself (nor later, if it loses the race: it was slow).
    // Its stage is recorded: the scan below may move the plan on before it reports.
    handed_.emplace(&in_flight, current_);
    excluded_[handed_stage(in_flight)].insert(in_flight.id);
    // A hedge that finds nothing must leave the plan where it was: the attempt in flight may still fail
    // and deserve its group's retry rounds.
    const std::size_t current = current_;
    const int rounds_used = rounds_used_;
    const int sent_in_round = sent_in_round_;
    const bool round_over = round_over_;
    const auto round_retry_after = round_retry_after_;
    const int fallbacks_taken = fallbacks_taken_;
    const auto last_stage = last_stage_;
    auto found = scan(now, draw, false);
    if (auto* t = std::get_if<try_deployment>(&found)) {
        t->hop.reset();  // not a failover: nothing failed
        t->hedge = true;
        return std::move(*t);
    }
    current_ = current;
    rounds_used_ = rounds_used;
    sent_in_round_ = sent_in_round;
    round_over_ = round_over;
    round_retry_after_ = round_retry_after;
    fallbacks_taken_ = fallbacks_taken;
    last_stage_ = last_stage;
    return std::nullopt;
}

void plan::abandon(const deployment& target)
{
    handed_.erase(&target);
    ++abandoned_;
}

std::size_t plan::handed_stage(const deployment& target) const
{
    const auto it = handed_.find(&target);
    return it != handed_.end() ? it->second : current_;
}

std::variant<std::monostate, plan::try_deployment, plan::wait> plan::scan(time_point now, double draw,
                                                                          bool rounds)
{
    const picker choose(table_->settings.strategy);
    const int max_fallbacks = std::max(table_->settings.max_fallbacks, 0);
    while (current_ < groups_.size()) {
        const stage_group& stage = groups_[current_];
        // Every move to another group is a hop, counted against max_fallbacks when a request goes there.
        const bool cross = current_ != last_stage_.value_or(0);
        if (cross && fallbacks_taken_ >= max_fallbacks) {
            break;
        }
        if (!round_over_) {
            std::vector<const deployment*> members;
            if (stage.pinned) {
                members.push_back(&table_->deployments()[*stage.pinned]);
            } else if (const auto* indices = table_->group(stage.name)) {
                for (const std::size_t index : *indices) {
                    members.push_back(&table_->deployments()[index]);
                }
            }
            std::vector<const deployment*> candidates;
            for (const deployment* d : picker::without(members, excluded_[current_])) {
                if (!eligible(*d)) {
                    continue;
                }
                if (health_of(*d)->cooling(now)) {
                    if (skipped_.insert(d->id).second) {
                        attempts_.push_back({d->id, stage.name, failure_reason::cooling_down, 0, true, 0});
                    }
                    continue;
                }
                candidates.push_back(d);
            }
            if (const deployment* target = choose.pick(candidates, now, draw)) {
                try_deployment t;
                t.target = target;
                t.group = stage.name;
                t.upstream_model = target->upstream_model;
                if (!stage.upstream_model.empty()) {
                    if (const auto star = t.upstream_model.find('*'); star != std::string::npos) {
                        t.upstream_model.replace(star, 1, stage.upstream_model);
                    }
                }
                if (last_stage_) {
                    t.hop = transition{groups_[*last_stage_].name, stage.name, last_reason_};
                } else if (cross) {
                    // The first request goes to a later group: everything before it was passed over.
                    t.hop = transition{groups_.front().name, stage.name, failure_reason::cooling_down};
                }
                if (cross) {
                    ++fallbacks_taken_;
                }
                last_stage_ = current_;
                ++sent_in_round_;
                if (!rounds) {
                    // Only a hedge moves the plan on while an attempt is in flight: a sequential attempt
                    // reports at current_ (handed_stage's default), so only racers are recorded (no
                    // allocation per request).
                    handed_[target] = current_;
                }
                return t;
            }
        }
        // Nothing eligible is left in this group for this round.
        if (rounds) {
            if (const auto delay = retry_delay(now, draw)) {
                return wait{*delay};
            }
        }
        advance();
    }
    return std::monostate{};
}

std::optional<duration> plan::retry_delay(time_point now, double draw)
{
    const int retries = std::max(options_.num_retries.value_or(table_->settings.num_retries), 0);
    // Only a group that failed for real gets another round: one that was all cooling down would not be
    // any better after a fraction of a second.
    if (sent_in_round_ == 0 || rounds_used_ >= retries || current_ >= groups_.size()) {
        return std::nullopt;
    }
    draw = std::isfinite(draw) ? std::clamp(draw, 0.0, 1.0) : 0.0;
    const double backoff = std::min(backoff_base_seconds * std::exp2(rounds_used_), backoff_cap_seconds);
    duration delay = seconds_to_duration(backoff * (0.5 + 0.5 * draw));
    if (round_retry_after_) {
        // Only Retry-Afters within retry_after_max_wait get here (report() bans the others' deployments).
        delay = std::max(delay, *round_retry_after_);
    }
    if (options_.deadline != time_point::max() &&
        (options_.deadline <= now || delay > options_.deadline - now)) {
        return std::nullopt;
    }

    // The new round may use every deployment of the group again, but only if one will be out of cooldown
    // by the time the wait is over; otherwise the plan moves on at once.
    const stage_group& stage = groups_[current_];
    const auto* group_members = table_->group(stage.name);
    if (group_members == nullptr) {
        return std::nullopt;
    }
    const std::vector<std::size_t> pinned_member =
        stage.pinned ? std::vector<std::size_t>{*stage.pinned} : std::vector<std::size_t>{};
    const std::vector<std::size_t>* members = stage.pinned ? &pinned_member : group_members;
    bool any_ready = false;
    for (const std::size_t index : *members) {
        const deployment& d = table_->deployments()[index];
        any_ready = any_ready || (eligible(d) && !health_of(d)->cooling(now + delay));
    }
    if (!any_ready) {
        return std::nullopt;
    }
    excluded_.erase(current_);
    ++rounds_used_;
    sent_in_round_ = 0;
    round_over_ = false;
    round_retry_after_.reset();
    return delay;
}

void plan::advance()
{
    ++current_;
    rounds_used_ = 0;
    sent_in_round_ = 0;
    round_over_ = false;
    round_retry_after_.reset();
}

void plan::report(const deployment& target, const outcome& o, time_point now)
{
    if (ending_ != ending::running || current_ >= groups_.size()) {
        return;  // the plan is over; nothing more can change it
    }
    // The stage the attempt was handed out for: a hedge may have moved the plan on meanwhile.
    const std::size_t stage_index = handed_stage(target);
    handed_.erase(&target);
    const stage_group& stage = groups_[std::min(stage_index, groups_.size() - 1)];
    const double latency_ms = std::chrono::duration<double, std::milli>(o.latency).count();
    // The caller found it cooling at the last moment and did not send: a skip, not an attempt.
    const bool skipped = o.reason == failure_reason::cooling_down;
    attempts_.push_back(
        {target.id, stage.name, o.reason, skipped ? 0 : o.status, skipped, skipped ? 0 : latency_ms});
    if (skipped) {
        skipped_.insert(target.id);
        sent_in_round_ = std::max(sent_in_round_ - 1, 0);
    }
    const auto h = health_of(target);

    if (o.reason == failure_reason::none) {
        health_->record_success(*h, now);
        h->record_latency(latency_ms);
        ending_ = ending::succeeded;
        return;
    }

    health_->record_failure(*h, o.reason, now, o.retry_after);
    excluded_[stage_index].insert(target.id);
    last_reason_ = o.reason;
    if (o.retry_after) {
        // Worth waiting for within the request only when short; a longer one takes the deployment out of it.
        const auto& settings = table_->settings;
        const duration cap = std::max(seconds_to_duration(settings.retry_after_cap), duration::zero());
        const duration asked = std::clamp(*o.retry_after, duration::zero(), cap);
        if (asked <= std::max(seconds_to_duration(settings.retry_after_max_wait), duration::zero())) {
            round_retry_after_ = std::max(round_retry_after_.value_or(duration::zero()), asked);
        } else {
            banned_.insert(target.id);
        }
    }
    if (o.reason == failure_reason::timeout) {
        banned_.insert(target.id);  // it would make the client wait as long again
    }
    if (o.mid_stream || stream_committed_) {
        if (!stream_committed_) {
            // The client's stream is running: no retry round brings back anything that failed in it.
            stream_committed_ = true;
            for (const auto& a : attempts_) {
                if (!a.skipped && a.reason != failure_reason::none) {
                    banned_.insert(a.deployment_id);
                }
            }
        }
        banned_.insert(target.id);
    }

    switch (o.reason) {
    case failure_reason::format:
        if (o.mid_stream) {
            break;  // a refused continuation or a drifted restart: the next candidate may still continue
        }
        ending_ = ending::gave_back;
        break;
    case failure_reason::context_window:
    case failure_reason::content_policy:
        take_special_path(o.reason);
        break;
    default:
        if (!table_->settings.enable_weighted_failover) {
            round_over_ = true;  // no re-pick in this group: on to another round or the next group
        }
        break;
    }
}

void plan::take_special_path(failure_reason r)
{
    // The request itself is the problem (too long, or refused): another deployment of the same kind would
    // fail the same way, so the rest of the plan is dropped for the fallbacks made for exactly this case.
    if (options_.disable_fallbacks || fallbacks_taken_ >= std::max(table_->settings.max_fallbacks, 0)) {
        ending_ = ending::gave_back;  // no hop allowed: the upstream's answer stands
        return;
    }
    const auto& settings = table_->settings;
    const auto* list = lookup(r == failure_reason::context_window ? settings.context_window_fallbacks
                                                                  : settings.content_policy_fallbacks);
    groups_.resize(current_ + 1);
    if (list != nullptr) {
        add_list(*list, r == failure_reason::context_window ? "router_settings.context_window_fallbacks"
                                                            : "router_settings.content_policy_fallbacks");
    }
    if (groups_.size() == current_ + 1) {
        ending_ = ending::gave_back;  // none configured (or all tried already): the upstream's answer stands
        return;
    }
    advance();
}

errc plan::exhausted_why() const
{
    int sent = 0;
    int rate_limited = 0;
    int timed_out = 0;
    for (const auto& a : attempts_) {
        if (a.skipped) {
            continue;
        }
        ++sent;
        rate_limited += a.reason == failure_reason::rate_limit ? 1 : 0;
        timed_out += a.reason == failure_reason::timeout ? 1 : 0;
    }
    if (sent == 0) {
        return errc::nothing_sent;
    }
    if (rate_limited == sent) {
        return errc::all_rate_limited;
    }
    if (timed_out == sent) {
        return errc::all_timed_out;
    }
    return errc::all_failed;
}

plan::step plan::finish(ending e)
{
    ending_ = e;
    if (e == ending::exhausted) {
        return exhausted{exhausted_why()};
    }
    return give_back{};
}

void throw_exception_from_error(const plan::refusal& r, const boost::source_location&)
{
    throw std::invalid_argument(r.message);
}

int plan::attempts_sent() const noexcept
{
    return abandoned_ + static_cast<int>(std::count_if(attempts_.begin(), attempts_.end(),
                                                       [](const attempt& a) { return !a.skipped; }));
}

std::optional<duration> plan::earliest_cooldown_end(time_point now) const
{
    std::optional<duration> earliest;
    for (const auto& stage : groups_) {
        const auto* members = table_->group(stage.name);
        if (members == nullptr) {
            continue;
        }
        for (const std::size_t index : *members) {
            const duration left = health_of(table_->deployments()[index])->cooldown_remaining(now);
            if (left > duration::zero() && (!earliest || left < *earliest)) {
                earliest = left;
            }
        }
    }
    return earliest;
}

const std::string& plan::primary_group() const noexcept
{
    return groups_.front().name;
}

}  // namespace baton::routing
