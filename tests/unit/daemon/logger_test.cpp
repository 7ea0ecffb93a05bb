#include "log/logger.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

using baton::log_level;
using baton::logger;

namespace {

// 2026-11-23T20:14:19.123Z
std::chrono::system_clock::time_point fixed_now() noexcept {
    using namespace std::chrono;
    return system_clock::time_point{seconds{1'795'464'859}} + milliseconds{123};
}

// A pipe whose read end never blocks, so "nothing was written" is an immediate EAGAIN.
struct pipe_pair {
    std::array<int, 2> fds{-1, -1};
    pipe_pair() {
        BOOST_REQUIRE(::pipe2(fds.data(), O_CLOEXEC) == 0);
        BOOST_REQUIRE(::fcntl(fds[0], F_SETFL, O_NONBLOCK) == 0);
    }
    ~pipe_pair() {
        ::close(fds[0]);
        ::close(fds[1]);
    }
    int write_end() const { return fds[1]; }
    std::string drain() const {
        std::string out;
        std::array<char, 4096> buf{};
        for (;;) {
            const ssize_t n = ::read(fds[0], buf.data(), buf.size());
            if (n <= 0) {
                break;
            }
            out.append(buf.data(), static_cast<std::size_t>(n));
        }
        return out;
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(logger_suite)

BOOST_AUTO_TEST_CASE(level_names_parse_case_insensitively) {
    BOOST_TEST((baton::log_level_from_string("debug") == log_level::debug));
    BOOST_TEST((baton::log_level_from_string("INFO") == log_level::info));
    BOOST_TEST((baton::log_level_from_string("Warning") == log_level::warning));
    BOOST_TEST((baton::log_level_from_string("warn") == log_level::warning));
    BOOST_TEST((baton::log_level_from_string("error") == log_level::error));
    BOOST_TEST(!baton::log_level_from_string("verbose").has_value());
    BOOST_TEST(!baton::log_level_from_string("").has_value());
    BOOST_TEST(!baton::log_level_from_string("infos").has_value());
}

BOOST_AUTO_TEST_CASE(syslog_priorities_follow_journald) {
    BOOST_TEST(baton::syslog_priority(log_level::debug) == 7);
    BOOST_TEST(baton::syslog_priority(log_level::info) == 6);
    BOOST_TEST(baton::syslog_priority(log_level::warning) == 4);
    BOOST_TEST(baton::syslog_priority(log_level::error) == 3);
}

BOOST_AUTO_TEST_CASE(writes_one_exact_line) {
    pipe_pair p;
    const logger log(p.write_end(), log_level::debug, &fixed_now);
    log.info("reload", {{"result", "ok"}, {"deployments", 3}, {"latency_ms", 12.5}, {"draining", false}});
    BOOST_TEST(p.drain() ==
               "<6>{\"ts\":\"2026-11-23T20:14:19.123Z\",\"level\":\"info\",\"event\":\"reload\","
               "\"result\":\"ok\",\"deployments\":3,\"latency_ms\":12.5,\"draining\":false}\n");
}

BOOST_AUTO_TEST_CASE(each_level_gets_its_priority_prefix) {
    pipe_pair p;
    const logger log(p.write_end(), log_level::debug, &fixed_now);
    log.debug("a");
    log.warning("b");
    log.error("c");
    BOOST_TEST(p.drain() ==
               "<7>{\"ts\":\"2026-11-23T20:14:19.123Z\",\"level\":\"debug\",\"event\":\"a\"}\n"
               "<4>{\"ts\":\"2026-11-23T20:14:19.123Z\",\"level\":\"warning\",\"event\":\"b\"}\n"
               "<3>{\"ts\":\"2026-11-23T20:14:19.123Z\",\"level\":\"error\",\"event\":\"c\"}\n");
}

BOOST_AUTO_TEST_CASE(lines_below_the_level_are_dropped) {
    pipe_pair p;
    logger log(p.write_end(), log_level::warning, &fixed_now);
    BOOST_TEST(!log.enabled(log_level::debug));
    BOOST_TEST(!log.enabled(log_level::info));
    BOOST_TEST(log.enabled(log_level::warning));
    BOOST_TEST(log.enabled(log_level::error));
    log.info("quiet");
    log.debug("quiet");
    BOOST_TEST(p.drain().empty());

    log.set_level(log_level::debug);
    BOOST_TEST((log.level() == log_level::debug));
    log.debug("loud");
    BOOST_TEST(p.drain().find("\"event\":\"loud\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(control_characters_and_quotes_stay_on_one_line) {
    pipe_pair p;
    const logger log(p.write_end(), log_level::info, &fixed_now);
    log.info("evil\nevent", {{"msg", "line1\nline2 \"quoted\" \\ \x01"}});
    const std::string out = p.drain();
    BOOST_TEST(out.find('\n') == out.size() - 1);
    const auto v = boost::json::parse(out.substr(3));
    BOOST_TEST(v.at("event").as_string() == "evil\nevent");
    BOOST_TEST(v.at("msg").as_string() == "line1\nline2 \"quoted\" \\ \x01");
}

BOOST_AUTO_TEST_CASE(reserved_names_in_fields_are_renamed) {
    pipe_pair p;
    const logger log(p.write_end(), log_level::info, &fixed_now);
    log.info("x", {{"ts", 1}, {"level", "fake"}, {"event", "y"}});
    BOOST_TEST(p.drain() ==
               "<6>{\"ts\":\"2026-11-23T20:14:19.123Z\",\"level\":\"info\",\"event\":\"x\","
               "\"field_ts\":1,\"field_level\":\"fake\",\"field_event\":\"y\"}\n");
}

BOOST_AUTO_TEST_CASE(numbers_are_readable_and_non_finite_doubles_are_null) {
    pipe_pair p;
    const logger log(p.write_end(), log_level::info, &fixed_now);
    log.info("n", {{"a", 1.0},
                   {"b", 0.001},
                   {"c", -7},
                   {"d", std::numeric_limits<std::uint64_t>::max()},
                   {"e", std::numeric_limits<double>::quiet_NaN()},
                   {"f", std::numeric_limits<double>::infinity()},
                   {"g", nullptr},
                   {"h", boost::json::array{1, "two", 3.5}}});
    const std::string out = p.drain();
    BOOST_TEST(out.find("\"a\":1,\"b\":0.001,\"c\":-7,\"d\":18446744073709551615,\"e\":null,\"f\":null,"
                        "\"g\":null,\"h\":[1,\"two\",3.5]}") != std::string::npos);
    BOOST_CHECK_NO_THROW(boost::json::parse(out.substr(3)));
}

BOOST_AUTO_TEST_CASE(timestamps_are_utc_with_milliseconds) {
    using namespace std::chrono;
    const auto epoch = system_clock::time_point{};
    BOOST_TEST(logger::format_line(log_level::info, epoch + milliseconds{7}, "e", {}) ==
               "<6>{\"ts\":\"1970-01-01T00:00:00.007Z\",\"level\":\"info\",\"event\":\"e\"}\n");
    // Sub-millisecond parts are cut, not rounded up into the next second.
    BOOST_TEST(logger::format_line(log_level::info, epoch + seconds{59} + microseconds{999'999}, "e", {}) ==
               "<6>{\"ts\":\"1970-01-01T00:00:59.999Z\",\"level\":\"info\",\"event\":\"e\"}\n");
}

BOOST_AUTO_TEST_CASE(secrets_are_redacted_at_any_depth) {
    pipe_pair p;
    const logger log(p.write_end(), log_level::info, &fixed_now);
    log.info("config", {{"api_key", "sk-live-123"},
                        {"Authorization", "Bearer sk-live-123"},
                        {"master_key", "mk"},
                        {"key", "k"},
                        {"password", "p"},
                        {"secret", "s"},
                        {"api_keys", boost::json::array{"k1", "k2"}},
                        {"params", {{"api_key", "nested"}, {"model", "openai/gpt-4o"}}},
                        {"deployments", boost::json::array{boost::json::object{{"x-api-key", "ant"}}}},
                        {"prompt_tokens", 12},
                        {"completion_tokens", 3},
                        {"key_count", 2},
                        {"tokens", 15}});
    const std::string out = p.drain();
    BOOST_TEST(out.find("sk-live") == std::string::npos);
    BOOST_TEST(out.find("nested") == std::string::npos);
    BOOST_TEST(out.find("\"k1\"") == std::string::npos);
    BOOST_TEST(out.find("ant\"") == std::string::npos);
    const auto v = boost::json::parse(out.substr(3)).as_object();
    for (const char* name : {"api_key", "Authorization", "master_key", "key", "password", "secret", "api_keys"}) {
        BOOST_TEST_CONTEXT(name) { BOOST_TEST(v.at(name).as_string() == "[redacted]"); }
    }
    BOOST_TEST(v.at("params").at("api_key").as_string() == "[redacted]");
    BOOST_TEST(v.at("params").at("model").as_string() == "openai/gpt-4o");
    BOOST_TEST(v.at("deployments").at(0).at("x-api-key").as_string() == "[redacted]");
    BOOST_TEST(v.at("prompt_tokens").as_int64() == 12);
    BOOST_TEST(v.at("completion_tokens").as_int64() == 3);
    BOOST_TEST(v.at("key_count").as_int64() == 2);
    BOOST_TEST(v.at("tokens").as_int64() == 15);
}

BOOST_AUTO_TEST_CASE(redact_works_on_its_own) {
    boost::json::object o{{"token_count", 1}, {"PASSWORD", "x"}, {"redis_password", "y"}, {"keys", 2}};
    baton::redact(o);
    BOOST_TEST(o.at("token_count").as_int64() == 1);
    BOOST_TEST(o.at("PASSWORD").as_string() == "[redacted]");
    BOOST_TEST(o.at("redis_password").as_string() == "[redacted]");
    BOOST_TEST(o.at("keys").as_int64() == 2);
}

BOOST_AUTO_TEST_CASE(a_bad_fd_is_silently_ignored) {
    const logger log(-1, log_level::info, &fixed_now);
    BOOST_CHECK_NO_THROW(log.info("nowhere", {{"a", 1}}));
}

BOOST_AUTO_TEST_CASE(concurrent_writers_never_interleave_lines) {
    char path[] = "/tmp/baton_logger_test_XXXXXX";
    const int fd = ::mkstemp(path);
    BOOST_REQUIRE(fd >= 0);
    BOOST_REQUIRE(::fcntl(fd, F_SETFL, O_APPEND) == 0);
    {
        const logger log(fd, log_level::info, &fixed_now);
        constexpr int threads = 4;
        constexpr int lines = 500;
        std::vector<std::thread> writers;
        for (int t = 0; t < threads; ++t) {
            writers.emplace_back([&log, t] {
                for (int i = 0; i < lines; ++i) {
                    log.info("tick", {{"thread", t}, {"i", i}, {"padding", std::string(200, 'x')}});
                }
            });
        }
        for (auto& w : writers) {
            w.join();
        }
        std::ifstream in(path);
        std::set<std::pair<std::int64_t, std::int64_t>> seen;
        for (std::string line; std::getline(in, line);) {
            BOOST_REQUIRE(line.rfind("<6>{", 0) == 0);
            const auto v = boost::json::parse(line.substr(3)).as_object();
            seen.emplace(v.at("thread").as_int64(), v.at("i").as_int64());
        }
        BOOST_TEST(seen.size() == static_cast<std::size_t>(threads * lines));
    }
    ::close(fd);
    ::unlink(path);
}

BOOST_AUTO_TEST_CASE(default_logger_is_stderr_at_info)
{
    // There is no process-wide logger: the daemon constructs one and injects it (log/logger.hpp).
    const logger log;
    BOOST_TEST((log.level() == log_level::info));
    BOOST_TEST(!log.enabled(log_level::debug));
    BOOST_TEST(log.enabled(log_level::warning));
}

BOOST_AUTO_TEST_SUITE_END()
