#pragma once

#include <stdexcept>

namespace baton::batches {

/// The disk or the database failed (full, read-only, corrupt, removed under the daemon). Thrown by the
/// store's blocking calls and caught in one place, daemon::batch_service, which answers
/// batches::errc::storage_failed (500) and logs it.
class store_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace baton::batches
