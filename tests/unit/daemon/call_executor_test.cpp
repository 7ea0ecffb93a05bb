#define BOOST_TEST_MODULE call_executor
// The executor of a routed call (daemon/call_executor.hpp) in process, over a scripted transport (as Beast's
// test::stream stands in for a socket) and a recording sink: what it sends, how it relays a stream split
// across reads, what it writes, logs and counts. No sockets, no child processes.

#include "daemon/call_executor.hpp"
#include "daemon/config/config_loader.hpp"
#include "unit/call/chat_events.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <unistd.h>
#include <cstdio>
#include <deque>
#include <map>

namespace asio = boost::asio;
namespace json = boost::json;
using namespace baton;
using namespace baton::daemon;
using call::test::chunk;

namespace {

/// One scripted exchange: a status and body, SSE bytes delivered in `pieces` (one per read), or a
/// transport error; a stream then ends cleanly, with a cut, or with the idle deadline.
struct exchange_script {
    unsigned status = 200;
    std::string body;
    std::vector<std::string> pieces;
    std::optional<net::upstream_errc> error;
    enum class end_kind { clean, cut, idle } end = end_kind::clean;
    std::string retry_after;
};

class scripted_body final : public upstream_body {
public:
    explicit scripted_body(exchange_script s) : s_(std::move(s)), pieces_(s_.pieces.begin(), s_.pieces.end())
    {
    }
    unsigned status() const noexcept override { return s_.status; }
    std::string_view content_type() const noexcept override { return "text/event-stream"; }
    std::string_view retry_after() const noexcept override { return s_.retry_after; }
    net::task<boost::system::result<std::size_t, net::upstream_error>> read_some(
        boost::beast::flat_buffer& out, std::chrono::milliseconds, net::upstream_errc kind) override
    {
        if (pieces_.empty()) {
            if (s_.end == exchange_script::end_kind::cut)
                co_return net::upstream_error{net::upstream_errc::connection, {}};
            if (s_.end == exchange_script::end_kind::idle) co_return net::upstream_error{kind, {}};
            co_return std::size_t{0};
        }
        const std::string p = std::move(pieces_.front());
        pieces_.pop_front();
        auto mb = out.prepare(p.size());
        std::memcpy(mb.data(), p.data(), p.size());
        out.commit(p.size());
        co_return p.size();
    }
    net::task<boost::system::result<std::string, net::upstream_error>> read_rest(
        std::chrono::milliseconds) override
    {
        co_return s_.body;
    }

private:
    exchange_script s_;
    std::deque<std::string> pieces_;
};

/// Answers each deployment (by the path's first segment, `/<id>/v1/...`) from its own queue; records every
/// request it was given.
class scripted_transport final : public upstream_transport {
public:
    std::map<std::string, std::deque<exchange_script>> scripts;
    struct seen {
        std::string target;
        std::string headers;
        std::string body;
        bool streamed;
    };
    std::vector<seen> requests;

    exchange_script next(const exchange& x)
    {
        requests.push_back({std::string(x.request.target), std::string(x.request.headers),
                            std::string(x.request.body), x.request.streamed});
        const std::string_view t = x.request.target;
        const std::string id(t.substr(1, t.find('/', 1) - 1));
        auto& q = scripts[id];
        if (q.empty()) return {};
        auto s = q.front();
        if (q.size() > 1) q.pop_front();
        return s;
    }

    net::task<boost::system::result<net::upstream_response, net::upstream_error>> send(
        const exchange& x, net::upstream_abort*) override
    {
        auto s = next(x);
        if (s.error) co_return net::upstream_error{*s.error, "scripted"};
        net::upstream_response r;
        r.status = s.status;
        r.content_type = "application/json";
        r.retry_after = s.retry_after;
        r.body = s.body;
        co_return r;
    }
    net::task<boost::system::result<std::unique_ptr<upstream_body>, net::upstream_error>> open(
        const exchange& x, net::upstream_abort*) override
    {
        auto s = next(x);
        if (s.error) co_return net::upstream_error{*s.error, "scripted"};
        co_return std::make_unique<scripted_body>(std::move(s));
    }
};

/// Keeps everything written to it.
class recording_sink final : public response_sink {
public:
    unsigned status = 0;
    std::string body;
    std::optional<answer_meta> head;
    std::string served_id;
    std::string stream;
    bool ended = false;
    bool failed = false;
    int heads = 0;

