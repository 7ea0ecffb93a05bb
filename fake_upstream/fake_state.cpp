#include "fake_upstream/fake_state.hpp"

#include <algorithm>

namespace baton::fake {

boost::json::object call_record::to_json() const {
    return {{"seq", seq},
            {"name", name},
            {"method", method},
            {"path", path},
            {"headers", headers},
            {"body", body},
            {"json", json},
            {"index", index},
            {"connection", connection},
            {"completed", completed},
            {"client_closed", client_closed}};
}

void fake_state::set_script(const std::string& name, script s) {
    std::lock_guard lock(mutex_);
    scripts_[name] = script_entry{std::move(s), 0};
}

call_ticket fake_state::begin_call(call_record rec, bool scripted) {
    std::lock_guard lock(mutex_);
    call_ticket t;
    rec.seq = t.seq = next_seq_++;
    rec.index = t.index = per_name_[rec.name]++;
    if (auto it = scripts_.find(rec.name); scripted && it != scripts_.end())
        t.response = it->second.s.pick(it->second.served++);
    calls_.push_back(std::move(rec));
    notify_locked();
    return t;
}

void fake_state::finish_call(std::uint64_t seq, bool completed, bool client_closed) {
    std::lock_guard lock(mutex_);
    // Calls are appended in seq order, so the record is found by binary search (it may be gone after a
    // clear_calls() that raced with the response).
    auto it = std::lower_bound(calls_.begin(), calls_.end(), seq,
                               [](const call_record& c, std::uint64_t s) { return c.seq < s; });
    if (it == calls_.end() || it->seq != seq) return;
    it->completed = completed;
    it->client_closed = client_closed;
    if (client_closed) notify_locked();
}

boost::json::array fake_state::calls(const std::string& name) const {
    std::lock_guard lock(mutex_);
    boost::json::array out;
    for (const auto& c : calls_)
        if (name.empty() || c.name == name) out.push_back(c.to_json());
    return out;
}

void fake_state::clear_calls() {
    std::lock_guard lock(mutex_);
    calls_.clear();
    per_name_.clear();
}

void fake_state::reset() {
    std::lock_guard lock(mutex_);
    calls_.clear();
    per_name_.clear();
    scripts_.clear();
    // next_seq_ goes on: a response still running from before the reset must not finish a new call.
}

std::size_t fake_state::count(const std::string& name, bool closed_only) const {
    std::lock_guard lock(mutex_);
    return count_locked(name, closed_only);
}

std::shared_ptr<fake_state::waiter> fake_state::add_waiter(std::string name, bool closed_only, std::size_t n,
                                                           std::function<void()> wake) {
    std::lock_guard lock(mutex_);
    if (count_locked(name, closed_only) >= n) return nullptr;
    auto w = std::make_shared<waiter>(waiter{std::move(name), closed_only, n, std::move(wake)});
    waiters_.push_back(w);
    return w;
}

void fake_state::remove_waiter(const std::shared_ptr<waiter>& w) {
    std::lock_guard lock(mutex_);
    std::erase(waiters_, w);
}

std::size_t fake_state::count_locked(const std::string& name, bool closed_only) const {
    return static_cast<std::size_t>(std::count_if(calls_.begin(), calls_.end(), [&](const call_record& c) {
        return (name.empty() || c.name == name) && (!closed_only || c.client_closed);
    }));
}

void fake_state::notify_locked() {
    std::erase_if(waiters_, [this](const std::shared_ptr<waiter>& w) {
        if (count_locked(w->name, w->closed_only) < w->n) return false;
        w->wake();
        return true;
    });
}

}  // namespace baton::fake
