#include "daemon/batch_endpoints.hpp"

#include "batches/create_params.hpp"
#include "batches/errc.hpp"
#include "batches/file_record.hpp"
#include "batches/ids.hpp"
#include "batches/list_query.hpp"
#include "batches/multipart_parser.hpp"
#include "batches/store/file_store.hpp"
#include "batches/store/store_error.hpp"
#include "daemon/batch_service.hpp"
#include "daemon/error_answer.hpp"
#include "daemon/reactor.hpp"
#include "net/wire_format.hpp"

#include <boost/beast/http/error.hpp>

#include <chrono>
#include <filesystem>

namespace baton::daemon {

using namespace std::string_view_literals;
namespace http = boost::beast::http;

namespace {

net::task<void> respond(endpoint_context& ctx, unsigned status, std::string_view body,
                        std::string_view content_type = "application/json")
{
    net::response_head h{status};
    h.add("Content-Type", content_type).add("x-baton-request-id", ctx.request_id);
    const auto& head = h.finish(body.size(), ctx.out.close_after);
    co_await ctx.out.write_response(head, body);
}

/// Callers pass a named error: GCC 12 destroys a temporary of a co_await expression twice.
net::task<void> refuse(endpoint_context& ctx, const batches::api_error& e)
{
    const auto a = answer_for(make_error_code(e.code), e.message, e.param);
    co_await respond(ctx, a.status, a.body);
}

/// Answers the JSON or the refusal of an API call.
net::task<void> answer(endpoint_context& ctx, const api_result<std::string>& r)
{
    if (const auto* e = std::get_if<batches::api_error>(&r)) {
        co_await refuse(ctx, *e);
        co_return;
    }
    co_await respond(ctx, 200, std::get<std::string>(r));
}

batch_caller caller_of(const endpoint_context& ctx)
{
    return ctx.key != nullptr ? batch_caller(ctx.key->name) : std::nullopt;
}

std::string_view query_of(const endpoint_context& ctx)
{
    const std::string_view target = ctx.req.target;
    const auto q = target.find('?');
    return q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
}

std::int64_t now_unix()
{
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// What an upload's form fields other than the file may hold (purpose is a short word).
constexpr std::size_t max_field_bytes = 4096;

/// The upload's outcome before it is stored.
struct upload {
    std::string purpose;
    std::optional<std::string> filename;
    std::uint64_t bytes = 0;
};

}  // namespace

bool is_upload(std::string_view method, std::string_view path) noexcept
{
    return method == "POST" && path == "/v1/files";
}

net::task<void> upload_file(endpoint_context& ctx)
{
    batch_service& service = *ctx.r.shared().batches;
    const auto boundary = batches::multipart_boundary(ctx.req.content_type);
    net::body_reader* body = ctx.req.body_stream;
    if (!boundary || body == nullptr) {
        // Named: GCC 12 destroys a temporary of a co_await expression twice.
        const batches::api_error e{
            batches::errc::invalid_upload,
            "Uploads are multipart/form-data with a boundary (Content-Type: "
            "multipart/form-data; boundary=...), with a `file` part and `purpose=batch`.",
            ""};
        co_await refuse(ctx, e);
        co_return;
    }
    const auto max_file = static_cast<std::uint64_t>(ctx.snap->cfg.general.max_file_mb * 1024.0 * 1024.0);
    auto& rng = ctx.r.rng();
    const std::string id = batches::make_id("file-", rng(), rng());
    const auto temp = service.files().temp_path_of(id);
    // The temporary file goes away unless the service took it (renamed to its id).
    struct cleanup {
        std::filesystem::path path;
        bool keep = false;
        ~cleanup()
        {
            if (!keep) {
                std::error_code ec;
                std::filesystem::remove(path, ec);
            }
        }
    } guard{temp};

    std::optional<batches::api_error> refusal;
    upload up;
    try {
        batches::file_writer out(temp);
        batches::multipart_parser parser(*boundary);
        std::string pending;  // bytes the parser has not consumed yet
        bool in_file = false;
        std::string* field = nullptr;
        std::string ignored;
        bool ended = false;
        while (!ended && !refusal) {
            // Each read: one piece of the body (at most 64 KiB); the file part goes to disk as it comes.
            auto [ec, piece] = co_await body->read_some();
            if (ec) {
                if (ec == http::error::body_limit) {
                    refusal = batches::api_error{batches::errc::file_too_large,
                                                 "File too large: the largest file is " +
                                                     std::to_string(static_cast<long long>(
                                                         ctx.snap->cfg.general.max_file_mb)) +
                                                     " MiB (general_settings.max_file_mb).",
                                                 "file"};
                    break;
                }
                ctx.out.close_after = true;
                if (ec == http::error::partial_message || ec == boost::beast::error::timeout) {
                    co_return;  // the client left or stalled: nobody to answer
                }
                refusal =
                    batches::api_error{batches::errc::invalid_upload,
                                       "The upload's HTTP body cannot be read: " + ec.message() + ".", ""};
                break;
            }
            if (piece.empty()) {
                break;  // the body ended
            }
            pending.append(piece);
            std::size_t at = 0;
            while (!refusal) {
                const auto e = parser.next(std::string_view(pending).substr(at));
                at += e.consumed;
                using kind = batches::multipart_parser::event_kind;
                if (e.kind == kind::need_more) {
                    break;
                }
                if (e.kind == kind::done) {
                    ended = true;
                    break;
                }
                if (e.kind == kind::error) {
                    refusal =
                        batches::api_error{batches::errc::invalid_upload,
                                           "The multipart/form-data body cannot be read: " + parser.error() +
                                               ".",
                                           ""};
                    break;
                }
                if (e.kind == kind::part_begin) {
                    const auto& part = parser.part();
                    in_file = part.name == "file" && part.filename.has_value();
                    field = part.name == "purpose" ? &up.purpose : &ignored;
                    if (in_file && up.filename) {
                        refusal = batches::api_error{batches::errc::invalid_upload,
                                                     "An upload holds one `file` part.", "file"};
                    } else if (in_file) {
                        up.filename = part.filename->empty() ? std::string("upload.jsonl") : *part.filename;
                    } else {
                        field->clear();
                    }
                } else if (e.kind == kind::part_data) {
                    if (in_file) {
                        up.bytes += e.data.size();
                        if (up.bytes > max_file) {
                            refusal = batches::api_error{batches::errc::file_too_large,
                                                         "File too large: the largest file is " +
                                                             std::to_string(static_cast<long long>(
                                                                 ctx.snap->cfg.general.max_file_mb)) +
                                                             " MiB (general_settings.max_file_mb).",
                                                         "file"};
                            break;
                        }
                        out.write(e.data);
                    } else if (field->size() + e.data.size() > max_field_bytes) {
                        refusal =
                            batches::api_error{batches::errc::invalid_upload,
                                               "A form field of the upload is longer than 4096 bytes.", ""};
                    } else {
                        field->append(e.data);
                    }
                } else if (e.kind == kind::part_end) {
                    in_file = false;
                }
            }
            pending.erase(0, at);
        }
        if (!refusal && !ended) {
            refusal =
                batches::api_error{batches::errc::invalid_upload,
                                   "The multipart/form-data body ended before its closing boundary.", ""};
        }
        if (!refusal) {
            if (auto bad = batches::upload_purpose_error(up.purpose)) {
                refusal = batches::api_error{up.purpose.empty() ? batches::errc::missing_required_parameter
                                                                : batches::errc::invalid_value,
                                             std::move(*bad), "purpose"};
            } else if (!up.filename) {
                refusal = batches::api_error{batches::errc::missing_required_parameter,
                                             "Missing required parameter: 'file'.", "file"};
            }
        }
        out.close(false);  // the service fsyncs it as it renames it
    } catch (const batches::store_error& e) {
        ctx.r.log().error("batch_store_failed", {{"what", e.what()}});
        refusal = batches::api_error{batches::errc::storage_failed, "The file could not be stored.", ""};
    }
    if (refusal) {
        co_await refuse(ctx, *refusal);
        co_return;
    }
    batches::file_record f{id, *up.filename, std::string(batches::upload_purpose),
                           static_cast<std::int64_t>(up.bytes), now_unix()};
    guard.keep = true;  // from here the service owns it (it removes it if storing fails)
    batch_caller who = caller_of(ctx);
    auto path = temp;
    const auto r = co_await service.add_file(std::move(who), std::move(f), std::move(path));
    if (std::holds_alternative<batches::api_error>(r)) {
        guard.keep = false;
    }
    co_await answer(ctx, r);
}

/// A list endpoint: the query's page (`rules`, by value: the coroutine starts after its caller returned),
/// then `list` of the batch service for the caller.
net::task<void> list_page(endpoint_context& ctx, batches::list_rules rules,
                          net::task<api_result<std::string>> (batch_service::*list)(batch_caller,
                                                                                    batches::list_query))
{
    auto q = batches::parse_list_query(query_of(ctx), rules);
    if (auto* e = std::get_if<batches::api_error>(&q)) {
        co_await refuse(ctx, *e);
        co_return;
    }
    batch_caller who = caller_of(ctx);
    auto arg = std::get<batches::list_query>(q);
    const auto r = co_await (ctx.r.shared().batches->*list)(std::move(who), std::move(arg));
    co_await answer(ctx, r);
}

net::task<void> list_files(endpoint_context& ctx)
{
    return list_page(ctx, {10000, 10000, true, true}, &batch_service::list_files);
}

net::task<void> retrieve_file(endpoint_context& ctx)
{
    batch_caller who = caller_of(ctx);
    std::string id(ctx.param);
    const auto r = co_await ctx.r.shared().batches->find_file(std::move(who), std::move(id));
    if (const auto* e = std::get_if<batches::api_error>(&r)) {
        co_await refuse(ctx, *e);
        co_return;
    }
    const std::string body = batches::file_json(std::get<batches::file_record>(r));
    co_await respond(ctx, 200, body);
}

net::task<void> file_content(endpoint_context& ctx)
{
    batch_service& service = *ctx.r.shared().batches;
    batch_caller who = caller_of(ctx);
    std::string id(ctx.param);
    const auto r = co_await service.find_file(std::move(who), std::move(id));
    if (const auto* e = std::get_if<batches::api_error>(&r)) {
        co_await refuse(ctx, *e);
        co_return;
    }
    std::optional<batches::file_reader> in;
    try {
        in.emplace(service.files().path_of(std::get<batches::file_record>(r).id));
    } catch (const batches::store_error& e) {
        ctx.r.log().error("batch_store_failed", {{"what", e.what()}});
    }
    if (!in) {
        const batches::api_error e{batches::errc::storage_failed, "The file could not be read.", ""};
        co_await refuse(ctx, e);
        co_return;
    }
    // Byte-exact and streamed: the head with the length, then the file 64 KiB at a time.
    net::response_head h{200};
    h.add("Content-Type", "application/octet-stream").add("x-baton-request-id", ctx.request_id);
    std::string head = h.finish(static_cast<std::size_t>(in->size()), ctx.out.close_after);
    std::string chunk;
    std::uint64_t offset = 0;
    do {
        try {
            in->read_at(offset, 64 * 1024, chunk);
        } catch (const batches::store_error&) {
            chunk.clear();
        }
        if (chunk.empty() && offset < in->size()) {
            ctx.out.close_after = true;  // the file shrank under us: the length cannot be kept
            co_return;
        }
        if (co_await ctx.out.write_response(head, chunk)) {
            ctx.out.close_after = true;
            co_return;
        }
        head.clear();
        offset += chunk.size();
    } while (offset < in->size());
}

net::task<void> delete_file(endpoint_context& ctx)
{
    batch_caller who = caller_of(ctx);
    std::string id(ctx.param);
    const auto r = co_await ctx.r.shared().batches->delete_file(std::move(who), std::move(id));
    co_await answer(ctx, r);
}

net::task<void> create_batch(endpoint_context& ctx)
{
    auto p = batches::parse_create_params(ctx.req.body, ctx.req.idempotency_key);
    if (auto* e = std::get_if<batches::api_error>(&p)) {
        co_await refuse(ctx, *e);
        co_return;
    }
    batch_caller who = caller_of(ctx);
    auto arg = std::get<batches::create_params>(p);
    const auto r = co_await ctx.r.shared().batches->create_batch(std::move(who), std::move(arg));
    co_await answer(ctx, r);
}

net::task<void> list_batches(endpoint_context& ctx)
{
    return list_page(ctx, {20, 100, false, false}, &batch_service::list_batches);
}

net::task<void> retrieve_batch(endpoint_context& ctx)
{
    batch_caller who = caller_of(ctx);
    std::string id(ctx.param);
    const auto r = co_await ctx.r.shared().batches->find_batch(std::move(who), std::move(id));
    co_await answer(ctx, r);
}

net::task<void> cancel_batch(endpoint_context& ctx)
{
    batch_caller who = caller_of(ctx);
    std::string id(ctx.param);
    const auto r = co_await ctx.r.shared().batches->cancel_batch(std::move(who), std::move(id));
    co_await answer(ctx, r);
}

}  // namespace baton::daemon
