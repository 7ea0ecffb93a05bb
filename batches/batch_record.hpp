#pragma once

#include "batches/batch_status.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace baton::batches {

/// One entry of a batch's `errors.data` (OpenAI's BatchError): why a line, or the batch, was refused.
struct batch_error {
    std::string code;
    std::string message;
    std::string param;                 ///< empty = null
    std::optional<std::int64_t> line;  ///< 1-based line of the input file; nullopt = the batch as a whole
};

/// OpenAI's request_counts: `completed` = rows of the output file, `failed` = rows of the error file,
/// `total` = requests of the input file (blank lines are not requests). completed + failed == total once
/// a batch completed or expired; a cancelled batch may have fewer rows (lines never started have none).
struct request_counts {
    std::int64_t total = 0;
    std::int64_t completed = 0;
    std::int64_t failed = 0;
};

/// Metadata as the client gave it (at most 16 string pairs), in its order; nullopt when absent or null.
using metadata_list = std::optional<std::vector<std::pair<std::string, std::string>>>;

/// Everything a batch is, as stored and as shown (SPEC §7; OpenAI's Batch object). Times are Unix seconds.
/// Plain data.
struct batch_record {
    std::string id;  ///< "batch_" + 24 hex digits
    std::string input_file_id;
    std::string endpoint;  ///< "/v1/chat/completions" | "/v1/completions" | "/v1/embeddings"
    std::string completion_window = "24h";
    metadata_list metadata;
    batch_status status = batch_status::validating;
    std::int64_t created_at = 0;
    std::int64_t expires_at = 0;
    std::optional<std::int64_t> in_progress_at;
    std::optional<std::int64_t> finalizing_at;
    std::optional<std::int64_t> completed_at;
    std::optional<std::int64_t> failed_at;
    std::optional<std::int64_t> expired_at;
    std::optional<std::int64_t> cancelling_at;
    std::optional<std::int64_t> cancelled_at;
    std::optional<std::string> output_file_id;
    std::optional<std::string> error_file_id;
    std::vector<batch_error> errors;  ///< shown as `errors: null` when empty
    request_counts counts;
};

/// The OpenAI Batch object (`"object": "batch"`, every timestamp, `request_counts`, `errors`), one line of
/// JSON. Pure.
std::string batch_json(const batch_record& b);

/// Reads back what batch_json wrote (the store keeps batches in that form); nullopt when `text` is not such
/// an object. Pure.
std::optional<batch_record> parse_batch_json(std::string_view text);

}  // namespace baton::batches
