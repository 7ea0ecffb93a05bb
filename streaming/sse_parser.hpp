#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace baton::streaming {

/// One complete server-sent event found at the start of a buffer.
struct sse_event {
    /// Bytes the event occupies at the start of the input, its terminating blank line included: the relay
    /// forwards exactly these bytes and then consumes them.
    std::size_t size = 0;
    /// The data field: the value of the event's `data:` lines joined with '\n' (one optional space after
    /// the colon removed). Views the parser's input when the event has a single data line (the common
    /// case, no copy), else the parser's scratch string. Valid until the next call to next() or until the
    /// input bytes are consumed.
    std::string_view data;
    /// The `event:` field, empty when absent.
    std::string_view event;
    /// False for events without any data line (comments, keep-alives): the relay forwards or skips them
    /// but never interprets them.
    bool has_data = false;
};

/// Incremental, allocation-free (in the common case) parser of a text/event-stream (WHATWG HTML §9.2).
/// The caller keeps unconsumed bytes in its buffer, appends what it reads, and calls next() on the whole
/// unconsumed range until it returns nullopt; every split of the same byte stream gives the same events.
/// Lines end in "\n", "\r\n" or "\r"; an event ends at a blank line. Not thread-safe (one per stream).
class sse_parser {
public:
    /// The next complete event at the start of `input`, or nullopt when `input` holds none yet.
    std::optional<sse_event> next(std::string_view input);
    /// Forget progress (a new upstream response starts).
    void reset() noexcept { scanned_ = 0; }

private:
    std::size_t scanned_ = 0;  // bytes of the current input known to hold no event terminator
    std::string scratch_;      // joined data of multi-line events
};

}  // namespace baton::streaming
