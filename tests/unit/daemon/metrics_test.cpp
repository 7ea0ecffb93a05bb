#include "daemon/metrics.hpp"
#include "daemon/labelled_counter.hpp"
#include "daemon/latency_histogram.hpp"
#include "daemon/metrics_shard.hpp"
#include "daemon/process_stats.hpp"

#include <boost/test/unit_test.hpp>

#include <array>
#include <cmath>
#include <ctime>
#include <initializer_list>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

using baton::daemon::batch_outcome;
using baton::daemon::config_reload_counts;
using baton::daemon::deployment_health_row;
using baton::daemon::latency_histogram;
using baton::daemon::metrics_shard;
using baton::daemon::process_stats;
using baton::daemon::render_metrics;
using baton::daemon::token_type;

namespace {

// The `le` labels as Prometheus users will read them, typed independently of latency_histogram::bounds.
constexpr std::array<const char*, 21> le_labels = {
    "0.00005", "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
    "0.25",    "0.5",    "1",       "2.5",    "5",     "10",     "30",    "60",   "120",   "+Inf",
};

// The 21 `_bucket` lines of one histogram series; `labels` is "" or e.g. `model_group="g",`.
std::string bucket_lines(const std::string& name, const std::string& labels, const std::array<int, 21>& cumulative) {
    std::string out;
    for (std::size_t i = 0; i < le_labels.size(); ++i) {
        out += name + "_bucket{" + labels + "le=\"" + le_labels[i] + "\"} " + std::to_string(cumulative[i]) + "\n";
    }
    return out;
}

std::string render(const metrics_shard& s, std::initializer_list<deployment_health_row> health = {},
                   config_reload_counts reloads = {}) {
    const std::vector<deployment_health_row> rows(health);
    return render_metrics(s, rows, reloads, process_stats{});
}

bool has_line(const std::string& text, const std::string& line) {
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) {
        if (l == line) {
            return true;
        }
    }
    return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(latency_histogram_suite)

BOOST_AUTO_TEST_CASE(buckets_are_cumulative_and_inclusive_of_their_bound) {
    latency_histogram h;
    h.observe(0.00005);  // exactly on the first bound: le is inclusive
    h.observe(0.0003);
    h.observe(0.3);
    h.observe(0.3);
    h.observe(120.0);
    h.observe(500.0);  // only +Inf
    BOOST_TEST(h.cumulative(0) == 1u);
    BOOST_TEST(h.cumulative(1) == 1u);
    BOOST_TEST(h.cumulative(2) == 1u);
    BOOST_TEST(h.cumulative(3) == 2u);   // 0.0005
    BOOST_TEST(h.cumulative(11) == 2u);  // 0.25
    BOOST_TEST(h.cumulative(12) == 4u);  // 0.5
    BOOST_TEST(h.cumulative(18) == 4u);  // 60
    BOOST_TEST(h.cumulative(19) == 5u);  // 120
    BOOST_TEST(h.cumulative(20) == 6u);  // +Inf
    BOOST_TEST(h.count() == 6u);
    for (std::size_t i = 1; i <= latency_histogram::bounds.size(); ++i) {
        BOOST_TEST(h.cumulative(i) >= h.cumulative(i - 1));
    }
}

BOOST_AUTO_TEST_CASE(negative_counts_as_zero_and_nan_is_ignored) {
    latency_histogram h;
    h.observe(-1.0);
    h.observe(std::numeric_limits<double>::quiet_NaN());
    BOOST_TEST(h.count() == 1u);
    BOOST_TEST(h.cumulative(0) == 1u);
    BOOST_TEST(h.sum() == 0.0);
}

BOOST_AUTO_TEST_CASE(bounds_span_50us_to_120s) {
    BOOST_TEST(latency_histogram::bounds.front() == 0.00005);
    BOOST_TEST(latency_histogram::bounds.back() == 120.0);
    for (std::size_t i = 1; i < latency_histogram::bounds.size(); ++i) {
        BOOST_TEST(latency_histogram::bounds[i] > latency_histogram::bounds[i - 1]);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(labelled_counter_suite)

// The recently used series are a shortcut only: every series keeps its own count whatever the order of use
// (more series than the shortcut holds, alternating), and copies and moves count on their own.
BOOST_AUTO_TEST_CASE(counts_stay_per_series_through_the_recent_shortcut_copies_and_moves)
{
    using baton::daemon::labelled_counter;
    labelled_counter<2> c;
    const std::vector<std::string> groups{"a", "b", "ab", "c", "d", "e"};
    for (int round = 0; round < 3; ++round) {
        for (const auto& g : groups) {
            c.add({g, "200"});
            c.add({g, "20"}, 2);
        }
    }
    for (const auto& g : groups) {
        BOOST_TEST(c.value({g, "200"}) == 3u);
        BOOST_TEST(c.value({g, "20"}) == 6u);
    }
    BOOST_TEST(c.samples().size() == 12u);

    labelled_counter<2> copy = c;
    copy.add({"a", "200"});
    c.add({"a", "200"}, 10);
    BOOST_TEST(copy.value({"a", "200"}) == 4u);
    BOOST_TEST(c.value({"a", "200"}) == 13u);

    labelled_counter<2> moved = std::move(copy);
    moved.add({"a", "200"});
    BOOST_TEST(moved.value({"a", "200"}) == 5u);
    copy = c;
    copy.add({"b", "200"});
    BOOST_TEST(copy.value({"b", "200"}) == 4u);
    BOOST_TEST(c.value({"b", "200"}) == 3u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(metrics_shard_suite)

BOOST_AUTO_TEST_CASE(alias_counter_moves_only_when_called_for_an_alias) {
    metrics_shard s;
    // A request for the plain group gpt-4o: the handler records the request, never an alias resolution.
    s.request_finished("gpt-4o", 200, 0.1, 0.001);
    BOOST_TEST(s.alias_resolutions().value({"gpt-4o", "gpt-4o"}) == 0u);
    BOOST_TEST(s.alias_resolutions().samples().empty());
    BOOST_TEST(!has_line(render(s), "baton_alias_resolved_total{alias=\"gpt-4o\",target=\"gpt-4o\"} 1"));

    s.alias_resolved("fast-text", "local-gemma");
    BOOST_TEST(s.alias_resolutions().value({"fast-text", "local-gemma"}) == 1u);
    BOOST_TEST(s.alias_resolutions().value({"fast-text", "groq-llama"}) == 0u);
    BOOST_TEST(s.alias_resolutions().samples().size() == 1u);
    BOOST_TEST(has_line(render(s), "baton_alias_resolved_total{alias=\"fast-text\",target=\"local-gemma\"} 1"));
}

BOOST_AUTO_TEST_CASE(fallback_counts_each_hop_by_from_to_and_reason) {
    metrics_shard s;
    s.fallback("gpt-4o", "gpt-4o", "rate_limit");  // same-group re-pick
    s.fallback("gpt-4o", "claude-sonnet", "server_error");
    s.fallback("gpt-4o", "claude-sonnet", "server_error");
    BOOST_TEST(s.fallbacks().value({"gpt-4o", "claude-sonnet", "server_error"}) == 2u);
    BOOST_TEST(s.fallbacks().value({"gpt-4o", "gpt-4o", "rate_limit"}) == 1u);
    BOOST_TEST(s.fallbacks().value({"gpt-4o", "claude-sonnet", "timeout"}) == 0u);
    const std::string text = render(s);
    BOOST_TEST(has_line(text,
                        "baton_fallback_total{from_model=\"gpt-4o\",to_model=\"claude-sonnet\",reason=\"server_error\"} 2"));
    BOOST_TEST(has_line(text, "baton_fallback_total{from_model=\"gpt-4o\",to_model=\"gpt-4o\",reason=\"rate_limit\"} 1"));
}

BOOST_AUTO_TEST_CASE(health_gauge_writes_one_then_zero) {
    const metrics_shard s;
    const std::string healthy = render(s, {{"gpt4o-eastus", "gpt-4o", true, 0}});
    BOOST_TEST(has_line(healthy, "baton_deployment_healthy{deployment=\"gpt4o-eastus\",model_group=\"gpt-4o\"} 1"));
    BOOST_TEST(has_line(healthy, "baton_deployment_cooldowns_total{deployment=\"gpt4o-eastus\"} 0"));

    const std::string cooling = render(s, {{"gpt4o-eastus", "gpt-4o", false, 1}});
    BOOST_TEST(has_line(cooling, "baton_deployment_healthy{deployment=\"gpt4o-eastus\",model_group=\"gpt-4o\"} 0"));
    BOOST_TEST(has_line(cooling, "baton_deployment_cooldowns_total{deployment=\"gpt4o-eastus\"} 1"));
    BOOST_TEST(!has_line(cooling, "baton_deployment_healthy{deployment=\"gpt4o-eastus\",model_group=\"gpt-4o\"} 1"));
}

BOOST_AUTO_TEST_CASE(label_values_are_escaped) {
    metrics_shard s;
    s.alias_resolved("a\"b", "c\\d\ne");
    s.stream_failover("x\"y");
    const std::string text = render(s, {{"dep\"1", "grp\\1", true, 0}});
    BOOST_TEST(has_line(text, R"(baton_alias_resolved_total{alias="a\"b",target="c\\d\ne"} 1)"));
    BOOST_TEST(has_line(text, R"(baton_stream_failovers_total{reason="x\"y"} 1)"));
    BOOST_TEST(has_line(text, R"(baton_deployment_healthy{deployment="dep\"1",model_group="grp\\1"} 1)"));
}

BOOST_AUTO_TEST_CASE(merging_two_shards_sums_everything) {
    metrics_shard a;
    metrics_shard b;
    a.request_finished("gpt-4o", 200, 0.2, 0.001);
    b.request_finished("gpt-4o", 200, 3.0, 0.002);
    b.request_finished("claude-sonnet", 429, 0.01, 0.0001);
    a.time_to_first_token(0.05);
    b.time_to_first_token(0.5);
    a.upstream_request("d1", "success");
    b.upstream_request("d1", "success");
    b.upstream_request("d2", "timeout");
    a.fallback("g", "h", "timeout");
    b.fallback("g", "h", "timeout");
    a.alias_resolved("fast", "g");
    b.alias_resolved("fast", "g");
    a.tokens("g", token_type::prompt, 100);
    b.tokens("g", token_type::prompt, 50);
    b.tokens("g", token_type::completion, 7);
    a.stream_failover("connection");
    b.stream_failover("connection");
    a.stream_event_dropped("malformed");
    b.stream_event_dropped("malformed");
    b.hedge("failed");
    a.stream_started();
    a.stream_started();
    b.stream_started();
    a.stream_ended();
    a.batch_request(batch_outcome::completed);
    b.batch_request(batch_outcome::completed);
    b.batch_request(batch_outcome::failed);

    const std::array<metrics_shard, 2> copies{a, b};
    const metrics_shard m = baton::daemon::merge_shards(copies);
    BOOST_TEST(m.requests().value({"gpt-4o", "200"}) == 2u);
    BOOST_TEST(m.requests().value({"claude-sonnet", "429"}) == 1u);
    BOOST_TEST(m.request_duration().at("gpt-4o").count() == 2u);
    BOOST_TEST(m.request_duration().at("gpt-4o").sum() == 3.2);
    BOOST_TEST(m.request_duration().at("claude-sonnet").count() == 1u);
    BOOST_TEST(m.overhead().count() == 3u);
    BOOST_TEST(m.ttft().count() == 2u);
    BOOST_TEST(m.ttft().cumulative(9) == 1u);   // 0.05
    BOOST_TEST(m.ttft().cumulative(12) == 2u);  // 0.5
    BOOST_TEST(m.upstream_requests().value({"d1", "success"}) == 2u);
    BOOST_TEST(m.upstream_requests().value({"d2", "timeout"}) == 1u);
    BOOST_TEST(m.fallbacks().value({"g", "h", "timeout"}) == 2u);
    BOOST_TEST(m.alias_resolutions().value({"fast", "g"}) == 2u);
    BOOST_TEST(m.token_counts().value({"g", "prompt"}) == 150u);
    BOOST_TEST(m.token_counts().value({"g", "completion"}) == 7u);
    BOOST_TEST(m.stream_failovers().value({"connection"}) == 2u);
    BOOST_TEST(m.stream_events_dropped().value({"malformed"}) == 2u);
    BOOST_TEST(m.hedges().value({"failed"}) == 1u);
    BOOST_TEST(m.streams_active() == 2);
    BOOST_TEST(m.batch_requests(batch_outcome::completed) == 2u);
    BOOST_TEST(m.batch_requests(batch_outcome::failed) == 1u);

    // The inputs are copies: merging leaves them alone.
    BOOST_TEST(a.requests().value({"gpt-4o", "200"}) == 1u);
    BOOST_TEST(baton::daemon::merge_shards({}).requests().samples().empty());
}

BOOST_AUTO_TEST_CASE(streams_active_is_the_sum_over_shards) {
    metrics_shard a;
    metrics_shard b;
    a.stream_started();
    b.stream_started();
    b.stream_started();
    b.stream_ended();
    const std::array<metrics_shard, 2> copies{a, b};
    BOOST_TEST(has_line(render(baton::daemon::merge_shards(copies)), "baton_streams_active 2"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(render_suite)

BOOST_AUTO_TEST_CASE(untouched_metrics_render_families_and_known_series_at_zero) {
    const std::string text = render(metrics_shard{});
    for (const char* family :
         {"baton_requests_total counter", "baton_request_duration_seconds histogram",
          "baton_time_to_first_token_seconds histogram", "baton_overhead_seconds histogram",
          "baton_upstream_requests_total counter", "baton_fallback_total counter",
          "baton_alias_resolved_total counter", "baton_deployment_healthy gauge",
          "baton_deployment_cooldowns_total counter", "baton_stream_failovers_total counter",
          "baton_stream_events_dropped_total counter", "baton_hedges_total counter",
          "baton_streams_active gauge", "baton_tokens_total counter", "baton_batch_requests_total counter",
          "baton_config_reloads_total counter"}) {
        BOOST_TEST_CONTEXT(family) { BOOST_TEST(has_line(text, std::string("# TYPE ") + family)); }
    }
    BOOST_TEST(has_line(text, "baton_config_reloads_total{result=\"ok\"} 0"));
    BOOST_TEST(has_line(text, "baton_config_reloads_total{result=\"error\"} 0"));
    BOOST_TEST(has_line(text, "baton_batch_requests_total{outcome=\"completed\"} 0"));
    BOOST_TEST(has_line(text, "baton_batch_requests_total{outcome=\"failed\"} 0"));
    BOOST_TEST(has_line(text, "baton_streams_active 0"));
    BOOST_TEST(has_line(text, "baton_time_to_first_token_seconds_bucket{le=\"+Inf\"} 0"));
    BOOST_TEST(has_line(text, "baton_overhead_seconds_count 0"));
    BOOST_TEST(has_line(text, "baton_overhead_seconds_sum 0"));
    // No process stats were given: none are invented.
    BOOST_TEST(text.find("process_") == std::string::npos);
    BOOST_TEST(text.find("baton_uptime_seconds") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(exact_text_of_a_small_scenario) {
    metrics_shard a;  // reactor 0
    metrics_shard b;  // reactor 1
    // Durations are binary fractions so sums are exact.
    a.request_finished("gpt-4o", 200, 0.375, 0.00048828125);
    a.time_to_first_token(0.125);
    a.upstream_request("gpt4o-eastus", "success");
    a.tokens("gpt-4o", token_type::prompt, 10);
    a.tokens("gpt-4o", token_type::completion, 5);
    a.stream_started();
    b.request_finished("gpt-4o", 502, 2.0, 0.001953125);
    b.upstream_request("gpt4o-eastus", "server_error");
    b.fallback("gpt-4o", "claude-sonnet", "server_error");
    b.alias_resolved("fast-text", "local-gemma");
    b.stream_failover("connection");
    b.stream_event_dropped("malformed");
    a.hedge("won");
    b.hedge("won");
    b.hedge("lost");
    b.batch_request(batch_outcome::completed);

    const std::array<metrics_shard, 2> copies{a, b};
    const std::vector<deployment_health_row> health{{"gpt4o-westus", "gpt-4o", false, 2},
                                                    {"gpt4o-eastus", "gpt-4o", true, 0}};
    process_stats proc;
    proc.resident_memory_bytes = 1048576;
    proc.open_fds = 12;
    proc.start_time_seconds = 1795464859.5;
    proc.uptime_seconds = 42.25;

    const std::string text =
        render_metrics(baton::daemon::merge_shards(copies), health, config_reload_counts{1, 2}, proc);

    const std::string expected =
        "# HELP baton_requests_total Client requests finished, by model group and HTTP status sent.\n"
        "# TYPE baton_requests_total counter\n"
        "baton_requests_total{model_group=\"gpt-4o\",status=\"200\"} 1\n"
        "baton_requests_total{model_group=\"gpt-4o\",status=\"502\"} 1\n"
        "# HELP baton_request_duration_seconds Client request duration from arrival to last byte, seconds, "
        "by "
        "model group.\n"
        "# TYPE baton_request_duration_seconds histogram\n" +
        bucket_lines("baton_request_duration_seconds", "model_group=\"gpt-4o\",",
                     {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 2, 2, 2, 2, 2}) +
        "baton_request_duration_seconds_sum{model_group=\"gpt-4o\"} 2.375\n"
        "baton_request_duration_seconds_count{model_group=\"gpt-4o\"} 2\n"
        "# HELP baton_time_to_first_token_seconds Time from request arrival to the first streamed token "
        "relayed "
        "to the client, seconds.\n"
        "# TYPE baton_time_to_first_token_seconds histogram\n" +
        bucket_lines("baton_time_to_first_token_seconds", "",
                     {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}) +
        "baton_time_to_first_token_seconds_sum 0.125\n"
        "baton_time_to_first_token_seconds_count 1\n"
        "# HELP baton_overhead_seconds Request time not spent waiting on upstreams (the gateway's own cost), "
        "seconds.\n"
        "# TYPE baton_overhead_seconds histogram\n" +
        bucket_lines("baton_overhead_seconds", "",
                     {0, 0, 0, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2}) +
        "baton_overhead_seconds_sum 0.00244140625\n"
        "baton_overhead_seconds_count 2\n"
        "# HELP baton_upstream_requests_total Upstream attempts, by deployment and outcome (success or "
        "failure "
        "class).\n"
        "# TYPE baton_upstream_requests_total counter\n"
        "baton_upstream_requests_total{deployment=\"gpt4o-eastus\",outcome=\"server_error\"} 1\n"
        "baton_upstream_requests_total{deployment=\"gpt4o-eastus\",outcome=\"success\"} 1\n"
        "# HELP baton_fallback_total Hops to another candidate, by model group left, model group tried next "
        "and "
        "failure class.\n"
        "# TYPE baton_fallback_total counter\n"
        "baton_fallback_total{from_model=\"gpt-4o\",to_model=\"claude-sonnet\",reason=\"server_error\"} 1\n"
        "# HELP baton_alias_resolved_total Requests for an alias, by alias and the model group that served.\n"
        "# TYPE baton_alias_resolved_total counter\n"
        "baton_alias_resolved_total{alias=\"fast-text\",target=\"local-gemma\"} 1\n"
        "# HELP baton_deployment_healthy 1 when the deployment is not cooling down, 0 while it is.\n"
        "# TYPE baton_deployment_healthy gauge\n"
        "baton_deployment_healthy{deployment=\"gpt4o-eastus\",model_group=\"gpt-4o\"} 1\n"
        "baton_deployment_healthy{deployment=\"gpt4o-westus\",model_group=\"gpt-4o\"} 0\n"
        "# HELP baton_deployment_cooldowns_total Cooldowns started, by deployment.\n"
        "# TYPE baton_deployment_cooldowns_total counter\n"
        "baton_deployment_cooldowns_total{deployment=\"gpt4o-eastus\"} 0\n"
        "baton_deployment_cooldowns_total{deployment=\"gpt4o-westus\"} 2\n"
        "# HELP baton_stream_failovers_total Streams that failed over after their first byte, by failure "
        "class.\n"
        "# TYPE baton_stream_failovers_total counter\n"
        "baton_stream_failovers_total{reason=\"connection\"} 1\n"
        "# HELP baton_stream_events_dropped_total Upstream stream events dropped while the same upstream "
        "went "
        "on, by reason.\n"
        "# TYPE baton_stream_events_dropped_total counter\n"
        "baton_stream_events_dropped_total{reason=\"malformed\"} 1\n"
        "# HELP baton_hedges_total Hedged first tokens of streamed requests, by outcome.\n"
        "# TYPE baton_hedges_total counter\n"
        "baton_hedges_total{outcome=\"lost\"} 1\n"
        "baton_hedges_total{outcome=\"won\"} 2\n"
        "# HELP baton_streams_active SSE streams being relayed to clients.\n"
        "# TYPE baton_streams_active gauge\n"
        "baton_streams_active 1\n"
        "# HELP baton_tokens_total Tokens reported by upstreams, by model group and type.\n"
        "# TYPE baton_tokens_total counter\n"
        "baton_tokens_total{model_group=\"gpt-4o\",type=\"completion\"} 5\n"
        "baton_tokens_total{model_group=\"gpt-4o\",type=\"prompt\"} 10\n"
        "# HELP baton_batch_requests_total Batch input lines finished, by outcome.\n"
        "# TYPE baton_batch_requests_total counter\n"
        "baton_batch_requests_total{outcome=\"completed\"} 1\n"
        "baton_batch_requests_total{outcome=\"failed\"} 0\n"
        "# HELP baton_config_reloads_total Config reloads (SIGHUP), by result.\n"
        "# TYPE baton_config_reloads_total counter\n"
        "baton_config_reloads_total{result=\"error\"} 2\n"
        "baton_config_reloads_total{result=\"ok\"} 1\n"
        "# HELP process_open_fds Number of open file descriptors.\n"
        "# TYPE process_open_fds gauge\n"
        "process_open_fds 12\n"
        "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
        "# TYPE process_resident_memory_bytes gauge\n"
        "process_resident_memory_bytes 1048576\n"
        "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
        "# TYPE process_start_time_seconds gauge\n"
        "process_start_time_seconds 1795464859.5\n"
        "# HELP baton_uptime_seconds Seconds since batond started.\n"
        "# TYPE baton_uptime_seconds gauge\n"
        "baton_uptime_seconds 42.25\n";
    BOOST_TEST(text == expected);
}

BOOST_AUTO_TEST_CASE(status_label_is_the_decimal_http_status) {
    metrics_shard s;
    s.request_finished("unknown", 404, 0.001, 0.001);
    BOOST_TEST(s.requests().value({"unknown", "404"}) == 1u);
    BOOST_TEST(has_line(render(s), "baton_requests_total{model_group=\"unknown\",status=\"404\"} 1"));
}

BOOST_AUTO_TEST_CASE(non_finite_sums_render_as_prometheus_infinity) {
    metrics_shard s;
    s.time_to_first_token(std::numeric_limits<double>::infinity());
    const std::string text = render(s);
    BOOST_TEST(has_line(text, "baton_time_to_first_token_seconds_sum +Inf"));
    BOOST_TEST(has_line(text, "baton_time_to_first_token_seconds_bucket{le=\"120\"} 0"));
    BOOST_TEST(has_line(text, "baton_time_to_first_token_seconds_bucket{le=\"+Inf\"} 1"));
}

BOOST_AUTO_TEST_CASE(every_line_is_a_comment_or_a_sample) {
    metrics_shard s;
    s.request_finished("g", 200, 1, 0.1);
    s.tokens("g", token_type::prompt, 3);
    const std::vector<deployment_health_row> health{{"d", "g", true, 0}};
    const std::string text =
        render_metrics(s, health, config_reload_counts{}, baton::daemon::read_process_stats());
    BOOST_REQUIRE(!text.empty());
    BOOST_TEST(text.back() == '\n');
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        BOOST_TEST_CONTEXT(line) {
            if (line.rfind("# ", 0) == 0) {
                BOOST_TEST((line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0));
                continue;
            }
            const auto space = line.rfind(' ');
            BOOST_REQUIRE(space != std::string::npos);
            const std::string value = line.substr(space + 1);
            std::size_t used = 0;
            if (value != "+Inf" && value != "-Inf" && value != "NaN") {
                BOOST_CHECK_NO_THROW(std::stod(value, &used));
                BOOST_TEST(used == value.size());
            }
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(process_stats_suite)

BOOST_AUTO_TEST_CASE(reads_this_process_from_proc) {
    const process_stats p = baton::daemon::read_process_stats();
    BOOST_REQUIRE(p.resident_memory_bytes.has_value());
    BOOST_TEST(*p.resident_memory_bytes > 0u);
    BOOST_REQUIRE(p.open_fds.has_value());
    BOOST_TEST(*p.open_fds >= 3u);  // stdin, stdout, stderr
    BOOST_REQUIRE(p.cpu_seconds_total.has_value());
    BOOST_TEST(*p.cpu_seconds_total >= 0.0);
    BOOST_REQUIRE(p.start_time_seconds.has_value());
    BOOST_REQUIRE(p.uptime_seconds.has_value());
    BOOST_TEST(*p.uptime_seconds >= 0.0);
    // Start time plus uptime is now, to the second (btime has whole seconds, clock ticks are 10 ms).
    const double now = static_cast<double>(std::time(nullptr));
    BOOST_TEST(std::abs(*p.start_time_seconds + *p.uptime_seconds - now) <= 2.0);
    BOOST_TEST(*p.start_time_seconds <= now + 1.0);
}

BOOST_AUTO_TEST_SUITE_END()
