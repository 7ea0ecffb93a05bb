#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace baton::daemon {

/// Which OpenAI endpoint a routed call serves.
enum class api_endpoint { chat_completions, completions, embeddings };

/// The built-in `baton/echo` provider: answers without network or keys, so a fresh install works at once.
/// Chat replies with the last user message's text (or a greeting when there is none), text completions
/// with the prompt, embeddings with a deterministic 8-float vector per input derived from its bytes.
/// Usage counts whitespace-separated words. Pure functions.
namespace echo_provider {

/// The whole JSON response body for a non-streamed call.
std::string respond(api_endpoint endpoint, const boost::json::object& request, std::string_view model);

/// The SSE events of a streamed call, each a complete "data: ...\n\n" event, [DONE] last. A usage chunk
/// is included when `include_usage`.
std::vector<std::string> stream(api_endpoint endpoint, const boost::json::object& request, std::string_view model,
                                bool include_usage);

}  // namespace echo_provider

}  // namespace baton::daemon
