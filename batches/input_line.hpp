#pragma once

#include "batches/batch_record.hpp"
#include "providers/api_endpoint.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace baton::batches {

/// A request line of a batch input file that can run: what the runner sends and what its row names.
struct valid_line {
    std::string custom_id;
    std::string body;  ///< the line's `body`, serialized: what the call executor gets, as a live request body
};

/// What a line's model is to the batch: routable, unknown to the config, or outside the creating key's scope.
enum class model_verdict { known, unknown, not_allowed };

/// What validating a line needs to know about the batch.
struct line_rules {
    providers::api_endpoint endpoint = providers::api_endpoint::chat_completions;
    /// default_model is configured: a body without `model` is valid (as for a live request).
    bool has_default_model = false;
    /// Lines longer than this many bytes are refused without being parsed (the live body limit).
    std::size_t max_line_bytes = 10 * 1024 * 1024;
    /// The verdict on a model name (empty = default_model); unset = every model is known.
    std::function<model_verdict(std::string_view)> check_model;
};

/// Validates one line of an input file (SPEC §7; the error codes and messages are OpenAI's, as the Llama
/// Stack suite expects them), in this order:
/// - not a JSON object: `invalid_json_line` ("This line is not parseable as valid JSON.");
/// - `custom_id`, `method`, `url`, `body` missing: `missing_required_parameter` (param = the field);
///   custom_id or url not a string, body not an object: `invalid_type`;
/// - method other than POST: `invalid_value` (param method);
/// - url other than the batch endpoint: `invalid_url` ("The URL provided for this request does not match
///   the batch endpoint.", param url);
/// - `body.stream: true`: `streaming_unsupported` (param body.stream);
/// - a body a live request would refuse (call::parse_routed_request): `invalid_request`, param
///   "body." + the field ("body.model", "body.messages");
/// - a model that names nothing: `model_not_found` ("The provided model 'x' is not supported by the Batch
///   API.", param body.model); outside the key's scope: `model_not_allowed`.
/// `line` of the error is left unset (the caller knows it). A trailing "\r" is ignored. Pure.
std::variant<valid_line, batch_error> validate_line(std::string_view text, const line_rules& rules);

/// The error of a line over rules.max_line_bytes (it is never parsed).
batch_error line_too_large(std::size_t max_line_bytes);

/// The error of a line whose custom_id an earlier line of the file already used.
batch_error duplicate_custom_id(std::string_view custom_id);

/// The custom_id of a line, when it has a string one (also for lines that fail validation, so that their
/// error rows name it). Pure.
std::optional<std::string> custom_id_of(std::string_view text);

/// The custom_id and body of a line validate_line accepted (read again when the line runs: the store keeps
/// only where the line is). nullopt when the text is not such a line. Pure.
std::optional<valid_line> read_line(std::string_view text);

/// True when `text` holds nothing but spaces, tabs and a trailing "\r": not a request (skipped, not counted).
bool blank_line(std::string_view text) noexcept;

}  // namespace baton::batches
