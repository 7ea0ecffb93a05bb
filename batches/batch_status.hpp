#pragma once

#include <optional>
#include <string_view>

namespace baton::batches {

/// A batch's status, as OpenAI names them (SPEC §7). The lifecycle:
///
///     validating ─┬─> in_progress ─┬─> finalizing ──> completed
///                 │                ├─> cancelling ──> cancelled
///                 │                └─> expired
///                 ├─> failed                (no valid line, or the input file is gone)
///                 └─> cancelling ──> cancelled
///
/// completed, failed, cancelled and expired are final.
enum class batch_status {
    validating,
    failed,
    in_progress,
    finalizing,
    completed,
    expired,
    cancelling,
    cancelled
};

/// "validating", "in_progress", ...
constexpr std::string_view to_string(batch_status s) noexcept
{
    switch (s) {
    case batch_status::validating:
        return "validating";
    case batch_status::failed:
        return "failed";
    case batch_status::in_progress:
        return "in_progress";
    case batch_status::finalizing:
        return "finalizing";
    case batch_status::completed:
        return "completed";
    case batch_status::expired:
        return "expired";
    case batch_status::cancelling:
        return "cancelling";
    case batch_status::cancelled:
        return "cancelled";
    }
    return "failed";
}

/// Every status, in declaration order (for gauges and tests).
inline constexpr batch_status all_statuses[] = {
    batch_status::validating, batch_status::failed,  batch_status::in_progress, batch_status::finalizing,
    batch_status::completed,  batch_status::expired, batch_status::cancelling,  batch_status::cancelled,
};

/// The status named `s`; nullopt for anything else.
std::optional<batch_status> status_from_string(std::string_view s) noexcept;

/// True for completed, failed, cancelled and expired: nothing about the batch changes any more.
constexpr bool is_final(batch_status s) noexcept
{
    return s == batch_status::completed || s == batch_status::failed || s == batch_status::cancelled ||
           s == batch_status::expired;
}

/// True when the lifecycle above has an edge `from` → `to`.
bool can_transition(batch_status from, batch_status to) noexcept;

}  // namespace baton::batches
