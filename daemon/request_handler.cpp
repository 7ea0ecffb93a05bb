#include "daemon/request_handler.hpp"

#include "daemon/config/sha256_hex.hpp"
#include "daemon/endpoint_table.hpp"
#include "daemon/errc.hpp"
#include "daemon/error_answer.hpp"
#include "net/wire_format.hpp"

#include <boost/beast/core/string.hpp>

#include <openssl/crypto.h>

namespace baton::daemon {

using namespace std::string_view_literals;

namespace {

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

struct authentication {
    boost::system::error_code refused;  ///< set when the caller may not go on
    const client_key* key = nullptr;    ///< the caller's client key (null: master key or no auth)
};

/// SPEC §4: the master key opens everything; a client key opens the `client` endpoints. With neither
/// configured, nothing is asked.
authentication authenticate(const net::incoming_request& req, const snapshot& snap, auth_class auth)
{
    if (auth == auth_class::open || !snap.auth_required) return {};
    const auto presented = presented_key(req);
    if (presented.empty()) return {errc::missing_api_key};
    const auto hash = sha256_hex(presented);
    const auto& master = snap.cfg.general.master_key_sha256;
    if (!master.empty() && equal_hashes(hash, master)) return {};
    const auto it = snap.keys_by_hash.find(hash);
    if (it == snap.keys_by_hash.end()) return {errc::invalid_api_key};
    if (auth == auth_class::admin && !master.empty()) return {errc::admin_only};
    return {{}, &snap.cfg.keys[it->second]};
}

}  // namespace

std::string request_handler::admit(net::incoming_request& req, bool close)
{
    const std::string_view target = req.target;
    const auto path = target.substr(0, target.find('?'));
    const auto& snap = reactor_.config();
    close = close || reactor_.shared().draining.load(std::memory_order_relaxed);

    // HEAD is answered like GET, without the body (the server drops it).
    const std::string_view method = req.method == "HEAD"sv ? "GET"sv : std::string_view(req.method);
    bool path_known = false;
    std::string_view param;
    const endpoint_row* row = find_endpoint(method, path, &path_known, &param);
    boost::system::error_code refused;
    std::string message;
    const client_key* key = nullptr;
    if (row == nullptr) {
        refused = path_known ? errc::method_not_allowed : errc::unknown_path;
        message = path_known ? "method " + req.method + " is not allowed on " + std::string(path)
                             : "unknown path " + std::string(path);
    } else {
        const auto a = authenticate(req, *snap, row->auth);
        refused = a.refused;
        key = a.key;
    }
    if (refused) {
        const auto a = answer_for(refused, message);
        net::response_head h{a.status};
        h.add("Content-Type", "application/json").add("x-baton-request-id", reactor_.next_request_id());
        std::string out = h.finish(a.body.size(), close);
        out += a.body;
        return out;
    }
    // The row and the key live in the snapshot: it stays alive with the request (a reload meanwhile swaps
    // the reactor's).
    req.admitted = {snap, row, key};
    return {};
}

net::task<void> request_handler::handle(net::incoming_request& req, net::downstream& out)
{
    const auto request_id = reactor_.next_request_id();
    if (reactor_.shared().draining.load(std::memory_order_relaxed)) out.close_after = true;
    const auto* row = static_cast<const endpoint_row*>(req.admitted.route);
    const auto* key = static_cast<const client_key*>(req.admitted.caller);
    auto snap = std::static_pointer_cast<const snapshot>(std::move(req.admitted.keep));
    const std::string_view target = req.target;
    std::string_view param;
    if (row->pattern.find('{') != std::string_view::npos) {
        match_pattern(row->pattern, target.substr(0, target.find('?')), &param);
    }
    endpoint_context ctx{reactor_, std::move(snap), req, out, request_id, key, param};
    co_await row->handler(ctx);
}

std::string request_handler::error_response(net::http_errc e, std::string_view message)
{
    const auto a = answer_for(e, message);
    net::response_head h{a.status};
    h.add("Content-Type", "application/json");
    std::string out = h.finish(a.body.size(), true);
    out += a.body;
    return out;
}

void request_handler::log_exception(std::string_view what) noexcept
{
    try {
        reactor_.log().error("handler_exception", {{"what", mask_secrets(what, *reactor_.config())}});
    } catch (...) {
        // Logging must never take the session down with it.
    }
}

std::string mask_secrets(std::string_view text, const snapshot& snap)
{
    std::string out(text);
    auto mask = [&](std::string_view secret) {
        if (secret.size() < 4) return;  // too short to tell from ordinary text
        for (auto at = out.find(secret); at != std::string::npos; at = out.find(secret, at)) {
            out.replace(at, secret.size(), "[redacted]");
        }
    };
    for (const auto& d : snap.cfg.routes.deployments()) mask(d.api_key);
    mask(snap.cfg.general.master_key);
    return out;
}

}  // namespace baton::daemon
