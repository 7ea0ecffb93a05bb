#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace baton::batches {

/// Which file a line's row goes to: the output file (a 2xx answer) or the error file (anything else).
enum class row_outcome { completed, failed };

/// A line's row, ready for its file: one line of JSON without the newline.
struct output_row {
    row_outcome outcome = row_outcome::failed;
    std::string text;
};

/// The id of line `line` of batch `batch_id` ("batch_req_" + 24 hex digits), the same every time it is
/// asked: a line re-run after a restart gets the same id. Pure.
std::string request_row_id(std::string_view batch_id, std::int64_t line);

/// The row of an answered line, OpenAI's format:
/// `{"id","custom_id","response":{"status_code","request_id","body"},"error":null}`. `body` is embedded as
/// JSON (re-serialized on one line) when it parses, else as a string. 2xx → completed, else failed. Pure.
output_row response_row(std::string_view id, std::string_view custom_id, unsigned status,
                        std::string_view request_id, std::string_view body);

/// The row of a line that got no answer (expired, refused before it was sent):
/// `{"id","custom_id","response":null,"error":{"code","message"}}`; always failed. Pure.
output_row error_row(std::string_view id, std::string_view custom_id, std::string_view code,
                     std::string_view message);

/// The error row of a line the completion window ended before (SPEC §7): code `batch_expired`.
output_row expired_row(std::string_view id, std::string_view custom_id);

}  // namespace baton::batches
