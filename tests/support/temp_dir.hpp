#pragma once
// A fresh directory for one test's files.

#include <filesystem>
#include <string>
#include <string_view>

namespace baton::test {

/// mkdtemp("$TMPDIR/<prefix>-XXXXXX") (TMPDIR unset: /tmp). Removed with its contents on destruction unless
/// the environment sets BATON_KEEP_TEST_DIRS (then its path is printed to stderr, for post-mortems).
/// Throws std::system_error when the directory cannot be created. Movable, not copyable.
class temp_dir {
public:
    explicit temp_dir(std::string_view prefix = "baton-test");
    ~temp_dir();
    temp_dir(temp_dir&& other) noexcept;
    temp_dir& operator=(temp_dir&& other) noexcept;
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    const std::filesystem::path& path() const { return path_; }

    /// Writes `content` to `path()/name` (replacing it) and returns the full path. Throws on I/O errors.
    std::filesystem::path write_file(std::string_view name, std::string_view content) const;

private:
    void remove();
    std::filesystem::path path_;
};

/// Reads a whole file; empty when it does not exist.
std::string read_file(const std::filesystem::path& p);

}  // namespace baton::test
