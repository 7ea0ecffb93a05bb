#pragma once
// A client's whole SSE stream from batond, taken apart the way the stream tests assert it: the text it
// carried, its chunks, role chunks, usage, [DONE] and a final error event.

#include "support/deadline.hpp"
#include "support/http_client.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace baton::test {

/// A client stream read to its end, taken apart.
struct read_stream {
    http_response head;
    std::vector<sse_event> events;
    stream_status final_status = stream_status::end;
    std::vector<boost::json::object> chunks;  ///< every data event that is a JSON object, in order
    std::string content;  ///< choices[0].delta.content (chat) or choices[0].text, concatenated
    int role_chunks = 0;  ///< chunks whose choices[0].delta has a role
    std::vector<boost::json::object> usage;  ///< the `usage` objects (non-null) of the chunks
    bool done = false;                       ///< a [DONE] event came
    bool last_is_done = false;
    std::optional<boost::json::object> final_error;  ///< the last event's `error`, when it is an error event
    int unparsed = 0;                                ///< data events that are neither [DONE] nor JSON
    /// The `model` field of each chunk that carries text, with that text, in order.
    std::vector<std::pair<std::string, std::string>> text_by_model;
};

/// Takes apart what `open_stream` and `read_events` returned.
read_stream take_apart(http_response head, stream_result r);

/// Opens a stream on batond (POST `target` with `body`) and reads it to its end, `limit` for each part.
read_stream stream_call(http_client& c, std::string_view target, const boost::json::object& body,
                        const header_list& headers = {}, clock::duration limit = std::chrono::seconds(10));

}  // namespace baton::test
