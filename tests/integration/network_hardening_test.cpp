#define BOOST_TEST_MODULE network_hardening
#include <boost/test/unit_test.hpp>

// Issue #11, the network: what a hostile client or a broken upstream sends never hurts batond. Request
// framing (chunk extensions and trailers bounded, Transfer-Encoding other than chunked refused, Host
// required, HEAD), connection limits (503 over max_connections, out of descriptors), the caller's key checked
// on the head (before 100 Continue and the body), streams ended properly at the end of a drain, the upstream
// pools reaped, and one batond per port. Each test reproduces a defect batond had.

#include "support/harness.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace json = boost::json;
using namespace std::chrono_literals;
using namespace baton::test;

namespace {

/// Every config of this file: one reactor, no retries, a short drain.
const config_defaults hardening_defaults{
    .litellm_params = {"timeout: 10"},
    .router_settings = {"num_retries: 0"},
    .general_settings = {"graceful_shutdown_seconds: 5"},
};

/// One fake upstream and the config of a batond in front of it: group `grp` is deployment `dep`.
struct fixture {
    fake_upstream_process fake;

    std::string config(const std::vector<std::string>& general = {}, const std::string& top = {}) const
    {
        test_config c;
        c.deployments = {{"grp", "dep"}};
        c.general = general;
        c.top = top;
        return config_yaml(fake, c, hardening_defaults);
    }

