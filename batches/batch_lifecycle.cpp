#include "batches/batch_lifecycle.hpp"

namespace baton::batches {

namespace {

bool move_to(batch_record& b, batch_status to)
{
    if (!can_transition(b.status, to)) {
        return false;
    }
    b.status = to;
    return true;
}

}  // namespace

bool start_running(batch_record& b, std::int64_t now, std::int64_t total,
                   std::vector<batch_error> line_errors)
{
    if (!move_to(b, batch_status::in_progress)) {
        return false;
    }
    b.in_progress_at = now;
    b.counts.total = total;
    b.errors = std::move(line_errors);
    return true;
}

bool fail(batch_record& b, std::int64_t now, std::vector<batch_error> errors)
{
    if (!move_to(b, batch_status::failed)) {
        return false;
    }
    b.failed_at = now;
    b.errors = std::move(errors);
    b.counts = {};
    return true;
}

cancel_result request_cancel(batch_record& b, std::int64_t now)
{
    if (b.status == batch_status::cancelling || b.status == batch_status::cancelled) {
        return cancel_result::unchanged;
    }
    if (!move_to(b, batch_status::cancelling)) {
        return cancel_result::refused;
    }
    b.cancelling_at = now;
    return cancel_result::cancelling;
}

api_error cancel_refusal(const batch_record& b)
{
    return {errc::cannot_cancel,
            "Cannot cancel a batch with status '" + std::string(to_string(b.status)) + "'.", ""};
}

bool window_over(const batch_record& b, std::int64_t now) noexcept
{
    return (b.status == batch_status::validating || b.status == batch_status::in_progress) &&
           now >= b.expires_at;
}

bool begin_finalizing(batch_record& b, std::int64_t now)
{
    if (!move_to(b, batch_status::finalizing)) {
        return false;
    }
    b.finalizing_at = now;
    return true;
}

bool finish(batch_record& b, std::int64_t now, std::optional<std::string> output_file_id,
            std::optional<std::string> error_file_id, batch_status final_status)
{
    if (!is_final(final_status) || final_status == batch_status::failed || !move_to(b, final_status)) {
        return false;
    }
    b.output_file_id = std::move(output_file_id);
    b.error_file_id = std::move(error_file_id);
    switch (final_status) {
    case batch_status::completed:
        b.completed_at = now;
        break;
    case batch_status::cancelled:
        b.cancelled_at = now;
        break;
    case batch_status::expired:
        b.expired_at = now;
        break;
    default:
        break;
    }
    return true;
}

}  // namespace baton::batches
