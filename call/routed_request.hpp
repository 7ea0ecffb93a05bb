#pragma once

#include "call/errc.hpp"
#include "providers/api_endpoint.hpp"
#include "routing/plan.hpp"
#include "routing/route_table.hpp"

#include <boost/json/object.hpp>
#include <boost/json/storage_ptr.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace baton::call {

/// A routed request's body as baton reads it (SPEC §4): validated, with baton's own fields taken out.
struct routed_request {
    /// What goes upstream (after the adapter sets `model` per attempt): the client's body without
    /// baton's fields; for streams, stream_options.include_usage forced to true.
    boost::json::object body;
    /// The endpoint the body was parsed for.
    providers::api_endpoint endpoint = providers::api_endpoint::chat_completions;
    /// The model the client asked for; empty when it named none (default_model applies).
    std::string model;
    /// Per-request routing: `fallbacks`, `num_retries`, `disable_fallbacks`.
    routing::request_options options;
    /// Per-request `stream_failover`, when given.
    std::optional<routing::stream_failover_mode> stream_failover;
    bool stream = false;              ///< `stream: true` (never for embeddings)
    bool client_wants_usage = false;  ///< the client's own stream_options.include_usage
    /// When the request arrived, in unix seconds: OpenAI's `created` for answers translated from dialects
    /// that carry none. Set by the shell (parse_routed_request leaves 0: pure code reads no clock).
    std::int64_t created = 0;
};

/// The most per-request `fallbacks` a body may give (issue #11: 60,000 entries stalled a reactor). More is a
/// 400; routing then caps the plan at router_settings.max_fallbacks hops anyway.
inline constexpr std::size_t max_request_fallbacks = 16;

/// Why a body was refused: always a 400 with an OpenAI error.
struct request_error {
    std::string message;
    errc code =
        errc::invalid_value;  ///< invalid_json, invalid_type, invalid_value, missing_required_parameter
    std::string param;        ///< the offending field, empty for the body as a whole
};

/// Parses and validates a client body for `endpoint`: a JSON object; `model` a string (required unless
/// `has_default_model`); `messages` a non-empty array (chat), `prompt` (completions) or `input`
/// (embeddings) present; baton's fields `fallbacks` (array of at most max_request_fallbacks strings),
/// `num_retries` (0..10), `disable_fallbacks` (bool), `metadata` (object or null) and `stream_failover`
/// (continue | restart | off) validated and removed. The body's DOM lives in `storage` (a request's arena).
/// Pure; never throws for bad input.
std::variant<routed_request, request_error> parse_routed_request(
    std::string_view body, providers::api_endpoint endpoint, bool has_default_model,
    const boost::json::storage_ptr& storage = {});

}  // namespace baton::call