    void install(std::string_view name, std::string_view script_json)
    {
        fake.set_script(name, json::parse(script_json));
    }
};

/// `r` holds exactly one response, with `status` and an OpenAI error whose code is `code`.
void check_error(const raw_result& r, unsigned status, std::string_view code)
{
    const auto res = parse_raw_response(r.data);
    BOOST_REQUIRE_MESSAGE(res.has_value(), "no response in: " << r.data.substr(0, 300));
    BOOST_TEST(res->status == status, "head: " << res->head);
    json::value v;
    BOOST_REQUIRE_NO_THROW(v = json::parse(res->body));
    BOOST_TEST(v.at("error").at("code").as_string() == code, "body: " << res->body);
    BOOST_TEST(response_count(r.data) == 1u, "got: " << r.data.substr(0, 600));
}

/// Sends `head`, then `filler` again and again (up to `total` bytes) until batond answers or closes; returns
/// what batond answered. A batond that buffers without limit never answers (the test then fails on it).
raw_result send_until_answered(std::uint16_t port, const std::string& head, const std::string& filler,
                               std::size_t total)
{
    raw_connection conn{port};
    BOOST_REQUIRE(conn.send(head, deadline_after(5s)));
    std::size_t sent = 0;
    std::string got;
    while (sent < total) {
        if (!conn.send(filler, deadline_after(5s))) break;  // batond answered and closed
        sent += filler.size();
        if (conn.read_until("\r\n\r\n", got, deadline_after(1ms))) break;
    }
    return conn.read_until_close(deadline_after(5s));
}

json::object find_event(baton_process& b, std::string_view event, std::string_view request_id)
{
    for (auto& e : b.log_events()) {
        if (str(e, "event") == event && str(e, "request_id") == request_id) return e;
    }
    return {};
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(request_framing, fixture)

// Defect 3: a chunk-size line with endless extensions, or an endless trailer section, was buffered whole.
BOOST_AUTO_TEST_CASE(chunk_extensions_and_trailers_over_the_limit_get_400_and_memory_stays_flat)
{
    baton_process baton{config()};
    const auto rss_before = rss_bytes(baton.process().pid());
    const std::string head =
        "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    const std::string filler(64 * 1024, 'e');
    {
        BOOST_TEST_CONTEXT("chunk extension")
        check_error(send_until_answered(baton.port(), head + "2;ext=", filler, 64u << 20), 400,
                    "bad_request");
    }
    {
        BOOST_TEST_CONTEXT("trailer section")
        check_error(send_until_answered(baton.port(), head + "2\r\n{}\r\n0\r\nX-Trailer: ", filler,
                                        64u << 20),
                    400, "bad_request");
    }
    const auto rss_after = rss_bytes(baton.process().pid());
    BOOST_TEST(rss_after < rss_before + (16u << 20), "RSS grew from " << rss_before << " to " << rss_after);

    // Extensions and trailers within the limit are fine.
    const std::string body = json::serialize(chat_body("grp"));
    std::string chunked;
    for (std::size_t at = 0; at < body.size(); at += 16) {
        const auto piece = body.substr(at, 16);
        char size[16];
        std::snprintf(size, sizeof size, "%zx", piece.size());
        chunked += std::string(size) + ";note=\"small\"\r\n" + piece + "\r\n";
    }
    chunked += "0\r\nX-Trailer: fine\r\n\r\n";
    const auto ok =
        raw_exchange(baton.port(), head.substr(0, head.size() - 2) + "Connection: close\r\n\r\n" + chunked);
    const auto res = parse_raw_response(ok.data);
    BOOST_REQUIRE(res.has_value());
    BOOST_TEST(res->status == 200u, "got: " << ok.data.substr(0, 300));
}

// Defect 4: `Transfer-Encoding: gzip` was read as "no body", and the body ran as a second request.
BOOST_AUTO_TEST_CASE(transfer_encoding_other_than_chunked_is_refused_and_the_body_never_runs)
{
    baton_process baton{config()};
    const std::string smuggled =
        raw_request("POST", "/v1/chat/completions", json::serialize(chat_body("grp")));
    {BOOST_TEST_CONTEXT("gzip"){const auto r =
                                    raw_exchange(baton.port(),
                                                 "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                                 "Transfer-Encoding: gzip\r\n\r\n" +
                                                     smuggled);
    BOOST_TEST(r.closed_by_peer);
    check_error(r, 400, "bad_request");
}
}
{BOOST_TEST_CONTEXT("chunked, then identity"){
    const auto r = raw_exchange(baton.port(),
                                "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n" +
                                    smuggled);
check_error(r, 400, "bad_request");
}
}
{BOOST_TEST_CONTEXT("gzip, chunked"){
    const auto r = raw_exchange(baton.port(),
                                "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" +
                                    smuggled);
BOOST_TEST(r.closed_by_peer);
check_error(r, 501, "unsupported_transfer_encoding");
}
}
{
    BOOST_TEST_CONTEXT("HTTP/1.0 with chunked")
    {
        const auto r = raw_exchange(baton.port(),
                                    "POST /v1/chat/completions HTTP/1.0\r\nHost: 127.0.0.1\r\n"
                                    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" +
                                        smuggled);
        check_error(r, 400, "bad_request");
    }
}
BOOST_TEST(fake.calls().empty());
}

BOOST_AUTO_TEST_CASE(http11_without_exactly_one_host_gets_400)
{
    baton_process baton{config()};
    check_error(raw_exchange(baton.port(), "GET /health/liveness HTTP/1.1\r\n\r\n"), 400, "bad_request");
    check_error(raw_exchange(baton.port(), "GET /health/liveness HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
                400, "bad_request");
    // HTTP/1.0 has no Host requirement.
    const auto old = raw_exchange(baton.port(), "GET /health/liveness HTTP/1.0\r\n\r\n");
    const auto res = parse_raw_response(old.data);
    BOOST_REQUIRE(res.has_value());
    BOOST_TEST(res->status == 200u);
}

BOOST_AUTO_TEST_CASE(head_is_answered_like_get_without_a_body)
{
    baton_process baton{config({"master_key: mk-hardening-1234"})};
    for (const std::string target :
         {"/health/liveness", "/health/readiness", "/v1/models", "/v1/no/such/path"}) {
        BOOST_TEST_CONTEXT(target)
        {
            const std::string auth = "Authorization: Bearer mk-hardening-1234\r\n";
            raw_connection conn{baton.port()};
            // HEAD, then GET on the same connection: a body after the HEAD's head would be read as the
            // GET's answer.
            BOOST_REQUIRE(conn.send(raw_request("HEAD", target, {}, auth), deadline_after(2s)));
            std::string head_only;
            BOOST_REQUIRE(conn.read_until("\r\n\r\n", head_only, deadline_after(5s)));
            BOOST_REQUIRE(conn.send(raw_request("GET", target, {}, auth + "Connection: close\r\n"),
                                    deadline_after(2s)));
            const auto all = conn.read_until_close(deadline_after(5s));
            const auto head = parse_raw_response(all.data);
            BOOST_REQUIRE(head.has_value());
            const auto get = parse_raw_response(head->body);
            BOOST_REQUIRE_MESSAGE(get.has_value(), "after the HEAD's head: " << head->body.substr(0, 200));
            BOOST_TEST(head->status == get->status);
            BOOST_TEST(head->header("content-length").value_or("<absent>") ==
                       std::to_string(get->body.size()));
            BOOST_TEST(head->header("content-type").value_or("<absent>") ==
                       get->header("content-type").value_or("<absent>"));
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(connection_limits, fixture)

// Over max_connections, the 503 was written without reading the request, then the socket closed: the close
// reset the connection, and some clients read a reset instead of the answer.
BOOST_AUTO_TEST_CASE(over_max_connections_every_client_reads_the_503_and_a_clean_close)
{
    baton_process baton{config({"max_connections: 1"})};
    http_client holder{baton.port()};
    BOOST_REQUIRE_EQUAL(holder.get("/health/liveness").status, 200u);

    json::object big = chat_body("grp");
    big["messages"] = json::array{json::object{{"role", "user"}, {"content", std::string(64 * 1024, 'x')}}};
    const std::string request = raw_request("POST", "/v1/chat/completions", json::serialize(big));
    constexpr int clients = 20;
    int answered = 0;
    for (int i = 0; i < clients; ++i) {
        BOOST_TEST_CONTEXT("client " << i)
        {
            const auto r = raw_exchange(baton.port(), request, 5s);
            BOOST_TEST(!r.reset_by_peer);
            BOOST_TEST(r.closed_by_peer);
            const auto res = parse_raw_response(r.data);
            if (res && res->status == 503u) {
                ++answered;
                BOOST_TEST(json::parse(res->body).at("error").at("code").as_string() == "overloaded");
            }
        }
    }
    BOOST_TEST(answered == clients);
    BOOST_TEST(holder.get("/health/liveness").status == 200u);
}

// Defect 8: out of descriptors, the accept loop spun at full CPU, logged nothing and answered nobody.
BOOST_AUTO_TEST_CASE(out_of_descriptors_batond_logs_answers_503_without_spinning_and_recovers)
{
    baton_process baton{config()};
    const auto pid = baton.process().pid();
    // Room for exactly 3 more descriptors.
    leave_free_fds(pid, 3);
    std::vector<std::unique_ptr<http_client>> held;
    for (int i = 0; i < 3; ++i) {
        held.push_back(std::make_unique<http_client>(baton.port()));
        BOOST_REQUIRE_EQUAL(held.back()->get("/health/liveness").status, 200u);
    }

    const auto from = baton.log_size();
    const double cpu_before = cpu_seconds(pid);
    const auto t0 = clock::now();
    // Every newcomer gets the 503 (batond frees a reserve descriptor to answer it) instead of a hang in the
    // backlog, and batond does not spin meanwhile (it pauses 50 ms after each failed accept).
    for (int i = 0; i < 5; ++i) {
        BOOST_TEST_CONTEXT("newcomer " << i)
        {
            const auto r =
                raw_exchange(baton.port(),
                             raw_request("GET", "/health/liveness", {}, "Connection: close\r\n"), 5s);
            const auto res = parse_raw_response(r.data);
            BOOST_REQUIRE_MESSAGE(res.has_value(), "got: " << r.data.substr(0, 200));
            BOOST_TEST(res->status == 503u);
        }
    }
    const double cpu = cpu_seconds(pid) - cpu_before;
    const double wall = std::chrono::duration<double>(clock::now() - t0).count();
    BOOST_TEST(cpu < 0.5 * wall, "batond used " << cpu << " s of CPU in " << wall << " s");

    const auto line = baton.wait_log("\"accept_failed\"", deadline_after(2s), from);
    BOOST_REQUIRE(line.has_value());
    BOOST_TEST(line->find("\"open_connections\":3") != std::string::npos, *line);
    // At most one line a second.
    const auto elapsed = std::chrono::duration<double>(clock::now() - t0).count();
    std::size_t lines = 0;
    for (const auto& e : baton.log_events()) lines += str(e, "event") == "accept_failed" ? 1 : 0;
    BOOST_TEST(static_cast<double>(lines) <= elapsed + 1.0, lines << " lines in " << elapsed << " s");

    // Descriptors free up: clients get answers again.
    held.clear();
    bool served = false;
    const auto d = deadline_after(5s);
    while (!served && clock::now() < d) {
        const auto r = raw_exchange(baton.port(),
                                    raw_request("GET", "/health/liveness", {}, "Connection: close\r\n"), 2s);
        const auto res = parse_raw_response(r.data);
        served = res && res->status == 200u;
    }
    BOOST_TEST(served);
    BOOST_TEST(baton.process().running());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(authentication_on_the_head, fixture)

// Defect 11: `100 Continue` was sent and the whole body read before the key was checked.
BOOST_AUTO_TEST_CASE(wrong_key_is_refused_before_100_continue_and_before_the_body)
{
    baton_process baton{config({"master_key: mk-hardening-1234"})};
    const std::string head_of_post =
        "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\nContent-Length: 5000000\r\n";
    {BOOST_TEST_CONTEXT("Expect: 100-continue"){raw_connection conn{baton.port()};
    BOOST_REQUIRE(conn.send(head_of_post + "Authorization: Bearer wrong-key\r\nExpect: 100-continue\r\n\r\n",
                            deadline_after(2s)));
    const auto r = conn.read_until_close(deadline_after(5s));
    BOOST_TEST(r.closed_by_peer);
    BOOST_TEST(r.data.find("100 Continue") == std::string::npos, r.data.substr(0, 200));
    check_error(r, 401, "invalid_api_key");
}
}
{BOOST_TEST_CONTEXT("no Expect: the answer comes before the body is sent"){raw_connection conn{baton.port()};
BOOST_REQUIRE(conn.send(head_of_post + "\r\n" + std::string(1000, '{'), deadline_after(2s)));
std::string got;
BOOST_REQUIRE_MESSAGE(conn.read_until("\r\n\r\n", got, deadline_after(3s)), "no answer: " << got);
const auto r = conn.read_until_close(deadline_after(5s));
check_error(r, 401, "invalid_api_key");
}
}
{BOOST_TEST_CONTEXT("unknown path and wrong method, from the head"){raw_connection conn{baton.port()};
BOOST_REQUIRE(conn.send("POST /v1/nothing HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5000000\r\n\r\n",
                        deadline_after(2s)));
check_error(conn.read_until_close(deadline_after(5s)), 404, "not_found");
}
}
// A refused request without a body keeps its connection.
{
    raw_connection conn{baton.port()};
    BOOST_REQUIRE(conn.send(raw_request("GET", "/v1/models", {}, "Authorization: Bearer wrong-key\r\n") +
                                raw_request("GET", "/health/liveness", {}, "Connection: close\r\n"),
                            deadline_after(2s)));
    const auto r = conn.read_until_close(deadline_after(5s));
    const auto first = parse_raw_response(r.data);
    BOOST_REQUIRE(first.has_value());
    BOOST_TEST(first->status == 401u);
    const auto at = r.data.find("HTTP/1.1 200 ");
    BOOST_TEST(at != std::string::npos, "got: " << r.data);
}
// The right key still gets 100 Continue, then its answer.
{
    const std::string body = json::serialize(chat_body("grp"));
    raw_connection conn{baton.port()};
    BOOST_REQUIRE(conn.send(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Authorization: Bearer mk-hardening-1234\r\nExpect: 100-continue\r\nContent-Length: " +
            std::to_string(body.size()) + "\r\n\r\n",
        deadline_after(2s)));
    std::string got;
    BOOST_REQUIRE(conn.read_until("\r\n\r\n", got, deadline_after(5s)));
    BOOST_TEST(got == "HTTP/1.1 100 Continue\r\n\r\n");
    BOOST_REQUIRE(conn.send(body, deadline_after(2s)));
    BOOST_TEST(conn.read_until("ok from dep", got, deadline_after(5s)), got);
}
BOOST_TEST(fake.calls("dep").size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(drain, fixture)

// Defect 10: at the end of the drain period, open streams were cut: no error event, no chunked end, and no
// access log line.
BOOST_AUTO_TEST_CASE(drain_deadline_ends_streams_with_an_error_event_a_chunked_end_and_an_access_line)
{
    install("dep", R"({"steps": [{"stream": {"chunks": 200, "interval_ms": 100}}, {"delay_ms": 20000}]})");
    baton_process baton{config({"graceful_shutdown_seconds: 1"})};
    http_client streamer{baton.port()};
    const auto head =
        streamer.open_stream("/v1/chat/completions", chat_body("grp", true), deadline_after(5s));
    BOOST_REQUIRE_EQUAL(head.status, 200u);
    const auto stream_id = header(head, "x-baton-request-id");
    BOOST_REQUIRE_EQUAL(streamer.next_event(deadline_after(5s)).status, stream_status::event);
    // A non-streamed call waiting on its upstream.
    raw_connection unary{baton.port()};
    BOOST_REQUIRE(unary.send(raw_request("POST", "/v1/chat/completions", json::serialize(chat_body("grp"))),
                             deadline_after(2s)));
    BOOST_REQUIRE(fake.wait_calls("dep", 2));

    baton.process().signal(SIGTERM);
    const auto rest = streamer.read_events(deadline_after(8s));
    BOOST_TEST(rest.final_status == stream_status::end, "the stream ended with " << rest.final_status);
    BOOST_REQUIRE(!rest.events.empty());
    const auto& last = rest.events.back();
    BOOST_TEST(!last.is_done());
    json::value error;
    BOOST_REQUIRE_NO_THROW(error = last.json());
    BOOST_TEST(error.at("error").at("code").as_string() == "shutting_down", last.raw);
    for (const auto& e : rest.events) BOOST_TEST(!e.is_done());

    const auto u = unary.read_until_close(deadline_after(8s));
    check_error(u, 503, "shutting_down");

    const auto exit = baton.process().wait_exit(deadline_after(10s));
    BOOST_REQUIRE(exit.has_value());
    BOOST_TEST(exit->success(), "batond ended with " << to_string(*exit));
    const auto access = find_event(baton, "access", stream_id);
    BOOST_REQUIRE_MESSAGE(access.contains("status"), "no access line for " << stream_id);
    BOOST_TEST(access.at("status").to_number<int>() == 200);
    std::size_t access_lines = 0;
    for (const auto& e : baton.log_events()) access_lines += str(e, "event") == "access" ? 1 : 0;
    BOOST_TEST(access_lines == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

/// batond's TCP sockets to `port` that are not yet closed, polled until there are at most `n` (true) or `d`.
bool wait_sockets_to(baton_process& b, std::uint16_t port, std::size_t n, deadline d)
{
    for (;;) {
        if (tcp_states_to(b.process().pid(), port).size() <= n) return true;
        if (clock::now() >= d) return false;
        std::this_thread::sleep_for(20ms);
    }
}

/// Sends `n` chat requests at once, each on its own connection, and reads every answer: the upstream then
/// holds `n` connections at the same time when it delays its answers.
void burst(std::uint16_t port, std::string_view model, int n)
{
    std::vector<std::unique_ptr<raw_connection>> conns;
    const auto request = raw_request("POST", "/v1/chat/completions", json::serialize(chat_body(model)),
                                     "Connection: close\r\n");
    for (int i = 0; i < n; ++i) {
        conns.push_back(std::make_unique<raw_connection>(port));
        BOOST_REQUIRE(conns.back()->send(request, deadline_after(2s)));
    }
    for (auto& c : conns) {
        const auto r = c->read_until_close(deadline_after(10s));
        const auto res = parse_raw_response(r.data);
        BOOST_REQUIRE_MESSAGE(res.has_value(), "got: " << r.data.substr(0, 200));
        BOOST_TEST(res->status == 200u);
    }
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(upstream_pools, fixture)

// Defect 12: after a burst, every upstream connection stayed pooled for ever.
BOOST_AUTO_TEST_CASE(idle_upstream_connections_are_bounded_per_origin_and_closed_after_the_idle_timeout)
{
    install("dep", R"({"delay_ms": 400})");
    baton_process baton{config({"upstream_idle_connections: 2", "upstream_idle_timeout_seconds: 1"})};
    burst(baton.port(), "grp", 8);
    // At most two stay pooled...
    BOOST_TEST(wait_sockets_to(baton, fake.port(), 2, deadline_after(2s)),
               tcp_states_to(baton.process().pid(), fake.port()).size() << " sockets to the upstream");
    // ...and none once they were idle for the timeout.
    const auto t0 = clock::now();
    BOOST_TEST(wait_sockets_to(baton, fake.port(), 0, deadline_after(4s)),
               tcp_states_to(baton.process().pid(), fake.port()).size() << " sockets to the upstream");
    BOOST_TEST(std::chrono::duration<double>(clock::now() - t0).count() > 0.3);
}

// Defect 12: connections pooled to an upstream that exited stayed in CLOSE-WAIT.
BOOST_AUTO_TEST_CASE(pooled_connections_of_an_upstream_that_went_away_are_closed)
{
    auto other = std::make_unique<fake_upstream_process>();
    other->set_script("gone", json::parse(R"({"delay_ms": 300})"));
    test_config c;
    c.deployments = {{"grp", "dep"},
                     {.group = "gone-grp", .id = "gone", .api_base = other->base_url("gone")}};
    baton_process baton{config_yaml(fake, c, hardening_defaults)};
    const auto port = other->port();
    burst(baton.port(), "gone-grp", 3);
    {
        const auto states = tcp_states_to(baton.process().pid(), port);
        std::string all;
        for (const auto& st : states) all += st + " ";
        BOOST_REQUIRE_MESSAGE(states.size() == 3u, "states: " << all);
    }
    other->process().signal(SIGKILL);
    BOOST_REQUIRE(other->process().wait_exit(deadline_after(5s)).has_value());
    // Within the sweep's period (1 s), not the idle timeout (30 s).
    BOOST_TEST(wait_sockets_to(baton, port, 0, deadline_after(3s)),
               "still open: " << tcp_states_to(baton.process().pid(), port).size());
    other.reset();
}

// Defect 12: the pool of an api_base removed by a reload stayed for ever.
BOOST_AUTO_TEST_CASE(reload_drops_the_pools_of_origins_no_longer_configured)
{
    fake_upstream_process other;
    test_config c;
    c.deployments = {{"grp", "dep"}, {.group = "other-grp", .id = "o", .api_base = other.base_url("o")}};
    baton_process baton{config_yaml(fake, c, hardening_defaults)};
    http_client client{baton.port()};
    BOOST_REQUIRE_EQUAL(client.post_json("/v1/chat/completions", chat_body("other-grp")).status, 200u);
    BOOST_REQUIRE_EQUAL(client.post_json("/v1/chat/completions", chat_body("grp")).status, 200u);
    BOOST_REQUIRE_EQUAL(tcp_states_to(baton.process().pid(), other.port()).size(), 1u);

    test_config without = c;
    without.deployments.pop_back();
    const auto from = baton.log_size();
    baton.reload(config_yaml(fake, without, hardening_defaults));
    BOOST_REQUIRE(baton.wait_log("\"reload_ok\"", deadline_after(5s), from));
    BOOST_TEST(wait_sockets_to(baton, other.port(), 0, deadline_after(2s)));
    // The origin still configured keeps its pooled connection.
    BOOST_TEST(tcp_states_to(baton.process().pid(), fake.port()).size() >= 1u);
    BOOST_TEST(client.post_json("/v1/chat/completions", chat_body("grp")).status == 200u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(single_instance, fixture)

// Deliverable 3: a second batond on the same address silently shared its connections (SO_REUSEPORT).
BOOST_AUTO_TEST_CASE(a_second_batond_on_the_same_port_refuses_to_start)
{
    auto first = std::make_unique<baton_process>(config());
    const auto port = first->port();
    const auto on_port = [&](std::string_view host) {
        std::string yaml = config();
        const std::string from = "listen: 127.0.0.1:0";
        const auto at = yaml.find(from);
        BOOST_REQUIRE(at != std::string::npos);
        return yaml.replace(at, from.size(), "listen: " + std::string(host) + ":" + std::to_string(port));
    };
    for (const std::string host : {"127.0.0.1", "0.0.0.0"}) {
        BOOST_TEST_CONTEXT(host)
        {
            baton_process second{on_port(host), {.wait_listening = false}};
            const auto exit = second.process().wait_exit(deadline_after(10s));
            BOOST_REQUIRE(exit.has_value());
            BOOST_TEST(exit->exited);
            BOOST_TEST(exit->code == 1);
            const std::string want = "port " + std::to_string(port) +
                                     " is already served by another batond (pid " +
                                     std::to_string(first->process().pid()) + ")";
            BOOST_TEST(second.log().find(want) != std::string::npos, second.log());
            BOOST_TEST(second.log().find("\"listening\"") == std::string::npos);
        }
    }
    http_client client{port};
    BOOST_TEST(client.get("/health/liveness").status == 200u);
    client.close();

    // The lock goes with its holder.
    BOOST_REQUIRE(first->stop().has_value());
    first.reset();
    baton_process next{on_port("127.0.0.1")};
    BOOST_TEST(next.port() == port);
}

BOOST_AUTO_TEST_SUITE_END()
