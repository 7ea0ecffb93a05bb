#include "daemon/metrics_shard.hpp"

#include <array>
#include <charconv>

namespace baton::daemon {

std::string_view to_string(token_type type) noexcept {
    return type == token_type::prompt ? "prompt" : "completion";
}

std::string_view to_string(batch_outcome outcome) noexcept {
    return outcome == batch_outcome::completed ? "completed" : "failed";
}

void metrics_shard::request_finished(std::string_view model_group, int status, double duration_s,
                                     double overhead_s) {
    std::array<char, 16> buf{};
    const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), status);
    requests_.add({model_group, std::string_view(buf.data(), static_cast<std::size_t>(r.ptr - buf.data()))});

    auto it = request_duration_.find(model_group);
    if (it == request_duration_.end()) {
        it = request_duration_.emplace(std::string(model_group), latency_histogram{}).first;
    }
    it->second.observe(duration_s);
    overhead_.observe(overhead_s);
}

void metrics_shard::time_to_first_token(double seconds) noexcept {
    ttft_.observe(seconds);
}

void metrics_shard::upstream_request(std::string_view deployment, std::string_view outcome) {
    upstream_requests_.add({deployment, outcome});
}

void metrics_shard::fallback(std::string_view from_model, std::string_view to_model, std::string_view reason) {
    fallbacks_.add({from_model, to_model, reason});
}

void metrics_shard::alias_resolved(std::string_view alias, std::string_view target) {
    alias_resolutions_.add({alias, target});
}

void metrics_shard::tokens(std::string_view model_group, token_type type, std::uint64_t n) {
    tokens_.add({model_group, to_string(type)}, n);
}

void metrics_shard::stream_failover(std::string_view reason) {
    stream_failovers_.add({reason});
}

void metrics_shard::stream_event_dropped(std::string_view reason)
{
    stream_events_dropped_.add({reason});
}

void metrics_shard::hedge(std::string_view outcome)
{
    hedges_.add({outcome});
}

void metrics_shard::batch_request(batch_outcome outcome) noexcept {
    ++(outcome == batch_outcome::completed ? batch_completed_ : batch_failed_);
}

std::uint64_t metrics_shard::batch_requests(batch_outcome outcome) const noexcept {
    return outcome == batch_outcome::completed ? batch_completed_ : batch_failed_;
}

void metrics_shard::merge(const metrics_shard& other) {
    requests_.merge(other.requests_);
    for (const auto& [group, h] : other.request_duration_) {
        request_duration_[group].merge(h);
    }
    ttft_.merge(other.ttft_);
    overhead_.merge(other.overhead_);
    upstream_requests_.merge(other.upstream_requests_);
    fallbacks_.merge(other.fallbacks_);
    alias_resolutions_.merge(other.alias_resolutions_);
    tokens_.merge(other.tokens_);
    stream_failovers_.merge(other.stream_failovers_);
    stream_events_dropped_.merge(other.stream_events_dropped_);
    hedges_.merge(other.hedges_);
    streams_active_ += other.streams_active_;
    batch_completed_ += other.batch_completed_;
    batch_failed_ += other.batch_failed_;
}

}  // namespace baton::daemon
