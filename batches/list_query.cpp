#include "batches/list_query.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse_query.hpp>

#include <charconv>

namespace baton::batches {

std::variant<list_query, api_error> parse_list_query(std::string_view query, const list_rules& rules)
{
    list_query q;
    q.limit = rules.default_limit;
    if (query.empty()) {
        return q;  // (an empty view may have no data pointer at all: Boost.URL must not see it)
    }
    auto params = boost::urls::parse_query(boost::core::string_view(query.data(), query.size()));
    if (!params) {
        return api_error{errc::invalid_value, "The query string cannot be read.", ""};
    }
    for (const auto& p : *params) {
        const std::string key = p.key.decode();
        const std::string value = p.value.decode();
        if (key == "limit") {
            std::int64_t n = 0;
            const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
            if (ec != std::errc{} || end != value.data() + value.size() || n < 1 || n > rules.max_limit) {
                return api_error{errc::invalid_value,
                                 "Invalid value: '" + value + "'. limit must be an integer from 1 to " +
                                     std::to_string(rules.max_limit) + ".",
                                 "limit"};
            }
            q.limit = n;
        } else if (key == "after") {
            q.after = value;
        } else if (key == "order" && rules.order) {
            if (value != "asc" && value != "desc") {
                return api_error{errc::invalid_value,
                                 "Invalid value: '" + value + "'. Supported values are: 'asc' and 'desc'.",
                                 "order"};
            }
            q.newest_first = value == "desc";
        } else if (key == "purpose" && rules.purpose) {
            q.purpose = value;
        }
    }
    return q;
}

std::string list_json(std::span<const listed> items, bool has_more)
{
    namespace json = boost::json;
    std::string out = R"({"object":"list","data":[)";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i != 0) {
            out += ',';
        }
        out += items[i].json;
    }
    out += R"(],"first_id":)";
    out += items.empty() ? "null" : json::serialize(json::value(items.front().id));
    out += R"(,"last_id":)";
    out += items.empty() ? "null" : json::serialize(json::value(items.back().id));
    out += R"(,"has_more":)";
    out += has_more ? "true" : "false";
    out += '}';
    return out;
}

}  // namespace baton::batches
