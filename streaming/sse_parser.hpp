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
    /// The `event:` field (the last one wins), empty when absent. Views the parser's input.
    std::string_view event;
    /// False for events without any data line (comments, keep-alives): the relay forwards or skips them
    /// but never interprets them.
    bool has_data = false;
};

/// Incremental, allocation-free (in the common case) parser of a text/event-stream (WHATWG HTML §9.2).
/// The caller keeps unconsumed bytes in its buffer, appends what it reads, and calls next() on the whole
/// unconsumed range until it returns nullopt; every split of the same byte stream gives the same events.
/// Lines end in "\n", "\r\n" or "\r"; an event ends at a blank line. Field names are case-sensitive;
/// `data` and `event` are interpreted, comments (lines starting with ':') and other fields (`id`,
/// `retry`, unknown ones) are skipped. Each call scans only bytes it has not scanned before, so feeding a
/// growing buffer costs time linear in the stream's length.
///
/// The one place a split shows: an event whose terminating blank line is a lone "\r" at the very end of
/// the input is returned at once (no waiting for the next read) and the "\n" that may follow it in the
/// next read is then counted in the next event's `size` (or left unconsumed at the end of the stream)
/// instead of this one's. Event fields never differ, and the sizes always add up to the bytes consumed.
/// Not thread-safe (one per stream).
class sse_parser {
public:
    /// The next complete event at the start of `input`, or nullopt when `input` holds none yet. After an
    /// event is returned the caller must consume exactly its `size` bytes before the next call; after
    /// nullopt it may only append bytes to `input`.
    std::optional<sse_event> next(std::string_view input);
    /// Forget progress (a new upstream response starts).
    void reset() noexcept
    {
        scanned_ = 0;
        skip_lf_ = false;
    }

private:
    std::size_t scanned_ = 0;  // bytes of the current input known to hold no event terminator
    bool skip_lf_ = false;     // last event ended in a '\r' at the end of its input: a leading '\n' is its LF
    std::string scratch_;      // joined data of multi-line events
};

}  // namespace baton::streaming
