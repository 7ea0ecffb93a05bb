#define BOOST_TEST_MODULE operations
#include <boost/test/unit_test.hpp>

// Operations through a real batond (SPEC §4, §8, §9, §10; reference suite seeds/001, mana): metrics read
// from GET /metrics, the admin endpoints and their auth, secrets kept out of every output, the JSON log,
// SIGHUP reload, sd_notify over a real AF_UNIX datagram socket, nginx in front, and the systemd unit.

#include "support/harness.hpp"

#include <boost/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace bt = baton::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

using baton::test::chat_body;
using baton::test::content_pieces;
using baton::test::label_map;
using baton::test::str;

// ---------------------------------------------------------------------------------------------------------
// Configs

/// Every config of this file: bounded attempts (5 s; 3 s to a stream's first event), no retries,
/// allowed_fails 100 and 1 s cooldowns, two reactors, a 3 s drain; each deployment weighs 1 unless it says
/// otherwise.
const bt::config_defaults ops_defaults{
    .litellm_params = {"weight: 1", "timeout: 5", "stream_timeout: 3"},
    .router_settings = {"num_retries: 0", "allowed_fails: 100", "cooldown_time: 1",
                        "stream_idle_timeout: 0.5"},
    .general_settings = {"threads: 2", "graceful_shutdown_seconds: 3"},
};

using baton::test::unused_port;

using baton::test::port_accepts;

// ---------------------------------------------------------------------------------------------------------
// Requests and logs

double num(const json::object& o, std::string_view key)
{
    const auto* v = o.if_contains(key);
    if (!v) return -1;
    if (v->is_double()) return v->get_double();
    if (v->is_int64()) return static_cast<double>(v->get_int64());
    if (v->is_uint64()) return static_cast<double>(v->get_uint64());
    return -1;
}

bool is_number(const json::value* v) { return v && (v->is_double() || v->is_int64() || v->is_uint64()); }

/// Polls batond's log (every 10 ms) until an event satisfies `pred`, bounded by `d`.
std::optional<json::object> wait_event(bt::baton_process& b, const std::function<bool(const json::object&)>& pred,
                                       bt::deadline d)
{
    for (;;) {
        for (auto& e : b.log_events()) {
            if (pred(e)) return std::move(e);
        }
        if (bt::clock::now() >= d) return std::nullopt;
        std::this_thread::sleep_for(10ms);
    }
}

std::function<bool(const json::object&)> event_for(std::string event, std::string request_id)
{
    return [event = std::move(event), request_id = std::move(request_id)](const json::object& e) {
        return str(e, "event") == event && str(e, "request_id") == request_id;
    };
}

/// Polls /metrics until baton_streams_active is 0 (a stream's gauge drops when its coroutine unwinds).
bool wait_streams_idle(bt::http_client& c, bt::deadline d, const bt::header_list& headers = {})
{
    for (;;) {
        if (scrape(c, headers).value("baton_streams_active") == 0) return true;
        if (bt::clock::now() >= d) return false;
        std::this_thread::sleep_for(20ms);
    }
}

std::uint64_t monotonic_usec()
{
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
}

// ---------------------------------------------------------------------------------------------------------
// sd_notify receiver: an AF_UNIX datagram socket bound in a temp dir, as systemd's notify socket is.

class notify_socket {
public:
    struct message {
        std::string text;
        bt::clock::time_point arrived;
    };

    explicit notify_socket(std::filesystem::path path) : path_(std::move(path))
    {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) throw std::runtime_error("socket(AF_UNIX) failed");
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        if (path_.string().size() >= sizeof a.sun_path) throw std::runtime_error("notify socket path too long");
        std::strcpy(a.sun_path, path_.c_str());
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            throw std::runtime_error(std::string("bind notify socket: ") + std::strerror(errno));
        }
    }
    ~notify_socket() { ::close(fd_); }
    notify_socket(const notify_socket&) = delete;
    notify_socket& operator=(const notify_socket&) = delete;

    const std::filesystem::path& path() const { return path_; }

    /// The next datagram, nullopt at `d`.
    std::optional<message> receive(bt::deadline d)
    {
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(d - bt::clock::now()).count();
            if (left <= 0) return std::nullopt;
            pollfd p{fd_, POLLIN, 0};
            const int n = ::poll(&p, 1, static_cast<int>(left));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return std::nullopt;
            char buf[4096];
            const auto got = ::recv(fd_, buf, sizeof buf, 0);
            if (got < 0) continue;
            message m{std::string(buf, static_cast<std::size_t>(got)), bt::clock::now()};
            seen.push_back(m);
            return m;
        }
    }

    /// Datagrams until one satisfies `pred` (returned), nullopt at `d`. Every datagram goes to `seen`.
    std::optional<message> wait_for(const std::function<bool(const std::string&)>& pred, bt::deadline d)
    {
        while (auto m = receive(d)) {
            if (pred(m->text)) return m;
        }
        return std::nullopt;
    }

    std::vector<message> seen;

private:
    std::filesystem::path path_;
    int fd_ = -1;
};

/// The assignments of a notification ("A=1\nB=2" → {A: 1, B: 2}).
std::map<std::string, std::string> assignments(std::string_view text)
{
    std::map<std::string, std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        const auto line = text.substr(start, end - start);
        const auto eq = line.find('=');
        if (eq != std::string_view::npos) out[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
        start = end + 1;
    }
    return out;
}

bool has_assignment(const std::string& text, std::string_view key, std::string_view value)
{
    const auto a = assignments(text);
    const auto it = a.find(std::string(key));
    return it != a.end() && it->second == value;
}

}  // namespace

// =========================================================================================================
// 1. Metrics move as mana expects (seeds/001 TestMetricsRecording, TestRouterMetricsIntegration).

