#pragma once

#include "daemon/config/config_diagnostics.hpp"
#include "daemon/config/config_draft.hpp"
#include "routing/deployment.hpp"

#include <vector>

namespace baton::daemon::config_detail {

/// Turns draft.entries into deployments, in config order (SPEC §5.6): an entry with keys [k0, k1, k2] and
/// id d gives d (k0), d__key_1 (k1), d__key_2 (k2), each with the entry's settings. Ids: model_info.id
/// when given (a clash with any other id is an error at the clashing entry); otherwise the entry's hash,
/// with "-2", "-3", ... appended while it (or one of its __key_N ids) is taken, so identical entries that
/// differ only in secrets or tuning (say, the same model listed twice with two keys) get distinct, stable
/// ids. Router-level timeout defaults apply to entries that set none. Health cells are not assigned.
std::vector<routing::deployment> expand_deployments(const config_draft& draft, config_diagnostics& diag);

}  // namespace baton::daemon::config_detail
