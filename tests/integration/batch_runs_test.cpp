#define BOOST_TEST_MODULE batch_runs
#include <boost/test/unit_test.hpp>

// How batches run (SPEC §7, issue #12 points 3 and 5) through a real batond, the scripted fake upstream and
// SQLite on disk: failover of lines, a 429 storm absorbed by waiting for the cooldown, bounded concurrency,
// kill -9 in the middle and a restart (no committed line sent again, no row lost or duplicated), idempotency
// across a restart, cancel, and expiry of the completion window.

#include "support/harness.hpp"

#include <boost/json.hpp>

#include <sqlite3.h>

#include <csignal>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace json = boost::json;
using namespace std::chrono_literals;
using namespace baton::test;

namespace {

struct runs_fixture {
    fake_upstream_process fake;
    temp_dir data{"batch-data"};  ///< data_dir, shared by the batond of a test and the one that restarts
    std::unique_ptr<baton_process> baton;
    std::unique_ptr<http_client> http;

    /// The config of this test's batond: `top` is written verbatim (keys:, aliases:).
    std::string yaml(std::vector<dep> deps, std::vector<std::string> general, std::vector<std::string> router,
                     std::string top = {})
    {
        general.push_back("data_dir: " + data.path().string());
        return config_yaml(fake, test_config{std::move(deps), std::move(router), std::move(top),
                                             std::move(general)});
    }

    void start(const std::string& config)
    {
        http.reset();
        baton.reset();
        baton = std::make_unique<baton_process>(config);
        http = std::make_unique<http_client>(baton->port());
    }

    batch_client client(header_list h = {}) { return batch_client(*http, std::move(h)); }

    /// The most calls open at once on deployment `name` while `batch_ids` run (polled every 10 ms), until
    /// every one of them is final; throws at the deadline.
    std::size_t most_open_until_final(std::string_view name, const std::vector<std::string>& batch_ids)
    {
        auto c = client();
        std::size_t most = 0;
        for (auto end = deadline_after(30s);;) {
            std::size_t open = 0;
            for (const auto& call : fake.calls(name)) open += call.at("completed").as_bool() ? 0 : 1;
            most = std::max(most, open);
            bool all_final = true;
            for (const auto& id : batch_ids) {
                all_final =
                    all_final && c.get("/v1/batches/" + id).json().at("status").as_string() == "completed";
            }
            if (all_final) return most;
            if (clock::now() > end) throw std::runtime_error("batches still running at the deadline");
            std::this_thread::sleep_for(10ms);  // polling interval, bounded by the deadline
        }
    }

    /// `n` lines "line-<i>" for group `model`.
    static std::string lines(int n, std::string_view model = "gpt")
    {
        std::vector<std::string> out;
        for (int i = 0; i < n; ++i) out.push_back(batch_line("line-" + std::to_string(i), model));
        return jsonl(out);
    }

