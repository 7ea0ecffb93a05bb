#include "batches/batch_status.hpp"

namespace baton::batches {

std::optional<batch_status> status_from_string(std::string_view s) noexcept
{
    for (const batch_status b : all_statuses) {
        if (to_string(b) == s) {
            return b;
        }
    }
    return std::nullopt;
}

bool can_transition(batch_status from, batch_status to) noexcept
{
    using enum batch_status;
    switch (from) {
    case validating:
        return to == in_progress || to == failed || to == cancelling;
    case in_progress:
        return to == finalizing || to == cancelling || to == expired;
    case finalizing:
        return to == completed;
    case cancelling:
        return to == cancelled;
    case completed:
    case failed:
    case expired:
    case cancelled:
        return false;
    }
    return false;
}

}  // namespace baton::batches