BOOST_AUTO_TEST_CASE(metrics_count_alias_resolutions_fallbacks_requests_tokens_and_histograms)
{
    bt::fake_upstream_process fake;
    fake.set_script("a", json::parse(R"({"status": 500})"));
    fake.set_script("p1", json::parse(R"({"status": 500})"));
    fake.set_script("s", json::parse(R"({"stream": {"chunks": 3}})"));
    const bt::refused_port dead;

    bt::test_config p;
    p.deployments = {
        {"g-a", "a"},        {"g-b", "b"},        {.group = "g-dead", .id = "dead", .api_base = dead.url()},
        {"g-pair", "p1", 1}, {"g-pair", "p2", 0}, {"g-s", "s"},
    };
    p.top =
        "aliases:\n"
        "  chain-ab:\n"
        "    description: \"a then b\"\n"
        "    chain: [g-a, g-b]\n"
        "  chain-db:\n"
        "    description: \"dead then b\"\n"
        "    chain: [g-dead, g-b]\n";
    bt::baton_process baton(bt::config_yaml(fake, p, ops_defaults));
    bt::http_client c(baton.port());

    const auto m0 = scrape(c);

    // An alias whose first group fails: served by the second group, one cross-group hop (server_error).
    auto r = c.post_json("/v1/chat/completions", chat_body("chain-ab"));
    BOOST_REQUIRE_EQUAL(r.status, 200u);
    BOOST_TEST(header(r, "x-baton-model-group") == "g-b");
    BOOST_TEST(header(r, "x-baton-attempts") == "2");
    BOOST_TEST(header(r, "x-baton-fallbacks") == "1");
    BOOST_TEST(header(r, "x-baton-resolved") == "openai/up-b");

    // A plain group: never an alias resolution.
    r = c.post_json("/v1/chat/completions", chat_body("g-b"));
    BOOST_REQUIRE_EQUAL(r.status, 200u);

    // An alias whose first group refuses connections: reason connection.
    r = c.post_json("/v1/chat/completions", chat_body("chain-db"));
    BOOST_REQUIRE_EQUAL(r.status, 200u);
    BOOST_TEST(header(r, "x-baton-model-group") == "g-b");

    // Same-group re-pick: p1 (weight 1) fails, p2 (weight 0) serves; from == to.
    r = c.post_json("/v1/chat/completions", chat_body("g-pair"));
    BOOST_REQUIRE_EQUAL(r.status, 200u);
    BOOST_TEST(header(r, "x-baton-deployment-id") == "p2");
    BOOST_TEST(header(r, "x-baton-attempts") == "2");
    BOOST_TEST(header(r, "x-baton-fallbacks") == "0");

    // A stream: time to first token, tokens from the streamed usage (5 prompt, 3 completion).
    {
        bt::http_client sc(baton.port());
        auto head = sc.open_stream("/v1/chat/completions", chat_body("g-s", true), bt::deadline_after(10s));
        BOOST_REQUIRE_EQUAL(head.status, 200u);
        const auto res = sc.read_events(bt::deadline_after(10s));
        BOOST_TEST(res.final_status == bt::stream_status::end);
        BOOST_REQUIRE(!res.events.empty());
        BOOST_TEST(res.events.back().is_done());
        BOOST_TEST(content_pieces(res.events) == (std::vector<std::string>{"s-0 ", "s-1 ", "s-2 "}),
                   boost::test_tools::per_element());
    }

    // A model nobody configured: labelled "unknown", never with the client's string.
    r = c.post_json("/v1/chat/completions", chat_body("zz-client-input"));
    BOOST_TEST(r.status == 404u);

    BOOST_REQUIRE(wait_streams_idle(c, bt::deadline_after(5s)));
    const auto m1 = scrape(c);
    auto delta = [&](std::string_view name, const label_map& labels) {
        return m1.value(name, labels) - m0.value(name, labels);
    };

    // baton_alias_resolved_total{alias,target}: target = the group that served; plain groups never count.
    BOOST_TEST(delta("baton_alias_resolved_total", {{"alias", "chain-ab"}, {"target", "g-b"}}) == 1);
    BOOST_TEST(delta("baton_alias_resolved_total", {{"alias", "chain-db"}, {"target", "g-b"}}) == 1);
    BOOST_TEST(m1.sum("baton_alias_resolved_total") - m0.sum("baton_alias_resolved_total") == 2);
    BOOST_TEST(m1.sum("baton_alias_resolved_total", {{"alias", "g-b"}}) == 0);
    BOOST_TEST(m1.sum("baton_alias_resolved_total", {{"target", "g-a"}}) == 0);

    // baton_fallback_total{from_model,to_model,reason}: every hop, cross-group and same-group.
    BOOST_TEST(delta("baton_fallback_total", {{"from_model", "g-a"}, {"to_model", "g-b"}, {"reason", "server_error"}}) == 1);
    BOOST_TEST(delta("baton_fallback_total", {{"from_model", "g-dead"}, {"to_model", "g-b"}, {"reason", "connection"}}) == 1);
    BOOST_TEST(delta("baton_fallback_total",
                     {{"from_model", "g-pair"}, {"to_model", "g-pair"}, {"reason", "server_error"}}) == 1);
    BOOST_TEST(m1.sum("baton_fallback_total") - m0.sum("baton_fallback_total") == 3);

    // baton_requests_total{model_group,status}: the group that served.
    BOOST_TEST(delta("baton_requests_total", {{"model_group", "g-b"}, {"status", "200"}}) == 3);
    BOOST_TEST(delta("baton_requests_total", {{"model_group", "g-pair"}, {"status", "200"}}) == 1);
    BOOST_TEST(delta("baton_requests_total", {{"model_group", "g-s"}, {"status", "200"}}) == 1);
    BOOST_TEST(delta("baton_requests_total", {{"model_group", "unknown"}, {"status", "404"}}) == 1);
    BOOST_TEST(m1.sum("baton_requests_total", {{"model_group", "g-a"}}) == 0);

    // baton_upstream_requests_total{deployment,outcome}.
    BOOST_TEST(delta("baton_upstream_requests_total", {{"deployment", "a"}, {"outcome", "server_error"}}) == 1);
    BOOST_TEST(delta("baton_upstream_requests_total", {{"deployment", "dead"}, {"outcome", "connection"}}) == 1);
    BOOST_TEST(delta("baton_upstream_requests_total", {{"deployment", "b"}, {"outcome", "success"}}) == 3);
    BOOST_TEST(delta("baton_upstream_requests_total", {{"deployment", "p1"}, {"outcome", "server_error"}}) == 1);
    BOOST_TEST(delta("baton_upstream_requests_total", {{"deployment", "p2"}, {"outcome", "success"}}) == 1);
    BOOST_TEST(delta("baton_upstream_requests_total", {{"deployment", "s"}, {"outcome", "success"}}) == 1);

    // baton_tokens_total{model_group,type}: the fake reports 5/7 per call, 5/<chunks> per stream.
    BOOST_TEST(delta("baton_tokens_total", {{"model_group", "g-b"}, {"type", "prompt"}}) == 15);
    BOOST_TEST(delta("baton_tokens_total", {{"model_group", "g-b"}, {"type", "completion"}}) == 21);
    BOOST_TEST(delta("baton_tokens_total", {{"model_group", "g-pair"}, {"type", "prompt"}}) == 5);
    BOOST_TEST(delta("baton_tokens_total", {{"model_group", "g-pair"}, {"type", "completion"}}) == 7);
    BOOST_TEST(delta("baton_tokens_total", {{"model_group", "g-s"}, {"type", "prompt"}}) == 5);
    BOOST_TEST(delta("baton_tokens_total", {{"model_group", "g-s"}, {"type", "completion"}}) == 3);

    // Histograms: _bucket (cumulative, up to +Inf), _sum, _count.
    BOOST_TEST(m1.type("baton_request_duration_seconds") == "histogram");
    BOOST_TEST(m1.type("baton_overhead_seconds") == "histogram");
    BOOST_TEST(m1.type("baton_time_to_first_token_seconds") == "histogram");
    BOOST_TEST(delta("baton_request_duration_seconds_count", {{"model_group", "g-b"}}) == 3);
    BOOST_TEST(delta("baton_request_duration_seconds_bucket", {{"model_group", "g-b"}, {"le", "+Inf"}}) == 3);
    BOOST_TEST(m1.value("baton_request_duration_seconds_sum", {{"model_group", "g-b"}}) > 0);
    BOOST_TEST(m1.count("baton_request_duration_seconds_bucket") >= 2u);
    BOOST_TEST(delta("baton_overhead_seconds_count", {}) == 6);
    BOOST_TEST(delta("baton_overhead_seconds_bucket", {{"le", "+Inf"}}) == 6);
    BOOST_TEST(m1.find("baton_overhead_seconds_sum").has_value());
    BOOST_TEST(delta("baton_time_to_first_token_seconds_count", {}) == 1);
    BOOST_TEST(delta("baton_time_to_first_token_seconds_bucket", {{"le", "+Inf"}}) == 1);
    BOOST_TEST(m1.value("baton_time_to_first_token_seconds_sum") > 0);
    // Buckets are cumulative: never decreasing with le.
    {
        double last = -1;
        for (const auto& s : m1.samples) {
            if (s.name != "baton_time_to_first_token_seconds_bucket") continue;
            BOOST_TEST(s.value >= last);
            last = s.value;
        }
    }

    // Gauges and the rest.
    BOOST_TEST(m1.value("baton_streams_active") == 0);
    BOOST_TEST(m1.type("baton_streams_active") == "gauge");
    BOOST_TEST(m1.find("baton_config_reloads_total", {{"result", "ok"}}).value_or(-1) == 0);
    BOOST_TEST(m1.find("baton_config_reloads_total", {{"result", "error"}}).value_or(-1) == 0);
    BOOST_TEST(m1.find("baton_deployment_healthy", {{"deployment", "a"}, {"model_group", "g-a"}}).value_or(-1) == 1);
    BOOST_TEST(m1.find("baton_deployment_cooldowns_total", {{"deployment", "a"}}).value_or(-1) == 0);
    BOOST_TEST(m1.value("process_cpu_seconds_total") > 0);
    BOOST_TEST(m1.value("process_resident_memory_bytes") > 0);
    BOOST_TEST(m1.value("process_open_fds") > 0);
    BOOST_TEST(m1.value("process_start_time_seconds") > 0);

    // Label sets never contain client input.
    BOOST_TEST(m1.raw.find("zz-client-input") == std::string::npos);
    for (const auto& s : m1.samples) {
        for (const auto& [k, v] : s.labels) BOOST_TEST(v != "zz-client-input");
    }
}