    /// The custom_id each recorded call was for (the user message is the custom_id).
    std::vector<std::string> sent_lines(std::string_view name = {})
    {
        std::vector<std::string> out;
        for (const auto& call : ordered(fake.calls(name))) {
            out.emplace_back(call.at("json").at("messages").at(0).at("content").as_string());
        }
        return out;
    }
};

/// custom_ids of the lines whose result is committed in the store (read straight from SQLite).
std::set<std::string> committed_lines(const std::filesystem::path& db_file)
{
    sqlite3* db = nullptr;
    std::set<std::string> out;
    if (sqlite3_open_v2(db_file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        throw std::runtime_error("cannot open " + db_file.string());
    }
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db, "SELECT custom_id FROM lines WHERE state > 0", -1, &s, nullptr);
    while (sqlite3_step(s) == SQLITE_ROW) {
        out.emplace(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return out;
}

std::multiset<std::string> custom_ids(const std::vector<json::object>& rows)
{
    std::multiset<std::string> out;
    for (const auto& r : rows) out.emplace(r.at("custom_id").as_string());
    return out;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(batch_runs, runs_fixture)

BOOST_AUTO_TEST_CASE(lines_fail_over_like_live_requests)
{
    start(yaml({{"gpt", "a", 1000}, {"gpt", "b", 1}}, {}, {"allowed_fails: 100"}));
    fake.set_script("a", json::parse(R"({"status": 503})"));
    auto c = client();
    const auto done =
        c.wait_status(std::string(c.create_ok(c.upload_ok(lines(6))).at("id").as_string()), {"completed"});
    BOOST_TEST(done.at("request_counts") == json::parse(R"({"total":6,"completed":6,"failed":0})"));
    for (const auto& row : c.rows(done, "output_file_id")) {
        BOOST_TEST(
            row.at("response").at("body").at("choices").at(0).at("message").at("content").as_string() ==
            "ok from b");
    }
    BOOST_TEST(fake.calls("b").size() == 6u);
    BOOST_TEST(fake.calls("a").size() >= 1u);
}

BOOST_AUTO_TEST_CASE(a_429_storm_is_absorbed_by_waiting_for_the_cooldown)
{
    // Every call of the first second gets 429 with Retry-After: 1; then the upstream recovers. A live request
    // would get 429 at once; a batch line waits for the cooldown to end and tries again.
    start(yaml({{"gpt", "a"}}, {}, {"cooldown_time: 1", "retry_after_cap: 2"}));
    fake.set_script("a", json::parse(R"({"steps": [{"status": 429, "headers": {"retry-after": "1"}},
                                                   {"status": 429, "headers": {"retry-after": "1"}}]})"));
    auto c = client();
    const auto t0 = clock::now();
    const auto done = c.wait_status(std::string(c.create_ok(c.upload_ok(lines(3))).at("id").as_string()),
                                    {"completed", "failed"}, 30s);
    BOOST_TEST(done.at("request_counts") == json::parse(R"({"total":3,"completed":3,"failed":0})"));
    BOOST_TEST(c.rows(done, "error_file_id").empty());
    // Nothing was sent during the cooldown: the 429s, then one success per line.
    BOOST_TEST(fake.calls("a").size() == 5u);
    BOOST_TEST((clock::now() - t0 >= 900ms));
}

BOOST_AUTO_TEST_CASE(concurrency_is_bounded_per_batch)
{
    start(yaml({{"gpt", "a"}}, {"batch_max_concurrency: 8", "batch_max_concurrency_per_batch: 2"}, {}));
    fake.set_script("a", json::parse(R"({"delay_ms": 150})"));
    auto c = client();
    const std::string id(c.create_ok(c.upload_ok(lines(6))).at("id").as_string());
    // While it runs, never more than 2 calls are open at once.
    const auto most = most_open_until_final("a", {id});
    BOOST_TEST(most <= 2u);
    BOOST_TEST(most >= 1u);
    BOOST_TEST(c.wait_status(id, {"completed"}).at("request_counts").at("completed").as_int64() == 6);
}

BOOST_AUTO_TEST_CASE(concurrency_is_bounded_in_total_over_batches)
{
    // Two batches of 2 lines in flight each would make 4; the total of 3 holds them both.
    start(yaml({{"gpt", "a"}}, {"batch_max_concurrency: 3", "batch_max_concurrency_per_batch: 2"}, {}));
    fake.set_script("a", json::parse(R"({"delay_ms": 300})"));
    auto c = client();
    const std::string file = c.upload_ok(lines(8));
    const std::string first(c.create_ok(file).at("id").as_string());
    const std::string second(c.create_ok(file).at("id").as_string());
    const auto most = most_open_until_final("a", {first, second});
    BOOST_TEST(most <= 3u);
    BOOST_TEST(most >= 1u);
    BOOST_TEST(fake.calls("a").size() == 16u);
    for (const auto& id : {first, second}) {
        BOOST_TEST(c.wait_status(id, {"completed"}).at("request_counts") ==
                   json::parse(R"({"total":8,"completed":8,"failed":0})"));
    }
}

BOOST_AUTO_TEST_CASE(lines_follow_the_creating_keys_backup_models_then_the_fallbacks)
{
    // The plan of a live request (SPEC §5.4): group gpt (its one deployment answers 503), then the key's
    // backup_models, then fallbacks[gpt]. A batch of team-a is served by its backup "bk"; a batch of the
    // master key, which has no backup_models, by the fallback group "fb".
    const std::string master = "sk-master-runs-0123456789";
    const std::string team_a = "sk-team-a-runs-0123456789";
    start(yaml({{"gpt", "a"}, {"bk", "b"}, {"fb", "f"}}, {"master_key: " + master},
               {"allowed_fails: 100", "fallbacks: [{gpt: [fb]}]"},
               "keys:\n  - name: team-a\n    key: " + team_a + "\n    backup_models: [bk]\n"));
    fake.set_script("a", json::parse(R"({"status": 503})"));
    auto a = client({{"Authorization", "Bearer " + team_a}});
    auto m = client({{"Authorization", "Bearer " + master}});
    const auto by_a =
        a.wait_status(std::string(a.create_ok(a.upload_ok(lines(3))).at("id").as_string()), {"completed"});
    const auto by_m =
        m.wait_status(std::string(m.create_ok(m.upload_ok(lines(4))).at("id").as_string()), {"completed"});
    BOOST_TEST(by_a.at("request_counts") == json::parse(R"({"total":3,"completed":3,"failed":0})"));
    BOOST_TEST(by_m.at("request_counts") == json::parse(R"({"total":4,"completed":4,"failed":0})"));
    for (const auto& row : a.rows(by_a, "output_file_id")) {
        BOOST_TEST(
            row.at("response").at("body").at("choices").at(0).at("message").at("content").as_string() ==
            "ok from b");
    }
    for (const auto& row : m.rows(by_m, "output_file_id")) {
        BOOST_TEST(
            row.at("response").at("body").at("choices").at(0).at("message").at("content").as_string() ==
            "ok from f");
    }
    BOOST_TEST(fake.calls("b").size() == 3u);
    BOOST_TEST(fake.calls("f").size() == 4u);
    BOOST_TEST(fake.calls("a").size() == 7u);
}

BOOST_AUTO_TEST_CASE(kill_9_mid_batch_then_restart_resumes_without_resending_or_losing)
{
    const auto cfg = yaml({{"gpt", "a"}}, {"batch_max_concurrency_per_batch: 4"}, {});
    start(cfg);
    fake.set_script("a", json::parse(R"({"delay_ms": 60})"));
    auto c = client();
    constexpr int n = 60;
    const std::string id(c.create_ok(c.upload_ok(lines(n))).at("id").as_string());
    c.wait_until(id, [](const json::object& b) {
        return b.at("request_counts").at("completed").as_int64() >= 12;
    });

    baton->process().signal(SIGKILL);
    BOOST_TEST_REQUIRE(baton->process().wait_exit(deadline_after(10s)).has_value());
    const auto done_before = committed_lines(data.path() / "baton.db");
    BOOST_TEST(done_before.size() >= 12u);
    BOOST_TEST(done_before.size() < static_cast<std::size_t>(n));
    fake.clear_calls();

    start(cfg);
    auto after = client();
    const auto done = after.wait_status(id, {"completed"}, 60s);
    BOOST_TEST(done.at("request_counts") == json::parse(R"({"total":60,"completed":60,"failed":0})"));
    // Every line has exactly one row.
    const auto rows = after.rows(done, "output_file_id");
    const auto ids = custom_ids(rows);
    BOOST_TEST(rows.size() == static_cast<std::size_t>(n));
    BOOST_TEST(std::set<std::string>(ids.begin(), ids.end()).size() == static_cast<std::size_t>(n));
    // No line committed before the kill went upstream again.
    for (const auto& line : sent_lines("a")) {
        BOOST_TEST(!done_before.contains(line), line << " was committed before the kill and sent again");
    }
    BOOST_TEST(sent_lines("a").size() >= static_cast<std::size_t>(n) - done_before.size());
    BOOST_TEST(baton->log().find("\"event\":\"batch_resume\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(idempotency_keys_survive_a_restart)
{
    const auto cfg = yaml({{"gpt", "a"}}, {}, {});
    start(cfg);
    auto c = client();
    auto body = batch_client::create_body(c.upload_ok(lines(1)));
    body["idempotency_key"] = "restart-token";
    body["metadata"] = json::object{{"k", "v"}};
    const auto first = c.create(body).json();
    baton->process().signal(SIGKILL);
    BOOST_TEST_REQUIRE(baton->process().wait_exit(deadline_after(10s)).has_value());
    start(cfg);
    auto after = client();
    const auto again = after.create(body);
    BOOST_TEST_REQUIRE(again.status == 200u, again.body);
    BOOST_TEST(again.json().at("id") == first.at("id"));
    BOOST_TEST(again.json().at("created_at") == first.at("created_at"));
    body["metadata"] = json::object{{"k", "other"}};
    BOOST_TEST(after.create(body).status == 409u);
}

BOOST_AUTO_TEST_CASE(cancel_stops_new_lines_and_keeps_finished_results)
{
    start(yaml({{"gpt", "a"}}, {"batch_max_concurrency_per_batch: 2"}, {}));
    fake.set_script("a", json::parse(R"({"delay_ms": 100})"));
    auto c = client();
    const std::string id(c.create_ok(c.upload_ok(lines(40))).at("id").as_string());
    c.wait_until(id, [](const json::object& b) {
        return b.at("request_counts").at("completed").as_int64() >= 4;
    });
    const auto r = c.cancel(id);
    BOOST_TEST_REQUIRE(r.status == 200u, r.body);
    const auto done = c.wait_status(id, {"cancelled"});
    const auto sent = fake.calls("a").size();
    const auto completed = done.at("request_counts").at("completed").as_int64();
    BOOST_TEST(completed >= 4);
    BOOST_TEST(completed < 40);
    BOOST_TEST(done.at("request_counts").at("total").as_int64() == 40);
    // Every line sent finished and kept its row; nothing more goes out after the cancel.
    BOOST_TEST(static_cast<std::int64_t>(sent) == completed);
    BOOST_TEST(c.rows(done, "output_file_id").size() == static_cast<std::size_t>(completed));
    BOOST_TEST(!fake.wait_calls("a", sent + 1, 300ms));
    BOOST_TEST(done.at("cancelling_at").is_int64());
    BOOST_TEST(done.at("cancelled_at").is_int64());
}

BOOST_AUTO_TEST_CASE(the_completion_window_ends_in_expired_with_batch_expired_rows)
{
    // batch_completion_window_seconds shortens "24h" for the test; the upstream never answers.
    start(yaml({{"gpt", "a"}}, {"batch_completion_window_seconds: 2", "batch_max_concurrency_per_batch: 2"},
               {}));
    fake.set_script("a", json::parse(R"({"hang": true})"));
    auto c = client();
    const auto created = c.create_ok(c.upload_ok(lines(5)));
    BOOST_TEST(created.at("expires_at").as_int64() - created.at("created_at").as_int64() == 2);
    const auto done = c.wait_status(std::string(created.at("id").as_string()), {"expired"}, 20s);
    BOOST_TEST(done.at("expired_at").is_int64());
    BOOST_TEST(done.at("request_counts") == json::parse(R"({"total":5,"completed":0,"failed":5})"));
    const auto rows = c.rows(done, "error_file_id");
    BOOST_TEST_REQUIRE(rows.size() == 5u);
    for (const auto& row : rows) {
        BOOST_TEST(row.at("error").at("code").as_string() == "batch_expired");
        BOOST_TEST(row.at("response").is_null());
    }
    BOOST_TEST(custom_ids(rows).size() == 5u);
}

BOOST_AUTO_TEST_CASE(kill_9_while_cancelling_then_restart_ends_cancelled_without_sending)
{
    // A cancel with lines in flight leaves the batch `cancelling` until they end; a kill -9 then loses
    // those lines' answers. After the restart the batch ends `cancelled` and nothing is sent again.
    const auto cfg = yaml({{"gpt", "a"}}, {"batch_max_concurrency_per_batch: 2"}, {});
    start(cfg);
    fake.set_script("a", json::parse(R"({"hang": true})"));
    auto c = client();
    const std::string id(c.create_ok(c.upload_ok(lines(10))).at("id").as_string());
    BOOST_TEST_REQUIRE(fake.wait_calls("a", 2, 10s));
    const auto r = c.cancel(id);
    BOOST_TEST_REQUIRE(r.status == 200u, r.body);
    BOOST_TEST(r.json().at("status").as_string() == "cancelling");
    baton->process().signal(SIGKILL);
    BOOST_TEST_REQUIRE(baton->process().wait_exit(deadline_after(10s)).has_value());
    fake.clear_calls();

    start(cfg);
    auto after = client();
    const auto done = after.wait_status(id, {"cancelled"});
    BOOST_TEST(done.at("cancelling_at").is_int64());
    BOOST_TEST(done.at("cancelled_at").is_int64());
    BOOST_TEST(done.at("request_counts").at("total").as_int64() == 10);
    // request_counts are the rows written: none, as no line finished.
    BOOST_TEST(done.at("request_counts").at("completed").as_int64() ==
               static_cast<std::int64_t>(after.rows(done, "output_file_id").size()));
    BOOST_TEST(done.at("request_counts").at("failed").as_int64() ==
               static_cast<std::int64_t>(after.rows(done, "error_file_id").size()));
    BOOST_TEST(!fake.wait_calls("a", 1, 300ms));
    BOOST_TEST(baton->log().find("\"event\":\"batch_resume\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_window_that_ends_while_baton_is_down_expires_after_the_restart)
{
    // The completion window is on the wall clock and stored with the batch: a restart re-arms it.
    const auto cfg = yaml({{"gpt", "a"}},
                          {"batch_completion_window_seconds: 2", "batch_max_concurrency_per_batch: 2"}, {});
    start(cfg);
    fake.set_script("a", json::parse(R"({"hang": true})"));
    auto c = client();
    const auto created = c.create_ok(c.upload_ok(lines(4)));
    const std::string id(created.at("id").as_string());
    BOOST_TEST_REQUIRE(fake.wait_calls("a", 2, 10s));
    baton->process().signal(SIGKILL);
    BOOST_TEST_REQUIRE(baton->process().wait_exit(deadline_after(10s)).has_value());

    start(cfg);
    auto after = client();
    const auto done = after.wait_status(id, {"expired"}, 20s);
    BOOST_TEST(done.at("expires_at") == created.at("expires_at"));
    BOOST_TEST(done.at("expired_at").as_int64() >= created.at("expires_at").as_int64());
    BOOST_TEST(done.at("request_counts") == json::parse(R"({"total":4,"completed":0,"failed":4})"));
    const auto rows = after.rows(done, "error_file_id");
    BOOST_TEST_REQUIRE(rows.size() == 4u);
    for (const auto& row : rows) BOOST_TEST(row.at("error").at("code").as_string() == "batch_expired");
    BOOST_TEST(custom_ids(rows).size() == 4u);
}

BOOST_AUTO_TEST_SUITE_END()
