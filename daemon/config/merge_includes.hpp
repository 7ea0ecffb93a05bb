#pragma once

#include "daemon/config/config_diagnostics.hpp"

#include <yaml-cpp/yaml.h>

#include <string>

namespace baton::daemon::config_detail {

/// LiteLLM's top-level `include:` (one file or a list of files, each relative to the directory of the file
/// that names it): every included file's top-level keys are merged into `root` as LiteLLM merges them — a
/// list extends the list of the same key (model_list entries are added after the including file's own), any
/// other value replaces it — and `include` is removed. Included files do not include further (a nested
/// `include:` is warned about and ignored). Errors (unreadable file, YAML syntax, not a mapping) are
/// reported as `include[i]: ...` or `<file>:<line>:<col>: ...`; the other files are still merged.
void merge_includes(YAML::Node& root, const std::string& source_name, config_diagnostics& diag);

}  // namespace baton::daemon::config_detail
