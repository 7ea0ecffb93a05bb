#include "support/process_memory.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace baton::test {

std::size_t peak_rss_bytes(pid_t pid)
{
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmHWM:", 0) == 0) {
            std::istringstream in(line.substr(6));
            std::size_t kib = 0;
            in >> kib;
            return kib * 1024;
        }
    }
    throw std::runtime_error("no VmHWM for process " + std::to_string(pid));
}

}  // namespace baton::test
