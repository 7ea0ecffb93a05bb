#pragma once

#include "providers/adapter.hpp"

namespace baton::providers {

/// The built-in `baton/echo` provider: answers without network or keys, so a fresh install works at once.
/// Chat replies with the last user message's text (or a greeting when there is none), text completions
/// with the prompt, embeddings with a deterministic 8-float vector per input derived from its bytes.
/// Usage counts whitespace-separated words. A stream is one chunk per word, a usage chunk when
/// stream_options.include_usage, then [DONE]. Pure.
class echo_adapter final : public adapter {
public:
    std::string_view name() const noexcept override { return "baton"; }
    bool local() const noexcept override { return true; }
    /// The echo answers the last user message: an instruction would be echoed; a restart gives the same
    /// answer again, which the overlap guard drops.
    continuation default_continuation() const noexcept override { return continuation::none; }
    local_answer answer(api_endpoint endpoint, std::string_view request_body, bool stream) const override;
};

}  // namespace baton::providers
