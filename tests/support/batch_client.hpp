#pragma once
// Files and batches through batond's HTTP API (SPEC §7) for integration tests: multipart uploads, batch
// input lines, waiting for a batch to reach a status.

#include "support/deadline.hpp"
#include "support/http_client.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace baton::test {

/// The boundary multipart_body() uses.
inline constexpr std::string_view test_boundary = "----baton-test-boundary-7MA4YWxkTrZu0gW";

/// A multipart/form-data body with a `purpose` field (left out when empty) and a `file` part named
/// `filename` holding `content` byte for byte.
std::string multipart_body(std::string_view purpose, std::string_view filename, std::string_view content);

/// One input line: {"custom_id","method":"POST","url","body":{"model","messages":[{"role":"user","content":
/// <custom_id>}]}} (the user message is the custom_id, so a recorded upstream call names its line).
std::string batch_line(std::string_view custom_id, std::string_view model,
                       std::string_view url = "/v1/chat/completions");

/// `lines` joined with "\n", ending with "\n".
std::string jsonl(const std::vector<std::string>& lines);

/// The non-empty lines of a JSONL text, each parsed; throws when one is not JSON.
std::vector<boost::json::object> parse_jsonl(std::string_view text);

/// A client of the files and batches endpoints, with `headers` (a key) on every request.
class batch_client {
public:
    explicit batch_client(http_client& http, header_list headers = {})
        : http_(http), headers_(std::move(headers))
    {
    }

    /// POST /v1/files with multipart_body(purpose, filename, content); the whole response.
    http_response upload(std::string_view content, std::string_view purpose = "batch",
                         std::string_view filename = "input.jsonl");
    /// upload() that must succeed: the new file's id.
    std::string upload_ok(std::string_view content);
    /// POST /v1/batches with `body` (and `extra` headers); the whole response.
    http_response create(const boost::json::object& body, const header_list& extra = {});
    /// A create body: input_file_id, endpoint, completion_window 24h.
    static boost::json::object create_body(std::string_view file_id,
                                           std::string_view endpoint = "/v1/chat/completions");
    /// create() that must succeed: the batch object.
    boost::json::object create_ok(std::string_view file_id,
                                  std::string_view endpoint = "/v1/chat/completions");
    /// GET on `target`, with the client's headers.
    http_response get(std::string_view target);
    /// POST /v1/batches/{id}/cancel.
    http_response cancel(std::string_view batch_id);
    /// GET /v1/batches/{id} until its status is one of `statuses`, polling every 20 ms; throws with the last
    /// batch object at the deadline.
    boost::json::object wait_status(std::string_view batch_id, std::set<std::string> statuses,
                                    clock::duration timeout = std::chrono::seconds(20));
    /// GET /v1/batches/{id} until `pred(batch)` holds (polling every 20 ms); throws at the deadline.
    boost::json::object wait_until(std::string_view batch_id,
                                   const std::function<bool(const boost::json::object&)>& pred,
                                   clock::duration timeout = std::chrono::seconds(20));
    /// GET /v1/files/{id}/content that must succeed: the bytes.
    std::string content(std::string_view file_id);
    /// The rows of the batch's output (`output_file_id`) or error (`error_file_id`) file; none when null.
    std::vector<boost::json::object> rows(const boost::json::object& batch, std::string_view which);

private:
    http_client& http_;
    header_list headers_;
};

}  // namespace baton::test
