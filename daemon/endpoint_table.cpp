#include "daemon/endpoint_table.hpp"

#include "call/key_scope.hpp"
#include "daemon/batch_endpoints.hpp"
#include "daemon/batch_service.hpp"
#include "daemon/call_executor.hpp"
#include "daemon/errc.hpp"
#include "daemon/error_answer.hpp"
#include "daemon/metrics.hpp"
#include "daemon/process_stats.hpp"
#include "daemon/reactor.hpp"
#include "daemon/response_sink.hpp"
#include "net/wire_format.hpp"
#include "routing/deployment_health.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <array>

namespace baton::daemon {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::string_view_literals;

namespace {

// ---------------------------------------------------------------------------------------------------------
// Writing answers

net::task<void> respond(endpoint_context& ctx, unsigned status, std::string body,
                        std::string_view content_type = "application/json")
{
    net::response_head h{status};
    h.add("Content-Type", content_type).add("x-baton-request-id", ctx.request_id);
    const auto& head = h.finish(body.size(), ctx.out.close_after);
    co_await ctx.out.write_response(head, body);
}

net::task<void> respond_error(endpoint_context& ctx, boost::system::error_code ec, std::string_view message = {})
{
    auto a = answer_for(ec, message);
    co_await respond(ctx, a.status, std::move(a.body));
}

// JSON bodies are built outside coroutines (GCC 12 mishandles brace-initialized JSON inside them).

json::object model_object(std::string_view id, std::string_view owner)
{
    return {{"id", id}, {"object", "model"}, {"created", 0}, {"owned_by", owner}};
}

std::string models_body(const routing::route_table& table, const client_key* key)
{
    json::array data;
    const auto* scope = key != nullptr ? &key->models : nullptr;
    for (const auto& g : table.group_names()) {
        if (scope == nullptr || call::model_allowed(*scope, g)) data.push_back(model_object(g, "baton"));
    }
    for (const auto& a : table.aliases()) {
        if (scope == nullptr || call::model_allowed(*scope, a.name)) data.push_back(model_object(a.name, "baton-alias"));
    }
    return json::serialize(json::object{{"object", "list"}, {"data", std::move(data)}});
}

/// One group or alias in the model shape, or empty when `id` names neither (or is out of the key's scope).
std::string model_body(const routing::route_table& table, const client_key* key, std::string_view id)
{
    if (key != nullptr && !call::model_allowed(key->models, id)) return {};
    for (const auto& g : table.group_names()) {
        if (g == id) return json::serialize(model_object(g, "baton"));
    }
    for (const auto& a : table.aliases()) {
        if (a.name == id) return json::serialize(model_object(a.name, "baton-alias"));
    }
    return {};
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
    for (const auto& r : endpoint_table()) data.push_back(json::object{{"route", r.pattern}, {"method", r.method}});
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

// ---------------------------------------------------------------------------------------------------------
// Handlers, one per endpoint

net::task<void> routed(endpoint_context& ctx, providers::api_endpoint endpoint)
{
    http_sink sink{ctx.out};
    reactor& r = ctx.r;
    call_services services{&r.network(), &r.local(), &r.metrics(), &r.log(), &r.rng(), &r.shared().health};
    call_executor call{services, ctx.snap, endpoint, sink, ctx.request_id, ctx.key};
    co_await call.run(std::move(ctx.req.body));
}

net::task<void> chat(endpoint_context& ctx)
{
    return routed(ctx, providers::api_endpoint::chat_completions);
}

net::task<void> completions(endpoint_context& ctx)
{
    return routed(ctx, providers::api_endpoint::completions);
}

net::task<void> embeddings(endpoint_context& ctx)
{
    return routed(ctx, providers::api_endpoint::embeddings);
}

net::task<void> models(endpoint_context& ctx)
{
    co_await respond(ctx, 200, models_body(ctx.snap->cfg.routes, ctx.key));
}

net::task<void> model(endpoint_context& ctx)
{
    auto body = model_body(ctx.snap->cfg.routes, ctx.key, ctx.param);
    if (body.empty()) {
        co_await respond_error(ctx, routing::errc::model_not_found,
                               "The model `" + std::string(ctx.param) + "` does not exist or is not configured in baton");
        co_return;
    }
    co_await respond(ctx, 200, std::move(body));
}

net::task<void> liveness(endpoint_context& ctx)
{
    co_await respond(ctx, 200, std::string(R"({"status":"alive"})"));
}

net::task<void> readiness(endpoint_context& ctx)
{
    const bool draining = ctx.r.shared().draining.load(std::memory_order_relaxed);
    co_await respond(ctx, draining ? 503 : 200, readiness_body(draining, ctx.snap->cfg.source_path));
}

net::task<void> metrics(endpoint_context& ctx)
{
    auto merged = co_await collect_metrics(ctx.r);
    std::vector<deployment_health_row> rows;
    const auto now = std::chrono::steady_clock::now();
    for (const auto& d : ctx.snap->cfg.routes.deployments()) {
        const auto s = d.health->snap(now);
        rows.push_back({d.id, d.group, s.healthy, s.cooldowns_total});
    }
    auto& shared = ctx.r.shared();
    const config_reload_counts reloads{shared.reloads_ok.load(), shared.reloads_error.load()};
    auto text = render_metrics(merged, rows, reloads, read_process_stats());
    if (const auto* batches = shared.batches) {
        text += render_batch_gauge(batches->status_counts());
    }
    co_await respond(ctx, 200, std::move(text), "text/plain; version=0.0.4; charset=utf-8");
}

net::task<void> health(endpoint_context& ctx)
{
    co_await respond(ctx, 200, health_body(ctx.snap->cfg));
}

net::task<void> aliases(endpoint_context& ctx)
{
    co_await respond(ctx, 200, aliases_body(ctx.snap->cfg.routes));
}

net::task<void> inspect_routes(endpoint_context& ctx)
{
    co_await respond(ctx, 200, routes_body());
}

// LiteLLM also serves the OpenAI paths without the /v1 prefix; so does baton.
constexpr std::array<endpoint_row, 25> rows{{
    {"POST", "/v1/chat/completions", auth_class::client, &chat},
    {"POST", "/v1/completions", auth_class::client, &completions},
    {"POST", "/v1/embeddings", auth_class::client, &embeddings},
    {"GET", "/v1/models", auth_class::client, &models},
    {"GET", "/v1/models/{id}", auth_class::client, &model},
    {"POST", "/chat/completions", auth_class::client, &chat},
    {"POST", "/completions", auth_class::client, &completions},
    {"POST", "/embeddings", auth_class::client, &embeddings},
    {"GET", "/models", auth_class::client, &models},
    {"GET", "/health/liveness", auth_class::open, &liveness},
    {"GET", "/health/liveliness", auth_class::open, &liveness},
    {"GET", "/health/readiness", auth_class::open, &readiness},
    {"GET", "/metrics", auth_class::admin, &metrics},
    {"GET", "/v1/health", auth_class::admin, &health},
    {"GET", "/v1/aliases", auth_class::admin, &aliases},
    {"GET", "/v1/inspect/routes", auth_class::admin, &inspect_routes},
    // Files and batches (SPEC §7): a key sees what it created; the master key sees everything.
    {"POST", "/v1/files", auth_class::client, &upload_file},
    {"GET", "/v1/files", auth_class::client, &list_files},
    {"GET", "/v1/files/{id}", auth_class::client, &retrieve_file},
    {"DELETE", "/v1/files/{id}", auth_class::client, &delete_file},
    {"GET", "/v1/files/{id}/content", auth_class::client, &file_content},
    {"POST", "/v1/batches", auth_class::client, &create_batch},
    {"GET", "/v1/batches", auth_class::client, &list_batches},
    {"GET", "/v1/batches/{id}", auth_class::client, &retrieve_batch},
    {"POST", "/v1/batches/{id}/cancel", auth_class::client, &cancel_batch},
}};

}  // namespace

std::span<const endpoint_row> endpoint_table() noexcept
{
    return rows;
}

bool match_pattern(std::string_view pattern, std::string_view path, std::string_view* param) noexcept
{
    const auto open = pattern.find('{');
    if (open == std::string_view::npos) {
        return pattern == path;
    }
    const auto close = pattern.find('}', open);
    const std::string_view prefix = pattern.substr(0, open);
    const std::string_view suffix = pattern.substr(close + 1);
    if (path.size() <= prefix.size() + suffix.size() || !path.starts_with(prefix) || !path.ends_with(suffix)) {
        return false;
    }
    const std::string_view value = path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
    if (value.empty() || value.find('/') != std::string_view::npos) {
        return false;
    }
    if (param != nullptr) {
        *param = value;
    }
    return true;
}

const endpoint_row* find_endpoint(std::string_view method, std::string_view path, bool* path_known,
                                  std::string_view* param) noexcept
{
    *path_known = false;
    for (const auto& r : rows) {
        std::string_view value;
        if (!match_pattern(r.pattern, path, &value)) {
            continue;
        }
        *path_known = true;
        if (r.method == method) {
            *param = value;
            return &r;
        }
    }
    return nullptr;
}

}  // namespace baton::daemon
