#include "call/routed_request.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace baton::call {

namespace json = boost::json;

namespace {

request_error invalid(std::string message, std::string_view code_name, std::string param)
{
    errc code = errc::invalid_value;
    for (const errc e :
         {errc::invalid_json, errc::invalid_type, errc::invalid_value, errc::missing_required_parameter}) {
        if (to_string(e) == code_name) {
            code = e;
        }
    }
    return {std::move(message), code, std::move(param)};
}

}  // namespace

std::variant<routed_request, request_error> parse_routed_request(std::string_view text,
                                                                 providers::api_endpoint endpoint,
                                                                 bool has_default_model,
                                                                 const json::storage_ptr& storage)
{
    json::error_code ec;
    json::value parsed = json::parse(text, ec, storage);
    if (ec || !parsed.is_object()) {
        return invalid("We could not parse the JSON body of your request. The body must be a JSON object.",
                       "invalid_json", "");
    }
    // Same storage on both sides: the move steals the DOM instead of copying it.
    routed_request r{.body = json::object(storage), .endpoint = endpoint};
    r.body = std::move(parsed.get_object());
    auto& body = r.body;

    if (const auto* m = body.if_contains("model")) {
        if (!m->is_string()) return invalid("`model` must be a string", "invalid_type", "model");
        r.model = std::string(m->get_string());
    }
    if (r.model.empty() && !has_default_model) {
        return invalid("you must provide a model parameter", "missing_required_parameter", "model");
    }
    const std::string_view required = endpoint == providers::api_endpoint::chat_completions ? "messages"
                                      : endpoint == providers::api_endpoint::completions    ? "prompt"
                                                                                            : "input";
    const auto* field = body.if_contains(required);
    if (!field) {
        return invalid("missing required parameter `" + std::string(required) + "`",
                       "missing_required_parameter", std::string(required));
    }
    const bool field_ok = endpoint == providers::api_endpoint::chat_completions
                              ? field->is_array() && !field->get_array().empty()
                              : field->is_string() || field->is_array();
    if (!field_ok)
        return invalid("invalid `" + std::string(required) + "`", "invalid_type", std::string(required));

    if (const auto* f = body.if_contains("fallbacks")) {
        if (f->is_array() && f->get_array().size() > max_request_fallbacks) {
            return invalid("`fallbacks` may name at most " + std::to_string(max_request_fallbacks) +
                               " models (got " + std::to_string(f->get_array().size()) + ")",
                           "invalid_value", "fallbacks");
        }
        std::vector<std::string> list;
        bool ok = f->is_array();
        if (ok) {
            for (const auto& e : f->get_array()) {
                ok = ok && e.is_string();
                if (ok) list.emplace_back(e.get_string());
            }
        }
        if (!ok) return invalid("`fallbacks` must be an array of model names", "invalid_type", "fallbacks");
        r.options.fallbacks = std::move(list);
        body.erase("fallbacks");
    }
    if (const auto* n = body.if_contains("num_retries")) {
        if (!n->is_int64() || n->get_int64() < 0 || n->get_int64() > 10) {
            return invalid("`num_retries` must be an integer from 0 to 10", "invalid_type", "num_retries");
        }
        r.options.num_retries = static_cast<int>(n->get_int64());
        body.erase("num_retries");
    }
    if (const auto* d = body.if_contains("disable_fallbacks")) {
        if (!d->is_bool())
            return invalid("`disable_fallbacks` must be a boolean", "invalid_type", "disable_fallbacks");
        r.options.disable_fallbacks = d->get_bool();
        body.erase("disable_fallbacks");
    }
    if (const auto* md = body.if_contains("metadata")) {
        if (!md->is_object() && !md->is_null())
            return invalid("`metadata` must be an object", "invalid_type", "metadata");
        body.erase("metadata");
    }
    if (const auto* sf = body.if_contains("stream_failover")) {
        auto mode =
            sf->is_string() ? routing::stream_failover_mode_from_string(sf->get_string()) : std::nullopt;
        if (!mode) {
            return invalid("`stream_failover` must be one of continue, restart, off", "invalid_value",
                           "stream_failover");
        }
        r.stream_failover = mode;
        body.erase("stream_failover");
    }
    if (const auto* s = body.if_contains("stream"); s && endpoint != providers::api_endpoint::embeddings) {
        if (!s->is_bool() && !s->is_null())
            return invalid("`stream` must be a boolean", "invalid_type", "stream");
        r.stream = s->is_bool() && s->get_bool();
    }
    if (r.stream) {
        if (const auto* so = body.if_contains("stream_options"); so && so->is_object()) {
            const auto* iu = so->get_object().if_contains("include_usage");
            r.client_wants_usage = iu && iu->is_bool() && iu->get_bool();
        }
        // Upstreams are always asked for usage (summed across hops); the client sees it only if it asked.
        auto& so = body["stream_options"];
        if (!so.is_object()) so = json::object(storage);
        so.get_object()["include_usage"] = true;
    }
    return r;
}

}  // namespace baton::call
