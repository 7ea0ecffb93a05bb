// batond: the baton LLM gateway daemon (SPEC §2).
#include "daemon/application.hpp"
#include "daemon/config/config_loader.hpp"
#include "daemon/config/describe_config.hpp"
#include "log/logger.hpp"

#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <iostream>
#include <string>

namespace {

constexpr const char* version = "0.1.0";

constexpr const char* usage =
    "usage: batond [--config PATH]\n"
    "       batond --check-config [PATH]\n"
    "       batond --version | --help\n"
    "\n"
    "  --config PATH        run with this config (default: conf/baton.yaml when present,\n"
    "                       else /etc/baton/baton.yaml)\n"
    "  --check-config PATH  validate the config, print the resolved deployments (secrets masked);\n"
    "                       exit 0 when valid, 1 with every error\n"
    "\n"
    "signals: SIGHUP reloads the config (a bad file keeps the running one); SIGTERM/SIGINT drain\n"
    "in-flight requests for up to general_settings.graceful_shutdown_seconds, then exit 0.\n";

std::string default_config_path()
{
    if (std::filesystem::exists("conf/baton.yaml")) return "conf/baton.yaml";
    return "/etc/baton/baton.yaml";
}

}  // namespace

int main(int argc, char** argv)
{
    using namespace baton::daemon;
    std::string path;
    bool check = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--help" || a == "-h") {
            std::fputs(usage, stdout);
            return 0;
        }
        if (a == "--version") {
            std::printf("batond %s\n", version);
            return 0;
        }
        if (a == "--config" || a == "--check-config") {
            check = check || a == "--check-config";
            if (i + 1 < argc && argv[i + 1][0] != '-') {
                path = argv[++i];
            } else if (a == "--config") {
                std::fputs("batond: --config needs a path\n", stderr);
                return 2;
            }
            continue;
        }
        std::fprintf(stderr, "batond: unknown argument '%s'\n%s", argv[i], usage);
        return 2;
    }
    if (path.empty()) path = default_config_path();

    // The one logger of the process (stderr; journald reads its priority prefixes), injected everywhere.
    baton::logger process_log;
    // The config loads once, validated as a whole; a bad one never starts.
    baton::routing::health_registry probe;
    auto loaded = load_config_file(path, process_environment(), probe);
    if (check) {
        for (const auto& w : loaded.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
        if (!loaded.ok()) {
            for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.c_str());
            std::fprintf(stderr, "%s: %zu error(s)\n", path.c_str(), loaded.errors.size());
            return 1;
        }
        std::fputs(describe_config(*loaded.value).c_str(), stdout);
        return 0;
    }
    if (!loaded.ok()) {
        for (const auto& e : loaded.errors) {
            process_log.error("config_error", {{"config", path}, {"error", e}});
        }
        return 1;
    }
    try {
        // The application loads the file again against its own health registry (the probe's is discarded).
        application app{path, process_log};
        return app.run();
    } catch (const std::exception& e) {
        process_log.error("startup_failed", {{"what", e.what()}});
        return 1;
    }
}
