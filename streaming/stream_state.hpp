#pragma once

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
/// (on_event), the end of the upstream body (on_upstream_end) and idle timeouts (on_idle_timeout), and
/// carries out the returned stream_action. After a fail it asks can_fail_over(); if so and the plan has a
/// candidate left it sends next_request() to it and calls begin_hop() again, else it ends the stream with
/// final_error() when committed() (a JSON error response otherwise).
///
/// Cheap on the hot path: a chunk costs a few byte scans and one append of its data; JSON is parsed only
/// for rare chunks (the first chunk of a continue hop, the usage chunk, one that may be an error) and,
/// lazily, the relayed chunks' text when partial_text() is asked for (after a failure). Pure: no I/O, no
/// clock. Not thread-safe (one per client stream, on its reactor).
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
    /// The data of the in-band error event that failed the last hop (empty otherwise), for classification
    /// with routing::classify().
    std::string_view error_data() const noexcept { return error_data_; }
    /// The options given at construction.
    const stream_options& options() const noexcept { return options_; }

    /// The request body for the next candidate: next_hop_request(original, mode, endpoint, partial_text()),
    /// except that a stream which relayed part of a tool call (a `tool_calls` delta, its call unfinished) is
    /// restarted rather than continued. `original` is the body as sent to the first upstream.
    boost::json::object next_request(const boost::json::object& original) const;
    /// The closing error event when no candidate is left: final_error_event(last trigger, mode).
    std::string final_error() const;

private:
    enum class phase { idle, running, failed, finished };

    // Relays a data chunk (forward, or replace with `replacement` when not empty) and records it.
    stream_action relay(std::string_view data, std::string_view replacement, bool finishes);
    stream_action fail_hop(stream_trigger trigger);
    stream_action finish();
    void flush_pending() const;

    stream_options options_;
    std::vector<hop> hops_;
    phase phase_ = phase::idle;
    bool committed_ = false;
    bool finish_seen_ = false;
    bool hop_continues_output_ = false;  // the running hop began after commit: its role chunk is redundant
    bool tool_call_relayed_ = false;     // a chunk with tool_calls reached the client (no finish yet)
    std::size_t hop_data_events_ = 0;    // data events seen on the running hop
    std::size_t chunks_relayed_ = 0;
    std::optional<stream_trigger> last_failure_;
    std::string error_data_;
    std::string out_;                                // payload of the last replace
    std::optional<boost::json::object> held_usage_;  // the client's usage-only chunk, written with [DONE]
    mutable std::string pending_;                    // data of relayed chunks not yet parsed for their text
    mutable std::vector<std::size_t> pending_ends_;  // end offset of each chunk in pending_
    mutable std::string partial_;                    // text of the chunks already parsed
};

}  // namespace baton::streaming
