#include "daemon/config/merge_includes.hpp"

#include "daemon/config/config_path.hpp"
#include "daemon/config/quoted_text.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <vector>

namespace baton::daemon::config_detail {

namespace {

constexpr std::size_t max_file_size = 16 << 20;

std::optional<std::string> read_file(const std::filesystem::path& p, std::string& reason)
{
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec)) {
        reason = "is a directory";
        return std::nullopt;
    }
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        reason = std::strerror(errno);
        return std::nullopt;
    }
    std::string text;
    char buffer[65536];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        text.append(buffer, static_cast<std::size_t>(in.gcount()));
        if (text.size() > max_file_size) {
            reason = "larger than 16 MiB";
            return std::nullopt;
        }
    }
    return text;
}

}  // namespace

void merge_includes(YAML::Node& root, const std::string& source_name, config_diagnostics& diag)
{
    if (!root.IsMap() || !root["include"]) {
        return;
    }
    const config_path at = config_path().key("include");
    const YAML::Node include = root["include"];
    std::vector<std::pair<std::string, config_path>> files;
    if (include.IsScalar()) {
        files.emplace_back(include.Scalar(), at);
    } else if (include.IsSequence()) {
        for (std::size_t i = 0; i < include.size(); ++i) {
            if (!include[i].IsScalar() || include[i].Scalar().empty()) {
                diag.error(at.index(i), "expected a file name");
                continue;
            }
            files.emplace_back(include[i].Scalar(), at.index(i));
        }
    } else if (!include.IsNull()) {
        diag.error(at, "expected a file name or a list of them");
    }
    root.remove("include");

    const std::filesystem::path base = std::filesystem::path(source_name).parent_path();
    for (const auto& [name, path] : files) {
        const std::filesystem::path file =
            std::filesystem::path(name).is_absolute() ? std::filesystem::path(name) : base / name;
        std::string reason;
        const auto text = read_file(file, reason);
        if (!text) {
            diag.error(path, "cannot read " + quoted_text(file.string()) + ": " + reason);
            continue;
        }
        YAML::Node doc;
        try {
            doc = YAML::Load(*text);
        } catch (const YAML::Exception& e) {
            if (e.mark.line >= 0 && e.mark.column >= 0) {
                diag.error_line(file.string() + ":" + std::to_string(e.mark.line + 1) + ":" +
                                std::to_string(e.mark.column + 1) + ": " + e.msg);
            } else {
                diag.error_line(file.string() + ": " + e.msg);
            }
            continue;
        }
        if (doc.IsNull()) {
            continue;
        }
        if (!doc.IsMap()) {
            diag.error(path, quoted_text(file.string()) + " is not a mapping");
            continue;
        }
        // Copied out first: the included document's keys, then merged (yaml-cpp's iterator proxies don't
        // survive a write to another document well).
        std::vector<std::pair<std::string, YAML::Node>> members;
        for (const auto& kv : doc) {
            const YAML::Node key = kv.first;
            const YAML::Node value = kv.second;
            members.emplace_back(key.IsScalar() ? key.Scalar() : std::string(), value);
        }
        for (auto& [key, value] : members) {
            if (key == "include") {
                diag.warning(path, "an included file's own include is not followed");
                continue;
            }
            YAML::Node mine = root[key];
            if (value.IsSequence() && mine.IsDefined() && mine.IsSequence()) {
                for (std::size_t i = 0; i < value.size(); ++i) {
                    mine.push_back(value[i]);
                }
            } else {
                root[key] = value;
            }
        }
    }
}

}  // namespace baton::daemon::config_detail
