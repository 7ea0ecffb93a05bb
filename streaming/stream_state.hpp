#pragma once

#include "routing/continuation.hpp"
#include "streaming/overlap_guard.hpp"
#include "streaming/sse_parser.hpp"
#include "streaming/stream_action.hpp"
#include "streaming/stream_options.hpp"
#include "streaming/stream_trigger.hpp"
#include "streaming/token_usage.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace baton::streaming {

/// The relay's decision maker for one client stream across upstream hops (SPEC §6): events in, actions out.
/// The relay calls begin_hop() when an upstream response starts, then reports every parsed event
/// (on_event), the end of the upstream body (on_upstream_end), timeouts (on_idle_timeout) and an event that
/// outgrew max_event_bytes (on_oversized_event), and carries out the returned stream_action. After a fail it
/// asks can_fail_over(); if so and the plan has a candidate left it sends next_request() to it and calls
/// begin_hop() again, else it ends the stream with final_error() when committed() (a JSON error response
/// otherwise).
///
/// A malformed event (not [DONE], not a JSON object baton can read) is dropped and counted, never a failure
/// (issue #10, point 4). In continue mode every hop after the first byte runs its text through an
/// overlap_guard: what the client already has is never sent twice, and a restart that drifts from it fails
/// the hop (restart_drift) instead of being glued on.
///
/// Cheap on the hot path: a chunk costs a few byte scans and one append of its data; JSON is parsed only
/// for rare chunks (the chunks of a continue hop until its guard decides, the usage chunk, one that may be
/// an error) and, lazily, the relayed chunks' text when partial_text() is asked for (after a failure).
/// Pure: no I/O, no clock. Not thread-safe (one per client stream, on its reactor).
class stream_state {
public:
    /// What one upstream attempt did, for logs and metrics.
    struct hop {
        token_usage usage;                      ///< the hop's last reported usage; zero when none
        bool usage_reported = false;            ///< a usage object arrived on this hop
        std::size_t chunks_relayed = 0;         ///< data events forwarded or replaced on this hop
        std::optional<stream_trigger> failure;  ///< why the hop failed; nullopt while running or when done
        bool completed = false;                 ///< the stream completed on this hop
    };

    /// A stream with no hop yet; `options` are fixed for its life.
    explicit stream_state(stream_options options) noexcept;

    /// An upstream response starts (the first one, or the next candidate after a fail). Resets per-hop
    /// state; keeps committed(), partial_text(), usage and counters. Throws std::logic_error when called
    /// while a hop is still running or after the stream completed (programming errors).
    void begin_hop();

    /// Gives up the running hop before anything of it reached the client (its attempt lost a hedge race): it
    /// is forgotten as if never begun. Throws std::logic_error when no hop runs or the hop relayed anything
    /// (programming errors).
    void abandon_hop();

    /// Decides what to do with one parsed upstream event. Returns forward, drop, replace, done or fail
    /// (see stream_action_kind). Events without data (comments, keep-alives) are forwarded once committed,
    /// dropped before. Outside a running hop (none begun, or after done/fail) every event is dropped.
    stream_action on_event(const sse_event& ev);

    /// The upstream body ended: `clean_eof` for an orderly EOF, false for a reset or cut. Gives done (with
    /// a synthesized "data: [DONE]\n\n") when a finish_reason was seen, fail(eof_before_done) or
    /// fail(connection_cut) otherwise; drop outside a running hop (e.g. after [DONE]).
    stream_action on_upstream_end(bool clean_eof);

    /// stream_idle_timeout expired without an upstream event: done when a finish_reason was already seen,
    /// fail(idle_timeout) otherwise; drop outside a running hop.
    stream_action on_idle_timeout();

    /// The relay holds more than options().max_event_bytes of one incomplete event: done when a
    /// finish_reason was already seen, fail(oversized_event) otherwise; drop outside a running hop.
    stream_action on_oversized_event();

    /// True once anything was written to the client (the response head is out: failover is visible).
    bool committed() const noexcept { return committed_; }
    /// True once done was returned: the stream is complete.
    bool finished() const noexcept { return phase_ == phase::finished; }
    /// True between begin_hop() and the hop's done or fail.
    bool hop_running() const noexcept { return phase_ == phase::running; }
    /// Whether a failed stream may go to another candidate: always before commit (invisible failover,
    /// SPEC §5), after commit unless the mode is off.
    bool can_fail_over() const noexcept;
    /// A finish_reason was seen on the running (or last) hop: the content is complete.
    bool finish_reason_seen() const noexcept { return finish_seen_; }

