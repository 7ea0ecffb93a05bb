#pragma once

#include "daemon/endpoint_table.hpp"

namespace baton::daemon {

// The handlers of the files and batches endpoints (SPEC §7), one per row of the endpoint table. Each answers
// on ctx.out, errors through daemon/error_answer.hpp; the work is done by the batch_service.

/// POST /v1/files: a multipart/form-data upload (`purpose=batch`, a `file` part), streamed to disk.
net::task<void> upload_file(endpoint_context& ctx);
/// GET /v1/files (`purpose`, `limit`, `after`, `order`).
net::task<void> list_files(endpoint_context& ctx);
/// GET /v1/files/{id}.
net::task<void> retrieve_file(endpoint_context& ctx);
/// GET /v1/files/{id}/content: the bytes as stored, streamed.
net::task<void> file_content(endpoint_context& ctx);
/// DELETE /v1/files/{id}.
net::task<void> delete_file(endpoint_context& ctx);
/// POST /v1/batches (`Idempotency-Key` header or `idempotency_key` field).
net::task<void> create_batch(endpoint_context& ctx);
/// GET /v1/batches (`limit`, `after`).
net::task<void> list_batches(endpoint_context& ctx);
/// GET /v1/batches/{id}.
net::task<void> retrieve_batch(endpoint_context& ctx);
/// POST /v1/batches/{id}/cancel.
net::task<void> cancel_batch(endpoint_context& ctx);

/// True for the request whose body is an upload to stream (POST /v1/files).
bool is_upload(std::string_view method, std::string_view path) noexcept;

}  // namespace baton::daemon
