#pragma once

#include "batches/batch_record.hpp"
#include "batches/errc.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace baton::batches {

/// The status changes of a batch and the timestamps they stamp, as pure functions of the record and `now`
/// (Unix seconds). Each returns false, changing nothing, when the lifecycle (batch_status.hpp) has no such
/// edge from the record's status: callers never need to check the status first.

/// validating → in_progress: the input file held at least one valid line. `line_errors` (the invalid
/// lines, shown in `errors.data`) and `counts.total` are set.
bool start_running(batch_record& b, std::int64_t now, std::int64_t total,
                   std::vector<batch_error> line_errors);

/// validating → failed: nothing to run (no valid line, or the input file is gone); `errors` says why.
bool fail(batch_record& b, std::int64_t now, std::vector<batch_error> errors);

/// What a cancel request comes to.
enum class cancel_result {
    cancelling,  ///< the batch now stops starting lines (status cancelling)
    unchanged,   ///< it was already cancelling or cancelled: answered as it is
    refused,     ///< it is finished (completed, failed, expired) or finalizing: 409
};

/// A cancel request at `now`: validating or in_progress → cancelling (cancelling_at).
cancel_result request_cancel(batch_record& b, std::int64_t now);

/// The 409 of a refused cancel: "Cannot cancel a batch with status 'completed'."
api_error cancel_refusal(const batch_record& b);

/// True when the completion window is over at `now` (now >= expires_at) for a batch that still runs lines
/// (validating or in_progress).
bool window_over(const batch_record& b, std::int64_t now) noexcept;

/// in_progress → finalizing: every line has its row.
bool begin_finalizing(batch_record& b, std::int64_t now);

/// The output files are written: finalizing → completed, cancelling → cancelled, in_progress → expired
/// (the window ended first; unfinished lines got `batch_expired` rows). Sets the file ids (nullopt when
/// that file has no row) and the matching timestamp.
bool finish(batch_record& b, std::int64_t now, std::optional<std::string> output_file_id,
            std::optional<std::string> error_file_id, batch_status final_status);

/// The timestamp `expires_at` for a batch created at `created_at` with a window of `window_seconds`.
constexpr std::int64_t expiry_of(std::int64_t created_at, std::int64_t window_seconds) noexcept
{
    return created_at + window_seconds;
}

}  // namespace baton::batches
