#pragma once

#include "daemon/config/config_diagnostics.hpp"
#include "daemon/config/config_draft.hpp"
#include "routing/route_table.hpp"

namespace baton::daemon::config_detail {

/// Checks every name in draft.references against `table` (the draft's deployments and aliases), in order:
/// - group: a model group, exactly or through a wildcard group → else `unknown model group "x"`;
/// - group_or_alias: also an alias → else `unknown model group or alias "x"`;
/// - model: also a model_group_alias name → else `unknown model group or alias "x"`;
/// - fallback_source: like model, but only a warning (`names no model group or alias; never used`).
/// Names of entries or aliases that had errors of their own count as known, so one mistake is reported
/// once. Also: an alias may not share its name with a group or a model_group_alias entry (error); a
/// model_group_alias entry named like a group shadows it (warning).
void check_references(const config_draft& draft, const routing::route_table& table, config_diagnostics& diag);

}  // namespace baton::daemon::config_detail
