#include "daemon/metrics.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <tuple>
#include <utility>
#include <vector>

namespace baton::daemon {

namespace {

using label = std::pair<std::string_view, std::string_view>;

void append_escaped(std::string& out, std::string_view v, bool quotes) {
    for (char c : v) {
        switch (c) {
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '"':
            out += quotes ? "\\\"" : "\"";
            break;
        default:
            out += c;
        }
    }
}

std::string format_double(double v, std::chars_format fmt) {
    if (std::isnan(v)) {
        return "NaN";
    }
    if (std::isinf(v)) {
        return v > 0 ? "+Inf" : "-Inf";
    }
    std::array<char, 64> buf{};
    const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v, fmt);
    return std::string(buf.data(), r.ptr);
}

// Shortest round-trip form, fixed or scientific whichever is shorter: 0.25, 120, 1e-06.
std::string format_value(double v) {
    if (!std::isfinite(v)) {
        return format_double(v, std::chars_format::general);
    }
    std::array<char, 64> buf{};
    const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
    return std::string(buf.data(), r.ptr);
}

class text_writer {
public:
    void family(std::string_view name, std::string_view type, std::string_view help) {
        out_ += "# HELP ";
        out_ += name;
        out_ += ' ';
        append_escaped(out_, help, false);
        out_ += "\n# TYPE ";
        out_ += name;
        out_ += ' ';
        out_ += type;
        out_ += '\n';
    }

    void sample(std::string_view name, std::initializer_list<label> labels, std::string_view value) {
        sample(name, std::span<const label>(labels.begin(), labels.size()), value);
    }

    void sample(std::string_view name, std::span<const label> labels, std::string_view value) {
        out_ += name;
        if (!labels.empty()) {
            out_ += '{';
            bool first = true;
            for (const auto& [k, v] : labels) {
                if (!first) {
                    out_ += ',';
                }
                first = false;
                out_ += k;
                out_ += "=\"";
                append_escaped(out_, v, true);
                out_ += '"';
            }
            out_ += '}';
        }
        out_ += ' ';
        out_ += value;
        out_ += '\n';
    }

    template <std::size_t N>
    void counter(std::string_view name, std::string_view help, const std::array<std::string_view, N>& label_names,
                 const labelled_counter<N>& c) {
        family(name, "counter", help);
        for (const auto& [values, n] : c.samples()) {
            std::array<label, N> labels;
            for (std::size_t i = 0; i < N; ++i) {
                labels[i] = {label_names[i], values[i]};
            }
            sample(name, labels, std::to_string(n));
        }
    }

    // Series of one histogram; `labels` come before `le`.
    void histogram_series(std::string_view name, std::span<const label> labels, const latency_histogram& h) {
        const std::string bucket = std::string(name) + "_bucket";
        std::vector<label> with_le(labels.begin(), labels.end());
        with_le.emplace_back("le", "");
        for (std::size_t i = 0; i <= latency_histogram::bounds.size(); ++i) {
            const std::string le = i < latency_histogram::bounds.size()
                                       ? format_double(latency_histogram::bounds[i], std::chars_format::fixed)
                                       : std::string("+Inf");
            with_le.back().second = le;
            sample(bucket, with_le, std::to_string(h.cumulative(i)));
        }
        sample(std::string(name) + "_sum", labels, format_value(h.sum()));
        sample(std::string(name) + "_count", labels, std::to_string(h.count()));
    }

    std::string take() { return std::move(out_); }

private:
    std::string out_;
};

}  // namespace

metrics_shard merge_shards(std::span<const metrics_shard> copies) {
    metrics_shard total;
    for (const metrics_shard& s : copies) {
        total.merge(s);
    }
    return total;
}

