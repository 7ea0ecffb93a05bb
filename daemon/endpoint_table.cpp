#include "daemon/endpoint_table.hpp"

#include "call/key_scope.hpp"
#include "daemon/batch_endpoints.hpp"
#include "daemon/batch_service.hpp"
#include "daemon/call_executor.hpp"
#include "daemon/errc.hpp"
#include "daemon/error_answer.hpp"
#include "daemon/metrics.hpp"
#include "daemon/process_stats.hpp"
#include "daemon/rate_limit_headers.hpp"
#include "daemon/reactor.hpp"
#include "daemon/response_sink.hpp"
#include "keys/errc.hpp"
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

net::task<void> respond_error(endpoint_context& ctx, boost::system::error_code ec,
                              std::string_view message = {})
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
        if (scope == nullptr || call::model_allowed(*scope, a.name))
            data.push_back(model_object(a.name, "baton-alias"));
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
    return json::serialize(json::object{{"status", all_healthy   ? "healthy"
                                                   : any_healthy ? "degraded"
                                                                 : "unhealthy"},
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
        list.push_back(
            json::object{{"name", a.name}, {"description", a.description}, {"chain", std::move(chain)}});
    }
    const auto& def = table.default_model;
    return json::serialize(json::object{{"default", def.empty() ? json::value(nullptr) : json::value(def)},
                                        {"aliases", std::move(list)}});
}

json::value nullable(std::uint64_t limit, std::uint64_t value)
{
    return limit == 0 ? json::value(nullptr) : json::value(value);
}

/// Every client key with its scope, limits and where it stands now; never the key or its hash.
std::string keys_body(const config& cfg, const keys::key_limiter& limiter, keys::wall_time now)
{
    json::array data;
    for (const auto& k : cfg.keys) {
        json::value models = nullptr;
        if (k.models) {
            json::array list;
            for (const auto& m : *k.models) list.push_back(json::value(m));
            models = std::move(list);
        }
        json::array backups;
        for (const auto& m : k.backup_models) backups.push_back(json::value(m));
        const keys::key_limits l = k.limits();
        const keys::key_usage u = limiter.usage(k.name, l, now);
        json::object limits{{"rpm_limit", l.rpm},
                            {"tpm_limit", l.tpm},
                            {"max_parallel_requests", l.max_parallel}};
        json::object usage{{"requests_this_minute", u.requests},
                           {"tokens_this_minute", u.tokens},
                           {"in_flight", u.in_flight},
                           {"requests_remaining", nullable(l.rpm, u.requests_remaining)},
                           {"tokens_remaining", nullable(l.tpm, u.tokens_remaining)},
                           {"reset_ms", u.reset.count()},
                           {"requests_total", u.requests_total},
                           {"tokens_total", u.tokens_total},
                           {"refused_total", u.refused_total}};
        data.push_back(json::object{{"name", k.name},
                                    {"models", std::move(models)},
                                    {"backup_models", std::move(backups)},
                                    {"limits", std::move(limits)},
                                    {"usage", std::move(usage)}});
    }
    return json::serialize(json::object{{"object", "list"}, {"data", std::move(data)}});
}

keys::errc errc_of(keys::limit_kind k)
{
    switch (k) {
    case keys::limit_kind::tpm:
        return keys::errc::tpm_exceeded;
    case keys::limit_kind::parallel:
        return keys::errc::parallel_exceeded;
    case keys::limit_kind::rpm:
    case keys::limit_kind::none:
        break;
    }
    return keys::errc::rpm_exceeded;
}

std::string_view limit_name(keys::limit_kind k)
{
    switch (k) {
    case keys::limit_kind::tpm:
        return "tpm_limit";
    case keys::limit_kind::parallel:
        return "max_parallel_requests";
    case keys::limit_kind::rpm:
    case keys::limit_kind::none:
        break;
    }
    return "rpm_limit";
}

void log_refusal(const logger& log, std::string_view request_id, std::string_view key_name,
                 const keys::verdict& v)
{
    log.warning("key_limited", {{"request_id", request_id},
                                {"client_key", key_name},
                                {"limit", limit_name(v.refused_by)},
                                {"retry_after_ms", v.retry_after.count()}});
}

/// Settles an admitted request of a limited key however its call ends (a client that leaves destroys the
/// handler's frame too): it leaves the in-flight count and its tokens count toward the minute.
class admitted_request {
public:
    admitted_request(keys::key_limiter& limiter, std::string_view name, const call_executor& call) noexcept
        : limiter_(limiter), name_(name), call_(call)
    {
    }
    admitted_request(const admitted_request&) = delete;
    admitted_request& operator=(const admitted_request&) = delete;
    ~admitted_request() { limiter_.settle(name_, call_.tokens_used(), std::chrono::system_clock::now()); }

private:
    keys::key_limiter& limiter_;
    std::string_view name_;  // the snapshot's, which the handler keeps alive
    const call_executor& call_;
};

/// The 429 of a key over one of its limits: Retry-After in whole seconds (rounded up), the x-ratelimit-*
/// headers and OpenAI's error.
net::task<void> refuse_limited(endpoint_context& ctx, const keys::verdict& v)
{
    const auto a = answer_for(errc_of(v.refused_by), keys::refusal_message(ctx.key->name, v));
    net::response_head h{a.status};
    h.add("Content-Type", "application/json").add("x-baton-request-id", ctx.request_id);
    h.add_number("Retry-After", (v.retry_after.count() + 999) / 1000);
    add_rate_limit_headers(h, v.usage);
    const auto& head = h.finish(a.body.size(), ctx.out.close_after);
    co_await ctx.out.write_response(head, a.body);
}

std::string routes_body()
{
    json::array data;
    for (const auto& r : endpoint_table())
        data.push_back(json::object{{"route", r.pattern}, {"method", r.method}});
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
    const client_key* key = ctx.key;
    if (key == nullptr || !key->limits().any()) {
        co_await call.run(std::move(ctx.req.body));
        co_return;
    }
    // SPEC §3: a request is admitted while the key is under each of its limits; the answer tells where the
    // key stands (x-ratelimit-*), and the request is settled (tokens, in flight) however it ends.
    keys::key_limiter& limiter = *r.shared().key_limiter;
    const keys::verdict v = limiter.admit(key->name, key->limits(), std::chrono::system_clock::now());
    if (!v.admitted()) {
        log_refusal(r.log(), ctx.request_id, key->name, v);
        co_await refuse_limited(ctx, v);
        co_return;
    }
    call.set_limits(&v.usage);
    const admitted_request settle_at_end{limiter, key->name, call};
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
                               "The model `" + std::string(ctx.param) +
                                   "` does not exist or is not configured in baton");
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

net::task<void> keys_list(endpoint_context& ctx)
{
    co_await respond(ctx, 200,
                     keys_body(ctx.snap->cfg, *ctx.r.shared().key_limiter, std::chrono::system_clock::now()));
}

net::task<void> inspect_routes(endpoint_context& ctx)
{
    co_await respond(ctx, 200, routes_body());
}

// LiteLLM also serves the OpenAI paths without the /v1 prefix; so does baton.
constexpr std::array<endpoint_row, 26> rows{{
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
    {"GET", "/v1/keys", auth_class::admin, &keys_list},
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
    if (path.size() <= prefix.size() + suffix.size() || !path.starts_with(prefix) ||
        !path.ends_with(suffix)) {
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
