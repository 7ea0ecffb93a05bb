#pragma once
// The text a chat completion stream carried, piece by piece.

#include "support/http_client.hpp"

#include <string>
#include <vector>

namespace baton::test {

/// Each event's choices[0].delta.content, in order, when it is a non-empty string. [DONE], events without
/// choices (a usage chunk) and chunks without content (the role chunk, the finish chunk) add nothing.
/// Throws boost::system::system_error on an event whose data is not JSON.
std::vector<std::string> content_pieces(const std::vector<sse_event>& events);

}  // namespace baton::test
