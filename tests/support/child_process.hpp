#pragma once
// A child process for integration tests (batond, fake_upstream), with its output captured in files.

#include "support/deadline.hpp"
#include "support/temp_dir.hpp"

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace baton::test {

enum class output_stream { out, err };

/// How a child ended (see waitpid(2)).
struct exit_status {
    bool exited = false;  ///< ended by exit(): `code` is valid
    int code = 0;
    int signal = 0;  ///< ended by this signal (when !exited)

    bool success() const { return exited && code == 0; }
};

std::string to_string(const exit_status& s);

struct child_options {
    /// Added to (or replacing in) the test's own environment.
    std::vector<std::pair<std::string, std::string>> env;
    /// Working directory of the child; empty = the test's.
    std::filesystem::path cwd;
    /// Where stdout.log/stderr.log go; empty = a temp_dir owned by the child_process.
    std::filesystem::path output_dir;
};

/// posix_spawn()s `binary args...` with stdin from /dev/null, stdout and stderr into files, and default
/// signal dispositions. Not thread-safe. The destructor sends SIGTERM, waits up to 5 s, then SIGKILLs: a
/// test never leaves a process behind (unless it is itself killed).
class child_process {
public:
    /// Throws std::system_error when the spawn fails.
    child_process(const std::filesystem::path& binary, const std::vector<std::string>& args,
                  const child_options& opts = {});
    ~child_process();
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    pid_t pid() const { return pid_; }

    /// kill(pid, sig); a no-op once the child has been reaped.
    void signal(int sig);

    /// Polls for the child's exit until `d`; nullopt when it is still running at `d`. Once reaped, returns
    /// the same status every time.
    std::optional<exit_status> wait_exit(deadline d);

    /// True until the child has exited (reaps it if it just did).
    bool running();

    std::string read_stdout() const;
    std::string read_stderr() const;
    const std::filesystem::path& stdout_path() const { return out_path_; }
    const std::filesystem::path& stderr_path() const { return err_path_; }

    /// Polls the output file every few ms until a complete line (starting at byte offset `from`) satisfies
    /// `match`, the child exits (one last look at its output, then nullopt) or `d` passes (nullopt).
    /// Returns that line without its newline.
    std::optional<std::string> wait_for_line(const std::function<bool(std::string_view)>& match,
                                             output_stream s, deadline d, std::size_t from = 0);
    std::optional<std::string> wait_for_output(std::string_view substring, output_stream s, deadline d,
                                               std::size_t from = 0);
    std::optional<std::string> wait_for_output(const std::regex& re, output_stream s, deadline d,
                                               std::size_t from = 0);

private:
    std::optional<temp_dir> own_dir_;
    std::filesystem::path out_path_;
    std::filesystem::path err_path_;
    pid_t pid_ = -1;
    std::optional<exit_status> exit_;
};

}  // namespace baton::test
