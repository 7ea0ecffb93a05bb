#pragma once

#include "providers/api_endpoint.hpp"
#include "routing/continuation.hpp"
#include "routing/deployment.hpp"
#include "routing/failure_reason.hpp"
#include "streaming/sse_parser.hpp"
#include "streaming/token_usage.hpp"

#include <boost/json/object.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace baton::providers {

class adapter;

/// How one deployment is reached through its adapter, derived once per config so that no request
/// re-builds its paths or auth headers. Immutable; shared read-only by every reactor with the snapshot.
struct deployment_route {
    const adapter* via = nullptr;  ///< the deployment's adapter (never null in a loaded snapshot)
    std::string base_path;         ///< the api_base's path without a trailing slash ("/v1"); empty for local
    /// The request target per api_endpoint for the configured upstream model.
    std::array<std::string, endpoint_count> targets;
    /// Header lines the provider needs (auth, version) and the deployment's extra_headers, each ending in
    /// CRLF. A secret: never logged.
    std::string headers;
    /// Request parameters the deployment sends unless the client set them (LiteLLM's litellm_params
    /// temperature, max_tokens, ...; routing::deployment::request_defaults), parsed once. Empty for most.
    boost::json::object defaults;
};

/// A 2xx non-streamed response as the adapter reads it.
struct response_reading {
    /// False when the body is not a usable answer (not JSON): the attempt is a bad_response failure.
    bool usable = false;
    /// The OpenAI-shaped body for the client: the upstream's own bytes (views the input; no copy) for the
    /// OpenAI dialect, or a translation written into the caller's scratch string.
    std::string_view body;
    streaming::token_usage usage;  ///< what the response reported (zero when it did not)
};

/// A local adapter's answer, as an upstream would have sent it: a status and a whole body (JSON), or the
/// SSE bytes of a stream.
struct local_answer {
    unsigned status = 200;
    std::string body;
};

/// Translates one hop's upstream stream into OpenAI chunks, for providers whose stream dialect is not
/// OpenAI's. One per hop; pure.
class stream_translator {
public:
    virtual ~stream_translator() = default;
    /// Appends the OpenAI events ("data: {...}\n\n", possibly several, possibly none) that `ev` stands for
    /// to `out`. An event the provider marks as an error is written as an OpenAI in-band error event
    /// (`data: {"error": {...}}`), so the stream machine fails the hop over as it would for OpenAI.
    virtual void translate(const streaming::sse_event& ev, std::string& out) = 0;
};

/// How a stream cut mid-answer is continued on a provider (SPEC §6, issue #10): routing::continuation, where
/// a deployment's model_info can override its adapter's default.
using continuation = routing::continuation;

/// One provider's dialect (issue #9: "one interface"): how a request is addressed and written, how a
/// response and a stream are read, and what its errors mean. Adapters are stateless singletons, found
/// through the registry (providers/registry.hpp) — the only place provider names are compared. Pure: no
/// I/O; thread-safe (const).
///
/// Defaults are the OpenAI dialect; an adapter overrides what its provider does differently.
class adapter {
public:
    virtual ~adapter() = default;

    /// The provider prefix this adapter serves ("openai", "azure", "baton"), as in x-baton-resolved.
    virtual std::string_view name() const noexcept = 0;

    /// True when the adapter answers by itself, with no network (baton/echo): the executor asks answer()
    /// instead of sending.
    virtual bool local() const noexcept { return false; }

    /// Derives `d`'s route: targets under `base_path` for each endpoint, and the header lines.
    virtual deployment_route route(const routing::deployment& d, std::string_view base_path) const;

    /// The request target of one attempt: `r.targets[endpoint]`, unless `model` differs from the configured
    /// upstream model and the provider puts the model in the path (azure): then it is built into `scratch`.
    virtual std::string_view target(const deployment_route& r, const routing::deployment& d,
                                    api_endpoint endpoint, std::string_view model,
                                    std::string& scratch) const;

    /// Writes the upstream body of one attempt to the deployment routed by `r` into `out` (replacing its
    /// content): `body` is the client's OpenAI-shaped body with baton's own fields removed (the same object
    /// serves the request's later attempts: an adapter may change it only where every attempt writes
    /// again, like `model`); `model` is the upstream model; `r.defaults` fill the keys the client left out.
    /// Keys the provider cannot take are left out and named in `dropped` (comma-separated, cleared first;
    /// for a debug log). The OpenAI dialect sets `model` and serializes.
    virtual void write_body(const deployment_route& r, boost::json::object& body, std::string_view model,
                            api_endpoint endpoint, std::string& out, std::string& dropped) const;

    /// The §5.3 class of an upstream answer (status and body): routing::classify by default.
    virtual routing::failure_reason classify(int status, std::string_view body) const;

    /// Reads a 2xx non-streamed body. The OpenAI dialect relays it as it is when it is one whole JSON object
    /// (every byte checked, without building a DOM: providers/json_body.hpp), with the usage read in the
    /// same pass; anything else is not usable (a bad_response failure). `created` is the request's unix time
    /// in seconds, for dialects whose answers carry none (OpenAI's `created`).
    virtual response_reading read(std::string_view body, std::int64_t created, std::string& scratch) const;

    /// Rewrites a non-2xx upstream body that baton gives back to the client (a format error, say) into
    /// OpenAI's error shape when the provider's is another; the OpenAI dialect leaves it as it is.
    virtual void rewrite_error(std::string& body) const;

    /// A translator for one stream hop, or nullptr when the provider streams OpenAI chunks (relayed byte
    /// for byte; the default). `created` as for read().
    virtual std::unique_ptr<stream_translator> translator(api_endpoint endpoint, std::int64_t created) const;

    /// How this provider continues a cut stream unless the deployment says otherwise (model_info's
    /// stream_continuation): instruct by default, the one every chat model accepts.
    virtual continuation default_continuation() const noexcept { return continuation::instruct; }

    /// Marks a chat body whose last message is the partial assistant answer (a prefill continuation) with
    /// the provider's own switch for "extend this message", where it has one. The OpenAI dialect sets vLLM's
    /// and SGLang's `continue_final_message: true` with `add_generation_prompt: false` (a server that rejects
    /// unknown fields answers 400, and baton falls back to instruct); a native dialect whose trailing
    /// assistant message is a prefill by definition (Anthropic's Messages API) overrides it to do nothing.
    virtual void mark_prefill(boost::json::object& body) const;

    /// For local() adapters: the answer to `request_body` (the body write_body produced). Non-local
    /// adapters are never asked (the default answers 500).
    virtual local_answer answer(api_endpoint endpoint, std::string_view request_body, bool stream) const;

protected:
    /// What every dialect's route starts from: `via` = this, `base_path`, the deployment's request defaults
    /// parsed, and its extra_headers as header lines. Targets and the provider's own headers are the
    /// caller's.
    deployment_route common_route(const routing::deployment& d, std::string_view base_path) const;
};

}  // namespace baton::providers
