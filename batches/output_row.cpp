#include "batches/output_row.hpp"

#include "batches/ids.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace baton::batches {

namespace json = boost::json;

std::string request_row_id(std::string_view batch_id, std::int64_t line)
{
    std::uint64_t h = 1469598103934665603ULL;  // FNV-1a over the batch id
    for (const char c : batch_id) {
        h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    }
    const std::uint64_t a = splitmix64(h ^ static_cast<std::uint64_t>(line));
    return make_id("batch_req_", a, splitmix64(a ^ 0x5bd1e995ULL));
}

output_row response_row(std::string_view id, std::string_view custom_id, unsigned status,
                        std::string_view request_id, std::string_view body)
{
    json::monotonic_resource arena;
    json::error_code ec;
    json::value parsed = json::parse(body, ec, &arena);
    json::object response(&arena);
    response["status_code"] = status;
    response["request_id"] = request_id;
    response["body"] = ec ? json::value(body, &arena) : std::move(parsed);
    json::object row(&arena);
    row["id"] = id;
    row["custom_id"] = custom_id;
    row["response"] = std::move(response);
    row["error"] = nullptr;
    return {status >= 200 && status < 300 ? row_outcome::completed : row_outcome::failed,
            json::serialize(row)};
}

output_row error_row(std::string_view id, std::string_view custom_id, std::string_view code,
                     std::string_view message)
{
    json::object error;
    error["code"] = code;
    error["message"] = message;
    json::object row;
    row["id"] = id;
    row["custom_id"] = custom_id;
    row["response"] = nullptr;
    row["error"] = std::move(error);
    return {row_outcome::failed, json::serialize(row)};
}

output_row expired_row(std::string_view id, std::string_view custom_id)
{
    return error_row(id, custom_id, "batch_expired",
                     "This request could not be executed before the completion window expired.");
}

}  // namespace baton::batches
