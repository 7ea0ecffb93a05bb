#include "daemon/error_answer.hpp"

#include "batches/errc.hpp"
#include "call/errc.hpp"
#include "daemon/errc.hpp"
#include "keys/errc.hpp"
#include "net/http_errc.hpp"
#include "net/request_reader.hpp"
#include "net/upstream_errc.hpp"
#include "routing/errc.hpp"
#include "streaming/stream_trigger.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace baton::daemon {

namespace json = boost::json;
using namespace std::string_view_literals;

namespace {

struct shape {
    unsigned status;
    std::string_view type;
    std::string_view code;
    std::string default_message;
};

shape call_shape(call::errc e)
{
    switch (e) {
    case call::errc::unparseable_body:
        return {502, "server_error", "bad_response", "upstream returned an unparseable body"};
    default:
        return {400, "invalid_request_error", call::to_string(e), "invalid request"};
    }
}

shape routing_shape(routing::errc e)
{
    switch (e) {
    case routing::errc::model_not_found:
        return {404, "invalid_request_error", "model_not_found",
                "the model does not exist or is not configured"};
    case routing::errc::nothing_sent:
        return {503, "server_error", "fallbacks_exhausted", {}};
    case routing::errc::all_rate_limited:
        return {429, "rate_limit_error", "fallbacks_exhausted", {}};
    case routing::errc::all_timed_out:
        return {504, "server_error", "fallbacks_exhausted", {}};
    case routing::errc::all_failed:
        return {502, "server_error", "fallbacks_exhausted", {}};
    case routing::errc::model_not_allowed:
        return {403, "permission_error", "model_not_allowed", "this key is not allowed to use this model"};
    case routing::errc::invalid_model_name:
        return {400, "invalid_request_error", "invalid_model_name", "invalid model name"};
    }
    return {502, "server_error", "fallbacks_exhausted", {}};
}

shape upstream_shape(net::upstream_errc e)
{
    if (e == net::upstream_errc::bad_target) {
        return {502, "server_error", "bad_deployment", "deployment has an unusable api_base"};
    }
    return {net::is_timeout(e) ? 504u : 502u, "server_error", net::to_string(e),
            "upstream " + std::string(net::to_string(e))};
}

shape stream_shape(streaming::stream_trigger t)
{
    return {502, "server_error", "stream_failed",
            "upstream stream failed: " + std::string(streaming::to_string(t))};
}

shape daemon_shape(errc e)
{
    switch (e) {
    case errc::unknown_path:
        return {404, "invalid_request_error", "not_found", "unknown path"};
    case errc::method_not_allowed:
        return {405, "invalid_request_error", "method_not_allowed", "method not allowed"};
    case errc::missing_api_key:
        return {401, "invalid_request_error", "invalid_api_key",
                "missing API key: send Authorization: Bearer <key>"};
    case errc::invalid_api_key:
        return {401, "invalid_request_error", "invalid_api_key", "invalid API key"};
    case errc::admin_only:
        return {403, "permission_error", "forbidden", "this endpoint needs the master key"};
    case errc::not_found:
        return {404, "invalid_request_error", "not_found", "not found"};
    }
    return {404, "invalid_request_error", "not_found", "not found"};
}

// OpenAI's own 429: type names what ran out ("requests" or "tokens"), code rate_limit_exceeded.
shape keys_shape(keys::errc e)
{
    switch (e) {
    case keys::errc::tpm_exceeded:
        return {429, "tokens", "rate_limit_exceeded", "rate limit reached on tokens per minute"};
    case keys::errc::parallel_exceeded:
        return {429, "requests", "rate_limit_exceeded", "rate limit reached on parallel requests"};
    case keys::errc::rpm_exceeded:
        break;
    }
    return {429, "requests", "rate_limit_exceeded", "rate limit reached on requests per minute"};
}

shape http_shape(net::http_errc e)
{
    switch (e) {
    case net::http_errc::header_too_large:
        return {431, "invalid_request_error", "header_too_large", "request headers too large"};
    case net::http_errc::body_too_large:
        return {413, "invalid_request_error", "request_too_large", "request body too large"};
    case net::http_errc::bad_request:
        return {400, "invalid_request_error", "bad_request", "malformed HTTP request"};
    case net::http_errc::bad_request_body:
        return {400, "invalid_request_error", "bad_request", "malformed HTTP request body"};
    case net::http_errc::overloaded:
        return {503, "server_error", "overloaded", "too many connections"};
    case net::http_errc::internal_error:
        return {500, "server_error", "internal_error", "internal error"};
    case net::http_errc::bad_transfer_encoding:
        return {400, "invalid_request_error", "bad_request",
                "Transfer-Encoding must be chunked (the final coding, applied once) in HTTP/1.1"};
    case net::http_errc::unsupported_transfer_encoding:
        return {501, "invalid_request_error", "unsupported_transfer_encoding",
                "no transfer coding other than chunked is supported"};
    case net::http_errc::missing_host:
        return {400, "invalid_request_error", "bad_request",
                "an HTTP/1.1 request needs exactly one Host header"};
    case net::http_errc::chunk_framing_too_large:
        return {400, "invalid_request_error", "bad_request",
                "a chunk-size line or the trailer section is over " +
                    std::to_string(net::chunk_framing_limit) + " bytes"};
    case net::http_errc::shutting_down:
        return {503, "server_error", "shutting_down", "baton is shutting down: the request was cut"};
    }
    return {500, "server_error", "internal_error", "internal error"};
}

shape batches_shape(batches::errc e)
{
    using batches::errc;
    const auto code = batches::to_string(e);
    switch (e) {
    case errc::file_not_found:
        return {404, "invalid_request_error", code, "No such file."};
    case errc::batch_not_found:
        return {404, "invalid_request_error", code, "No such batch."};
    case errc::idempotency_conflict:
    case errc::cannot_cancel:
        return {409, "invalid_request_error", code, "conflict"};
    case errc::file_too_large:
        return {413, "invalid_request_error", code, "the file is too large"};
    case errc::storage_failed:
        return {500, "server_error", code, "the file and batch store failed"};
    default:
        return {400, "invalid_request_error", code, "invalid request"};
    }
}

shape shape_of(const boost::system::error_code& ec)
{
    const auto& cat = ec.category();
    const int v = ec.value();
    if (cat == call::call_category()) return call_shape(static_cast<call::errc>(v));
    if (cat == routing::routing_category()) return routing_shape(static_cast<routing::errc>(v));
    if (cat == net::upstream_category()) return upstream_shape(static_cast<net::upstream_errc>(v));
    if (cat == streaming::stream_category()) return stream_shape(static_cast<streaming::stream_trigger>(v));
    if (cat == daemon_category()) return daemon_shape(static_cast<errc>(v));
    if (cat == net::http_category()) return http_shape(static_cast<net::http_errc>(v));
    if (cat == batches::batches_category()) return batches_shape(static_cast<batches::errc>(v));
    if (cat == keys::keys_category()) return keys_shape(static_cast<keys::errc>(v));
    return {500, "server_error", "internal_error", "internal error"};
}

bool is_exhaustion(const boost::system::error_code& ec)
{
    if (ec.category() != routing::routing_category()) {
        return false;
    }
    switch (static_cast<routing::errc>(ec.value())) {
    case routing::errc::nothing_sent:
    case routing::errc::all_rate_limited:
    case routing::errc::all_timed_out:
    case routing::errc::all_failed:
        return true;
    case routing::errc::model_not_found:
    case routing::errc::model_not_allowed:
    case routing::errc::invalid_model_name:
        break;
    }
    return false;
}

// JSON bodies are built outside coroutines (GCC 12 mishandles brace-initialized JSON inside them).
std::string exhausted_body(const call::call_error& e, const shape& s)
{
    json::array attempts;
    std::size_t sent = 0;
    std::size_t total = 0;
    if (e.attempts != nullptr) {
        for (const auto& a : *e.attempts) {
            attempts.push_back(json::object{{"deployment_id", a.deployment_id},
                                            {"model_group", a.model_group},
                                            {"reason", routing::to_string(a.reason)},
                                            {"status", a.status},
                                            {"skipped", a.skipped},
                                            {"latency_ms", a.latency_ms}});
            sent += a.skipped ? 0 : 1;
        }
        total = e.attempts->size();
    }
    std::string message = "every candidate for model `" + e.model + "` failed (" + std::to_string(sent) +
                          " upstream attempts, " + std::to_string(total - sent) + " skipped)";
    json::object err{{"message", message},
                     {"type", s.type},
                     {"param", nullptr},
                     {"code", s.code},
                     {"attempts", std::move(attempts)}};
    return json::serialize(json::object{{"error", std::move(err)}});
}

}  // namespace

std::string openai_error_body(std::string_view message, std::string_view type, std::string_view code,
                              std::string_view param)
{
    json::object err;
    err["message"] = message;
    err["type"] = type;
    err["param"] = param.empty() ? json::value(nullptr) : json::value(param);
    err["code"] = code.empty() ? json::value(nullptr) : json::value(code);
    json::object root;
    root["error"] = std::move(err);
    return json::serialize(root);
}

error_answer answer_for(const call::call_error& e)
{
    const shape s = shape_of(e.ec);
    if (is_exhaustion(e.ec)) {
        return {s.status, exhausted_body(e, s)};
    }
    return {s.status, openai_error_body(e.message.empty() ? std::string_view(s.default_message) : e.message,
                                        s.type, s.code, e.param)};
}

error_answer answer_for(boost::system::error_code ec, std::string_view message, std::string_view param)
{
    call::call_error e;
    e.ec = ec;
    e.message = std::string(message);
    e.param = std::string(param);
    return answer_for(e);
}

}  // namespace baton::daemon
