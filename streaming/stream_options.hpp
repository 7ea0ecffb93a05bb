#pragma once

#include "routing/route_table.hpp"
#include "streaming/endpoint_kind.hpp"

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
};

}  // namespace baton::streaming