    net::task<void> respond(unsigned s, std::string_view, std::string_view b,
                            const answer_meta& meta) override
    {
        status = s;
        body = std::string(b);
        head = meta;
        if (meta.served != nullptr) served_id = meta.served->id;
        co_return;
    }
    void stream_begin(const answer_meta& meta) override
    {
        ++heads;
        status = 200;
        head = meta;
        if (meta.served != nullptr) served_id = meta.served->id;
    }
    net::task<boost::system::error_code> stream_write(std::string_view data, std::string_view more) override
    {
        stream += data;
        stream += more;
        co_return boost::system::error_code{};
    }
    net::task<boost::system::error_code> stream_end(std::string_view data, std::string_view payload) override
    {
        stream += data;
        stream += payload;
        ended = true;
        co_return boost::system::error_code{};
    }
    net::task<void> stream_fail(std::string_view event) override
    {
        stream += event;
        failed = true;
        co_return;
    }
    void watch(void (*)(void*), void*) override {}
    void unwatch() noexcept override {}
    void abandon() noexcept override {}
};

const std::string finish = call::test::finish_chunk() + "data: [DONE]\n\n";

const std::string ok_body =
    R"({"id":"x","choices":[],"usage":{"prompt_tokens":2,"completion_tokens":3,"total_tokens":5}})";

/// A logger writing into a temporary file, read back line by line.
struct captured_log {
    std::FILE* file = std::tmpfile();
    logger log{fileno(file), log_level::debug};
    ~captured_log() { std::fclose(file); }
    std::string text() const
    {
        std::string out;
        std::rewind(file);
        char buf[4096];
        while (std::size_t n = std::fread(buf, 1, sizeof buf, file)) out.append(buf, n);
        return out;
    }
};

/// A daemon's worth of parts for one call: a config snapshot, transports, metrics, a logger, draws.
struct rig {
    routing::health_registry health;
    std::shared_ptr<const snapshot> snap;
    scripted_transport network;
    local_transport local;
    metrics_shard metrics;
    captured_log log;
    std::mt19937_64 rng{42};
    recording_sink sink;

    explicit rig(const std::string& extra_router = {})
    {
        std::string yaml = "model_list:\n";
        for (const std::string id : {"A", "B"}) {
            yaml += "  - model_name: g\n    litellm_params:\n      model: openai/up-" + id +
                    "\n      api_base: http://127.0.0.1:9/" + id + "/v1\n      api_key: key-" + id +
                    "\n      weight: " + (id == "A" ? "1000000" : "1") +
                    "\n    model_info:\n      id: " + id + "\n";
        }
        yaml +=
            "  - model_name: echo\n    litellm_params:\n      model: baton/echo\n    model_info:\n      id: "
            "E\n";
        yaml += "router_settings:\n  num_retries: 0\n" + extra_router;
        auto loaded = load_config_text(
            yaml, "test.yaml", [](std::string_view) { return std::nullopt; }, health);
        BOOST_REQUIRE_MESSAGE(loaded.ok(), "config: " << (loaded.errors.empty() ? "" : loaded.errors[0]));
        snap = make_snapshot(std::move(*loaded.value));
    }

    void run(providers::api_endpoint endpoint, std::string body)
    {
        asio::io_context ioc;
        call_services services{&network, &local, &metrics, &log.log, &rng, &health};
        auto call = std::make_unique<call_executor>(services, snap, endpoint, sink, "req-1", nullptr);
        bool done = false;
        asio::co_spawn(
            ioc,
            [&]() -> net::task<void> {
                co_await call->run(std::move(body));
                done = true;
            },
            asio::detached);
        ioc.run();
        BOOST_REQUIRE(done);
    }
};

const auto chat = providers::api_endpoint::chat_completions;

}  // namespace

BOOST_AUTO_TEST_CASE(a_unary_call_is_sent_once_and_answered_with_the_routing_headers)
{
    rig r;
    r.network.scripts["A"] = {{200, ok_body}};
    r.run(chat, R"({"model":"g","messages":[{"role":"user","content":"hi"}]})");
    BOOST_TEST(r.sink.status == 200u);
    BOOST_TEST(r.sink.body == ok_body);
    BOOST_TEST(r.sink.served_id == "A");
    BOOST_TEST(r.sink.head->routing);
    BOOST_TEST(r.sink.head->attempts == 1);
    BOOST_REQUIRE(r.network.requests.size() == 1u);
    BOOST_TEST(r.network.requests[0].target == "/A/v1/chat/completions");
    BOOST_TEST(r.network.requests[0].headers == "authorization: Bearer key-A\r\n");
    BOOST_TEST(json::parse(r.network.requests[0].body).at("model") == "up-A");
    BOOST_TEST(!r.network.requests[0].streamed);
    BOOST_TEST(r.metrics.upstream_requests().value({"A", "success"}) == 1u);
    BOOST_TEST(r.metrics.token_counts().value({"g", "completion"}) == 3u);
    const auto log = r.log.text();
    BOOST_TEST(log.find(R"("event":"access")") != std::string::npos);
    BOOST_TEST(log.find("key-A") == std::string::npos);  // secrets never logged
}

