#pragma once

#include "routing/plan.hpp"

#include <boost/system/error_code.hpp>

#include <string>
#include <vector>

namespace baton::call {

/// A failure to tell the client, as a value: what went wrong (`ec`, in the vocabulary of the layer that
/// knew: call::errc, routing::errc, net::upstream_errc, streaming::stream_trigger) and the details an
/// error body carries. Which HTTP status and OpenAI error it becomes is decided in one place,
/// daemon/error_answer.hpp.
struct call_error {
    boost::system::error_code ec;
    /// The human message; empty means the mapping's default text for `ec`.
    std::string message;
    /// The offending request field, when one is to blame ("model", "messages", ...).
    std::string param;
    /// routing::errc exhaustion: the name asked for, and every attempt (skips included). The vector is
    /// owned by the call's plan and valid while the call lives.
    std::string model;
    const std::vector<routing::attempt>* attempts = nullptr;
};

}  // namespace baton::call
