#include "batches/input_line.hpp"

#include "batches/create_params.hpp"
#include "call/routed_request.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cctype>

namespace baton::batches {

namespace json = boost::json;

namespace {

batch_error error(std::string code, std::string message, std::string param)
{
    return {std::move(code), std::move(message), std::move(param), std::nullopt};
}

batch_error missing(std::string_view field)
{
    return error("missing_required_parameter", "Missing required parameter: '" + std::string(field) + "'.",
                 std::string(field));
}

batch_error wrong_type(std::string_view field, std::string_view expected)
{
    return error("invalid_type",
                 "Invalid type for '" + std::string(field) + "': expected " + std::string(expected) + ".",
                 std::string(field));
}

}  // namespace

bool blank_line(std::string_view text) noexcept
{
    for (const char c : text) {
        if (c != ' ' && c != '\t' && c != '\r') {
            return false;
        }
    }
    return true;
}

batch_error line_too_large(std::size_t max_line_bytes)
{
    return error("invalid_request",
                 "This line is larger than the limit of " + std::to_string(max_line_bytes) + " bytes.", "");
}

batch_error duplicate_custom_id(std::string_view custom_id)
{
    return error("duplicate_custom_id",
                 "The custom_id '" + std::string(custom_id) +
                     "' is used by more than one request of this file.",
                 "custom_id");
}

std::optional<std::string> custom_id_of(std::string_view text)
{
    json::monotonic_resource arena;
    json::error_code ec;
    const json::value v = json::parse(text, ec, &arena);
    if (ec || !v.is_object()) {
        return std::nullopt;
    }
    const auto* id = v.get_object().if_contains("custom_id");
    if (id == nullptr || !id->is_string()) {
        return std::nullopt;
    }
    return std::string(id->get_string());
}

std::optional<valid_line> read_line(std::string_view text)
{
    json::monotonic_resource arena;
    json::error_code ec;
    const json::value v = json::parse(text, ec, &arena);
    if (ec || !v.is_object()) {
        return std::nullopt;
    }
    const auto* id = v.get_object().if_contains("custom_id");
    const auto* body = v.get_object().if_contains("body");
    if (id == nullptr || !id->is_string() || body == nullptr || !body->is_object()) {
        return std::nullopt;
    }
    return valid_line{std::string(id->get_string()), json::serialize(*body)};
}

std::variant<valid_line, batch_error> validate_line(std::string_view text, const line_rules& rules)
{
    if (!text.empty() && text.back() == '\r') {
        text.remove_suffix(1);
    }
    if (text.size() > rules.max_line_bytes) {
        return line_too_large(rules.max_line_bytes);
    }
    json::monotonic_resource arena;
    json::error_code ec;
    json::value v = json::parse(text, ec, &arena);
    if (ec || !v.is_object()) {
        return error("invalid_json_line", "This line is not parseable as valid JSON.", "");
    }
    const json::object& o = v.get_object();

    const auto* custom_id = o.if_contains("custom_id");
    if (custom_id == nullptr || custom_id->is_null()) {
        return missing("custom_id");
    }
    if (!custom_id->is_string()) {
        return wrong_type("custom_id", "a string");
    }
    const auto* method = o.if_contains("method");
    if (method == nullptr || method->is_null()) {
        return missing("method");
    }
    if (!method->is_string() || method->get_string() != "POST") {
        const std::string shown =
            method->is_string() ? std::string(method->get_string()) : json::serialize(*method);
        return error("invalid_value", "Invalid value: '" + shown + "'. Supported values are: 'POST'.",
                     "method");
    }
    const auto* url = o.if_contains("url");
    if (url == nullptr || url->is_null()) {
        return missing("url");
    }
    if (!url->is_string()) {
        return wrong_type("url", "a string");
    }
    if (url->get_string() != batch_endpoint_path(rules.endpoint)) {
        return error("invalid_url", "The URL provided for this request does not match the batch endpoint.",
                     "url");
    }
    const auto* body = o.if_contains("body");
    if (body == nullptr || body->is_null()) {
        return missing("body");
    }
    if (!body->is_object()) {
        return wrong_type("body", "an object");
    }
    if (const auto* s = body->get_object().if_contains("stream");
        s != nullptr && s->is_bool() && s->get_bool()) {
        const std::string_view api = rules.endpoint == providers::api_endpoint::chat_completions
                                         ? "Chat Completions"
                                     : rules.endpoint == providers::api_endpoint::completions ? "Completions"
                                                                                              : "Embeddings";
        return error("streaming_unsupported",
                     std::string(api) + ": Streaming is not supported in the Batch API.", "body.stream");
    }

    valid_line out;
    out.custom_id = std::string(custom_id->get_string());
    out.body = json::serialize(*body);
    // The same checks a live request gets, so that a line that validates is one the executor accepts.
    json::monotonic_resource request_arena;
    auto parsed =
        call::parse_routed_request(out.body, rules.endpoint, rules.has_default_model, &request_arena);
    if (const auto* bad = std::get_if<call::request_error>(&parsed)) {
        std::string message = bad->message;
        if (!message.empty()) {
            message[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(message[0])));
            if (message.back() != '.') {
                message += '.';
            }
        }
        return error("invalid_request", std::move(message),
                     bad->param.empty() ? "body" : "body." + bad->param);
    }
    const auto& request = std::get<call::routed_request>(parsed);
    if (rules.check_model) {
        switch (rules.check_model(request.model)) {
        case model_verdict::known:
            break;
        case model_verdict::unknown:
            return error("model_not_found",
                         "The provided model '" + request.model + "' is not supported by the Batch API.",
                         "body.model");
        case model_verdict::not_allowed:
            return error("model_not_allowed",
                         "The key that created this batch is not allowed to use model '" + request.model +
                             "'.",
                         "body.model");
        }
    }
    return out;
}

}  // namespace baton::batches
