#include "daemon/config/describe_config.hpp"

#include "daemon/config/mask_secret.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace baton::daemon {

namespace {

// 600 → "600", 0.5 → "0.5", 1e6 → "1000000": config values as a user would write them.
std::string number(double v)
{
    if (std::floor(v) == v && std::fabs(v) < 1e15) {
        return std::to_string(static_cast<long long>(v));
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

// A URL with any user:password@ and query string masked: those are where secrets hide in URLs.
std::string safe_url(const std::string& url)
{
    if (url.empty()) {
        return "(none)";
    }
    std::string out = url;
    const std::size_t scheme = out.find("://");
    const std::size_t host_start = scheme == std::string::npos ? 0 : scheme + 3;
    const std::size_t path_start = out.find_first_of("/?#", host_start);
    const std::size_t at = out.rfind('@', path_start == std::string::npos ? out.size() : path_start);
    if (at != std::string::npos && at >= host_start) {
        out.replace(host_start, at - host_start, "***");
    }
    const std::size_t query = out.find_first_of("?#");
    if (query != std::string::npos) {
        out.erase(query);
        out += "?***";
    }
    return out;
}

std::string join(const std::vector<std::string>& items, std::string_view separator)
{
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) {
            out += separator;
        }
        out += item;
    }
    return out;
}

void write_fallbacks(std::ostringstream& out, std::string_view title,
                     const std::map<std::string, std::vector<std::string>, std::less<>>& fallbacks)
{
    out << title << ":";
    if (fallbacks.empty()) {
        out << " (none)\n";
        return;
    }
    out << "\n";
    for (const auto& [from, to] : fallbacks) {
        out << "  " << from << " -> " << join(to, ", ") << "\n";
    }
}

}  // namespace

