#pragma once

#include "routing/route_table.hpp"
#include "streaming/endpoint_kind.hpp"

#include <cstddef>

namespace baton::streaming {

/// What a stream_state needs to know about its request; fixed for the stream's life.
struct stream_options {
    /// router_settings.stream_failover (SPEC §6); continue_ by default.
    routing::stream_failover_mode mode = routing::stream_failover_mode::continue_;
    /// The client's own stream_options.include_usage: upstreams are always asked for usage, and the usage
    /// chunk is relayed only when the client asked for it.
    bool client_wants_usage = false;
    /// Chat or text completions.
    endpoint_kind endpoint = endpoint_kind::chat;
    /// The largest upstream event the relay holds while waiting for its end: an event still incomplete past
    /// it fails the hop (stream_trigger::oversized_event), so no upstream can make baton buffer without
    /// bound (issue #11). 1 MiB: a chat or completions chunk is a few hundred bytes.
    std::size_t max_event_bytes = std::size_t{1} << 20;
};

}  // namespace baton::streaming
