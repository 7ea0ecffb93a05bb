#include "daemon/request_handler.hpp"

#include "daemon/config/sha256_hex.hpp"
#include "daemon/logger.hpp"
#include "daemon/metrics.hpp"
#include "daemon/process_stats.hpp"
#include "daemon/routed_call.hpp"
#include "net/openai_error.hpp"
#include "routing/deployment_health.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/json/serialize.hpp>

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <cstdio>

namespace baton::daemon {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;
using namespace std::string_view_literals;

namespace {

enum class route_id {
    chat,
    completions,
    embeddings,
    models,
    liveness,
    readiness,
    metrics,
    health,
    aliases,
    inspect_routes,
};

struct route {
    std::string_view method;
    std::string_view path;
    route_id id;
};

// LiteLLM also serves the OpenAI paths without the /v1 prefix; so does baton.
constexpr std::array<route, 15> routes{{
    {"POST", "/v1/chat/completions", route_id::chat},
    {"POST", "/v1/completions", route_id::completions},
    {"POST", "/v1/embeddings", route_id::embeddings},
    {"GET", "/v1/models", route_id::models},
    {"POST", "/chat/completions", route_id::chat},
    {"POST", "/completions", route_id::completions},
    {"POST", "/embeddings", route_id::embeddings},
    {"GET", "/models", route_id::models},
    {"GET", "/health/liveness", route_id::liveness},
    {"GET", "/health/liveliness", route_id::liveness},
    {"GET", "/health/readiness", route_id::readiness},
    {"GET", "/metrics", route_id::metrics},
    {"GET", "/v1/health", route_id::health},
    {"GET", "/v1/aliases", route_id::aliases},
    {"GET", "/v1/inspect/routes", route_id::inspect_routes},
}};


bool equal_hashes(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

/// The key a client presented: `Authorization: Bearer <key>`, or an `api-key` / `x-api-key` header.
std::string_view presented_key(const net::incoming_request& req)
{
    const std::string_view auth = req.authorization;
    if (auth.size() > 7 && boost::beast::iequals(auth.substr(0, 7), "bearer ")) {
        auto k = auth.substr(7);
        while (!k.empty() && k.front() == ' ') k.remove_prefix(1);
        return k;
    }
    if (!req.api_key.empty()) return req.api_key;
    return req.x_api_key;
}

std::string health_body(const config& cfg)
{
    const auto now = std::chrono::steady_clock::now();
    json::object deployments;
    bool all_healthy = true;
    bool any_healthy = false;
    for (const auto& d : cfg.routes.deployments()) {
        const auto s = d.health->snap(now);
        all_healthy = all_healthy && s.healthy;
        any_healthy = any_healthy || s.healthy;
        deployments[d.id] = json::object{{"model_group", d.group},
                                         {"provider", d.provider},
                                         {"status", s.healthy ? "healthy" : "cooling_down"},
                                         {"consecutive_failures", s.consecutive_failures},
                                         {"last_error", s.last_error.empty() ? json::value(nullptr)
                                                                             : json::value(s.last_error)},
                                         {"cooldown_remaining_seconds", s.cooldown_remaining_seconds},
                                         {"cooldowns_total", s.cooldowns_total},
                                         {"in_flight", d.health->in_flight()}};
    }
    return json::serialize(json::object{{"status", all_healthy ? "healthy" : any_healthy ? "degraded" : "unhealthy"},
                                        {"deployments", std::move(deployments)}});
}

http::response<http::string_body> json_response(unsigned status, std::string body, const std::string& request_id)
{
    http::response<http::string_body> res{static_cast<http::status>(status), 11};
    res.set(http::field::content_type, "application/json");
    res.set("x-baton-request-id", request_id);
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}


// JSON bodies are built outside coroutines (GCC 12 mishandles brace-initialized JSON inside them).

std::string models_body(const routing::route_table& table, const client_key* key)
{
    json::array data;
    auto allowed = [&](const std::string& name) {
        return !key || !key->models || std::find(key->models->begin(), key->models->end(), name) != key->models->end();
    };
    for (const auto& g : table.group_names()) {
        if (allowed(g)) data.push_back(json::object{{"id", g}, {"object", "model"}, {"created", 0}, {"owned_by", "baton"}});
    }
    for (const auto& a : table.aliases()) {
        if (allowed(a.name)) {
            data.push_back(json::object{{"id", a.name}, {"object", "model"}, {"created", 0}, {"owned_by", "baton-alias"}});
        }
    }
    return json::serialize(json::object{{"object", "list"}, {"data", std::move(data)}});
}

std::string readiness_body(bool draining, const std::string& source)
{
    return json::serialize(json::object{{"status", draining ? "draining" : "ready"}, {"config", source}});
}

std::string aliases_body(const routing::route_table& table)
{
    json::array list;
    for (const auto& a : table.aliases()) {
        json::array chain;
        for (const auto& c : a.chain) chain.push_back(json::value(c));
        list.push_back(json::object{{"name", a.name}, {"description", a.description}, {"chain", std::move(chain)}});
    }
    const auto& def = table.default_model;
    return json::serialize(
        json::object{{"default", def.empty() ? json::value(nullptr) : json::value(def)}, {"aliases", std::move(list)}});
}

std::string routes_body()
{
    json::array data;
    for (const auto& r : routes) data.push_back(json::object{{"route", r.path}, {"method", r.method}});
    return json::serialize(json::object{{"data", std::move(data)}});
}

/// Copies every reactor's metrics shard on its own thread and merges the copies.
net::task<metrics_shard> collect_metrics(reactor& self)
{
    std::vector<metrics_shard> copies;
    for (reactor* r : self.shared().reactors) {
        if (r == &self) {
            copies.push_back(self.metrics());
        } else {
            // The copy runs on the shard's own thread; this coroutine resumes on its own reactor.
            copies.push_back(co_await asio::co_spawn(
                r->ioc(), [r]() -> net::task<metrics_shard> { co_return r->metrics(); }, net::use_task));
        }
    }
    co_return merge_shards(copies);
}

}  // namespace

net::task<void> request_handler::handle(net::incoming_request& req, net::downstream& out)
{
    const auto request_id = reactor_.next_request_id();
    std::string_view target = req.target;
    const auto path = target.substr(0, target.find('?'));
    const auto snap = reactor_.config();
    auto& shared = reactor_.shared();
    if (shared.draining.load(std::memory_order_relaxed)) out.close_after = true;

    auto respond = [&](unsigned status, std::string body) -> net::task<void> {
        auto res = json_response(status, std::move(body), request_id);
        if (out.close_after) res.keep_alive(false);
        co_await out.write(res);
    };
    auto error = [&](unsigned status, std::string_view message, std::string_view type,
                     std::string_view code) -> net::task<void> {
        co_await respond(status, net::openai_error_body(message, type, code));
    };

    const route* found = nullptr;
    bool path_known = false;
    for (const auto& r : routes) {
        if (r.path == path) {
            path_known = true;
            if (r.method == req.method) found = &r;
        }
    }
    if (!found) {
        if (path_known) {
            co_await error(405, std::string("method "sv) + req.method + std::string(" is not allowed on "sv) + std::string(path),
                           "invalid_request_error"sv, "method_not_allowed"sv);
        } else {
            co_await error(404, std::string("unknown path "sv) + std::string(path), "invalid_request_error"sv, "not_found"sv);
        }
        co_return;
    }

    // Authentication (SPEC §4): the master key opens everything; a client key opens the routed endpoints
    // and /v1/models. With neither configured, nothing is asked.
    const bool admin = found->id == route_id::metrics || found->id == route_id::health ||
                       found->id == route_id::aliases || found->id == route_id::inspect_routes;
    const bool open = found->id == route_id::liveness || found->id == route_id::readiness;
    const client_key* key = nullptr;
    if (!open && snap->auth_required) {
        const auto presented = presented_key(req);
        const auto& master = snap->cfg.general.master_key_sha256;
        if (presented.empty()) {
            co_await error(401, "missing API key: send Authorization: Bearer <key>"sv, "invalid_request_error"sv,
                           "invalid_api_key"sv);
            co_return;
        }
        const auto hash = sha256_hex(presented);
        const bool is_master = !master.empty() && equal_hashes(hash, master);
        if (!is_master) {
            const auto it = snap->keys_by_hash.find(hash);
            if (it == snap->keys_by_hash.end()) {
                co_await error(401, "invalid API key"sv, "invalid_request_error"sv, "invalid_api_key"sv);
                co_return;
            }
            if (admin && !master.empty()) {
                co_await error(403, "this endpoint needs the master key"sv, "permission_error"sv, "forbidden"sv);
                co_return;
            }
            key = &snap->cfg.keys[it->second];
        }
    }

    switch (found->id) {
        case route_id::chat:
        case route_id::completions:
        case route_id::embeddings: {
            const auto endpoint = found->id == route_id::chat          ? api_endpoint::chat_completions
                                  : found->id == route_id::completions ? api_endpoint::completions
                                                                       : api_endpoint::embeddings;
            routed_call call{reactor_, snap, endpoint, out, request_id, key};
            co_await call.run(std::move(req.body));
            co_return;
        }
        case route_id::models:
            co_await respond(200, models_body(snap->cfg.routes, key));
            co_return;
        case route_id::liveness:
            co_await respond(200, std::string(R"({"status":"alive"})"));
            co_return;
        case route_id::readiness: {
            const bool draining = shared.draining.load(std::memory_order_relaxed);
            co_await respond(draining ? 503 : 200, readiness_body(draining, snap->cfg.source_path));
            co_return;
        }
        case route_id::metrics: {
            auto merged = co_await collect_metrics(reactor_);
            std::vector<deployment_health_row> rows;
            const auto now = std::chrono::steady_clock::now();
            for (const auto& d : snap->cfg.routes.deployments()) {
                const auto s = d.health->snap(now);
                rows.push_back({d.id, d.group, s.healthy, s.cooldowns_total});
            }
            const config_reload_counts reloads{shared.reloads_ok.load(), shared.reloads_error.load()};
            auto body = render_metrics(merged, rows, reloads, read_process_stats());
            http::response<http::string_body> res{http::status::ok, 11};
            res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
            res.set("x-baton-request-id", request_id);
            res.body() = std::move(body);
            res.prepare_payload();
            co_await out.write(res);
            co_return;
        }
        case route_id::health:
            co_await respond(200, health_body(snap->cfg));
            co_return;
        case route_id::aliases:
            co_await respond(200, aliases_body(snap->cfg.routes));
            co_return;
        case route_id::inspect_routes:
            co_await respond(200, routes_body());
            co_return;
    }
}

}  // namespace baton::daemon
