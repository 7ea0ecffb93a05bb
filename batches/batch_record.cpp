#include "batches/batch_record.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace baton::batches {

namespace json = boost::json;

namespace {

json::value opt(const std::optional<std::int64_t>& v)
{
    return v ? json::value(*v) : json::value(nullptr);
}

json::value opt(const std::optional<std::string>& v)
{
    return v ? json::value(*v) : json::value(nullptr);
}

std::optional<std::int64_t> read_time(const json::object& o, std::string_view key)
{
    const auto* v = o.if_contains(key);
    if (v == nullptr || !v->is_int64()) {
        return std::nullopt;
    }
    return v->get_int64();
}

std::optional<std::string> read_string(const json::object& o, std::string_view key)
{
    const auto* v = o.if_contains(key);
    if (v == nullptr || !v->is_string()) {
        return std::nullopt;
    }
    return std::string(v->get_string());
}

}  // namespace

std::string batch_json(const batch_record& b)
{
    json::object o;
    o["id"] = b.id;
    o["object"] = "batch";
    o["endpoint"] = b.endpoint;
    o["errors"] = nullptr;
    if (!b.errors.empty()) {
        json::array data;
        for (const auto& e : b.errors) {
            json::object item;
            item["code"] = e.code;
            item["line"] = opt(e.line);
            item["message"] = e.message;
            item["param"] = e.param.empty() ? json::value(nullptr) : json::value(e.param);
            data.push_back(std::move(item));
        }
        json::object errors;
        errors["object"] = "list";
        errors["data"] = std::move(data);
        o["errors"] = std::move(errors);
    }
    o["input_file_id"] = b.input_file_id;
    o["completion_window"] = b.completion_window;
    o["status"] = to_string(b.status);
    o["output_file_id"] = opt(b.output_file_id);
    o["error_file_id"] = opt(b.error_file_id);
    o["created_at"] = b.created_at;
    o["in_progress_at"] = opt(b.in_progress_at);
    o["expires_at"] = b.expires_at;
    o["finalizing_at"] = opt(b.finalizing_at);
    o["completed_at"] = opt(b.completed_at);
    o["failed_at"] = opt(b.failed_at);
    o["expired_at"] = opt(b.expired_at);
    o["cancelling_at"] = opt(b.cancelling_at);
    o["cancelled_at"] = opt(b.cancelled_at);
    json::object counts;
    counts["total"] = b.counts.total;
    counts["completed"] = b.counts.completed;
    counts["failed"] = b.counts.failed;
    o["request_counts"] = std::move(counts);
    if (b.metadata) {
        json::object md;
        for (const auto& [k, v] : *b.metadata) {
            md[k] = v;
        }
        o["metadata"] = std::move(md);
    } else {
        o["metadata"] = nullptr;
    }
    return json::serialize(o);
}

std::optional<batch_record> parse_batch_json(std::string_view text)
{
    json::error_code ec;
    const json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) {
        return std::nullopt;
    }
    const json::object& o = v.get_object();
    batch_record b;
    auto id = read_string(o, "id");
    auto status = read_string(o, "status");
    auto created = read_time(o, "created_at");
    auto expires = read_time(o, "expires_at");
    if (!id || !status || !created || !expires || !status_from_string(*status)) {
        return std::nullopt;
    }
    b.id = std::move(*id);
    b.status = *status_from_string(*status);
    b.created_at = *created;
    b.expires_at = *expires;
    b.input_file_id = read_string(o, "input_file_id").value_or("");
    b.endpoint = read_string(o, "endpoint").value_or("");
    b.completion_window = read_string(o, "completion_window").value_or("24h");
    b.in_progress_at = read_time(o, "in_progress_at");
    b.finalizing_at = read_time(o, "finalizing_at");
    b.completed_at = read_time(o, "completed_at");
    b.failed_at = read_time(o, "failed_at");
    b.expired_at = read_time(o, "expired_at");
    b.cancelling_at = read_time(o, "cancelling_at");
    b.cancelled_at = read_time(o, "cancelled_at");
    b.output_file_id = read_string(o, "output_file_id");
    b.error_file_id = read_string(o, "error_file_id");
    if (const auto* e = o.if_contains("errors"); e != nullptr && e->is_object()) {
        if (const auto* data = e->get_object().if_contains("data"); data != nullptr && data->is_array()) {
            for (const auto& item : data->get_array()) {
                if (!item.is_object()) {
                    continue;
                }
                const auto& io = item.get_object();
                b.errors.push_back({read_string(io, "code").value_or(""),
                                    read_string(io, "message").value_or(""),
                                    read_string(io, "param").value_or(""), read_time(io, "line")});
            }
        }
    }
    if (const auto* c = o.if_contains("request_counts"); c != nullptr && c->is_object()) {
        const auto& co = c->get_object();
        b.counts.total = read_time(co, "total").value_or(0);
        b.counts.completed = read_time(co, "completed").value_or(0);
        b.counts.failed = read_time(co, "failed").value_or(0);
    }
    if (const auto* md = o.if_contains("metadata"); md != nullptr && md->is_object()) {
        std::vector<std::pair<std::string, std::string>> list;
        for (const auto& kv : md->get_object()) {
            if (kv.value().is_string()) {
                list.emplace_back(std::string(kv.key()), std::string(kv.value().get_string()));
            }
        }
        b.metadata = std::move(list);
    }
    return b;
}

}  // namespace baton::batches
