#pragma once

#include <filesystem>
#include <string_view>

namespace baton::test {

/// `$BATON_BIN_DIR/<name>` (CTest sets BATON_BIN_DIR to the build directory, see baton_add_test()), or
/// `$BATON_DAEMON_DIR/<name>` when that is set (scripts/test.sh: a sanitized batond and fake upstream).
/// Throws std::runtime_error when neither is set or the file does not exist.
std::filesystem::path bin_path(std::string_view name);

/// `$BATON_SOURCE_DIR` (the repository root). Throws std::runtime_error when unset.
std::filesystem::path source_dir();

}  // namespace baton::test
