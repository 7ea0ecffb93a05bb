#pragma once
// The scripted behaviour of one fake deployment: what each successive call gets back.

#include "fake_upstream/model_answer.hpp"

#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace baton::fake {

/// How an SSE answer (request with "stream": true) unfolds. Counters count content chunks: the role chunk
/// is not one. At most one of the *_after cut-offs is expected; if several are set, the smallest wins
/// (garbage_after is not a cut-off: it injects one bad event and carries on).
struct stream_spec {
    int chunks = 3;                                  ///< content chunks "<name>-<i> " when pieces is empty
    std::optional<std::vector<std::string>> pieces;  ///< explicit content pieces, override chunks
    int first_delay_ms = 0;                          ///< after the response head, before the first event
    int interval_ms = 0;                             ///< between two events
    std::optional<int> cut_after;                    ///< close the socket abruptly (no chunked terminator)
    std::optional<int> error_after;                  ///< send an in-band error event, then end the response
    std::optional<int> stall_after;                  ///< send nothing more; wait for the peer to close
    std::optional<int> garbage_after;                ///< send "data: {not json" once, then go on
    std::optional<int> eof_after;  ///< end the response cleanly, no finish_reason, no [DONE]
    bool no_done = false;          ///< finish_reason (and usage) sent, [DONE] not
    int drip_ms = 0;  ///< write every event one byte at a time (one HTTP chunk each), this far apart
    /// After this many content chunks, start one event that never ends: "data: xxxx..." in 64 KiB writes
    /// until the peer closes (at most 1 GiB).
    std::optional<int> endless_after;
};

/// One scripted answer. Precedence when several are set: delay_ms first, then hang, close, garbage,
/// error, body, a non-2xx status (an OpenAI error body), and finally the default success (streamed when
/// the request asked for it).
struct response_spec {
    std::optional<unsigned> status;                            ///< default 200, or 500 when `error` is set
    std::vector<std::pair<std::string, std::string>> headers;  ///< added to every response
    std::optional<boost::json::object> error;  ///< {message,type,code[,param]} of the error body
    std::optional<std::string> body;           ///< raw body (a JSON value is serialized)
    int delay_ms = 0;                          ///< before the response head
    bool hang = false;                         ///< never answer; keep the socket until the peer closes
    bool close = false;                        ///< close the connection without answering
    bool garbage = false;                      ///< 200 with an unparseable body
    std::optional<std::string> content;        ///< assistant text of the default non-stream body
    stream_spec stream;
    /// Model-like answers (model_answer.hpp): the pieces (and the non-stream content) follow a prefill, and
    /// a prefill can be refused with a 400.
    std::optional<model_spec> model;
};

/// `steps[i]` answers the i-th call since the script was installed, `then` every later call.
struct script {
    std::vector<response_spec> steps;
    response_spec then;

    /// The answer for call number `index` (0-based) since the script was installed.
    const response_spec& pick(std::size_t index) const { return index < steps.size() ? steps[index] : then; }
};

/// Parses a script: either one <response> object used for every call, or
/// {"steps": [<response>...], "then": <response>}. Unknown fields and wrong types are errors (a typo in a
/// test must not silently turn into a 200); the error text names the offending path.
boost::system::result<script, std::string> parse_script(const boost::json::value& v);

}  // namespace baton::fake