BOOST_AUTO_TEST_CASE(deployment_healthy_gauge_drops_during_a_cooldown_and_recovers_after_it)
{
    bt::fake_upstream_process fake;
    fake.set_script("c1", json::parse(R"({"steps": [{"status": 429}], "then": {}})"));

    bt::test_config p;
    p.deployments = {{"g-c", "c1", 1}, {"g-c", "c2", 0}};
    bt::baton_process baton(bt::config_yaml(fake, p, ops_defaults));  // cooldown_time: 1
    bt::http_client c(baton.port());

    const label_map c1{{"deployment", "c1"}, {"model_group", "g-c"}};
    const label_map c2{{"deployment", "c2"}, {"model_group", "g-c"}};
    const auto m0 = scrape(c);
    BOOST_TEST(m0.find("baton_deployment_healthy", c1).value_or(-1) == 1);
    BOOST_TEST(m0.find("baton_deployment_cooldowns_total", {{"deployment", "c1"}}).value_or(-1) == 0);

    const auto from = baton.log_size();
    const auto sent = bt::clock::now();
    auto r = c.post_json("/v1/chat/completions", chat_body("g-c"));
    BOOST_REQUIRE_EQUAL(r.status, 200u);
    BOOST_TEST(header(r, "x-baton-deployment-id") == "c2");
    BOOST_TEST(header(r, "x-baton-attempts") == "2");

    const auto m1 = scrape(c);
    BOOST_TEST(m1.find("baton_deployment_healthy", c1).value_or(-1) == 0);
    BOOST_TEST(m1.find("baton_deployment_healthy", c2).value_or(-1) == 1);
    BOOST_TEST(m1.find("baton_deployment_cooldowns_total", {{"deployment", "c1"}}).value_or(-1) == 1);
    BOOST_TEST(m1.find("baton_deployment_cooldowns_total", {{"deployment", "c2"}}).value_or(-1) == 0);
    BOOST_TEST(m1.value("baton_fallback_total", {{"from_model", "g-c"}, {"to_model", "g-c"}, {"reason", "rate_limit"}}) ==
               1);
    BOOST_TEST(m1.value("baton_upstream_requests_total", {{"deployment", "c1"}, {"outcome", "rate_limit"}}) == 1);

    // /v1/health while c1 cools down.
    {
        auto h = c.get("/v1/health");
        BOOST_REQUIRE_EQUAL(h.status, 200u);
        const auto body = h.json().as_object();
        const auto& deps = body.at("deployments").as_object();
        const auto& d1 = deps.at("c1").as_object();
        BOOST_TEST(str(d1, "model_group") == "g-c");
        BOOST_TEST(str(d1, "status") == "cooling_down");
        BOOST_TEST(num(d1, "consecutive_failures") == 1);
        BOOST_TEST(d1.at("last_error").is_string());
        BOOST_TEST(num(d1, "cooldown_remaining_seconds") > 0);
        BOOST_TEST(num(d1, "cooldown_remaining_seconds") <= 1.0);
        const auto& d2 = deps.at("c2").as_object();
        BOOST_TEST(str(d2, "status") == "healthy");
        BOOST_TEST(num(d2, "consecutive_failures") == 0);
        BOOST_TEST(d2.at("last_error").is_null());
        BOOST_TEST(num(d2, "cooldown_remaining_seconds") == 0);
    }
    auto start = baton.wait_log("\"event\":\"cooldown_start\"", bt::deadline_after(3s), from);
    BOOST_REQUIRE(start);
    BOOST_TEST(start->find("\"deployment\":\"c1\"") != std::string::npos);

    // Back to 1 once the 1 s cooldown is over (not before).
    bool recovered = false;
    const auto d = bt::deadline_after(5s);
    while (bt::clock::now() < d) {
        if (scrape(c).value("baton_deployment_healthy", c1) == 1) {
            recovered = true;
            break;
        }
        std::this_thread::sleep_for(25ms);
    }
    BOOST_REQUIRE(recovered);
    BOOST_TEST(std::chrono::duration<double>(bt::clock::now() - sent).count() >= 0.9);
    BOOST_TEST(scrape(c).value("baton_deployment_cooldowns_total", {{"deployment", "c1"}}) == 1);
    auto end = baton.wait_log("\"event\":\"cooldown_end\"", bt::deadline_after(4s), from);
    BOOST_TEST(end.has_value(), "no cooldown_end logged for c1");
    if (end) BOOST_TEST(end->find("\"deployment\":\"c1\"") != std::string::npos);
    {
        const auto body = c.get("/v1/health").json().as_object();
        const auto& d1 = body.at("deployments").as_object().at("c1").as_object();
        BOOST_TEST(str(d1, "status") == "healthy");
        BOOST_TEST(num(d1, "cooldown_remaining_seconds") == 0);
    }
    // And it is picked again (weight 1 beats weight 0).
    r = c.post_json("/v1/chat/completions", chat_body("g-c"));
    BOOST_REQUIRE_EQUAL(r.status, 200u);
    BOOST_TEST(header(r, "x-baton-deployment-id") == "c1");
}

// =========================================================================================================
// 2. Admin endpoints (seeds/001 TestDebugEndpoints) and their authentication.

