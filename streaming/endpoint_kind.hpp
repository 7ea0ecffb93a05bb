#pragma once

namespace baton::streaming {

/// Which OpenAI endpoint a stream answers: the shape of its chunks and of a continuation request.
enum class endpoint_kind {
    chat,  ///< POST /v1/chat/completions: text in choices[0].delta.content, request has `messages`
    text,  ///< POST /v1/completions: text in choices[0].text, request has `prompt`
};

}  // namespace baton::streaming
