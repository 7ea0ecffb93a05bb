#pragma once
// The chat completion request tests send.

#include <boost/json/object.hpp>

#include <string_view>

namespace baton::test {

/// {"model": model, "messages": [{"role": "user", "content": "hi"}]}, plus "stream": true when `stream`
/// and "stream_options": {"include_usage": true} when `include_usage`. An empty `model` is left out (the
/// request then relies on default_model).
boost::json::object chat_body(std::string_view model, bool stream = false, bool include_usage = false);

}  // namespace baton::test
