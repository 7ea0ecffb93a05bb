// The limiter every reactor thread shares: counters kept by key name (across reloads), forgotten for
// removed keys, and exact under concurrent use (this file runs under TSan too).

#include "keys/local_key_limiter.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <thread>
#include <vector>

using namespace baton::keys;
using namespace std::chrono_literals;

namespace {

const wall_time t0 = wall_time(std::chrono::sys_days(std::chrono::year(2024) / 6 / 1) + 12h);

}  // namespace

BOOST_AUTO_TEST_SUITE(local_key_limiter_suite)

BOOST_AUTO_TEST_CASE(counters_are_kept_per_name_and_survive_a_change_of_limits)
{
    local_key_limiter k;
    BOOST_TEST(k.admit("a", {.rpm = 2}, t0).admitted());
    BOOST_TEST(k.admit("a", {.rpm = 2}, t0).admitted());
    BOOST_TEST(!k.admit("a", {.rpm = 2}, t0).admitted());
    BOOST_TEST(k.admit("b", {.rpm = 2}, t0).admitted());
    // A reload raised the limit: the same counts, a new ceiling.
    BOOST_TEST(k.admit("a", {.rpm = 3}, t0).admitted());
    const auto u = k.usage("a", {.rpm = 3}, t0 + 1s);
    BOOST_TEST(u.requests == 3u);
    BOOST_TEST(u.in_flight == 3u);
    BOOST_TEST(u.refused_total == 1u);
    k.settle("a", 40, t0 + 2s);
    BOOST_TEST(k.usage("a", {}, t0 + 2s).tokens == 40u);
    BOOST_TEST(k.usage("never-seen", {.rpm = 9}, t0).requests_remaining == 9u);
}

BOOST_AUTO_TEST_CASE(retain_only_forgets_removed_keys_and_a_late_settle_is_harmless)
{
    local_key_limiter k;
    BOOST_TEST(k.admit("gone", {.max_parallel = 1}, t0).admitted());
    BOOST_TEST(k.admit("kept", {.max_parallel = 1}, t0).admitted());
    k.retain_only({"kept"});
    k.settle("gone", 10, t0);
    BOOST_TEST(k.usage("gone", {}, t0).requests_total == 0u);
    BOOST_TEST(!k.admit("kept", {.max_parallel = 1}, t0).admitted());
    BOOST_TEST(k.admit("gone", {.max_parallel = 1}, t0).admitted());
}

BOOST_AUTO_TEST_CASE(threads_sharing_one_key_never_exceed_its_limit)
{
    local_key_limiter k;
    const key_limits l{.rpm = 1000, .max_parallel = 3};
    std::atomic<int> admitted{0};
    std::atomic<int> peak{0};
    std::atomic<int> running{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 2000; ++i) {
                if (!k.admit("shared", l, t0).admitted()) continue;
                const int now = running.fetch_add(1) + 1;
                int p = peak.load();
                while (now > p && !peak.compare_exchange_weak(p, now)) {
                }
                admitted.fetch_add(1);
                running.fetch_sub(1);
                k.settle("shared", 1, t0);
            }
        });
    }
    for (auto& t : threads) t.join();
    BOOST_TEST(admitted.load() == 1000);  // exactly rpm, within one minute
    BOOST_TEST(peak.load() <= 3);
    const auto u = k.usage("shared", l, t0);
    BOOST_TEST(u.in_flight == 0u);
    BOOST_TEST(u.tokens_total == 1000u);
    BOOST_TEST(u.refused_total == 7000u);
}

BOOST_AUTO_TEST_SUITE_END()