    /// The assistant text relayed to the client so far, over all hops (chat: choices[0].delta.content,
    /// text completions: choices[0].text, choice index 0 only). Parses pending chunks on first use after
    /// new ones were relayed; the view is valid until the next non-const call.
    std::string_view partial_text() const;
    /// Usage summed over the hops that reported one.
    token_usage usage() const noexcept;
    /// Every hop begun so far, in order.
    const std::vector<hop>& hops() const noexcept { return hops_; }
    /// Number of hops begun.
    std::size_t hop_count() const noexcept { return hops_.size(); }
    /// Data events written to the client (forwarded or replaced), over all hops; comments and [DONE]
    /// excluded.
    std::size_t chunks_relayed() const noexcept { return chunks_relayed_; }
    /// The trigger of the most recent failed hop; nullopt when none failed.
    std::optional<stream_trigger> last_failure() const noexcept { return last_failure_; }
    /// Malformed events dropped so far, over all hops.
    std::size_t events_dropped() const noexcept { return events_dropped_; }
    /// True while the running hop's overlap guard holds its text back (the hop's first text is not decided).
    bool guarding() const noexcept { return guard_ && !guard_->decided(); }
    /// The data of the in-band error event that failed the last hop (empty otherwise), for classification
    /// with routing::classify().
    std::string_view error_data() const noexcept { return error_data_; }
    /// The options given at construction.
    const stream_options& options() const noexcept { return options_; }

    /// The request body for the next candidate: next_hop_request(original, mode, endpoint, partial_text(),
    /// how), except that a stream which relayed part of a tool call (a `tool_calls` delta, its call
    /// unfinished) is restarted rather than continued (`how` is then none). `original` is the body as sent
    /// to the first upstream.
    boost::json::object next_request(const boost::json::object& original,
                                     routing::continuation how = routing::continuation::instruct) const;
    /// Whether part of a tool call reached the client without its finish: the next hop restarts.
    bool tool_call_relayed() const noexcept { return tool_call_relayed_; }
    /// The closing error event when no candidate is left: final_error_event() of the first failure after
    /// the first byte, the last one, and whether a hop drifted.
    std::string final_error() const;

private:
    enum class phase { idle, running, failed, finished };

    // Relays a data chunk (forward, or replace with `replacement` when not empty) and records `recorded`
    // (the chunk's JSON as the client gets it) for partial_text().
    stream_action relay(std::string_view recorded, std::string_view replacement, bool finishes);
    // A continue hop's chunk while its overlap guard has not decided.
    stream_action guarded(boost::json::object* chunk, bool finishes);
    stream_action fail_hop(stream_trigger trigger);
    stream_action finish(std::string_view before = {});
    stream_action malformed();
    void flush_pending() const;

    stream_options options_;
    std::vector<hop> hops_;
    phase phase_ = phase::idle;
    phase before_hop_ = phase::idle;  // the phase begin_hop() left (abandon_hop() goes back to it)
    bool committed_ = false;
    bool finish_seen_ = false;
    bool hop_continues_output_ = false;  // the running hop began after commit: its role chunk is redundant
    bool tool_call_relayed_ = false;     // a chunk with tool_calls reached the client (no finish yet)
    std::size_t hop_data_events_ = 0;    // data events seen on the running hop
    std::size_t chunks_relayed_ = 0;
    std::optional<stream_trigger> last_failure_;
    std::optional<stream_trigger> original_failure_;  // the first failure after the first byte
    bool drifted_ = false;                            // a hop failed with restart_drift
    std::size_t events_dropped_ = 0;
    std::optional<overlap_guard> guard_;              // the running continue hop's guard
    std::optional<boost::json::object> guard_frame_;  // a chunk of the guarded hop, to carry text at [DONE]
    std::string recorded_;                            // the JSON of the last rewritten chunk
    std::string error_data_;
    std::string out_;                                // payload of the last replace
    std::optional<boost::json::object> held_usage_;  // the client's usage-only chunk, written with [DONE]
    mutable std::string pending_;                    // data of relayed chunks not yet parsed for their text
    mutable std::vector<std::size_t> pending_ends_;  // end offset of each chunk in pending_
    mutable std::string partial_;                    // text of the chunks already parsed
};

}  // namespace baton::streaming
