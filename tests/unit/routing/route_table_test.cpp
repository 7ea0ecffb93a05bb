#include "routing/route_table.hpp"

#include "unit/routing/routing_fixture.hpp"

#include <boost/test/unit_test.hpp>

using namespace baton::routing;
using namespace baton::routing::test;

BOOST_AUTO_TEST_SUITE(route_table_test)

BOOST_AUTO_TEST_CASE(add_indexes_deployments_and_files_them_by_group)
{
    world w;
    w.add("a", "gpt-4o");
    w.add("b", "claude");
    w.add("c", "gpt-4o");
    const auto& t = w.table;
    BOOST_TEST_REQUIRE(t.deployments().size() == 3u);
    BOOST_TEST(t.deployments()[2].id == "c");
    BOOST_TEST(t.deployments()[2].index == 2u);
    BOOST_TEST((t.group_names() == std::vector<std::string>{"gpt-4o", "claude"}));
    BOOST_TEST_REQUIRE(t.group("gpt-4o") != nullptr);
    BOOST_TEST((*t.group("gpt-4o") == std::vector<std::size_t>{0, 2}));
    BOOST_TEST((*t.group("claude") == std::vector<std::size_t>{1}));
    BOOST_TEST(t.group("gpt") == nullptr);
    BOOST_TEST(t.group("") == nullptr);
}

BOOST_AUTO_TEST_CASE(find_deployment_and_alias)
{
    world w;
    w.add("a", "gpt-4o");
    w.add("b", "claude");
    w.table.add_alias({"fast-text", "cheap and quick", {"claude", "gpt-4o"}});
    BOOST_TEST_REQUIRE(w.table.find_deployment("b") != nullptr);
    BOOST_TEST(w.table.find_deployment("b")->group == "claude");
    BOOST_TEST(w.table.find_deployment("zzz") == nullptr);
    BOOST_TEST_REQUIRE(w.table.find_alias("fast-text") != nullptr);
    BOOST_TEST(w.table.find_alias("fast-text")->description == "cheap and quick");
    BOOST_TEST((w.table.find_alias("fast-text")->chain == std::vector<std::string>{"claude", "gpt-4o"}));
    BOOST_TEST(w.table.find_alias("gpt-4o") == nullptr);
    BOOST_TEST(w.table.aliases().size() == 1u);
}

BOOST_AUTO_TEST_CASE(the_table_moves)
{
    world w;
    w.add("a", "gpt-4o");
    route_table moved = std::move(w.table);
    BOOST_TEST(moved.find_deployment("a") != nullptr);
    BOOST_TEST(moved.group("gpt-4o") != nullptr);
}

BOOST_AUTO_TEST_CASE(wildcard_capture)
{
    BOOST_TEST((route_table::wildcard_capture("openai/*", "openai/gpt-4o") == std::string_view("gpt-4o")));
    BOOST_TEST((route_table::wildcard_capture("*", "anything") == std::string_view("anything")));
    BOOST_TEST((route_table::wildcard_capture("gpt-*-mini", "gpt-4o-mini") == std::string_view("4o")));
    BOOST_TEST(!route_table::wildcard_capture("openai/*", "openai/"));  // '*' is one character or more
    BOOST_TEST(!route_table::wildcard_capture("openai/*", "azure/gpt-4o"));
    BOOST_TEST(!route_table::wildcard_capture("gpt-*-mini", "gpt-mini"));
    BOOST_TEST(!route_table::wildcard_capture("gpt-4o", "gpt-4o"));  // no '*'
}

BOOST_AUTO_TEST_CASE(match_group_prefers_exact_then_longest_prefix)
{
    world w;
    w.add("any", "*");
    w.add("oa", "openai/*");
    w.add("oa-gpt", "openai/gpt-*");
    w.add("exact", "openai/gpt-4o");
    std::string matched;
    const auto* g = w.table.match_group("openai/gpt-4o", &matched);
    BOOST_TEST(matched == "openai/gpt-4o");
    BOOST_TEST((g == w.table.group("openai/gpt-4o")));

    BOOST_TEST((w.table.match_group("openai/gpt-4o-mini", &matched) == w.table.group("openai/gpt-*")));
    BOOST_TEST(matched == "openai/gpt-*");
    BOOST_TEST((w.table.match_group("openai/o3", &matched) == w.table.group("openai/*")));
    BOOST_TEST(matched == "openai/*");
    BOOST_TEST((w.table.match_group("mistral/large", &matched) == w.table.group("*")));
    BOOST_TEST(matched == "*");
    BOOST_TEST(w.table.match_group("mistral/large") != nullptr);  // `matched` is optional
}

BOOST_AUTO_TEST_CASE(match_group_without_a_match)
{
    world w;
    w.add("oa", "openai/*");
    w.add("x", "gpt-4o");
    std::string matched = "untouched";
    BOOST_TEST(w.table.match_group("azure/gpt-4o", &matched) == nullptr);
    BOOST_TEST(matched == "untouched");
    BOOST_TEST(w.table.match_group("gpt-4", &matched) == nullptr);
}

BOOST_AUTO_TEST_CASE(match_group_ties_on_prefix_go_to_the_longer_suffix)
{
    world w;
    w.add("1", "gpt-*");
    w.add("2", "gpt-*-mini");
    std::string matched;
    w.table.match_group("gpt-4o-mini", &matched);
    BOOST_TEST(matched == "gpt-*-mini");
    w.table.match_group("gpt-4o", &matched);
    BOOST_TEST(matched == "gpt-*");
}

BOOST_AUTO_TEST_CASE(enum_names)
{
    BOOST_TEST(to_string(routing_strategy::simple_shuffle) == "simple-shuffle");
    BOOST_TEST(to_string(routing_strategy::least_busy) == "least-busy");
    BOOST_TEST(to_string(routing_strategy::latency_based) == "latency-based-routing");
    BOOST_TEST(to_string(routing_strategy::usage_based) == "usage-based-routing");
    BOOST_TEST(to_string(stream_failover_mode::continue_) == "continue");
    BOOST_TEST(to_string(stream_failover_mode::restart) == "restart");
    BOOST_TEST(to_string(stream_failover_mode::off) == "off");
    for (const auto s : {routing_strategy::simple_shuffle, routing_strategy::least_busy,
                         routing_strategy::latency_based, routing_strategy::usage_based}) {
        BOOST_TEST((routing_strategy_from_string(to_string(s)) == s));
    }
    for (const auto m :
         {stream_failover_mode::continue_, stream_failover_mode::restart, stream_failover_mode::off}) {
        BOOST_TEST((stream_failover_mode_from_string(to_string(m)) == m));
    }
    BOOST_TEST(!routing_strategy_from_string("cost-based-routing"));
    BOOST_TEST(!stream_failover_mode_from_string("continue_"));
}

BOOST_AUTO_TEST_CASE(router_settings_defaults_match_the_spec)
{
    const router_settings s;
    BOOST_TEST((s.strategy == routing_strategy::simple_shuffle));
    BOOST_TEST(s.enable_weighted_failover);
    BOOST_TEST(s.num_retries == 0);
    BOOST_TEST(s.max_fallbacks == 5);
    BOOST_TEST(s.allowed_fails == 3);
    BOOST_TEST(s.cooldown_time == 5.0);
    BOOST_TEST(s.retry_after_cap == 300.0);
    BOOST_TEST((s.stream_failover == stream_failover_mode::continue_));
    BOOST_TEST(s.stream_idle_timeout == 30.0);
}

BOOST_AUTO_TEST_SUITE_END()
