#pragma once

#include "daemon/config_store.hpp"
#include "daemon/echo_provider.hpp"
#include "daemon/logger.hpp"
#include "daemon/reactor.hpp"
#include "net/http_server.hpp"
#include "net/upstream_client.hpp"
#include "net/wire_format.hpp"
#include "routing/plan.hpp"
#include "streaming/sse_parser.hpp"
#include "streaming/stream_state.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace baton::daemon {

/// Carries out the routing plan of one routed request (chat completions, completions, embeddings):
/// picks, sends, fails over, relays, and answers the client. The policy lives in routing::plan and
/// streaming::stream_state; this class only performs what they decide, measures, and reports.
/// Lives on one reactor for the duration of one request.
class routed_call {
public:
    routed_call(reactor& r, std::shared_ptr<const snapshot> snap, api_endpoint endpoint, net::downstream& out,
                std::string_view request_id, const client_key* key);

    /// Validates the body, builds the plan and answers the client. Never throws for expected failures.
    net::task<void> run(std::string body);

private:
    using clock = std::chrono::steady_clock;

    struct last_response {
        unsigned status = 0;
        std::string content_type;
        std::string body;
    };

    /// The client closed its connection: abort the upstream exchange and any backoff wait now.
    static void on_client_gone(void* self);
    net::task<void> execute();
    net::task<void> run_unary();
    net::task<void> run_stream();
    net::task<bool> wait(routing::duration d);

    /// Non-streamed attempt at `t`; on success the response is written and true returned.
    net::task<bool> attempt_unary(const routing::plan::try_deployment& t);
    /// Streamed hop at `t`; true when the stream completed (or ended for good).
    net::task<bool> attempt_stream(const routing::plan::try_deployment& t);
    /// Relays the complete events now in sse_buffer_; sets *failure or *finished.
    net::task<bool> relay_buffered(const routing::plan::try_deployment& t,
                                                std::optional<streaming::stream_trigger>* failure, bool* finished);
    /// Builds the stream's response head (once) when its first event is ready; it goes out with the first
    /// write of the stream (write_chunk / write_end).
    void prepare_head(const routing::plan::try_deployment& t);
    net::task<boost::system::error_code> write_chunk(std::string_view data);
    net::task<boost::system::error_code> write_end(std::string_view data, std::string_view payload);
    net::task<void> end_stream_with_error();

    net::task<void> write_response(unsigned status, std::string_view content_type, std::string_view body,
                                                bool with_routing_headers);
    net::task<void> write_json(unsigned status, std::string body, bool with_routing_headers);
    net::task<void> write_error(unsigned status, std::string_view message, std::string_view type,
                                             std::string_view code, std::string_view param = {});
    net::task<void> write_exhausted(int status);
    net::task<void> write_give_back();

    std::string body_for(const routing::plan::try_deployment& t);
    std::optional<net::upstream_request> upstream_request_for(const routing::plan::try_deployment& t,
                                                              std::string body);
    void report(const routing::plan::try_deployment& t, routing::failure_reason reason, int status,
                std::optional<routing::duration> retry_after, clock::duration latency, std::uint64_t tokens = 0,
                std::string_view detail = {});
    /// A failed attempt that got no HTTP status: sets last_ (the error given back when nothing is left) and
    /// reports it to the plan.
    void report_unusable_api_base(const routing::plan::try_deployment& t, clock::duration latency);
    void report_transport_failure(const routing::plan::try_deployment& t, const net::upstream_error& e,
                                  clock::duration latency);
    /// `t` answers the client: its deployment, group and model go into the headers, metrics and access log.
    void set_served(const routing::plan::try_deployment& t);
    void note_hop(const routing::plan::try_deployment& t);
    void set_routing_headers(net::response_head& h, bool attempt_in_flight = false) const;
    void finish_log(unsigned status);
    std::string exhausted_body(int status) const;
    void log_event(log_level level, std::string_view event, std::pair<std::string_view, std::string> field) const;
    void log_stream_start(const routing::plan::try_deployment& t) const;
    void log_stream_failover(const routing::plan::try_deployment& t, std::string_view trigger) const;

    reactor& reactor_;
    std::shared_ptr<const snapshot> snap_;
    api_endpoint endpoint_;
    net::downstream& out_;
    std::string_view request_id_;  ///< the handler's; outlives the call
    const client_key* key_;

    clock::time_point started_ = clock::now();
    clock::duration upstream_time_{};
    std::optional<clock::time_point> first_token_at_;
    /// The request's JSON lives in this arena (a buffer inside the call, then blocks that grow): parsing
    /// and rewriting a body costs no allocation per node, and it is all freed at once.
    alignas(16) unsigned char json_buffer_[4096];
    boost::json::monotonic_resource json_arena_{json_buffer_, sizeof json_buffer_};
    boost::json::object body_{boost::json::storage_ptr(&json_arena_)};
    std::string requested_model_;
    bool streamed_ = false;
    bool client_wants_usage_ = false;
    routing::stream_failover_mode stream_mode_ = routing::stream_failover_mode::continue_;
    std::optional<routing::plan> plan_;
    net::upstream_abort abort_;
    bool client_gone_ = false;
    std::string target_scratch_;  ///< an upstream target built per request (azure wildcards)
    net::steady_timer* backoff_ = nullptr;  ///< the backoff wait in progress, if any
    last_response last_;

    // What served (for headers, metrics and the access log).
    const routing::deployment* served_ = nullptr;
    std::string served_group_;
    std::string served_model_;
    std::int64_t prompt_tokens_ = 0;
    std::int64_t completion_tokens_ = 0;
    unsigned final_status_ = 0;

    // Streaming state.
    std::optional<streaming::stream_state> stream_;
    streaming::sse_parser parser_;
    boost::beast::flat_buffer sse_buffer_;
    bool head_written_ = false;  ///< the head is built (it may still be waiting in head_bytes_)
    std::string head_bytes_;     ///< the head until the stream's first write takes it
};

}  // namespace baton::daemon
