#include "batches/create_params.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace baton::batches {

namespace json = boost::json;

namespace {

std::string_view kind_of(const json::value& v)
{
    switch (v.kind()) {
    case json::kind::null:
        return "null";
    case json::kind::bool_:
        return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
        return "an integer";
    case json::kind::double_:
        return "a number";
    case json::kind::string:
        return "a string";
    case json::kind::array:
        return "an array";
    case json::kind::object:
        return "an object";
    }
    return "a value";
}

api_error type_error(const std::string& param, std::string_view expected, const json::value& got)
{
    return {errc::invalid_type,
            "Invalid type for '" + param + "': expected " + std::string(expected) + ", but got " +
                std::string(kind_of(got)) + " instead.",
            param};
}

api_error missing(std::string_view param)
{
    return {errc::missing_required_parameter, "Missing required parameter: '" + std::string(param) + "'.",
            std::string(param)};
}

/// A required string field, or why not.
std::variant<std::string, api_error> required_string(const json::object& o, std::string_view key)
{
    const auto* v = o.if_contains(key);
    if (v == nullptr || v->is_null()) {
        return missing(key);
    }
    if (!v->is_string()) {
        return type_error(std::string(key), "a string", *v);
    }
    return std::string(v->get_string());
}

}  // namespace

std::string_view batch_endpoint_path(providers::api_endpoint e) noexcept
{
    switch (e) {
    case providers::api_endpoint::chat_completions:
        return "/v1/chat/completions";
    case providers::api_endpoint::completions:
        return "/v1/completions";
    case providers::api_endpoint::embeddings:
        return "/v1/embeddings";
    }
    return "/v1/chat/completions";
}

std::optional<providers::api_endpoint> batch_endpoint_from_path(std::string_view path) noexcept
{
    for (const auto e : {providers::api_endpoint::chat_completions, providers::api_endpoint::completions,
                         providers::api_endpoint::embeddings}) {
        if (batch_endpoint_path(e) == path) {
            return e;
        }
    }
    return std::nullopt;
}

std::variant<create_params, api_error> parse_create_params(std::string_view body, std::string_view header_key)
{
    json::error_code ec;
    const json::value v = json::parse(body, ec);
    if (ec || !v.is_object()) {
        return api_error{errc::invalid_json,
                         "We could not parse the JSON body of your request. The body must be a JSON object.",
                         ""};
    }
    const json::object& o = v.get_object();
    create_params p;

    auto file = required_string(o, "input_file_id");
    if (auto* e = std::get_if<api_error>(&file)) {
        return *e;
    }
    p.input_file_id = std::move(std::get<std::string>(file));
    if (p.input_file_id.empty()) {
        return api_error{errc::invalid_value, "Invalid value: ''. input_file_id must name a file.",
                         "input_file_id"};
    }

    auto endpoint = required_string(o, "endpoint");
    if (auto* e = std::get_if<api_error>(&endpoint)) {
        return *e;
    }
    const auto& path = std::get<std::string>(endpoint);
    const auto which = batch_endpoint_from_path(path);
    if (!which) {
        return api_error{errc::invalid_value,
                         "Invalid value: '" + path +
                             "'. Supported values are: '/v1/chat/completions', '/v1/completions', and "
                             "'/v1/embeddings'.",
                         "endpoint"};
    }
    p.endpoint = *which;

    auto window = required_string(o, "completion_window");
    if (auto* e = std::get_if<api_error>(&window)) {
        return *e;
    }
    p.completion_window = std::move(std::get<std::string>(window));
    if (p.completion_window != "24h") {
        return api_error{errc::invalid_value,
                         "Invalid value: '" + p.completion_window + "'. Supported values are: '24h'.",
                         "completion_window"};
    }

    if (const auto* md = o.if_contains("metadata"); md != nullptr && !md->is_null()) {
        if (!md->is_object()) {
            return type_error("metadata", "an object", *md);
        }
        const auto& mo = md->get_object();
        if (mo.size() > max_metadata_pairs) {
            return api_error{errc::invalid_value,
                             "Invalid 'metadata': at most 16 key-value pairs are allowed, got " +
                                 std::to_string(mo.size()) + ".",
                             "metadata"};
        }
        std::vector<std::pair<std::string, std::string>> list;
        for (const auto& kv : mo) {
            const std::string param = "metadata." + std::string(kv.key());
            if (!kv.value().is_string()) {
                return type_error(param, "a string", kv.value());
            }
            if (kv.key().size() > max_metadata_key_chars) {
                return api_error{errc::invalid_value,
                                 "Invalid 'metadata': keys are at most 64 characters long.", param};
            }
            if (kv.value().get_string().size() > max_metadata_value_chars) {
                return api_error{errc::invalid_value,
                                 "Invalid '" + param + "': values are at most 512 characters long.", param};
            }
            list.emplace_back(std::string(kv.key()), std::string(kv.value().get_string()));
        }
        p.metadata = std::move(list);
    }

    std::optional<std::string> body_key;
    if (const auto* k = o.if_contains("idempotency_key"); k != nullptr && !k->is_null()) {
        if (!k->is_string()) {
            return type_error("idempotency_key", "a string", *k);
        }
        body_key = std::string(k->get_string());
    }
    if (!header_key.empty() && body_key && *body_key != header_key) {
        return api_error{errc::invalid_value,
                         "The Idempotency-Key header and the idempotency_key field differ; send one of them.",
                         "idempotency_key"};
    }
    if (!header_key.empty()) {
        p.idempotency_key = std::string(header_key);
    } else if (body_key) {
        p.idempotency_key = std::move(body_key);
    }
    if (p.idempotency_key &&
        (p.idempotency_key->empty() || p.idempotency_key->size() > max_idempotency_key_chars)) {
        return api_error{errc::invalid_value, "An idempotency key is 1 to 256 characters long.",
                         "idempotency_key"};
    }
    return p;
}

std::string idempotency_fingerprint(const create_params& p)
{
    // Built by hand in a fixed order: the text is compared, so it must not depend on a map's order.
    std::string out = "{\"input_file_id\":" + json::serialize(json::value(p.input_file_id)) +
                      ",\"endpoint\":" + json::serialize(json::value(batch_endpoint_path(p.endpoint))) +
                      ",\"completion_window\":" + json::serialize(json::value(p.completion_window)) +
                      ",\"metadata\":";
    if (!p.metadata) {
        out += "null";
    } else {
        auto sorted = *p.metadata;
        std::sort(sorted.begin(), sorted.end());
        out += '{';
        for (std::size_t i = 0; i < sorted.size(); ++i) {
            if (i != 0) {
                out += ',';
            }
            out += json::serialize(json::value(sorted[i].first));
            out += ':';
            out += json::serialize(json::value(sorted[i].second));
        }
        out += '}';
    }
    out += '}';
    return out;
}

api_error idempotency_conflict(std::string_view key)
{
    return {errc::idempotency_conflict,
            "Idempotency key '" + std::string(key) + "' was previously used with different parameters",
            "idempotency_key"};
}

}  // namespace baton::batches
