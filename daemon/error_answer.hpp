#pragma once

#include "call/call_error.hpp"

#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>

namespace baton::daemon {

/// An error as the client gets it: an HTTP status and an OpenAI error body
/// (`{"error":{"message","type","param","code"}}`, plus `attempts` for `fallbacks_exhausted`).
struct error_answer {
    unsigned status = 500;
    std::string body;
};

/// The one place a failure becomes an HTTP status and an OpenAI error (issue #9; STYLE.md "one place turns
/// errors into answers"). Knows every layer's vocabulary:
/// - call::errc: request errors 400 (code = the errc's name), unparseable_body 502 `bad_response`;
/// - routing::errc: model_not_found 404; model_not_allowed 403 permission_error; invalid_model_name 400
///   `invalid_model_name`; exhaustion → `fallbacks_exhausted` with the attempts: 503 when
///   nothing was sent, 429 (rate_limit_error) when every attempt was rate limited, 504 when every attempt
///   timed out, else 502;
/// - net::upstream_errc: 504 for a timeout, else 502, code = the errc's name; bad_target 502
///   `bad_deployment`;
/// - streaming::stream_trigger: 502 `stream_failed`;
/// - daemon::errc: 404 unknown path, 405, 401 (missing or invalid key, code invalid_api_key), 403 admin only,
///   404 not found;
/// - net::http_errc: 431, 413, 400 (malformed, a Transfer-Encoding not ending in chunked, no Host, chunk
///   framing over its limit), 501 `unsupported_transfer_encoding`, 503 `overloaded`, 503 `shutting_down`,
///   500 `internal_error`;
/// - batches::errc (files and batches): 400 for bad input, 404 file_not_found / batch_not_found, 409
///   idempotency_conflict / cannot_cancel, 413 file_too_large, 500 storage_failed; code = the errc's name.
/// - keys::errc: 429 `rate_limit_exceeded`, type `requests` (rpm, parallel) or `tokens` (tpm), as OpenAI.
/// `e.message`, when not empty, replaces the default message; `e.param` fills `param`. Pure; thread-safe.
error_answer answer_for(const call::call_error& e);

/// answer_for a plain error code with an optional message.
error_answer answer_for(boost::system::error_code ec, std::string_view message = {},
                        std::string_view param = {});

/// The body of an OpenAI-style error: {"error":{"message","type","param","code"}}; `param` and `code` are
/// null when empty.
std::string openai_error_body(std::string_view message, std::string_view type, std::string_view code = {},
                              std::string_view param = {});

}  // namespace baton::daemon
