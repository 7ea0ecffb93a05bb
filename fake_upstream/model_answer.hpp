#pragma once
// The fake upstream's model-like mode (issue #10): a deterministic answer that a call continues only from a
// prefill, the way a real model does. Pure functions: no I/O, no clock.

#include "fake_upstream/openai_bodies.hpp"

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <vector>

namespace baton::fake {

/// `model` of a script response.
struct model_spec {
    int words = 60;               ///< the answer: "word1 word2 ... wordN" (every deployment gives the same)
    bool reject_prefill = false;  ///< a request ending with an assistant message gets a 400 (as Claude's do)
};

/// The whole answer as stream pieces: "word1 ", "word2 ", ..., "wordN".
std::vector<std::string> model_answer(const model_spec& m);

/// The text a request asks the model to extend: the content of a trailing assistant message (chat or
/// Anthropic messages; a string, or text blocks joined), or, for text completions, the part of the prompt
/// from the answer's first word on. nullopt when the request does not end with one.
std::optional<std::string> prefill_of(const boost::json::value& request, endpoint ep);

/// What one call streams: the rest of the answer after the prefill when the prefill is a prefix of it (the
/// first piece finishes a word the prefill cut), else the whole answer again (the model starts over).
std::vector<std::string> model_pieces(const model_spec& m, const boost::json::value& request, endpoint ep);

}  // namespace baton::fake
