#pragma once
// Everything the fake upstream remembers: installed scripts, recorded calls, and the control API's
// long-poll waiters. Thread-safe (one mutex): sessions may run on several threads with --threads N.

#include "fake_upstream/script.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace baton::fake {

/// One request received on a deployment path, as the control API reports it.
struct call_record {
    std::uint64_t seq = 0;  ///< global arrival order, from 0 for the process's lifetime
    std::string name;       ///< scripted deployment name ("default" for /v1/...)
    std::string method;
    std::string path;              ///< request target as received (query string included)
    boost::json::object headers;   ///< lower-case name → value; repeated headers joined with ", "
    std::string body;              ///< raw request body
    boost::json::value json;       ///< parsed body, null when it is not JSON
    std::uint64_t index = 0;       ///< per-name call number since the last clear_calls()/reset()
    std::uint64_t connection = 0;  ///< id of the TCP connection it came on (keep-alive checks)
    bool completed = false;        ///< the response was fully written
    bool client_closed = false;    ///< the peer closed the connection before the response ended

    boost::json::object to_json() const;
};

/// What a new call gets: its record id and the scripted answer for it.
struct call_ticket {
    std::uint64_t seq = 0;
    std::uint64_t index = 0;
    response_spec response;
};

class fake_state {
public:
    /// Installs (replaces) the script of `name` and restarts its step counter at 0.
    void set_script(const std::string& name, script s);

    /// Records a call and, when `scripted`, picks its scripted answer (advancing the step counter); a
    /// default response_spec otherwise or when `name` has no script. `rec.seq`/`rec.index` are assigned here.
    call_ticket begin_call(call_record rec, bool scripted);

    /// Marks the end of a call's response; wakes wait_closed() waiters when `client_closed`.
    void finish_call(std::uint64_t seq, bool completed, bool client_closed);

    /// Recorded calls, in arrival order; all of them when `name` is empty.
    boost::json::array calls(const std::string& name) const;

    /// Forgets recorded calls (per-name indexes restart at 0; scripts and step counters are kept).
    void clear_calls();

    /// Forgets scripts, calls and per-name counters (seq goes on).
    void reset();

    /// Number of recorded calls of `name` (all names when empty), or of those that saw the client close.
    std::size_t count(const std::string& name, bool closed_only) const;

    /// Long-poll support. Registers `wake` to be called (once, under the state's lock: it must only post
    /// work) when count(name, closed_only) reaches `n`. Returns nullptr without registering when it
    /// already has. Unregister with remove_waiter() whatever happened.
    struct waiter;
    std::shared_ptr<waiter> add_waiter(std::string name, bool closed_only, std::size_t n,
                                       std::function<void()> wake);
    void remove_waiter(const std::shared_ptr<waiter>& w);

private:
    struct script_entry {
        script s;
        std::uint64_t served = 0;
    };

    std::size_t count_locked(const std::string& name, bool closed_only) const;
    void notify_locked();

    mutable std::mutex mutex_;
    std::map<std::string, script_entry> scripts_;
    std::vector<call_record> calls_;
    std::map<std::string, std::uint64_t> per_name_;
    std::uint64_t next_seq_ = 0;
    std::vector<std::shared_ptr<waiter>> waiters_;
};

struct fake_state::waiter {
    std::string name;
    bool closed_only = false;
    std::size_t n = 0;
    std::function<void()> wake;
};

}  // namespace baton::fake
