#pragma once

#include "batches/batch_record.hpp"
#include "batches/errc.hpp"
#include "providers/api_endpoint.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace baton::batches {

/// A valid POST /v1/batches body (SPEC §7).
struct create_params {
    std::string input_file_id;
    providers::api_endpoint endpoint = providers::api_endpoint::chat_completions;
    std::string completion_window = "24h";
    metadata_list metadata;  ///< nullopt when absent or null; `{}` is an empty list (a different parameter)
    /// The `Idempotency-Key` header, else the `idempotency_key` body field; nullopt without either.
    std::optional<std::string> idempotency_key;
};

/// Limits of a create request, after OpenAI's.
inline constexpr std::size_t max_metadata_pairs = 16;
inline constexpr std::size_t max_metadata_key_chars = 64;
inline constexpr std::size_t max_metadata_value_chars = 512;
inline constexpr std::size_t max_idempotency_key_chars = 256;

/// Parses and validates a create body; `header_key` is the Idempotency-Key header (empty when absent).
/// Errors, each a 400 naming its `param`, in this order: not a JSON object (invalid_json); input_file_id,
/// endpoint or completion_window missing (missing_required_parameter) or not a string (invalid_type);
/// an endpoint other than the three batchable ones, a completion_window other than "24h" (invalid_value,
/// "Invalid value: 'x'. Supported values are: ..."); metadata not an object, a value not a string
/// ("Invalid type for 'metadata.tags': expected a string, but got an array instead."), more than 16 pairs,
/// a key over 64 or a value over 512 characters; an idempotency key that is empty, not a string, longer than
/// 256 characters, or different in the header and the body. Unknown fields are ignored. Pure.
std::variant<create_params, api_error> parse_create_params(std::string_view body,
                                                           std::string_view header_key);

/// The batch endpoint's path: "/v1/chat/completions", "/v1/completions", "/v1/embeddings".
std::string_view batch_endpoint_path(providers::api_endpoint e) noexcept;

/// The endpoint of a batch endpoint path; nullopt for anything else.
std::optional<providers::api_endpoint> batch_endpoint_from_path(std::string_view path) noexcept;

/// What makes two creates "the same parameters" for an idempotency key (SPEC §7): input_file_id,
/// endpoint, completion_window and metadata, with metadata keys sorted (their order does not matter) and
/// an absent/null metadata distinct from `{}`. A canonical JSON text; equal texts mean equal parameters.
/// The key itself is not part of it. Pure.
std::string idempotency_fingerprint(const create_params& p);

/// The 409 message of SPEC §7: "Idempotency key '<key>' was previously used with different parameters".
api_error idempotency_conflict(std::string_view key);

}  // namespace baton::batches
