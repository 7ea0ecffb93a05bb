#include "daemon/config/parse_general_settings.hpp"

#include "daemon/config/quoted_text.hpp"
#include "daemon/config/sha256_hex.hpp"

#include <algorithm>
#include <charconv>
#include <climits>

namespace baton::daemon::config_detail {

namespace {

std::optional<listen_address> parse_listen(yaml_reader& reader, const YAML::Node& node, const config_path& at)
{
    const auto text = reader.non_empty_string(node, at);
    if (!text) {
        if (!node.IsDefined() || node.IsNull()) {
            reader.diag().error(at, "must not be empty");
        }
        return std::nullopt;
    }
    const std::string& s = *text;
    const auto bad = [&] {
        reader.diag().error(at, "expected host:port, got " + quoted_text(s));
        return std::nullopt;
    };
    std::string host;
    std::string_view port;
    if (s.starts_with('[')) {
        const std::size_t close = s.find(']');
        if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':') {
            return bad();
        }
        host = s.substr(1, close - 1);
        port = std::string_view(s).substr(close + 2);
    } else {
        const std::size_t colon = s.rfind(':');
        if (colon == std::string::npos || s.find(':') != colon) {
            return bad();
        }
        host = s.substr(0, colon);
        port = std::string_view(s).substr(colon + 1);
    }
    const bool host_ok = !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
        return c > 0x20 && c < 0x7f && c != '/' && c != '[' && c != ']';
    });
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (!host_ok || port.empty() || ec != std::errc{} || end != port.data() + port.size()) {
        return bad();
    }
    if (value > 65535) {
        reader.diag().error(at, "port must be between 0 and 65535");
        return std::nullopt;
    }
    return listen_address{host, static_cast<std::uint16_t>(value)};
}

void read_listen(yaml_reader& reader, const map_entry& e, general_settings& g)
{
    std::vector<listen_address> out;
    bool ok = true;
    const auto add = [&](const YAML::Node& node, const config_path& at) {
        auto a = parse_listen(reader, node, at);
        if (!a) {
            ok = false;
            return;
        }
        const bool duplicate = std::any_of(out.begin(), out.end(), [&](const listen_address& b) {
            return b.host == a->host && b.port == a->port && b.port != 0;
        });
        if (duplicate) {
            reader.diag().error(at, "duplicate address " + quoted_text(a->to_string()));
            ok = false;
            return;
        }
        out.push_back(std::move(*a));
    };
    if (e.value.IsSequence()) {
        const auto items = reader.list(e.value, e.path);
        for (const auto& item : *items) {
            add(item.value, item.path);
        }
        if (items->empty()) {
            reader.diag().error(e.path, "must not be empty");
            ok = false;
        }
    } else if (e.value.IsScalar()) {
        add(e.value, e.path);
    } else {
        reader.diag().error(e.path, "expected host:port or a list of them");
        ok = false;
    }
    if (ok) {
        g.listen = std::move(out);
    }
}

void read_seconds(yaml_reader& reader, const yaml_map& m, std::string_view key, bound b, double& target)
{
    if (const auto* e = m.find(key)) {
        if (const auto v = reader.number(e->value, e->path, b)) {
            target = *v;
        }
    }
}

}  // namespace

void parse_general_settings(yaml_reader& reader, const YAML::Node& node, config_draft& draft)
{
    const auto m = reader.map(node, config_path().key("general_settings"));
    if (!m) {
        return;
    }
    m->warn_unknown(reader.diag(),
                    {"listen", "threads", "master_key", "data_dir", "max_request_body_mb",
                     "graceful_shutdown_seconds", "log_level", "header_read_timeout_seconds",
                     "body_read_timeout_seconds", "idle_timeout_seconds", "write_timeout_seconds",
                     "max_connections", "upstream_idle_timeout_seconds", "upstream_idle_connections"});
    general_settings& g = draft.general;
    if (const auto* e = m->find("listen")) {
        read_listen(reader, *e, g);
    }
    if (const auto* e = m->find("threads")) {
        if (const auto v = reader.integer(e->value, e->path, bound::non_negative, 1024)) {
            g.threads = static_cast<int>(*v);
        }
    }
    if (const auto* e = m->find("master_key")) {
        if (auto v = reader.non_empty_string(e->value, e->path)) {
            g.master_key_sha256 = sha256_hex(*v);
            g.master_key = std::move(*v);
        }
    }
    if (const auto* e = m->find("data_dir")) {
        if (auto v = reader.non_empty_string(e->value, e->path)) {
            g.data_dir = std::move(*v);
        }
    }
    read_seconds(reader, *m, "max_request_body_mb", bound::positive, g.max_request_body_mb);
    if (g.max_request_body_mb > 4096) {
        if (const auto* e = m->find("max_request_body_mb")) {
            reader.diag().error(e->path, "must be <= 4096");
        }
    }
    read_seconds(reader, *m, "graceful_shutdown_seconds", bound::non_negative, g.graceful_shutdown_seconds);
    if (const auto* e = m->find("log_level")) {
        if (auto v = reader.string(e->value, e->path)) {
            std::string level = *v;
            std::transform(level.begin(), level.end(), level.begin(),
                           [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
            if (level == "warn") {
                level = "warning";
            }
            if (level == "debug" || level == "info" || level == "warning" || level == "error") {
                g.log_level = level;
            } else {
                reader.diag().error(e->path, "must be one of debug, info, warning, error");
            }
        }
    }
    read_seconds(reader, *m, "header_read_timeout_seconds", bound::positive, g.header_read_timeout_seconds);
    read_seconds(reader, *m, "body_read_timeout_seconds", bound::positive, g.body_read_timeout_seconds);
    read_seconds(reader, *m, "idle_timeout_seconds", bound::positive, g.idle_timeout_seconds);
    read_seconds(reader, *m, "write_timeout_seconds", bound::positive, g.write_timeout_seconds);
    if (const auto* e = m->find("max_connections")) {
        if (const auto v = reader.integer(e->value, e->path, bound::positive, INT_MAX)) {
            g.max_connections = static_cast<int>(*v);
        }
    }
    read_seconds(reader, *m, "upstream_idle_timeout_seconds", bound::positive,
                 g.upstream_idle_timeout_seconds);
    if (const auto* e = m->find("upstream_idle_connections")) {
        if (const auto v = reader.integer(e->value, e->path, bound::non_negative, 100000)) {
            g.upstream_idle_connections = static_cast<int>(*v);
        }
    }
}

}  // namespace baton::daemon::config_detail
