#include "support/child_process.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <map>
#include <system_error>
#include <thread>

extern char** environ;

namespace baton::test {
namespace {

constexpr auto poll_interval = std::chrono::milliseconds(5);

// posix_spawn file actions/attributes with RAII, so an early throw leaks nothing.
struct spawn_setup {
    posix_spawn_file_actions_t actions{};
    posix_spawnattr_t attr{};
    spawn_setup() {
        posix_spawn_file_actions_init(&actions);
        posix_spawnattr_init(&attr);
    }
    ~spawn_setup() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
    }
    spawn_setup(const spawn_setup&) = delete;
    spawn_setup& operator=(const spawn_setup&) = delete;
};

void check(int rc, const char* what) {
    if (rc != 0) throw std::system_error(rc, std::generic_category(), what);
}

exit_status decode(int status) {
    exit_status s;
    if (WIFEXITED(status)) {
        s.exited = true;
        s.code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        s.signal = WTERMSIG(status);
    }
    return s;
}

}  // namespace

std::string to_string(const exit_status& s) {
    return s.exited ? "exit code " + std::to_string(s.code) : "killed by signal " + std::to_string(s.signal);
}

child_process::child_process(const std::filesystem::path& binary, const std::vector<std::string>& args,
                             const child_options& opts) {
    std::filesystem::path dir = opts.output_dir;
    if (dir.empty()) dir = own_dir_.emplace(binary.filename().string()).path();
    out_path_ = dir / (binary.filename().string() + ".stdout.log");
    err_path_ = dir / (binary.filename().string() + ".stderr.log");

    std::vector<std::string> argv_s{binary.string()};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    argv.reserve(argv_s.size() + 1);
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);

    std::map<std::string, std::string> env_map;
    for (char** e = environ; *e != nullptr; ++e) {
        std::string_view kv(*e);
        const auto eq = kv.find('=');
        if (eq != std::string_view::npos)
            env_map[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
    }
    for (const auto& [k, v] : opts.env) env_map[k] = v;
    std::vector<std::string> env_s;
    env_s.reserve(env_map.size());
    for (const auto& [k, v] : env_map) env_s.push_back(std::string(k).append("=").append(v));
    std::vector<char*> envp;
    envp.reserve(env_s.size() + 1);
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);

    spawn_setup s;
    check(posix_spawn_file_actions_addopen(&s.actions, 0, "/dev/null", O_RDONLY, 0), "addopen stdin");
    check(posix_spawn_file_actions_addopen(&s.actions, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                           0644),
          "addopen stdout");
    check(posix_spawn_file_actions_addopen(&s.actions, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                           0644),
          "addopen stderr");
    // Nothing else of the test's is inherited: its sockets (Asio opens them without CLOEXEC) would stay open
    // in the child, e.g. a connection to the fake upstream held by batond.
    check(posix_spawn_file_actions_addclosefrom_np(&s.actions, 3), "addclosefrom");
    if (!opts.cwd.empty())
        check(posix_spawn_file_actions_addchdir_np(&s.actions, opts.cwd.c_str()), "addchdir");
    // The test runner may block or ignore signals (SIGPIPE...); the child must start with the defaults.
    sigset_t all;
    sigset_t none;
    sigfillset(&all);
    sigemptyset(&none);
    check(posix_spawnattr_setsigdefault(&s.attr, &all), "setsigdefault");
    check(posix_spawnattr_setsigmask(&s.attr, &none), "setsigmask");
    check(posix_spawnattr_setflags(&s.attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK), "setflags");
    check(posix_spawn(&pid_, argv_s[0].c_str(), &s.actions, &s.attr, argv.data(), envp.data()),
          ("posix_spawn " + argv_s[0]).c_str());
}

child_process::~child_process() {
    if (pid_ <= 0 || exit_) return;
    ::kill(pid_, SIGTERM);
    if (wait_exit(deadline_after(std::chrono::seconds(5)))) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
}

void child_process::signal(int sig) {
    if (pid_ > 0 && !exit_) ::kill(pid_, sig);
}

bool child_process::running() {
    if (exit_) return false;
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) exit_ = decode(status);
    return !exit_;
}

std::optional<exit_status> child_process::wait_exit(deadline d) {
    for (;;) {
        if (!running()) return exit_;
        if (clock::now() >= d) return std::nullopt;
        std::this_thread::sleep_for(poll_interval);  // polling a pid with a deadline, not a sleep-as-sync
    }
}

std::string child_process::read_stdout() const { return read_file(out_path_); }
std::string child_process::read_stderr() const { return read_file(err_path_); }

std::optional<std::string> child_process::wait_for_line(const std::function<bool(std::string_view)>& match,
                                                        output_stream s, deadline d, std::size_t from) {
    const auto& path = s == output_stream::out ? out_path_ : err_path_;
    std::size_t scanned = from;  // complete lines before this offset were already looked at
    for (;;) {
        const bool alive = running();
        const std::string text = read_file(path);
        while (scanned < text.size()) {
            const auto nl = text.find('\n', scanned);
            if (nl == std::string::npos) break;
            std::string_view line(text.data() + scanned, nl - scanned);
            scanned = nl + 1;
            if (match(line)) return std::string(line);
        }
        if (!alive || clock::now() >= d) return std::nullopt;
        std::this_thread::sleep_for(poll_interval);
    }
}

std::optional<std::string> child_process::wait_for_output(std::string_view substring, output_stream s,
                                                          deadline d, std::size_t from) {
    return wait_for_line(
        [&](std::string_view line) { return line.find(substring) != std::string_view::npos; }, s, d, from);
}

std::optional<std::string> child_process::wait_for_output(const std::regex& re, output_stream s, deadline d,
                                                          std::size_t from) {
    return wait_for_line(
        [&](std::string_view line) { return std::regex_search(line.begin(), line.end(), re); }, s, d, from);
}

}  // namespace baton::test
