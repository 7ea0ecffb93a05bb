#pragma once

#include "batches/errc.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace baton::batches {

/// A list request's query (GET /v1/files, GET /v1/batches), after OpenAI's cursor pagination.
struct list_query {
    std::int64_t limit = 20;
    std::string after;         ///< an id: list what comes after it in the order; empty = from the start
    bool newest_first = true;  ///< order=desc (the default) or asc
    std::optional<std::string> purpose;  ///< files only: keep this purpose only
};

/// What a list endpoint accepts.
struct list_rules {
    std::int64_t default_limit = 20;
    std::int64_t max_limit = 100;
    bool order = false;    ///< accepts `order` (files)
    bool purpose = false;  ///< accepts `purpose` (files)
};

/// Parses the query string (without "?"; percent-encoded): `limit` an integer in 1..max_limit, `after`,
/// and, where the rules allow them, `order` (asc|desc) and `purpose`. Unknown parameters are ignored.
/// A bad value is an invalid_value error naming the parameter. Pure.
std::variant<list_query, api_error> parse_list_query(std::string_view query, const list_rules& rules);

/// One listed object: its id and its JSON.
struct listed {
    std::string id;
    std::string json;
};

/// OpenAI's list page: {"object":"list","data":[...],"first_id","last_id","has_more"} (ids null when
/// empty). Pure.
std::string list_json(std::span<const listed> items, bool has_more);

}  // namespace baton::batches
