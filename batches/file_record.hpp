#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace baton::batches {

/// A stored file (SPEC §7; OpenAI's File object). Plain data.
struct file_record {
    std::string id;        ///< "file-" + 24 hex digits
    std::string filename;  ///< as uploaded (output files: "<batch id>_output.jsonl" / "_error.jsonl")
    std::string purpose;   ///< "batch" (uploads) or "batch_output" (a batch's output and error files)
    std::int64_t bytes = 0;
    std::int64_t created_at = 0;  ///< Unix seconds
};

/// The purposes an upload may name. Only "batch" is accepted by baton (see upload_purpose_error).
inline constexpr std::string_view upload_purpose = "batch";
/// The purpose of the files baton writes for a batch.
inline constexpr std::string_view output_purpose = "batch_output";

/// The OpenAI File object: {"id","object":"file","bytes","created_at","filename","purpose","status":
/// "processed","status_details":null,"expires_at":null}. Pure.
std::string file_json(const file_record& f);

/// The answer of DELETE /v1/files/{id}: {"id","object":"file","deleted":true}. Pure.
std::string file_deleted_json(std::string_view id);

/// Why an upload's `purpose` is refused, or nullopt when it is "batch". OpenAI's other purposes
/// (assistants, fine-tune, vision, user_data, evals) are named in the message as unsupported by baton.
std::optional<std::string> upload_purpose_error(std::string_view purpose);

}  // namespace baton::batches
