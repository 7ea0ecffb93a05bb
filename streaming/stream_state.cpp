#include "streaming/stream_state.hpp"

#include "streaming/final_error_event.hpp"
#include "streaming/next_hop_request.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace baton::streaming {

namespace {

constexpr std::string_view done_event = "data: [DONE]\n\n";

constexpr bool is_space(char c) noexcept
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trim(std::string_view s) noexcept
{
    while (!s.empty() && is_space(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && is_space(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

// What the relay needs to know about a chunk before deciding whether to parse it, found in one pass over
// its string tokens (the chunk was accepted as '{'...'}'; this never validates: a chunk it misjudges fails
// later, at a full parse). Inside a JSON string a quote is always escaped, so a token followed by optional
// spaces and ':' is an object key. (Three substring searches that each stopped at every quote used to be
// most of the relay's per-event cost.)
struct chunk_facts {
    bool error_token = false;    // a string "error" (a key, or a value): the full parse decides
    bool finish_reason = false;  // "finish_reason": a non-empty string ("stop", ...); null means it goes on
    bool usage_object = false;   // "usage": {...}; "usage": null is what every other chunk carries
    bool tool_calls = false;     // a "tool_calls" key: the chunk carries part of a tool call
};

const char* next_quote(const char* p, const char* end) noexcept
{
    return static_cast<const char*>(std::memchr(p, '"', static_cast<std::size_t>(end - p)));
}

chunk_facts scan_chunk(std::string_view data) noexcept
{
    chunk_facts f;
    const char* const end = data.data() + data.size();
    const char* p = data.data();
    while (const char* open = next_quote(p, end)) {
        // The closing quote: the next one not escaped by an odd number of backslashes.
        const char* close = open + 1;
        for (;;) {
            close = next_quote(close, end);
            if (close == nullptr) {
                return f;
            }
            const char* b = close;
            while (b > open + 1 && b[-1] == '\\') {
                --b;
            }
            if (((close - b) & 1) == 0) {
                break;
            }
            ++close;
        }
        const std::string_view token(open + 1, static_cast<std::size_t>(close - open - 1));
        p = close + 1;
        // Only "error", "usage", "finish_reason" and "tool_calls" matter: length and first letter rule out
        // the rest.
        const bool maybe_error = token.size() == 5 && token[0] == 'e' && token == "error";
        const bool maybe_usage = token.size() == 5 && token[0] == 'u' && token == "usage";
        const bool maybe_finish = token.size() == 13 && token[0] == 'f' && token == "finish_reason";
        const bool maybe_tools = token.size() == 10 && token[0] == 't' && token == "tool_calls";
        if (!maybe_error && !maybe_usage && !maybe_finish && !maybe_tools) {
            continue;
        }
        f.error_token = f.error_token || maybe_error;
        const char* v = p;
        while (v < end && is_space(*v)) {
            ++v;
        }
        if (v >= end || *v != ':') {
            continue;
        }
        ++v;
        while (v < end && is_space(*v)) {
            ++v;
        }
        if (maybe_usage) {
            f.usage_object = f.usage_object || (v < end && *v == '{');
        } else if (maybe_tools) {
            f.tool_calls = f.tool_calls || (v < end && *v == '[');
        } else if (maybe_finish) {
            f.finish_reason = f.finish_reason || (v + 1 < end && v[0] == '"' && v[1] != '"');
        }
    }
    return f;
}

// A token count as reported, clamped to [0, 10^15]: a hostile upstream can't make the sums overflow.
std::int64_t to_count(const boost::json::value* v) noexcept
{
    constexpr std::int64_t max_count = 1'000'000'000'000'000;
    if (v == nullptr) {
        return 0;
    }
    if (v->is_int64()) {
        return std::clamp<std::int64_t>(v->get_int64(), 0, max_count);
    }
    if (v->is_uint64()) {
        return max_count;  // only values above INT64_MAX are stored as uint64
    }
    if (v->is_double()) {
        const double d = v->get_double();
        return d > 0 ? static_cast<std::int64_t>(std::min(d, static_cast<double>(max_count))) : 0;
    }
    return 0;
}

token_usage read_usage(const boost::json::object& usage) noexcept
{
    token_usage u;
    u.prompt_tokens = to_count(usage.if_contains("prompt_tokens"));
    u.completion_tokens = to_count(usage.if_contains("completion_tokens"));
    const boost::json::value* total = usage.if_contains("total_tokens");
    u.total_tokens = total != nullptr ? to_count(total) : u.prompt_tokens + u.completion_tokens;
    return u;
}

bool has_no_choices(const boost::json::object& chunk) noexcept
{
    const boost::json::value* choices = chunk.if_contains("choices");
    return choices == nullptr || choices->is_null() || (choices->is_array() && choices->as_array().empty());
}

// A delta value that carries output (content, tool calls, reasoning, ...) rather than "", null or [].
bool carries_output(const boost::json::value& v) noexcept
{
    if (v.is_null()) {
        return false;
    }
    if (v.is_string()) {
        return !v.get_string().empty();
    }
    if (v.is_array()) {
        return !v.get_array().empty();
    }
    if (v.is_object()) {
        return !v.get_object().empty();
    }
    return true;
}

enum class role_chunk { none, role_only, role_and_output };

// Removes "role" from every choice's delta of a chat chunk and says whether anything else is left to relay.
role_chunk strip_role(boost::json::object& chunk)
{
    boost::json::value* choices = chunk.if_contains("choices");
    if (choices == nullptr || !choices->is_array()) {
        return role_chunk::none;
    }
    bool had_role = false;
    bool output = false;
    for (boost::json::value& choice : choices->get_array()) {
        boost::json::object* c = choice.if_object();
        if (c == nullptr) {
            return role_chunk::none;  // not a shape we understand: relay it untouched
        }
        if (const boost::json::value* fr = c->if_contains("finish_reason"); fr != nullptr && !fr->is_null()) {
            output = true;
        }
        boost::json::value* delta = c->if_contains("delta");
        if (delta == nullptr || !delta->is_object()) {
            continue;
        }
        had_role = delta->get_object().erase("role") > 0 || had_role;
        for (const auto& kv : delta->get_object()) {
            output = output || carries_output(kv.value());
        }
    }
    if (!had_role) {
        return role_chunk::none;
    }
    return output ? role_chunk::role_and_output : role_chunk::role_only;
}

// Appends the text of choice index 0 of one relayed chunk; chunks that don't parse add nothing.
void append_text(std::string& out, std::string_view data, endpoint_kind endpoint)
{
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(data, ec);
    if (ec || !v.is_object()) {
        return;
    }
    const boost::json::value* choices = v.get_object().if_contains("choices");
    if (choices == nullptr || !choices->is_array()) {
        return;
    }
    for (const boost::json::value& choice : choices->get_array()) {
        const boost::json::object* c = choice.if_object();
        if (c == nullptr) {
            continue;
        }
        if (const boost::json::value* index = c->if_contains("index");
            index != nullptr && !(index->is_number() && index->to_number<double>() == 0)) {
            continue;
        }
        const boost::json::value* text = nullptr;
        if (endpoint == endpoint_kind::chat) {
            const boost::json::value* delta = c->if_contains("delta");
            if (delta != nullptr && delta->is_object()) {
                text = delta->get_object().if_contains("content");
            }
        } else {
            text = c->if_contains("text");
        }
        if (text != nullptr && text->is_string()) {
            out.append(text->get_string().data(), text->get_string().size());
        }
        return;
    }
}

std::string as_event(const boost::json::object& chunk)
{
    std::string out = "data: ";
    out += boost::json::serialize(chunk);
    out += "\n\n";
    return out;
}

}  // namespace

stream_state::stream_state(stream_options options) noexcept : options_(options)
{
}

void stream_state::begin_hop()
{
    if (phase_ == phase::running) {
        throw std::logic_error("stream_state::begin_hop: the running hop has not ended");
    }
    if (phase_ == phase::finished) {
        throw std::logic_error("stream_state::begin_hop: the stream is complete");
    }
    hops_.emplace_back();
    phase_ = phase::running;
    finish_seen_ = false;
    hop_continues_output_ = committed_;
    hop_data_events_ = 0;
    error_data_.clear();
}

stream_action stream_state::on_event(const sse_event& ev)
{
    if (phase_ != phase::running) {
        return {};
    }
    if (!ev.has_data) {
        // Keep-alives keep the client's own idle timer quiet once it has the head; before that, sending
        // one would commit the response and make a failover visible for nothing.
        return {committed_ ? stream_action_kind::forward : stream_action_kind::drop};
    }
    if (ev.event == "error") {
        error_data_.assign(ev.data);
        return fail_hop(stream_trigger::error_event);
    }
    const std::string_view data = trim(ev.data);
    if (data == "[DONE]") {
        return finish();
    }
    if (data.size() < 2 || data.front() != '{' || data.back() != '}') {
        return fail_hop(stream_trigger::malformed_event);
    }

    boost::json::value parsed;  // parsed only for rare chunks
    auto parse = [&]() -> boost::json::object* {
        if (parsed.is_null()) {
            boost::system::error_code ec;
            parsed = boost::json::parse(data, ec);
            if (ec) {
                parsed = nullptr;
                return nullptr;
            }
        }
        return parsed.if_object();
    };

    const chunk_facts facts = scan_chunk(data);
    if (facts.error_token) {
        const boost::json::object* chunk = parse();
        if (chunk == nullptr) {
            return fail_hop(stream_trigger::malformed_event);
        }
        if (const boost::json::value* err = chunk->if_contains("error"); err != nullptr && !err->is_null()) {
            error_data_.assign(data);
            return fail_hop(stream_trigger::error_event);
        }
    }
    ++hop_data_events_;
    // A tool call's deltas went (or go) to the client: a failure now cuts it mid-argument.
    tool_call_relayed_ = tool_call_relayed_ || facts.tool_calls;
    // Counted only once the chunk is relayed: a finish_reason in a chunk that turns out malformed never
    // reached the client.
    const bool finishes = facts.finish_reason;

    boost::json::object* usage_chunk = nullptr;
    if (facts.usage_object) {
        usage_chunk = parse();
        if (usage_chunk == nullptr) {
            return fail_hop(stream_trigger::malformed_event);
        }
        if (const boost::json::value* u = usage_chunk->if_contains("usage");
            u == nullptr || !u->is_object()) {
            usage_chunk = nullptr;  // the "usage" key was nested deeper: not a usage chunk
        }
    }
    if (usage_chunk != nullptr) {
        boost::json::object* chunk = usage_chunk;
        hop& current = hops_.back();
        current.usage = read_usage(chunk->at("usage").get_object());
        current.usage_reported = true;
        if (!options_.client_wants_usage) {
            // The daemon asked for usage on its own account: the client must not see the extra chunk.
            return has_no_choices(*chunk) ? stream_action{} : relay(data, {}, finishes);
        }
        if (has_no_choices(*chunk)) {
            // Held back until the stream completes: a later hop may report usage too, and the client must
            // get one usage chunk with the sums (written with [DONE] by finish()).
            held_usage_ = std::move(*chunk);
            return {};
        }
        bool other_hops_reported = false;
        for (std::size_t i = 0; i + 1 < hops_.size(); ++i) {
            other_hops_reported = other_hops_reported || hops_[i].usage_reported;
        }
        if (!other_hops_reported) {
            return relay(data, {}, finishes);
        }
        const token_usage total = usage();
        boost::json::object& u = chunk->at("usage").get_object();
        u["prompt_tokens"] = total.prompt_tokens;
        u["completion_tokens"] = total.completion_tokens;
        u["total_tokens"] = total.total_tokens;
        out_ = as_event(*chunk);
        return relay(data, out_, finishes);
    }

    if (hop_data_events_ == 1 && hop_continues_output_ && options_.endpoint == endpoint_kind::chat &&
        options_.mode == routing::stream_failover_mode::continue_) {
        // The client already has the assistant's role from the first hop: one message, one role.
        boost::json::object* chunk = parse();
        if (chunk == nullptr) {
            return fail_hop(stream_trigger::malformed_event);
        }
        switch (strip_role(*chunk)) {
        case role_chunk::role_only:
            return {};
        case role_chunk::role_and_output:
            out_ = as_event(*chunk);
            return relay(data, out_, finishes);
        case role_chunk::none:
            break;
        }
    }
    return relay(data, {}, finishes);
}

stream_action stream_state::on_upstream_end(bool clean_eof)
{
    if (phase_ != phase::running) {
        return {};
    }
    return fail_hop(clean_eof ? stream_trigger::eof_before_done : stream_trigger::connection_cut);
}

stream_action stream_state::on_idle_timeout()
{
    if (phase_ != phase::running) {
        return {};
    }
    return fail_hop(stream_trigger::idle_timeout);
}

bool stream_state::can_fail_over() const noexcept
{
    return !committed_ || options_.mode != routing::stream_failover_mode::off;
}

std::string_view stream_state::partial_text() const
{
    flush_pending();
    return partial_;
}

token_usage stream_state::usage() const noexcept
{
    token_usage total;
    for (const hop& h : hops_) {
        total += h.usage;
    }
    return total;
}

boost::json::object stream_state::next_request(const boost::json::object& original) const
{
    // A cut inside a half-emitted tool call is restarted: a continuation would have the next model finish
    // (or repeat) arguments it never saw the start of.
    const auto mode = tool_call_relayed_ ? routing::stream_failover_mode::restart : options_.mode;
    return next_hop_request(original, mode, options_.endpoint, partial_text());
}

std::string stream_state::final_error() const
{
    return final_error_event(last_failure_.value_or(stream_trigger::connection_cut), options_.mode);
}

stream_action stream_state::relay(std::string_view data, std::string_view replacement, bool finishes)
{
    committed_ = true;
    finish_seen_ = finish_seen_ || finishes;
    ++chunks_relayed_;
    ++hops_.back().chunks_relayed;
    pending_.append(data);
    pending_ends_.push_back(pending_.size());
    if (replacement.empty()) {
        return {stream_action_kind::forward};
    }
    return {stream_action_kind::replace, stream_trigger::connection_cut, replacement};
}

stream_action stream_state::fail_hop(stream_trigger trigger)
{
    if (finish_seen_) {
        // Every choice already has its finish_reason: what follows can't change the answer, so the stream
        // completes rather than fail over and repeat it.
        return finish();
    }
    phase_ = phase::failed;
    hops_.back().failure = trigger;
    last_failure_ = trigger;
    return {stream_action_kind::fail, trigger};
}

stream_action stream_state::finish()
{
    phase_ = phase::finished;
    committed_ = true;
    hops_.back().completed = true;
    if (held_usage_) {
        // The client asked for usage: one usage chunk, summed over every hop that reported one.
        const token_usage total = usage();
        auto& u = held_usage_->at("usage").get_object();
        u["prompt_tokens"] = total.prompt_tokens;
        u["completion_tokens"] = total.completion_tokens;
        u["total_tokens"] = total.total_tokens;
        out_ = as_event(*held_usage_);
        out_ += done_event;
        held_usage_.reset();
        return {stream_action_kind::done, stream_trigger::connection_cut, out_};
    }
    return {stream_action_kind::done, stream_trigger::connection_cut, done_event};
}

void stream_state::flush_pending() const
{
    std::size_t begin = 0;
    for (const std::size_t end : pending_ends_) {
        append_text(partial_, std::string_view(pending_).substr(begin, end - begin), options_.endpoint);
        begin = end;
    }
    pending_.clear();
    pending_ends_.clear();
}

}  // namespace baton::streaming