std::string describe_config(const config& c)
{
    const routing::route_table& t = c.routes;
    const routing::router_settings& r = t.settings;
    const general_settings& g = c.general;
    std::ostringstream out;

    out << "config: " << c.source_path << "\n";
    out << "deployments: " << t.deployments().size() << "\n";
    for (const auto& d : t.deployments()) {
        out << "  " << d.id << "  group=" << d.group << "  model=" << d.provider << "/" << d.upstream_model
            << "  api_base=" << safe_url(d.api_base) << "  api_key=" << mask_secret(d.api_key);
        if (!d.api_version.empty()) {
            out << "  api_version=" << d.api_version;
        }
        out << "  weight=" << (d.weight ? number(*d.weight) : std::string("unset"))
            << "  rpm=" << number(d.rpm) << "  tpm=" << number(d.tpm)
            << "  timeout=" << number(d.timeout_seconds)
            << "s  stream_timeout=" << number(d.stream_timeout_seconds)
            << "s  max_parallel_requests=" << d.max_parallel_requests
            << "  ssl_verify=" << (d.ssl_verify ? "true" : "false");
        if (d.continuation) {
            out << "  stream_continuation=" << routing::to_string(*d.continuation);
        }
        out << "\n";
    }

    out << "groups: " << t.group_names().size() << "\n";
    for (const auto& name : t.group_names()) {
        std::vector<std::string> ids;
        if (const auto* members = t.group(name)) {
            for (const std::size_t i : *members) {
                ids.push_back(t.deployments()[i].id);
            }
        }
        out << "  " << name << ": " << join(ids, ", ") << "\n";
    }

    out << "aliases: " << t.aliases().size() << "\n";
    for (const auto& a : t.aliases()) {
        out << "  " << a.name << ": " << join(a.chain, " -> ");
        if (!a.description.empty()) {
            out << "  (" << a.description << ")";
        }
        out << "\n";
    }
    out << "default_model: " << (t.default_model.empty() ? std::string("(none)") : t.default_model) << "\n";

    out << "model_group_alias:";
    if (r.model_group_alias.empty()) {
        out << " (none)\n";
    } else {
        out << "\n";
        for (const auto& [from, to] : r.model_group_alias) {
            out << "  " << from << " -> " << to << "\n";
        }
    }
    write_fallbacks(out, "fallbacks", r.fallbacks);
    write_fallbacks(out, "context_window_fallbacks", r.context_window_fallbacks);
    write_fallbacks(out, "content_policy_fallbacks", r.content_policy_fallbacks);
    out << "default_fallbacks: " << (r.default_fallbacks.empty() ? std::string("(none)") : join(r.default_fallbacks, ", "))
        << "\n";

    out << "router_settings:\n"
        << "  routing_strategy: " << routing::to_string(r.strategy) << "\n"
        << "  enable_weighted_failover: " << (r.enable_weighted_failover ? "true" : "false") << "\n"
        << "  num_retries: " << r.num_retries << "\n"
        << "  max_fallbacks: " << r.max_fallbacks << "\n"
        << "  allowed_fails: " << r.allowed_fails << "\n"
        << "  cooldown_time: " << number(r.cooldown_time) << "s\n"
        << "  retry_after_cap: " << number(r.retry_after_cap) << "s\n"
        << "  retry_after_max_wait: " << number(r.retry_after_max_wait) << "s\n"
        << "  stream_failover: " << routing::to_string(r.stream_failover) << "\n"
        << "  stream_idle_timeout: " << number(r.stream_idle_timeout) << "s\n"
        << "  stream_hedging: " << (r.hedging.enabled ? "on" : "off") << ", delay "
        << number(r.hedging.min_delay) << "s.." << number(r.hedging.max_delay) << "s\n";
    for (const auto& [group, h] : r.group_hedging) {
        out << "    " << group << ": " << (h.enabled ? "on" : "off") << ", delay " << number(h.min_delay)
            << "s.." << number(h.max_delay) << "s\n";
    }

    std::vector<std::string> listen;
    for (const auto& a : g.listen) {
        listen.push_back(a.to_string());
    }
    out << "general_settings:\n"
        << "  listen: " << join(listen, ", ") << "\n"
        << "  threads: " << g.threads << (g.threads == 0 ? " (one per core)" : "") << "\n"
        << "  master_key: " << (g.master_key.empty() ? std::string("(none)") : mask_secret(g.master_key)) << "\n"
        << "  data_dir: " << g.data_dir << "\n"
        << "  max_request_body_mb: " << number(g.max_request_body_mb) << "\n"
        << "  graceful_shutdown_seconds: " << number(g.graceful_shutdown_seconds) << "\n"
        << "  log_level: " << g.log_level << "\n"
        << "  header_read_timeout_seconds: " << number(g.header_read_timeout_seconds) << "\n"
        << "  body_read_timeout_seconds: " << number(g.body_read_timeout_seconds) << "\n"
        << "  idle_timeout_seconds: " << number(g.idle_timeout_seconds) << "\n"
        << "  write_timeout_seconds: " << number(g.write_timeout_seconds) << "\n"
        << "  max_connections: " << g.max_connections << "\n";

    out << "keys: " << c.keys.size() << "\n";
    for (const auto& k : c.keys) {
        out << "  " << k.name << "  sha256=" << k.key_sha256.substr(0, 8) << "...  models="
            << (k.models ? (k.models->empty() ? std::string("(none)") : join(*k.models, ", ")) : std::string("all"));
        if (!k.backup_models.empty()) {
            out << "  backup_models=" << join(k.backup_models, ", ");
        }
        out << "  rpm_limit=" << (k.rpm_limit == 0 ? std::string("unlimited") : std::to_string(k.rpm_limit))
            << "  tpm_limit=" << (k.tpm_limit == 0 ? std::string("unlimited") : std::to_string(k.tpm_limit)) << "\n";
    }

    out << "warnings: " << c.warnings.size() << "\n";
    for (const auto& w : c.warnings) {
        out << "  " << w << "\n";
    }
    return out.str();
}

}  // namespace baton::daemon
