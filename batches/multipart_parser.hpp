#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace baton::batches {

/// The boundary of a `multipart/form-data; boundary=...` Content-Type (token or quoted, 1 to 70
/// characters, RFC 2046); nullopt for any other media type or a missing or bad boundary. Case-insensitive
/// in the type and the parameter name. Pure.
std::optional<std::string> multipart_boundary(std::string_view content_type);

/// A streaming multipart/form-data reader (RFC 7578 over RFC 2046), sans-io in the manner of
/// streaming::sse_parser: the caller keeps the unread bytes in a buffer and asks next() for the next
/// event at its start; data events are views into that buffer (no copy), and a part's body is never held
/// whole: at most the delimiter's length is held back at the end of the buffer, so the buffer needs to
/// hold only one read plus max(part header block, delimiter). Each call returns one event and how many
/// bytes of the input it consumed; drop those bytes before the next call (on need_more too: a preamble
/// is consumed without an event).
///
/// Accepted: a preamble and an epilogue (ignored), a first delimiter with or without a leading CRLF,
/// transport padding (spaces, tabs) after a delimiter, part headers up to `max_header_bytes` with
/// Content-Disposition (name, filename, filename* with a UTF-8'' prefix) and Content-Type; other headers are
/// ignored. Errors (sticky): a header block over the limit, a header line without a colon, garbage after a
/// delimiter. At the end of the input, a message is complete only if done() (the close delimiter came).
/// Not thread-safe; pure.
class multipart_parser {
public:
    /// What next() found.
    enum class event_kind {
        need_more,   ///< nothing complete: read more bytes (keeping the unconsumed ones) and call again
        part_begin,  ///< a part's headers were read: see part()
        part_data,   ///< bytes of the current part's body (`data`)
        part_end,    ///< the current part's body ended
        done,        ///< the close delimiter was read; anything after it is ignored
        error,       ///< the input is not multipart/form-data: see error()
    };
    struct event {
        event_kind kind = event_kind::need_more;
        std::string_view data;  ///< part_data only: a view into next()'s input
        std::size_t consumed = 0;
    };
    /// The headers of the current part.
    struct part_info {
        std::string name;                     ///< Content-Disposition's name, empty when absent
        std::optional<std::string> filename;  ///< set when the part is a file
        std::string content_type;             ///< empty when absent
    };

    explicit multipart_parser(std::string boundary, std::size_t max_header_bytes = 16 * 1024);

    /// The next event at the start of `input` (the unconsumed bytes).
    event next(std::string_view input);

    const part_info& part() const noexcept { return part_; }
    bool done() const noexcept { return state_ == state::epilogue; }
    bool failed() const noexcept { return state_ == state::failed; }
    /// Why the input was refused (after an error event).
    const std::string& error() const noexcept { return error_; }

private:
    enum class state { preamble, after_delimiter, headers, body, epilogue, failed };

    event fail(std::string why, std::size_t consumed);
    bool read_headers(std::string_view block);

    std::string delimiter_;  ///< "\r\n--" + boundary
    std::size_t max_header_bytes_;
    state state_ = state::preamble;
    bool at_start_ = true;  ///< nothing consumed yet: the first delimiter may come without its CRLF
    part_info part_;
    std::string error_;
};

}  // namespace baton::batches
