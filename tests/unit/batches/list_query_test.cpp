#include "batches/list_query.hpp"

#include <boost/test/unit_test.hpp>

#include <vector>

using namespace baton::batches;

BOOST_AUTO_TEST_SUITE(list_query_suite)

BOOST_AUTO_TEST_CASE(defaults_and_values)
{
    const list_rules batches_rules{20, 100, false, false};
    auto q = std::get<list_query>(parse_list_query(std::string_view{}, batches_rules));
    BOOST_TEST(q.limit == 20);
    BOOST_TEST(q.after.empty());
    BOOST_TEST(q.newest_first);
    q = std::get<list_query>(parse_list_query("limit=2&after=batch_abc&order=asc&purpose=x", batches_rules));
    BOOST_TEST(q.limit == 2);
    BOOST_TEST(q.after == "batch_abc");
    BOOST_TEST(q.newest_first);          // order is not a batches parameter
    BOOST_TEST(!q.purpose.has_value());  // nor purpose
    const list_rules files_rules{10000, 10000, true, true};
    q = std::get<list_query>(parse_list_query("order=asc&purpose=batch_output&after=file%2D1", files_rules));
    BOOST_TEST(!q.newest_first);
    BOOST_TEST(*q.purpose == "batch_output");
    BOOST_TEST(q.after == "file-1");
    BOOST_TEST(q.limit == 10000);
}

BOOST_AUTO_TEST_CASE(bad_values_name_their_parameter)
{
    const list_rules rules{20, 100, true, true};
    for (const std::string_view bad : {"limit=0", "limit=101", "limit=x", "limit=5x", "limit="}) {
        auto r = parse_list_query(bad, rules);
        BOOST_REQUIRE(std::holds_alternative<api_error>(r));
        BOOST_TEST(std::get<api_error>(r).param == "limit");
    }
    BOOST_TEST(std::get<api_error>(parse_list_query("order=up", rules)).param == "order");
}

BOOST_AUTO_TEST_CASE(list_page_shape)
{
    BOOST_TEST(list_json({}, false) ==
               R"({"object":"list","data":[],"first_id":null,"last_id":null,"has_more":false})");
    const std::vector<listed> items{{"a", R"({"id":"a"})"}, {"b", R"({"id":"b"})"}};
    BOOST_TEST(
        list_json(items, true) ==
        R"({"object":"list","data":[{"id":"a"},{"id":"b"}],"first_id":"a","last_id":"b","has_more":true})");
}

BOOST_AUTO_TEST_SUITE_END()
