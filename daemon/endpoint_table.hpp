#pragma once

#include "daemon/config_store.hpp"
#include "net/http_server.hpp"

#include <memory>
#include <span>
#include <string_view>

namespace baton::daemon {

class reactor;

/// Who may call an endpoint (SPEC §4): anyone; a client key or the master key; the master key only. With
/// neither keys nor a master key configured, nothing is asked.
enum class auth_class { open, client, admin };

/// What an endpoint handler gets: the request, where to answer, and who asked.
struct endpoint_context {
    reactor& r;
    std::shared_ptr<const snapshot> snap;  ///< the config this request runs on (kept alive for it)
    net::incoming_request& req;
    net::downstream& out;
    std::string_view request_id;
    const client_key* key = nullptr;  ///< the calling client key; null for the master key or no auth
    std::string_view param;           ///< what the pattern's `{id}` segment matched; empty without one
};

/// Handles one endpoint's request: writes the answer (errors included) on ctx.out.
using endpoint_handler = net::task<void> (*)(endpoint_context& ctx);

/// One row of the endpoint table (issue #9, "one endpoint table"): a method, a path pattern (literal
/// segments and at most one `{id}` segment matching one non-empty segment), who may call it, and its
/// handler. Adding an endpoint is adding a row.
struct endpoint_row {
    std::string_view method;
    std::string_view pattern;
    auth_class auth;
    endpoint_handler handler;
};

/// Every endpoint, in the order /v1/inspect/routes lists them.
std::span<const endpoint_row> endpoint_table() noexcept;

/// The row for `method` and `path` (no query), or null; `*path_known` says whether some row has this path
/// with another method (405 rather than 404); `*param` gets the `{id}` match. Pure.
const endpoint_row* find_endpoint(std::string_view method, std::string_view path, bool* path_known,
                                  std::string_view* param) noexcept;

/// True when `path` matches `pattern` (see endpoint_row); `*param` gets the `{id}` match. Pure.
bool match_pattern(std::string_view pattern, std::string_view path, std::string_view* param) noexcept;

}  // namespace baton::daemon