std::string render_metrics(const metrics_shard& merged, std::span<const deployment_health_row> health,
                           const config_reload_counts& reloads, const process_stats& process) {
    text_writer w;

    w.counter<2>("baton_requests_total", "Client requests finished, by model group and HTTP status sent.",
                 {"model_group", "status"}, merged.requests());

    w.family("baton_request_duration_seconds", "histogram",
             "Client request duration from arrival to last byte, seconds, by model group.");
    for (const auto& [group, h] : merged.request_duration()) {
        const std::array<label, 1> labels{label{"model_group", group}};
        w.histogram_series("baton_request_duration_seconds", labels, h);
    }

    w.family("baton_time_to_first_token_seconds", "histogram",
             "Time from request arrival to the first streamed token relayed to the client, seconds.");
    w.histogram_series("baton_time_to_first_token_seconds", {}, merged.ttft());

    w.family("baton_overhead_seconds", "histogram",
             "Request time not spent waiting on upstreams (the gateway's own cost), seconds.");
    w.histogram_series("baton_overhead_seconds", {}, merged.overhead());

    w.counter<2>("baton_upstream_requests_total",
                 "Upstream attempts, by deployment and outcome (success or failure class).",
                 {"deployment", "outcome"}, merged.upstream_requests());

    w.counter<3>("baton_fallback_total",
                 "Hops to another candidate, by model group left, model group tried next and failure class.",
                 {"from_model", "to_model", "reason"}, merged.fallbacks());

    w.counter<2>("baton_alias_resolved_total", "Requests for an alias, by alias and the model group that served.",
                 {"alias", "target"}, merged.alias_resolutions());

    std::vector<const deployment_health_row*> rows;
    rows.reserve(health.size());
    for (const deployment_health_row& r : health) {
        rows.push_back(&r);
    }
    std::sort(rows.begin(), rows.end(), [](const deployment_health_row* a, const deployment_health_row* b) {
        return std::tie(a->deployment, a->model_group) < std::tie(b->deployment, b->model_group);
    });
    w.family("baton_deployment_healthy", "gauge", "1 when the deployment is not cooling down, 0 while it is.");
    for (const deployment_health_row* r : rows) {
        w.sample("baton_deployment_healthy", {{"deployment", r->deployment}, {"model_group", r->model_group}},
                 r->healthy ? "1" : "0");
    }
    w.family("baton_deployment_cooldowns_total", "counter", "Cooldowns started, by deployment.");
    for (const deployment_health_row* r : rows) {
        w.sample("baton_deployment_cooldowns_total", {{"deployment", r->deployment}},
                 std::to_string(r->cooldowns_total));
    }

    w.counter<1>("baton_stream_failovers_total", "Streams that failed over after their first byte, by failure class.",
                 {"reason"}, merged.stream_failovers());

    w.counter<1>("baton_stream_events_dropped_total",
                 "Upstream stream events dropped while the same upstream went on, by reason.", {"reason"},
                 merged.stream_events_dropped());

    w.counter<1>("baton_hedges_total", "Hedged first tokens of streamed requests, by outcome.", {"outcome"},
                 merged.hedges());

    w.family("baton_streams_active", "gauge", "SSE streams being relayed to clients.");
    w.sample("baton_streams_active", {}, std::to_string(merged.streams_active()));

    w.counter<2>("baton_tokens_total", "Tokens reported by upstreams, by model group and type.",
                 {"model_group", "type"}, merged.token_counts());

    w.family("baton_batch_requests_total", "counter", "Batch input lines finished, by outcome.");
    for (batch_outcome o : {batch_outcome::completed, batch_outcome::failed}) {
        w.sample("baton_batch_requests_total", {{"outcome", to_string(o)}}, std::to_string(merged.batch_requests(o)));
    }

    w.family("baton_config_reloads_total", "counter", "Config reloads (SIGHUP), by result.");
    w.sample("baton_config_reloads_total", {{"result", "error"}}, std::to_string(reloads.error));
    w.sample("baton_config_reloads_total", {{"result", "ok"}}, std::to_string(reloads.ok));

    if (process.cpu_seconds_total) {
        w.family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.");
        w.sample("process_cpu_seconds_total", {}, format_value(*process.cpu_seconds_total));
    }
    if (process.open_fds) {
        w.family("process_open_fds", "gauge", "Number of open file descriptors.");
        w.sample("process_open_fds", {}, std::to_string(*process.open_fds));
    }
    if (process.max_fds) {
        w.family("process_max_fds", "gauge", "Maximum number of open file descriptors.");
        w.sample("process_max_fds", {}, std::to_string(*process.max_fds));
    }
    if (process.resident_memory_bytes) {
        w.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
        w.sample("process_resident_memory_bytes", {}, std::to_string(*process.resident_memory_bytes));
    }
    if (process.start_time_seconds) {
        w.family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.");
        w.sample("process_start_time_seconds", {}, format_value(*process.start_time_seconds));
    }
    if (process.uptime_seconds) {
        w.family("baton_uptime_seconds", "gauge", "Seconds since batond started.");
        w.sample("baton_uptime_seconds", {}, format_value(*process.uptime_seconds));
    }
    return w.take();
}

}  // namespace baton::daemon