BOOST_AUTO_TEST_CASE(admin_endpoints_have_the_documented_shapes)
{
    bt::fake_upstream_process fake;
    bt::test_config p;
    p.deployments = {{"g-x", "x1"}, {"g-y", "y1"}};
    p.top =
        "aliases:\n"
        "  fast-text:\n"
        "    description: \"cheap and quick\"\n"
        "    chain: [g-x, g-y]\n"
        "  solo:\n"
        "    description: \"just y\"\n"
        "    chain: [g-y]\n"
        "default_model: fast-text\n";
    bt::baton_process baton(bt::config_yaml(fake, p, ops_defaults));
    bt::http_client c(baton.port());

    // GET /v1/aliases: exactly as configured.
    auto r = c.get("/v1/aliases");
    BOOST_REQUIRE_EQUAL(r.status, 200u);
    BOOST_TEST(header(r, "content-type").find("application/json") == 0u);
    const auto expected = json::parse(R"({"default": "fast-text", "aliases": [
        {"name": "fast-text", "description": "cheap and quick", "chain": ["g-x", "g-y"]},
        {"name": "solo", "description": "just y", "chain": ["g-y"]}]})");
    BOOST_TEST(json::serialize(r.json()) == json::serialize(expected));

    // GET /v1/health: every deployment, its group and state.
    r = c.get("/v1/health");
    BOOST_REQUIRE_EQUAL(r.status, 200u);
    {
        const auto body = r.json().as_object();
        BOOST_TEST(str(body, "status") == "healthy");
        const auto& deps = body.at("deployments").as_object();
        BOOST_TEST(deps.size() == 2u);
        for (const auto& [id, group] : {std::pair{"x1", "g-x"}, std::pair{"y1", "g-y"}}) {
            BOOST_TEST_CONTEXT("deployment " << id)
            {
                BOOST_REQUIRE(deps.contains(id));
                const auto& d = deps.at(id).as_object();
                BOOST_TEST(str(d, "model_group") == group);
                BOOST_TEST(str(d, "status") == "healthy");
                BOOST_TEST(is_number(d.if_contains("consecutive_failures")));
                BOOST_TEST(num(d, "consecutive_failures") == 0);
                BOOST_TEST(d.contains("last_error"));
                BOOST_TEST(d.at("last_error").is_null());
                BOOST_TEST(is_number(d.if_contains("cooldown_remaining_seconds")));
                BOOST_TEST(num(d, "cooldown_remaining_seconds") == 0);
            }
        }
    }

    // GET /v1/inspect/routes: every SPEC §4 route batond serves.
    r = c.get("/v1/inspect/routes");
    BOOST_REQUIRE_EQUAL(r.status, 200u);
    std::vector<std::pair<std::string, std::string>> listed;
    const auto routes_json = r.json();
    for (const auto& e : routes_json.as_object().at("data").as_array()) {
        const auto& o = e.as_object();
        BOOST_REQUIRE(o.at("route").is_string());
        BOOST_REQUIRE(o.at("method").is_string());
        listed.emplace_back(std::string(o.at("method").get_string()), std::string(o.at("route").get_string()));
    }
    const std::vector<std::pair<std::string, std::string>> required{
        {"POST", "/v1/chat/completions"}, {"POST", "/v1/completions"}, {"POST", "/v1/embeddings"},
        {"GET", "/v1/models"},            {"GET", "/metrics"},         {"GET", "/health/liveness"},
        {"GET", "/health/liveliness"},    {"GET", "/health/readiness"}, {"GET", "/v1/health"},
        {"GET", "/v1/aliases"},           {"GET", "/v1/inspect/routes"},
    };
    for (const auto& want : required) {
        BOOST_TEST_CONTEXT(want.first << " " << want.second)
        {
            BOOST_TEST((std::find(listed.begin(), listed.end(), want) != listed.end()));
        }
    }
    // Every listed route is really served (not 404 unknown path, not 405).
    for (const auto& [method, route] : listed) {
        if (route.find('{') != std::string::npos) continue;
        BOOST_TEST_CONTEXT(method << " " << route)
        {
            auto got = c.request(method, route, method == "POST" ? std::string("{}") : std::string());
            BOOST_TEST(got.status != 404u);
            BOOST_TEST(got.status != 405u);
        }
    }

    // Liveness and readiness: 200 with JSON bodies.
    for (const char* path : {"/health/liveness", "/health/liveliness"}) {
        BOOST_TEST_CONTEXT(path)
        {
            r = c.get(path);
            BOOST_TEST(r.status == 200u);
            boost::system::error_code ec;
            const auto v = json::parse(r.body, ec);
            BOOST_TEST(!ec, "body is not JSON: " << r.body);
            BOOST_TEST((!ec && v.is_object()));
        }
    }
    r = c.get("/health/readiness");
    BOOST_TEST(r.status == 200u);
    BOOST_TEST(str(r.json().as_object(), "status") == "ready");

    // GET /v1/models: groups and aliases, OpenAI list shape.
    r = c.get("/v1/models");
    BOOST_REQUIRE_EQUAL(r.status, 200u);
    std::vector<std::string> ids;
    const auto models_json = r.json();
    for (const auto& m : models_json.as_object().at("data").as_array()) ids.push_back(str(m.as_object(), "id"));
    std::sort(ids.begin(), ids.end());
    BOOST_TEST(ids == (std::vector<std::string>{"fast-text", "g-x", "g-y", "solo"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(master_key_guards_admin_endpoints_and_client_keys_get_403)
{
    bt::fake_upstream_process fake;
    const std::string master = "mk-ops-master-424242";
    const std::string client = "ck-ops-client-131313";
    for (const bool from_env : {true, false}) {
        BOOST_TEST_CONTEXT("master_key " << (from_env ? "os.environ/..." : "raw value"))
        {
            bt::test_config p;
            p.deployments = {{"g-x", "x1"}};
            p.top =
                "keys:\n"
                "  - name: team-a\n"
                "    key: " +
                client + "\n";
            p.general = {from_env ? "master_key: os.environ/BATON_OPS_MASTER_KEY"
                                  : "master_key: \"" + master + "\""};
            bt::baton_process::options o;
            if (from_env) o.env = {{"BATON_OPS_MASTER_KEY", master}};
            bt::baton_process baton(bt::config_yaml(fake, p, ops_defaults), o);
            bt::http_client c(baton.port());
            const bt::header_list none;
            const bt::header_list as_client{{"Authorization", "Bearer " + client}};
            const bt::header_list as_master{{"Authorization", "Bearer " + master}};
            const bt::header_list as_stranger{{"Authorization", "Bearer sk-nobody-000"}};

            for (const char* path : {"/v1/health", "/v1/aliases", "/v1/inspect/routes"}) {
                BOOST_TEST_CONTEXT(path)
                {
                    auto r = c.get(path, none);
                    BOOST_TEST(r.status == 401u);
                    r = c.get(path, as_stranger);
                    BOOST_TEST(r.status == 401u);
                    r = c.get(path, as_client);
                    BOOST_TEST(r.status == 403u);
                    BOOST_TEST(r.json().as_object().at("error").is_object());
                    r = c.get(path, as_master);
                    BOOST_TEST(r.status == 200u);
                }
            }
            BOOST_TEST(c.get("/metrics", as_master).status == 200u);
            for (const char* path : {"/health/liveness", "/health/liveliness", "/health/readiness"}) {
                BOOST_TEST_CONTEXT(path) { BOOST_TEST(c.get(path, none).status == 200u); }
            }

            auto r = c.post_json("/v1/chat/completions", chat_body("g-x"), none);
            BOOST_TEST(r.status == 401u);
            BOOST_TEST(str(r.json().as_object().at("error").as_object(), "code") == "invalid_api_key");
            r = c.post_json("/v1/chat/completions", chat_body("g-x"), as_stranger);
            BOOST_TEST(r.status == 401u);
            BOOST_TEST(str(r.json().as_object().at("error").as_object(), "code") == "invalid_api_key");
            r = c.post_json("/v1/chat/completions", chat_body("g-x"), as_client);
            BOOST_TEST(r.status == 200u);
            r = c.post_json("/v1/chat/completions", chat_body("g-x"), as_master);
            BOOST_TEST(r.status == 200u);
        }
    }
}

// =========================================================================================================
// 3. Secrets never appear.

BOOST_AUTO_TEST_CASE(secrets_never_appear_in_logs_metrics_endpoints_errors_or_check_config)
{
    const std::string deploy_key = "sk-SECRET-deploy-123456";
    const std::string master_key = "mk-SECRET-master-987654";
    const std::string client_key = "ck-SECRET-client-555555";
    const std::vector<std::string> secrets{deploy_key, master_key, client_key};

    bt::fake_upstream_process fake;
    fake.set_script("d401", json::parse(R"({"status": 401})"));
    fake.set_script("d500", json::parse(R"({"status": 500})"));
    fake.set_script("dst", json::parse(R"({"stream": {"chunks": 2}})"));

    bt::test_config p;
    p.deployments = {
        {.group = "g-ok", .id = "dok", .api_key = deploy_key},
        {.group = "g-401", .id = "d401", .api_key = deploy_key},
        {.group = "g-500", .id = "d500", .api_key = deploy_key},
        {.group = "g-st", .id = "dst", .api_key = deploy_key},
    };
    p.top =
        "keys:\n"
        "  - name: team-a\n"
        "    key: " +
        client_key + "\n";
    p.general = {"master_key: os.environ/BATON_OPS_MK", "log_level: debug"};
    const std::vector<std::pair<std::string, std::string>> env{{"BATON_OPS_MK", master_key}};
    bt::baton_process::options o;
    o.env = env;
    bt::baton_process baton(bt::config_yaml(fake, p, ops_defaults), o);
    bt::http_client c(baton.port());
    const bt::header_list as_client{{"Authorization", "Bearer " + client_key}};
    const bt::header_list as_master{{"Authorization", "Bearer " + master_key}};

    std::vector<std::pair<std::string, std::string>> outputs;  // what, text
    auto keep = [&](std::string what, const bt::http_response& r) {
        std::string all = r.body;
        for (const auto& [k, v] : r.headers) all += "\n" + k + ": " + v;
        outputs.emplace_back(std::move(what), std::move(all));
    };

    auto r = c.post_json("/v1/chat/completions", chat_body("g-ok"), as_client);
    BOOST_TEST(r.status == 200u);
    keep("normal call", r);
    r = c.post_json("/v1/chat/completions", chat_body("g-ok"), as_master);
    BOOST_TEST(r.status == 200u);
    keep("call with the master key", r);
    r = c.post_json("/v1/chat/completions", chat_body("g-401"), as_client);
    BOOST_TEST(r.status >= 400u);
    keep("upstream 401", r);
    r = c.post_json("/v1/chat/completions", chat_body("g-500"), as_client);
    BOOST_TEST(r.status >= 500u);
    keep("upstream 500", r);
    r = c.post_json("/v1/chat/completions", chat_body("zz-unknown"), as_client);
    BOOST_TEST(r.status == 404u);
    keep("unknown model", r);
    r = c.request("POST", "/v1/chat/completions", "{not json", as_client);
    BOOST_TEST(r.status == 400u);
    keep("bad json", r);
    // A client presenting the deployment's key (or a near miss of the master key) is refused, not echoed.
    r = c.post_json("/v1/chat/completions", chat_body("g-ok"), {{"Authorization", "Bearer " + deploy_key}});
    BOOST_TEST(r.status == 401u);
    keep("deployment key as client key", r);
    r = c.get("/v1/health", {{"Authorization", "Bearer " + master_key + "x"}});
    BOOST_TEST(r.status == 401u);
    keep("wrong master key", r);
    r = c.get("/v1/health", as_client);
    BOOST_TEST(r.status == 403u);
    keep("admin with client key", r);
    {
        bt::http_client sc(baton.port());
        auto head = sc.open_stream("/v1/chat/completions", chat_body("g-st", true), bt::deadline_after(10s),
                                   as_client);
        BOOST_TEST(head.status == 200u);
        const auto res = sc.read_events(bt::deadline_after(10s));
        BOOST_TEST(res.final_status == bt::stream_status::end);
        std::string all;
        for (const auto& [k, v] : head.headers) all += k + ": " + v + "\n";
        for (const auto& e : res.events) all += e.raw + "\n";
        outputs.emplace_back("stream", all);
    }
    for (const char* path : {"/v1/health", "/v1/aliases", "/v1/inspect/routes", "/metrics", "/v1/models"}) {
        r = c.get(path, as_master);
        BOOST_TEST(r.status == 200u);
        keep(path, r);
    }

    // The upstream really got the deployment key, and never a client's or the master key.
    const auto calls = fake.calls();
    BOOST_REQUIRE(!calls.empty());
    const auto ok_calls = fake.calls("dok");
    BOOST_REQUIRE(!ok_calls.empty());
    BOOST_TEST(bt::auth_of(ok_calls.at(0).as_object()) == "Bearer " + deploy_key);
    const auto upstream_text = json::serialize(calls);
    BOOST_TEST(upstream_text.find(client_key) == std::string::npos);
    BOOST_TEST(upstream_text.find(master_key) == std::string::npos);

    // --check-config prints the resolved deployments, masked.
    bt::child_process check(bt::bin_path("batond"), {"--check-config", baton.config_path().string()},
                            bt::child_options{env, {}, {}});
    const auto st = check.wait_exit(bt::deadline_after(20s));
    BOOST_REQUIRE(st);
    BOOST_TEST(st->success(), bt::to_string(*st));
    const auto check_out = check.read_stdout() + check.read_stderr();
    BOOST_TEST(check_out.find("dok") != std::string::npos);
    outputs.emplace_back("--check-config", check_out);

    BOOST_REQUIRE(baton.stop(10s).has_value());
    const auto log = baton.log();
    BOOST_TEST(log.find("\"event\":\"access\"") != std::string::npos);  // the log did record the calls
    outputs.emplace_back("batond log", log);

    for (const auto& [what, text] : outputs) {
        for (const auto& s : secrets) {
            BOOST_TEST_CONTEXT(what << " must not contain " << s) { BOOST_TEST(text.find(s) == std::string::npos); }
        }
    }
}

// =========================================================================================================
// 4. Logs: JSON lines, access lines, routing events; log_level: warning keeps access lines out.

BOOST_AUTO_TEST_CASE(log_is_json_lines_with_access_and_routing_events)
{
    bt::fake_upstream_process fake;
    fake.set_script("f1", json::parse(R"({"steps": [{"status": 429}], "then": {}})"));
    fake.set_script("bad", json::parse(R"({"status": 503})"));
    fake.set_script("ls", json::parse(R"({"stream": {"chunks": 3, "interval_ms": 20}})"));

    bt::test_config p;
    p.deployments = {
        {"g-plain", "lp"}, {"g-f", "f1", 1}, {"g-f", "f2", 0}, {"g-bad", "bad"}, {"g-s", "ls"},
    };
    p.top =
        "aliases:\n"
        "  bad-then-plain:\n"
        "    description: \"x\"\n"
        "    chain: [g-bad, g-plain]\n";
    bt::baton_process baton(bt::config_yaml(fake, p, ops_defaults));
    bt::http_client c(baton.port());
    const auto d = bt::deadline_after(10s);

    // A plain call.
    auto r1 = c.post_json("/v1/chat/completions", chat_body("g-plain"));
    BOOST_REQUIRE_EQUAL(r1.status, 200u);
    const auto id1 = header(r1, "x-baton-request-id");
    auto a1 = wait_event(baton, event_for("access", id1), d);
    BOOST_REQUIRE(a1);
    BOOST_TEST(str(*a1, "model_group") == "g-plain");
    BOOST_TEST(str(*a1, "deployment") == "lp");
    BOOST_TEST(num(*a1, "attempts") == 1);
    BOOST_TEST(num(*a1, "status") == 200);
    BOOST_TEST(is_number(a1->if_contains("latency_ms")));
    BOOST_TEST(num(*a1, "latency_ms") >= 0);
    BOOST_TEST(num(*a1, "prompt_tokens") == 5);
    BOOST_TEST(num(*a1, "completion_tokens") == 7);
    BOOST_TEST(!a1->contains("ttft_ms"));

    // A same-group re-pick after a 429: fallback event, cooldown_start, access with 2 attempts.
    auto r2 = c.post_json("/v1/chat/completions", chat_body("g-f"));
    BOOST_REQUIRE_EQUAL(r2.status, 200u);
    const auto id2 = header(r2, "x-baton-request-id");
    auto f2 = wait_event(baton, event_for("fallback", id2), d);
    BOOST_REQUIRE(f2);
    BOOST_TEST(str(*f2, "from_model") == "g-f");
    BOOST_TEST(str(*f2, "to_model") == "g-f");
    BOOST_TEST(str(*f2, "reason") == "rate_limit");
    auto a2 = wait_event(baton, event_for("access", id2), d);
    BOOST_REQUIRE(a2);
    BOOST_TEST(str(*a2, "deployment") == "f2");
    BOOST_TEST(num(*a2, "attempts") == 2);
    auto cs = wait_event(
        baton, [](const json::object& e) { return str(e, "event") == "cooldown_start" && str(e, "deployment") == "f1"; },
        d);
    BOOST_REQUIRE(cs);
    BOOST_TEST(str(*cs, "model_group") == "g-f");

    // A cross-group hop.
    auto r3 = c.post_json("/v1/chat/completions", chat_body("bad-then-plain"));
    BOOST_REQUIRE_EQUAL(r3.status, 200u);
    const auto id3 = header(r3, "x-baton-request-id");
    auto f3 = wait_event(baton, event_for("fallback", id3), d);
    BOOST_REQUIRE(f3);
    BOOST_TEST(str(*f3, "from_model") == "g-bad");
    BOOST_TEST(str(*f3, "to_model") == "g-plain");
    BOOST_TEST(str(*f3, "reason") == "server_error");

    // A stream: stream_start, and ttft_ms in its access line.
    std::string id4;
    {
        bt::http_client sc(baton.port());
        auto head = sc.open_stream("/v1/chat/completions", chat_body("g-s", true), bt::deadline_after(10s));
        BOOST_REQUIRE_EQUAL(head.status, 200u);
        id4 = header(head, "x-baton-request-id");
        const auto res = sc.read_events(bt::deadline_after(10s));
        BOOST_TEST(res.final_status == bt::stream_status::end);
    }
    auto s4 = wait_event(baton, event_for("stream_start", id4), d);
    BOOST_REQUIRE(s4);
    BOOST_TEST(str(*s4, "provider") == "openai");
    BOOST_TEST(str(*s4, "model") == "up-ls");
    BOOST_TEST(str(*s4, "deployment") == "ls");
    auto a4 = wait_event(baton, event_for("access", id4), d);
    BOOST_REQUIRE(a4);
    BOOST_TEST(is_number(a4->if_contains("ttft_ms")));
    BOOST_TEST(num(*a4, "ttft_ms") >= 0);
    BOOST_TEST(num(*a4, "ttft_ms") <= num(*a4, "latency_ms"));
    BOOST_TEST(num(*a4, "prompt_tokens") == 5);
    BOOST_TEST(num(*a4, "completion_tokens") == 3);
    BOOST_TEST(num(*a4, "status") == 200);

    // The cooldown ends (1 s) and says so.
    auto ce = wait_event(
        baton, [](const json::object& e) { return str(e, "event") == "cooldown_end" && str(e, "deployment") == "f1"; },
        bt::deadline_after(5s));
    BOOST_TEST(ce.has_value());

    // One access line per request.
    std::size_t access = 0;
    for (const auto& e : baton.log_events()) access += str(e, "event") == "access";
    BOOST_TEST(access == 4u);

    // Every line is one JSON object (after an optional <N> prefix) with ts, level and event.
    BOOST_REQUIRE(baton.stop(10s).has_value());
    std::istringstream in(baton.log());
    std::string line;
    std::size_t lines = 0;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        ++lines;
        BOOST_TEST_CONTEXT("line: " << line)
        {
            boost::system::error_code ec;
            const auto v = json::parse(bt::strip_priority(line), ec);
            BOOST_TEST(!ec);
            BOOST_REQUIRE((!ec && v.is_object()));
            const auto& o = v.as_object();
            BOOST_TEST(str(o, "ts") != "<absent>");
            BOOST_TEST(str(o, "level") != "<absent>");
            BOOST_TEST(str(o, "event") != "<absent>");
        }
    }
    BOOST_TEST(lines >= 10u);
}

BOOST_AUTO_TEST_CASE(log_level_warning_suppresses_access_lines)
{
    bt::fake_upstream_process fake;
    // At warning level batond does not log its "listening" line (info), so the harness can't learn a port
    // 0: listen on a port picked free here (retried on the small race), and wait until it accepts.
    std::unique_ptr<bt::baton_process> started;
    std::uint16_t port = 0;
    for (int attempt = 0; attempt < 5 && !started; ++attempt) {
        port = unused_port();
        bt::test_config p;
        p.deployments = {{"g-x", "x1"}};
        p.general = {"listen: 127.0.0.1:" + std::to_string(port), "log_level: warning"};
        const auto yaml = bt::config_yaml(fake, p, ops_defaults);
        bt::baton_process::options o;
        o.wait_listening = false;
        auto b = std::make_unique<bt::baton_process>(yaml, o);
        const auto d = bt::deadline_after(10s);
        while (bt::clock::now() < d && b->process().running() && !port_accepts(port)) std::this_thread::sleep_for(10ms);
        if (b->process().running() && port_accepts(port)) started = std::move(b);
    }
    BOOST_REQUIRE(started);
    auto& baton = *started;
    bt::http_client c(port);
    for (int i = 0; i < 3; ++i)
        BOOST_TEST(c.post_json("/v1/chat/completions", chat_body("g-x")).status == 200u);
    BOOST_TEST(c.post_json("/v1/chat/completions", chat_body("zz-nothing")).status == 404u);
    // After the exit the log is complete: nothing below warning and no access line, except the start-up
    // `listening` line, which is written whatever the level (tools wait for it; docs/operations.md).
    const auto st = baton.stop(10s);
    BOOST_REQUIRE(st);
    BOOST_TEST(st->success(), bt::to_string(*st));
    const auto events = baton.log_events();
    BOOST_TEST(!events.empty());  // the no-auth warning at least
    for (const auto& e : events) {
        BOOST_TEST_CONTEXT(json::serialize(e))
        {
            BOOST_TEST(str(e, "event") != "access");
            BOOST_TEST((str(e, "level") == "warning" || str(e, "level") == "error" || str(e, "event") == "listening"));
        }
    }
}

// =========================================================================================================
// 5. SIGHUP reload (SPEC §9; seeds/001 TestSighupReload).

BOOST_AUTO_TEST_CASE(sighup_reload_applies_good_files_rejects_bad_ones_and_keeps_state)
{
    bt::fake_upstream_process fake;
    fake.set_script("k1", json::parse(R"({"status": 429, "headers": {"retry-after": "30"}})"));
    fake.set_script("s", json::parse(R"({"stream": {"chunks": 6, "interval_ms": 100}})"));

    const bt::dep old_dep{"g-old", "o1"};
    const bt::dep k1{"g-k", "k1", 1};
    const bt::dep k2{"g-k", "k2", 0};
    const bt::dep s{"g-s", "s"};
    const bt::dep new_dep{"g-new", "n1"};

    bt::test_config v1;
    v1.deployments = {old_dep, k1, k2, s};
    bt::baton_process baton(bt::config_yaml(fake, v1, ops_defaults));
    bt::http_client c(baton.port());
    const auto m0 = scrape(c);
    BOOST_TEST(m0.find("baton_config_reloads_total", {{"result", "ok"}}).value_or(-1) == 0);

    // k1 cools down for 30 s (Retry-After); k2 serves.
    auto r = c.post_json("/v1/chat/completions", chat_body("g-k"));
    BOOST_REQUIRE_EQUAL(r.status, 200u);
    BOOST_TEST(header(r, "x-baton-deployment-id") == "k2");
    BOOST_REQUIRE(fake.wait_calls("k1", 1));

    // A stream in flight across the reload.
    bt::http_client sc(baton.port());
    auto head = sc.open_stream("/v1/chat/completions", chat_body("g-s", true), bt::deadline_after(10s));
    BOOST_REQUIRE_EQUAL(head.status, 200u);
    std::vector<bt::sse_event> events;
    for (;;) {
        auto item = sc.next_event(bt::deadline_after(5s));
        BOOST_REQUIRE_EQUAL(item.status, bt::stream_status::event);
        events.push_back(item.event);
        if (!content_pieces({item.event}).empty()) break;
    }

    // A good file: g-s gone, g-new added, the rest unchanged.
    bt::test_config v2;
    v2.deployments = {old_dep, k1, k2, new_dep};
    auto from = baton.log_size();
    baton.reload(bt::config_yaml(fake, v2, ops_defaults));
    auto ok = baton.wait_log("\"event\":\"reload_ok\"", bt::deadline_after(5s), from);
    BOOST_REQUIRE(ok);

    // The stream finishes normally on the old config.
    const auto rest = sc.read_events(bt::deadline_after(10s));
    BOOST_TEST(rest.final_status == bt::stream_status::end);
    events.insert(events.end(), rest.events.begin(), rest.events.end());
    BOOST_REQUIRE(!events.empty());
    BOOST_TEST(events.back().is_done());
    BOOST_TEST(content_pieces(events) == (std::vector<std::string>{"s-0 ", "s-1 ", "s-2 ", "s-3 ", "s-4 ", "s-5 "}),
               boost::test_tools::per_element());
    BOOST_TEST(fake.calls("s").size() == 1u);

    // New requests see the new config.
    BOOST_TEST(c.post_json("/v1/chat/completions", chat_body("g-new")).status == 200u);
    BOOST_TEST(c.post_json("/v1/chat/completions", chat_body("g-old")).status == 200u);
    BOOST_TEST(c.post_json("/v1/chat/completions", chat_body("g-s")).status == 404u);

    // The cooldown of k1 (still configured) survived: it is skipped, not called.
    r = c.post_json("/v1/chat/completions", chat_body("g-k"));
    BOOST_REQUIRE_EQUAL(r.status, 200u);
    BOOST_TEST(header(r, "x-baton-deployment-id") == "k2");
    BOOST_TEST(header(r, "x-baton-attempts") == "1");
    BOOST_TEST(fake.calls("k1").size() == 1u);
    {
        const auto body = c.get("/v1/health").json().as_object();
        const auto& deps = body.at("deployments").as_object();
        BOOST_TEST(str(deps.at("k1").as_object(), "status") == "cooling_down");
        BOOST_TEST(num(deps.at("k1").as_object(), "cooldown_remaining_seconds") > 20);
        BOOST_TEST(deps.contains("n1"));
        BOOST_TEST(!deps.contains("s"));
    }
    auto m1 = scrape(c);
    BOOST_TEST(m1.value("baton_config_reloads_total", {{"result", "ok"}}) == 1);
    BOOST_TEST(m1.value("baton_config_reloads_total", {{"result", "error"}}) == 0);
    BOOST_TEST(m1.value("baton_deployment_healthy", {{"deployment", "k1"}, {"model_group", "g-k"}}) == 0);

    // A YAML syntax error (in a file that would also add a group): rejected, the running config serves on.
    {
        bt::test_config v3;
        v3.deployments = {old_dep, k1, k2, new_dep, {"g-never", "nv"}};
        const auto broken = bt::config_yaml(fake, v3, ops_defaults) + "aliases: {unclosed: [g-old\n";
        from = baton.log_size();
        baton.reload(broken);
        auto line = baton.wait_log("\"event\":\"reload_rejected\"", bt::deadline_after(5s), from);
        BOOST_REQUIRE(line);
        const auto e = json::parse(bt::strip_priority(*line)).as_object();
        BOOST_REQUIRE(e.at("errors").is_array());
        BOOST_TEST(!e.at("errors").as_array().empty());
        BOOST_TEST(c.post_json("/v1/chat/completions", chat_body("g-old")).status == 200u);
        BOOST_TEST(c.post_json("/v1/chat/completions", chat_body("g-new")).status == 200u);
        BOOST_TEST(c.post_json("/v1/chat/completions", chat_body("g-never")).status == 404u);
        m1 = scrape(c);
        BOOST_TEST(m1.value("baton_config_reloads_total", {{"result", "ok"}}) == 1);
        BOOST_TEST(m1.value("baton_config_reloads_total", {{"result", "error"}}) == 1);
    }

    // A validation error (weight -1): rejected with the path-qualified error.
    {
        bt::test_config v4;
        bt::dep negative{"g-never", "nv", -1};
        v4.deployments = {old_dep, k1, k2, new_dep, negative};
        from = baton.log_size();
        baton.reload(bt::config_yaml(fake, v4, ops_defaults));
        auto line = baton.wait_log("\"event\":\"reload_rejected\"", bt::deadline_after(5s), from);
        BOOST_REQUIRE(line);
        const auto e = json::parse(bt::strip_priority(*line)).as_object();
        bool found = false;
        for (const auto& err : e.at("errors").as_array()) {
            const std::string_view t = err.is_string() ? std::string_view(err.get_string()) : std::string_view{};
            if (t.find("model_list[4].litellm_params.weight") != std::string_view::npos &&
                t.find("must be >= 0") != std::string_view::npos)
                found = true;
        }
        BOOST_TEST(found, "errors: " << json::serialize(e.at("errors")));
        BOOST_TEST(c.post_json("/v1/chat/completions", chat_body("g-old")).status == 200u);
        BOOST_TEST(c.post_json("/v1/chat/completions", chat_body("g-never")).status == 404u);
        m1 = scrape(c);
        BOOST_TEST(m1.value("baton_config_reloads_total", {{"result", "ok"}}) == 1);
        BOOST_TEST(m1.value("baton_config_reloads_total", {{"result", "error"}}) == 2);
    }
    BOOST_TEST(c.get("/health/readiness").status == 200u);
}

// =========================================================================================================
// 6. sd_notify for real.

BOOST_AUTO_TEST_CASE(sd_notify_ready_reloading_and_stopping)
{
    ::unsetenv("WATCHDOG_PID");
    ::unsetenv("WATCHDOG_USEC");
    bt::fake_upstream_process fake;
    bt::temp_dir dir("ops-notify");
    notify_socket sock(dir.path() / "notify.sock");

    bt::test_config p;
    p.deployments = {{"g-x", "x1"}};
    bt::baton_process::options o;
    o.env = {{"NOTIFY_SOCKET", sock.path().string()}};
    o.wait_listening = false;
    bt::baton_process baton(bt::config_yaml(fake, p, ops_defaults), o);

    // READY=1 comes once batond listens: by then the listening line is written and the port accepts.
    auto ready = sock.wait_for([](const std::string& t) { return has_assignment(t, "READY", "1"); },
                               bt::deadline_after(15s));
    BOOST_REQUIRE(ready);
    std::string address;
    for (const auto& e : baton.log_events()) {
        if (str(e, "event") == "listening") address = str(e, "address");
    }
    BOOST_REQUIRE_MESSAGE(address.find(':') != std::string::npos, "READY=1 came before the listening line");
    const auto port = static_cast<std::uint16_t>(std::stoul(address.substr(address.rfind(':') + 1)));
    BOOST_TEST(port_accepts(port));
    bt::http_client c(port);
    BOOST_TEST(c.get("/health/readiness").status == 200u);
    for (const auto& m : sock.seen) BOOST_TEST(m.text.find("STOPPING") == std::string::npos);

    // SIGHUP: RELOADING=1 with MONOTONIC_USEC (CLOCK_MONOTONIC, µs), then READY=1.
    for (const bool good : {true, false}) {
        BOOST_TEST_CONTEXT((good ? "good reload" : "rejected reload"))
        {
            const auto from = baton.log_size();
            const auto before = monotonic_usec();
            if (good) {
                baton.reload();
            } else {
                baton.reload("model_list: [\n");
            }
            auto reloading = sock.wait_for([](const std::string& t) { return has_assignment(t, "RELOADING", "1"); },
                                           bt::deadline_after(5s));
            const auto after = monotonic_usec();
            BOOST_REQUIRE(reloading);
            const auto a = assignments(reloading->text);
            BOOST_REQUIRE(a.count("MONOTONIC_USEC"));
            const auto usec = std::stoull(a.at("MONOTONIC_USEC"));
            BOOST_TEST(usec >= before);
            BOOST_TEST(usec <= after);
            auto again = sock.wait_for([](const std::string& t) { return has_assignment(t, "READY", "1"); },
                                       bt::deadline_after(5s));
            BOOST_REQUIRE(again);
            BOOST_TEST(baton.wait_log(good ? "\"event\":\"reload_ok\"" : "\"event\":\"reload_rejected\"",
                                      bt::deadline_after(2s), from)
                           .has_value());
            BOOST_TEST(c.get("/health/readiness").status == 200u);
        }
    }

    // SIGTERM: STOPPING=1, then a clean exit.
    baton.process().signal(SIGTERM);
    auto stopping = sock.wait_for([](const std::string& t) { return has_assignment(t, "STOPPING", "1"); },
                                  bt::deadline_after(5s));
    BOOST_TEST(stopping.has_value());
    const auto st = baton.process().wait_exit(bt::deadline_after(10s));
    BOOST_REQUIRE(st);
    BOOST_TEST(st->success(), bt::to_string(*st));
    // No watchdog pings were asked for.
    for (const auto& m : sock.seen) BOOST_TEST(m.text.find("WATCHDOG=1") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(sd_notify_watchdog_pings_arrive_within_the_watchdog_timeout)
{
    ::unsetenv("WATCHDOG_PID");
    bt::fake_upstream_process fake;
    bt::temp_dir dir("ops-watchdog");
    notify_socket sock(dir.path() / "notify.sock");

    bt::test_config p;
    p.deployments = {{"g-x", "x1"}};
    bt::baton_process::options o;
    o.env = {{"NOTIFY_SOCKET", sock.path().string()}, {"WATCHDOG_USEC", "400000"}};
    bt::baton_process baton(bt::config_yaml(fake, p, ops_defaults), o);

    // Four pings; systemd (WatchdogSec = 0.4 s) kills the service when two are more than 0.4 s apart.
    std::vector<bt::clock::time_point> pings;
    const auto d = bt::deadline_after(6s);
    while (pings.size() < 4) {
        auto m = sock.wait_for([](const std::string& t) { return has_assignment(t, "WATCHDOG", "1"); }, d);
        if (!m) break;
        pings.push_back(m->arrived);
    }
    BOOST_REQUIRE_EQUAL(pings.size(), 4u);
    for (std::size_t i = 1; i < pings.size(); ++i) {
        const auto gap = std::chrono::duration_cast<std::chrono::milliseconds>(pings[i] - pings[i - 1]).count();
        BOOST_TEST_CONTEXT("gap between ping " << i - 1 << " and " << i) { BOOST_TEST(gap <= 400); }
    }
}

// =========================================================================================================
// 7. nginx in front (SPEC §10): conf/nginx/baton.conf as shipped.

namespace {

std::string replace_all(std::string s, std::string_view from, std::string_view to)
{
    std::size_t pos = 0;
    while ((pos = s.find(from, pos)) != std::string::npos) {
        s.replace(pos, from.size(), to);
        pos += to.size();
    }
    return s;
}

/// nginx on the shipped site config, its upstream pointed at batond on `upstream_port`.
class nginx_process {
public:
    explicit nginx_process(std::uint16_t upstream_port)
        : nginx_("ops-nginx", 1, [upstream_port](const std::vector<std::uint16_t>& ports, bt::temp_dir& dir) {
              const auto site_path = bt::source_dir() / "conf/nginx/baton.conf";
              const auto site = bt::read_file(site_path);
              if (site.find("127.0.0.1:4000") == std::string::npos || site.find("listen 80;") == std::string::npos) {
                  throw std::runtime_error(site_path.string() + " lacks `127.0.0.1:4000` or `listen 80;`");
              }
              auto conf = replace_all(site, "127.0.0.1:4000", "127.0.0.1:" + std::to_string(upstream_port));
              conf = replace_all(conf, "listen 80;", "listen 127.0.0.1:" + std::to_string(ports.at(0)) + ";");
              dir.write_file("baton.conf", conf);
              return "  include " + (dir.path() / "baton.conf").string() + ";\n";
          })
    {
    }

    std::uint16_t port() const { return nginx_.port(); }
    std::string error_log() const { return nginx_.error_log(); }

private:
    bt::nginx_process nginx_;
};

}  // namespace

BOOST_AUTO_TEST_CASE(nginx_in_front_relays_sse_event_by_event_headers_and_failover)
{
    BOOST_REQUIRE_MESSAGE(std::filesystem::exists("/usr/sbin/nginx"), "nginx is not installed");
    bt::fake_upstream_process fake;
    fake.set_script("n", json::parse(R"({"stream": {"chunks": 6, "interval_ms": 150}})"));
    fake.set_script("fa", json::parse(R"({"status": 500})"));

    bt::test_config p;
    p.deployments = {
        {"g-n", "n"},
        {"g-fo", "fa", 1},
        {"g-fo", "fb", 0},
    };
    bt::baton_process baton(bt::config_yaml(fake, p, ops_defaults));
    nginx_process nginx(baton.port());
    BOOST_TEST_MESSAGE("nginx on 127.0.0.1:" << nginx.port() << " → batond on " << baton.port());

    // SSE: each event reaches the client at the upstream's cadence, not in one lump at the end.
    {
        bt::http_client c(nginx.port());
        const auto opened = bt::clock::now();
        auto head = c.open_stream("/v1/chat/completions", chat_body("g-n", true), bt::deadline_after(10s));
        BOOST_REQUIRE_EQUAL(head.status, 200u);
        BOOST_TEST(header(head, "content-type").find("text/event-stream") == 0u);
        BOOST_TEST(header(head, "x-baton-model-group") == "g-n");
        std::vector<bt::clock::time_point> content_at;
        std::vector<std::string> pieces;
        bool done = false;
        const auto d = bt::deadline_after(10s);
        for (;;) {
            auto item = c.next_event(d);
            if (item.status != bt::stream_status::event) {
                BOOST_TEST(item.status == bt::stream_status::end);
                break;
            }
            if (item.event.is_done()) done = true;
            const auto got = content_pieces({item.event});
            if (!got.empty()) {
                content_at.push_back(item.event.arrived);
                pieces.push_back(got.front());
            }
        }
        BOOST_TEST(done);
        BOOST_TEST(pieces == (std::vector<std::string>{"n-0 ", "n-1 ", "n-2 ", "n-3 ", "n-4 ", "n-5 "}),
                   boost::test_tools::per_element());
        BOOST_REQUIRE_EQUAL(content_at.size(), 6u);
        for (std::size_t i = 1; i < content_at.size(); ++i) {
            const auto gap =
                std::chrono::duration_cast<std::chrono::milliseconds>(content_at[i] - content_at[i - 1]).count();
            BOOST_TEST_CONTEXT("gap before content event " << i) { BOOST_TEST(gap >= 100); }
        }
        // The first piece arrived long before the last was even sent (5 intervals of 150 ms later).
        const auto spread =
            std::chrono::duration_cast<std::chrono::milliseconds>(content_at.back() - content_at.front()).count();
        BOOST_TEST(spread >= 600);
        BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(content_at.front() - opened).count() < 1000);
    }

    // A plain call: the x-baton headers pass through.
    {
        bt::http_client c(nginx.port());
        auto r = c.post_json("/v1/chat/completions", chat_body("g-n"));
        BOOST_REQUIRE_EQUAL(r.status, 200u);
        BOOST_TEST(header(r, "x-baton-model-group") == "g-n");
        BOOST_TEST(header(r, "x-baton-deployment-id") == "n");
        BOOST_TEST(header(r, "x-baton-resolved") == "openai/up-n");
        BOOST_TEST(header(r, "x-baton-attempts") == "1");
        BOOST_TEST(header(r, "x-baton-fallbacks") == "0");
        BOOST_TEST(r.header("x-baton-request-id").has_value());
        BOOST_TEST(r.header("x-baton-overhead-ms").has_value());
        BOOST_TEST(str(r.json().as_object(), "object") == "chat.completion");

        // A failover (fa 500, fb ok) through nginx.
        r = c.post_json("/v1/chat/completions", chat_body("g-fo"));
        BOOST_REQUIRE_EQUAL(r.status, 200u);
        BOOST_TEST(header(r, "x-baton-deployment-id") == "fb");
        BOOST_TEST(header(r, "x-baton-attempts") == "2");
        BOOST_TEST(fake.calls("fa").size() == 1u);
        BOOST_TEST(fake.calls("fb").size() == 1u);
    }
    BOOST_TEST_MESSAGE("nginx error.log:\n" << nginx.error_log());
}

// =========================================================================================================
// 8. The systemd unit verifies.

namespace {

/// systemd-analyze's path, empty when it is not installed.
std::filesystem::path systemd_analyze()
{
    for (const char* candidate : {"/usr/bin/systemd-analyze", "/bin/systemd-analyze", "/usr/local/bin/systemd-analyze"}) {
        if (std::filesystem::exists(candidate)) return candidate;
    }
    return {};
}

/// Precondition: without systemd-analyze the unit cannot be verified, and the test is skipped saying so.
boost::test_tools::assertion_result systemd_analyze_installed(boost::unit_test::test_unit_id)
{
    boost::test_tools::assertion_result installed(!systemd_analyze().empty());
    installed.message() << "systemd-analyze is not installed: systemd/baton.service not verified";
    return installed;
}

}  // namespace

BOOST_AUTO_TEST_CASE(systemd_unit_verifies, *boost::unit_test::precondition(systemd_analyze_installed))
{
    const auto tool = systemd_analyze();
    const auto unit = bt::source_dir() / "systemd/baton.service";
    BOOST_REQUIRE(std::filesystem::exists(unit));
    bt::child_process verify(tool, {"verify", unit.string()});
    const auto st = verify.wait_exit(bt::deadline_after(60s));
    BOOST_REQUIRE(st);
    // The one expected complaint: the binary is not installed on the test machine.
    const std::string missing = "baton.service: Command /usr/local/bin/batond is not executable: No such file or directory";
    const bool installed = std::filesystem::exists("/usr/local/bin/batond");
    std::vector<std::string> other;
    std::istringstream in(verify.read_stdout() + "\n" + verify.read_stderr());
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        if (!installed && line == missing) continue;
        other.push_back(line);
    }
    std::string joined;
    for (const auto& l : other) joined += l + "\n";
    BOOST_TEST(other.empty(), "systemd-analyze verify said:\n" << joined);
    if (installed) BOOST_TEST(st->success(), bt::to_string(*st));
}
