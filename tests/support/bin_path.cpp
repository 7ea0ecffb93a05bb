#include "support/bin_path.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace baton::test {

std::filesystem::path bin_path(std::string_view name) {
    // The sanitizer tiers of scripts/test.sh run these tests against a sanitized batond built elsewhere;
    // the other tools (the fake upstream) are test equipment and come from the tests' own build.
    const char* dir = name == "batond" ? std::getenv("BATON_DAEMON_DIR") : nullptr;
    if (dir == nullptr || *dir == '\0') dir = std::getenv("BATON_BIN_DIR");
    if (dir == nullptr || *dir == '\0')
        throw std::runtime_error("BATON_BIN_DIR is not set (run the tests with ctest)");
    auto p = std::filesystem::path(dir) / name;
    if (!std::filesystem::exists(p))
        throw std::runtime_error(p.string() + " does not exist (build it first)");
    return p;
}

std::filesystem::path source_dir() {
    const char* dir = std::getenv("BATON_SOURCE_DIR");
    if (dir == nullptr || *dir == '\0')
        throw std::runtime_error("BATON_SOURCE_DIR is not set (run the tests with ctest)");
    return dir;
}

}  // namespace baton::test
