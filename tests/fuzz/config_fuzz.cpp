// libFuzzer target for the config loader (SPEC §3): any input must give either a config or errors, never a
// crash, a hang, a half-loaded config or an error line that could break a log line.
#include "daemon/config/config_loader.hpp"
#include "daemon/config/describe_config.hpp"
#include "routing/health_registry.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

namespace {

void require(bool condition)
{
    if (!condition) {
        std::abort();
    }
}

bool single_line(const std::string& s)
{
    return !s.empty() && s.find('\n') == std::string::npos && s.find('\r') == std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    // The loader is the target, not yaml-cpp's throughput on megabyte inputs.
    if (size > 64 * 1024) {
        return 0;
    }
    // Variables with an even-length name are set, the others not: both paths of os.environ/ get exercised.
    const baton::daemon::env_lookup env = [](std::string_view name) -> std::optional<std::string> {
        if (name.size() % 2 == 0) {
            return "sk-fuzz-" + std::string(name);
        }
        return std::nullopt;
    };
    baton::routing::health_registry registry;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto r = baton::daemon::load_config_text(text, "fuzz.yaml", env, registry);

    require(r.ok() == r.errors.empty());
    for (const auto& e : r.errors) {
        require(single_line(e));
    }
    for (const auto& w : r.warnings) {
        require(single_line(w));
    }
    if (!r.ok()) {
        require(registry.all().empty());  // a rejected config never touches the shared registry
        return 0;
    }
    const auto& c = *r.value;
    require(!c.routes.deployments().empty());
    require(!c.general.listen.empty());
    std::set<std::string> ids;
    for (const auto& d : c.routes.deployments()) {
        require(d.health != nullptr);
        require(!d.id.empty());
        require(ids.insert(d.id).second);
        require(c.routes.group(d.group) != nullptr);
    }
    for (const auto& k : c.keys) {
        require(k.key_sha256.size() == 64);
    }
    require(!baton::daemon::describe_config(c).empty());
    return 0;
}