BOOST_AUTO_TEST_CASE(a_failed_attempt_fails_over_and_is_logged_and_counted)
{
    rig r;
    r.network.scripts["A"] = {{503, R"({"error":{"message":"busy"}})"}};
    r.network.scripts["B"] = {{200, ok_body}};
    r.run(chat, R"({"model":"g","messages":[{"role":"user","content":"hi"}]})");
    BOOST_TEST(r.sink.status == 200u);
    BOOST_TEST(r.sink.served_id == "B");
    BOOST_TEST(r.sink.head->attempts == 2);
    BOOST_TEST(r.metrics.upstream_requests().value({"A", "server_error"}) == 1u);
    BOOST_TEST(r.metrics.fallbacks().value({"g", "g", "server_error"}) == 1u);
    BOOST_TEST(r.log.text().find(R"("event":"upstream_failure")") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(every_candidate_failing_answers_the_mapped_error)
{
    rig r;
    r.network.scripts["A"] = {{0, {}, {}, net::upstream_errc::head_timeout}};
    r.network.scripts["B"] = {{0, {}, {}, net::upstream_errc::total_timeout}};
    r.run(chat, R"({"model":"g","messages":[{"role":"user","content":"hi"}]})");
    BOOST_TEST(r.sink.status == 504u);
    const auto err = json::parse(r.sink.body).at("error");
    BOOST_TEST(err.at("code") == "fallbacks_exhausted");
    BOOST_TEST(err.at("attempts").as_array().size() == 2u);
    BOOST_TEST(r.sink.served_id.empty());
}

BOOST_AUTO_TEST_CASE(a_bad_body_is_a_400_without_routing_headers)
{
    rig r;
    r.run(chat, "{nope");
    BOOST_TEST(r.sink.status == 400u);
    BOOST_TEST(!r.sink.head->routing);
    BOOST_TEST(json::parse(r.sink.body).at("error").at("code") == "invalid_json");
    BOOST_TEST(r.network.requests.empty());
    // The access line of a body that never parsed names no model (the machine never started).
    BOOST_TEST(r.log.text().find(R"("status":400)") != std::string::npos);
    BOOST_TEST(r.log.text().find(R"("model":"","model_group":"unknown")") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_stream_split_across_reads_is_relayed_whole_and_continued_after_a_cut)
{
    rig r;
    // A's events arrive split in the middle of an event; then the connection is cut.
    const std::string a = chunk("", true) + chunk("Hello ");
    exchange_script cut{200, {}, {a.substr(0, 17), a.substr(17)}};
    cut.end = exchange_script::end_kind::cut;
    r.network.scripts["A"] = {cut};
    r.network.scripts["B"] = {{200, {}, {chunk("", true) + chunk("world"), finish}}};
    r.run(chat, R"({"model":"g","stream":true,"messages":[{"role":"user","content":"hi"}]})");
    BOOST_TEST(r.sink.heads == 1);
    BOOST_TEST(r.sink.served_id == "A");  // the head names the first deployment that produced output
    BOOST_TEST(r.sink.ended);
    BOOST_TEST(!r.sink.failed);
    BOOST_TEST(r.sink.stream == a + chunk("world") + finish);  // B's role chunk dropped: one message
    BOOST_REQUIRE(r.network.requests.size() == 2u);
    BOOST_TEST(r.network.requests[1].streamed);
    BOOST_TEST(json::parse(r.network.requests[1].body).at("messages").as_array().size() == 3u);
    BOOST_TEST(r.metrics.stream_failovers().value({"connection_cut"}) == 1u);
    BOOST_TEST(r.metrics.streams_active() == 0);
    BOOST_TEST(r.log.text().find(R"("event":"stream_start")") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_idle_upstream_mid_stream_with_nothing_left_ends_with_an_error_event)
{
    rig r;
    exchange_script stall{200, {}, {chunk("", true) + chunk("Hel")}};
    stall.end = exchange_script::end_kind::idle;
    r.network.scripts["A"] = {stall};
    r.network.scripts["B"] = {stall};
    r.run(chat, R"({"model":"g","stream":true,"messages":[{"role":"user","content":"hi"}]})");
    BOOST_TEST(r.sink.failed);
    BOOST_TEST(!r.sink.ended);
    BOOST_TEST(r.sink.stream.find(R"("code":"fallbacks_exhausted")") != std::string::npos);
    BOOST_TEST(r.sink.stream.find("idle_timeout") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_local_adapter_answers_without_the_network)
{
    rig r;
    r.run(chat, R"({"model":"echo","stream":true,"messages":[{"role":"user","content":"one two"}]})");
    BOOST_TEST(r.network.requests.empty());
    BOOST_TEST(r.sink.ended);
    BOOST_TEST(r.sink.served_id == "E");
    BOOST_TEST(r.sink.stream.find(R"("content":"one ")") != std::string::npos);
    BOOST_TEST(r.sink.stream.ends_with("data: [DONE]\n\n"));
}
