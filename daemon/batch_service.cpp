#include "daemon/batch_service.hpp"

#include "batches/batch_lifecycle.hpp"
#include "batches/ids.hpp"
#include "batches/input_line.hpp"
#include "batches/line_retry.hpp"
#include "batches/output_row.hpp"
#include "batches/store/store_error.hpp"
#include "call/key_scope.hpp"
#include "daemon/batch_sink.hpp"
#include "daemon/call_executor.hpp"
#include "routing/errc.hpp"
#include "routing/plan.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json/object.hpp>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <unordered_map>

namespace baton::daemon {

namespace asio = boost::asio;
namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using batches::batch_status;

namespace {

/// Lines fetched from the store at once, results committed at once at most, lines validated per transaction.
constexpr std::size_t fetch_batch = 256;
constexpr std::size_t commit_rows = 256;
constexpr std::size_t validate_step = 1000;
constexpr auto commit_period = 20ms;
/// The most entries of `errors.data` a batch shows (every invalid line still gets its error row).
constexpr std::size_t max_listed_errors = 100;

std::size_t status_index(batch_status s)
{
    return static_cast<std::size_t>(s);
}

const std::string* owner_filter(const batch_caller& who)
{
    return who ? &*who : nullptr;
}

bool visible(const batch_caller& who, const std::string& owner)
{
    return !who || *who == owner;
}

batches::api_error no_file(std::string_view id, std::string param = {})
{
    return {batches::errc::file_not_found, "No such File object: " + std::string(id), std::move(param)};
}

batches::api_error no_batch(std::string_view id)
{
    return {batches::errc::batch_not_found, "No batch found with id '" + std::string(id) + "'.", ""};
}

bool retriable(const call::call_error* f)
{
    return f != nullptr && (f->ec == routing::errc::nothing_sent || f->ec == routing::errc::all_rate_limited);
}

/// The line of `ab`'s input at `offset`... is read whole: lines are bounded by the live body limit.
std::string json_list_of_files(const std::vector<batches::file_record>& files, bool has_more)
{
    std::vector<batches::listed> items;
    items.reserve(files.size());
    for (const auto& f : files) {
        items.push_back({f.id, batches::file_json(f)});
    }
    return batches::list_json(items, has_more);
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// State of the batches being run

/// One line coroutine, linked into its batch so that cancel, expiry and drain can reach it.
struct batch_service::line_state {
    explicit line_state(std::list<line_state*>& owner) : list(owner) { self = list.insert(list.end(), this); }
    ~line_state() { list.erase(self); }
    line_state(const line_state&) = delete;
    line_state& operator=(const line_state&) = delete;

    std::list<line_state*>& list;
    std::list<line_state*>::iterator self;
    call_executor* exec = nullptr;      ///< the call in progress, if any
    net::steady_timer* wait = nullptr;  ///< the retry wait in progress, if any
    bool aborted = false;               ///< the line ends without a row (expiry, drain, cancel during a wait)
};

struct batch_service::active_batch {
    batches::stored_batch s;
    providers::api_endpoint endpoint = providers::api_endpoint::chat_completions;
    std::unique_ptr<batches::file_reader> input;
    std::int64_t cursor = 0;                  ///< the highest line fetched from the store
    std::deque<batches::pending_line> queue;  ///< fetched, not started
    bool exhausted = false;                   ///< no unfinished line beyond the cursor
    bool validating = false;
    bool expiring = false;
    bool finishing = false;                     ///< finalize() is running, or retried later
    bool done = false;                          ///< final: removed by sweep()
    int running = 0;                            ///< line coroutines of this batch
    std::vector<batches::line_result> results;  ///< answered, not committed yet
    std::list<line_state*> lines;
    std::unique_ptr<net::steady_timer> expiry;
    std::unique_ptr<net::steady_timer> retry;
};

// ---------------------------------------------------------------------------------------------------------
// Life cycle

batch_service::batch_service(shared_state& shared) : shared_(shared)
{
    const auto snap = shared_.configs.current();
    data_dir_ = snap->cfg.general.data_dir;
    std::error_code ec;
    fs::create_directories(data_dir_, ec);
    if (ec) {
        throw std::runtime_error("general_settings.data_dir: cannot create " + data_dir_.string() + ": " +
                                 ec.message());
    }
    try {
        files_ = std::make_unique<batches::file_store>(data_dir_);
        db_ = std::make_unique<batches::batch_db>(data_dir_ / "baton.db");
        for (const auto& [status, n] : db_->count_by_status()) {
            status_counts_[status_index(status)] = n;
        }
        // Files a crash left on disk without their row (renamed, not yet recorded) are removed.
        const auto known = db_->file_ids();
        for (const auto& id : files_->ids()) {
            if (std::find(known.begin(), known.end(), id) == known.end()) {
                files_->remove(id);
            }
        }
    } catch (const batches::store_error& e) {
        throw std::runtime_error(std::string("general_settings.data_dir: ") + e.what());
    }
    reactor_ = std::make_unique<reactor>(shared_.reactors.size(), shared_);
    shared_.reactors.push_back(reactor_.get());
    commit_timer_ = std::make_unique<net::steady_timer>(reactor_->ioc());
}

batch_service::~batch_service()
{
    if (thread_.joinable()) {
        stop();
        join();
    }
    // The io_context (and every coroutine frame it still holds) goes before the batches they point to.
    commit_timer_.reset();
    for (auto& [id, ab] : active_) {
        ab->expiry.reset();
        ab->retry.reset();
    }
    reactor_.reset();
}

void batch_service::start()
{
    asio::post(reactor_->ioc(), [this] { resume(); });
    thread_ = std::thread([this] {
        // Below the serving reactors: when CPU is short, live requests go first (Linux nice is per thread).
        ::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), 10);
        // Keep the reactor running while idle: lines and API calls arrive by post.
        auto guard = asio::make_work_guard(reactor_->ioc());
        reactor_->ioc().run();
    });
}

void batch_service::drain()
{
    draining_.store(true);
    asio::post(reactor_->ioc(), [this] {
        for (auto& [id, ab] : active_) {
            // Waiting lines stop now; they run again after the restart.
            for (auto* l : ab->lines) {
                if (l->wait != nullptr) {
                    l->aborted = true;
                    l->wait->cancel();
                }
            }
        }
    });
}

void batch_service::stop()
{
    asio::post(reactor_->ioc(), [this] {
        commit_all();
        stopped_ = true;
        reactor_->ioc().stop();
    });
}

void batch_service::join()
{
    if (thread_.joinable()) {
        thread_.join();
    }
}

std::array<std::int64_t, 8> batch_service::status_counts() const noexcept
{
    std::array<std::int64_t, 8> out{};
    for (std::size_t i = 0; i < out.size(); ++i) {
        out[i] = status_counts_[i].load(std::memory_order_relaxed);
    }
    return out;
}

std::int64_t batch_service::now_unix() const
{
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

template <class T, class F>
net::task<api_result<T>> batch_service::on_batch_thread(F f)
{
    // The work runs on the batch thread (the store's one owner); this coroutine resumes on its own reactor.
    // Named, not a temporary of the co_await expression: GCC 12 destroys such temporaries twice.
    auto work = [this, f = std::move(f)]() mutable -> net::task<api_result<T>> {
        api_result<T> out = batches::api_error{};
        try {
            out = f();
        } catch (const batches::store_error& e) {
            reactor_->log().error("batch_store_failed", {{"what", e.what()}});
            out = batches::api_error{batches::errc::storage_failed,
                                     "The file and batch store failed; try again later.", ""};
        }
        co_return out;
    };
    auto result = co_await asio::co_spawn(reactor_->ioc(), std::move(work), net::use_task);
    co_return result;
}

void batch_service::save_status(active_batch& ab, batch_status before)
{
    db_->update_batch(ab.s.record);
    if (before != ab.s.record.status) {
        status_changed(ab, before);
    }
}

void batch_service::status_changed(const active_batch& ab, batch_status before)
{
    const auto& r = ab.s.record;
    status_counts_[status_index(before)].fetch_sub(1, std::memory_order_relaxed);
    status_counts_[status_index(r.status)].fetch_add(1, std::memory_order_relaxed);
    json::object f{
        {"batch_id", r.id},        {"from", batches::to_string(before)}, {"to", batches::to_string(r.status)},
        {"total", r.counts.total}, {"completed", r.counts.completed},    {"failed", r.counts.failed}};
    if (!ab.s.owner.empty()) {
        f["client_key"] = ab.s.owner;
    }
    reactor_->log().info("batch_status", std::move(f));
}

// ---------------------------------------------------------------------------------------------------------
// Resuming and validating

void batch_service::resume()
{
    try {
        for (auto& b : db_->unfinished_batches()) {
            reactor_->log().info("batch_resume", {{"batch_id", b.record.id},
                                                  {"status", batches::to_string(b.record.status)}});
            activate(std::move(b));
        }
    } catch (const batches::store_error& e) {
        reactor_->log().error("batch_store_failed", {{"what", e.what()}});
    }
}

void batch_service::activate(batches::stored_batch b)
{
    auto owned = std::make_unique<active_batch>();
    active_batch& ab = *owned;
    ab.s = std::move(b);
    ab.endpoint = batches::batch_endpoint_from_path(ab.s.record.endpoint)
                      .value_or(providers::api_endpoint::chat_completions);
    active_.emplace(ab.s.record.id, std::move(owned));

    // The window ends at expires_at on the wall clock; the timer runs on the steady clock.
    ab.expiry = std::make_unique<net::steady_timer>(reactor_->ioc());
    ab.expiry->expires_after(
        std::chrono::seconds(std::max<std::int64_t>(0, ab.s.record.expires_at - now_unix())));
    ab.expiry->async_wait([this, p = &ab](const boost::system::error_code& ec) {
        if (!ec && !stopped_) {
            on_expiry(*p);
        }
    });

    switch (ab.s.record.status) {
    case batch_status::validating:
        ab.validating = true;
        db_->delete_lines(ab.s.record.id);  // a validation a crash interrupted starts again
        asio::co_spawn(reactor_->ioc(), validate(&ab), asio::detached);
        break;
    case batch_status::in_progress:
        start_runner(ab);
        break;
    case batch_status::finalizing:
    case batch_status::cancelling:
        maybe_finish(ab);
        break;
    default:
        ab.done = true;
        break;
    }
}

net::task<void> batch_service::validate(active_batch* ab)
{
    auto& r = ab->s.record;
    const auto snap = reactor_->config();
    const auto& cfg = snap->cfg;
    const client_key* key = nullptr;
    for (const auto& k : cfg.keys) {
        if (!ab->s.owner.empty() && k.name == ab->s.owner) {
            key = &k;
        }
    }
    std::unordered_map<std::string, batches::model_verdict> verdicts;
    batches::line_rules rules;
    rules.endpoint = ab->endpoint;
    rules.has_default_model = !cfg.routes.default_model.empty();
    rules.max_line_bytes = snap->limits.body_limit;
    rules.check_model = [&](std::string_view model) {
        const std::string name(model.empty() ? std::string_view(cfg.routes.default_model) : model);
        if (const auto it = verdicts.find(name); it != verdicts.end()) {
            return it->second;
        }
        batches::model_verdict v = batches::model_verdict::known;
        if (!ab->s.owner.empty() && (key == nullptr || !call::model_allowed(key->models, name))) {
            v = batches::model_verdict::not_allowed;
        } else if (!routing::plan::make(cfg.routes, shared_.health, name, {})) {
            v = batches::model_verdict::unknown;
        }
        verdicts.emplace(name, v);
        return v;
    };

    std::vector<batches::batch_error> errors;
    std::int64_t total = 0;
    std::int64_t valid = 0;
    std::int64_t invalid = 0;
    bool input_missing = false;
    try {
        std::unique_ptr<batches::file_reader> in;
        if (db_->find_file(r.input_file_id, nullptr)) {
            in = std::make_unique<batches::file_reader>(files_->path_of(r.input_file_id));
        }
        if (!in) {
            input_missing = true;
        } else {
            // Lines are read whole, but never more than the limit of one line: a longer one is skipped to its
            // end.
            const std::size_t max_line = rules.max_line_bytes + 2;
            std::string chunk;
            std::string line;
            bool skipping = false;
            std::uint64_t line_start = 0;
            std::uint64_t offset = 0;
            std::int64_t line_no = 0;
            std::size_t in_step = 0;
            db_->begin();
            auto finish_line = [&](std::uint64_t end_offset) {
                ++line_no;
                const std::uint64_t length = end_offset - line_start;
                if (!skipping && batches::blank_line(line)) {
                    return;
                }
                ++total;
                std::optional<batches::batch_error> bad;
                std::optional<std::string> custom_id;
                if (skipping) {
                    bad = batches::line_too_large(rules.max_line_bytes);
                } else {
                    auto v = batches::validate_line(line, rules);
                    if (auto* ok = std::get_if<batches::valid_line>(&v)) {
                        custom_id = ok->custom_id;
                        if (db_->insert_line(r.id, line_no, custom_id, line_start, length, std::nullopt)) {
                            ++valid;
                            return;
                        }
                        bad = batches::duplicate_custom_id(*custom_id);
                    } else {
                        bad = std::get<batches::batch_error>(v);
                        custom_id = batches::custom_id_of(line);
                    }
                }
                bad->line = line_no;
                ++invalid;
                const auto row = batches::error_row(batches::request_row_id(r.id, line_no),
                                                    custom_id.value_or(""), bad->code, bad->message);
                // An invalid line's custom_id may repeat one already taken: then its row goes in without it.
                if (!db_->insert_line(r.id, line_no, custom_id, line_start, length, row)) {
                    db_->insert_line(r.id, line_no, std::nullopt, line_start, length, row);
                }
                if (errors.size() < max_listed_errors) {
                    errors.push_back(std::move(*bad));
                }
            };
            while (offset < in->size()) {
                in->read_at(offset, 64 * 1024, chunk);
                if (chunk.empty()) {
                    break;
                }
                std::size_t pos = 0;
                while (pos < chunk.size()) {
                    const auto nl = chunk.find('\n', pos);
                    const std::size_t end = nl == std::string::npos ? chunk.size() : nl;
                    if (!skipping) {
                        line.append(chunk, pos, end - pos);
                        if (line.size() > max_line) {
                            skipping = true;
                            line.clear();
                        }
                    }
                    if (nl == std::string::npos) {
                        pos = chunk.size();
                        break;
                    }
                    finish_line(offset + nl);
                    line.clear();
                    skipping = false;
                    line_start = offset + nl + 1;
                    pos = nl + 1;
                    if (++in_step == validate_step) {
                        in_step = 0;
                        db_->commit();
                        // Let API calls and running lines in between; a cancel may arrive meanwhile.
                        co_await asio::post(reactor_->ioc(), net::use_task);
                        if (stopped_) {
                            co_return;
                        }
                        if (r.status != batch_status::validating) {
                            break;  // cancelled meanwhile
                        }
                        db_->begin();
                    }
                }
                if (r.status != batch_status::validating) {
                    break;
                }
                offset += chunk.size();
            }
            if (r.status == batch_status::validating) {
                if (!line.empty() || skipping) {
                    finish_line(offset);
                }
                db_->commit();
            }
        }
    } catch (const batches::store_error& e) {
        db_->rollback();
        reactor_->log().error("batch_store_failed", {{"what", e.what()}, {"batch_id", r.id}});
        input_missing = true;
    }
    ab->validating = false;
    if (r.status != batch_status::validating) {
        // Cancelled while validating: nothing ran, so nothing is written (not even the invalid lines).
        try {
            db_->delete_lines(r.id);
        } catch (const batches::store_error& e) {
            reactor_->log().error("batch_store_failed", {{"what", e.what()}, {"batch_id", r.id}});
        }
        maybe_finish(*ab);
        sweep();
        co_return;
    }
    const auto before = r.status;
    const auto now = now_unix();
    try {
        if (input_missing) {
            db_->delete_lines(r.id);
            batches::fail(r, now,
                          {{"invalid_request",
                            "Cannot find file " + r.input_file_id +
                                ", or this key does not have access to it.",
                            "input_file_id", std::nullopt}});
        } else if (valid == 0) {
            db_->delete_lines(r.id);
            batches::fail(r, now, std::move(errors));
        } else {
            batches::start_running(r, now, total, std::move(errors));
            r.counts.failed = invalid;
            for (std::int64_t i = 0; i < invalid; ++i) {
                reactor_->metrics().batch_request(batch_outcome::failed);  // their error rows are written
            }
        }
        save_status(*ab, before);
    } catch (const batches::store_error& e) {
        reactor_->log().error("batch_store_failed", {{"what", e.what()}, {"batch_id", r.id}});
    }
    if (r.status == batch_status::failed) {
        ab->done = true;
        sweep();
        co_return;
    }
    start_runner(*ab);
}

void batch_service::start_runner(active_batch& ab)
{
    try {
        ab.input = std::make_unique<batches::file_reader>(files_->path_of(ab.s.record.input_file_id));
    } catch (const batches::store_error&) {
        ab.input.reset();  // the input file is gone: its lines fail as they come
    }
    // What was committed before a restart is what counts.
    const auto rows = db_->count_rows(ab.s.record.id);
    ab.s.record.counts.completed = rows.completed;
    ab.s.record.counts.failed = rows.failed;
    if (batches::window_over(ab.s.record, now_unix())) {
        on_expiry(ab);
        return;
    }
    pump();
}

// ---------------------------------------------------------------------------------------------------------
// Running lines

std::optional<batches::pending_line> batch_service::next_line(active_batch& ab)
{
    if (ab.queue.empty() && !ab.exhausted) {
        auto more = db_->pending_lines(ab.s.record.id, ab.cursor, fetch_batch);
        if (more.empty()) {
            ab.exhausted = true;
        } else {
            ab.cursor = more.back().line;
            ab.queue.assign(std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
        }
    }
    if (ab.queue.empty()) {
        return std::nullopt;
    }
    auto next = std::move(ab.queue.front());
    ab.queue.pop_front();
    return next;
}

void batch_service::pump()
{
    if (stopped_ || draining_.load(std::memory_order_relaxed)) {
        return;
    }
    const auto snap = reactor_->config();
    const auto total_limit = static_cast<std::size_t>(std::max(1, snap->cfg.general.batch_max_concurrency));
    const int per_batch = std::max(1, snap->cfg.general.batch_max_concurrency_per_batch);
    try {
        bool progress = true;
        while (progress && running_ < total_limit) {
            progress = false;
            // Round robin: one line per batch per round, starting after the batch that started the last one.
            auto it = active_.upper_bound(last_started_);
            for (std::size_t visited = 0; visited < active_.size() && running_ < total_limit;
                 ++visited, ++it) {
                if (it == active_.end()) {
                    it = active_.begin();
                }
                active_batch& ab = *it->second;
                if (ab.s.record.status != batch_status::in_progress || ab.expiring || ab.finishing ||
                    ab.done || ab.running >= per_batch) {
                    continue;
                }
                auto line = next_line(ab);
                if (!line) {
                    maybe_finish(ab);
                    continue;
                }
                ++ab.running;
                ++running_;
                last_started_ = it->first;
                progress = true;
                asio::co_spawn(reactor_->ioc(), run_line(&ab, std::move(*line)), asio::detached);
            }
        }
    } catch (const batches::store_error& e) {
        reactor_->log().error("batch_store_failed", {{"what", e.what()}});
    }
    sweep();
}

net::task<void> batch_service::run_line(active_batch* ab, batches::pending_line pl)
{
    co_await asio::this_coro::throw_if_cancelled(false);
    std::optional<batches::output_row> row;
    {
        line_state st(ab->lines);
        const auto& record = ab->s.record;
        const std::string row_id = batches::request_row_id(record.id, pl.line);
        std::optional<batches::valid_line> line;
        if (ab->input) {
            std::string text;
            try {
                ab->input->read_at(pl.offset, static_cast<std::size_t>(pl.length), text);
                line = batches::read_line(text);
            } catch (const batches::store_error&) {
            }
        }
        if (!line) {
            row = batches::error_row(row_id, pl.custom_id, "input_file_unreadable",
                                     "The input file could not be read for this line.");
        }
        for (int attempt = 0; !row && !st.aborted; ++attempt) {
            auto snap = reactor_->config();
            const client_key* key = nullptr;
            if (!ab->s.owner.empty()) {
                for (const auto& k : snap->cfg.keys) {
                    if (k.name == ab->s.owner) {
                        key = &k;
                    }
                }
                if (key == nullptr) {
                    row =
                        batches::error_row(row_id, line->custom_id, "invalid_api_key",
                                           "The client key that created this batch is no longer configured.");
                    break;
                }
            }
            const std::string request_id = reactor_->next_request_id();
            batch_sink sink;
            reactor& r = *reactor_;
            call_services services{&r.network(), &r.local(), &r.metrics(),
                                   &r.log(),     &r.rng(),   &shared_.health};
            call_executor exec{services, snap, ab->endpoint, sink, request_id, key};
            st.exec = &exec;
            sending_.fetch_add(1, std::memory_order_relaxed);
            co_await exec.run(line->body);
            sending_.fetch_sub(1, std::memory_order_relaxed);
            st.exec = nullptr;
            if (st.aborted) {
                break;
            }
            const bool still_running = record.status == batch_status::in_progress && !ab->expiring &&
                                       !draining_.load(std::memory_order_relaxed);
            if (retriable(exec.failure()) && still_running) {
                // A 429 storm: wait for the earliest cooldown of the line's candidates to end, then again.
                std::optional<std::chrono::milliseconds> until_ready;
                if (const auto* plan = exec.plan()) {
                    if (const auto d = plan->earliest_cooldown_end(std::chrono::steady_clock::now())) {
                        until_ready = std::chrono::ceil<std::chrono::milliseconds>(*d);
                    }
                }
                const auto window_left = std::chrono::milliseconds(
                    std::max<std::int64_t>(0, record.expires_at - now_unix()) * 1000);
                // Past the window: wait for the expiry, which ends the wait.
                const auto delay =
                    batches::line_retry_delay(until_ready, attempt, window_left).value_or(window_left + 1s);
                net::steady_timer timer{reactor_->ioc(), delay};
                st.wait = &timer;
                co_await timer.async_wait(net::use_tuple);
                st.wait = nullptr;
                continue;
            }
            row = batches::response_row(row_id, line->custom_id, sink.status() != 0 ? sink.status() : 500,
                                        request_id, sink.body());
        }
        if (st.aborted) {
            row.reset();
        }
    }
    if (stopped_) {
        co_return;
    }
    if (row) {
        ab->results.push_back({pl.line, row->outcome, std::move(row->text)});
        if (ab->results.size() >= commit_rows) {
            commit(*ab);
        } else {
            schedule_commit();
        }
    }
    --ab->running;
    --running_;
    maybe_finish(*ab);
    pump();
}

void batch_service::abort_lines(active_batch& ab, bool upstream_too)
{
    for (auto* l : ab.lines) {
        if (l->wait != nullptr) {
            l->aborted = true;
            l->wait->cancel();
        } else if (upstream_too && l->exec != nullptr) {
            l->aborted = true;
            l->exec->cancel();
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Committing results

void batch_service::schedule_commit()
{
    if (commit_armed_) {
        return;
    }
    commit_armed_ = true;
    commit_timer_->expires_after(commit_period);
    commit_timer_->async_wait([this](const boost::system::error_code& ec) {
        commit_armed_ = false;
        if (!ec && !stopped_) {
            commit_all();
        }
    });
}

void batch_service::commit_all()
{
    bool pending = false;
    for (auto& [id, ab] : active_) {
        pending = !commit(*ab) || pending;
    }
    if (pending && !stopped_) {
        schedule_commit();  // the store failed: try again (the results stay in memory meanwhile)
    }
    for (auto& [id, ab] : active_) {
        maybe_finish(*ab);
    }
    sweep();
}

bool batch_service::commit(active_batch& ab)
{
    if (ab.results.empty()) {
        return true;
    }
    auto& r = ab.s.record;
    try {
        db_->begin();
        db_->record_results(r.id, ab.results);
        const auto counts = db_->count_rows(r.id);
        r.counts.completed = counts.completed;
        r.counts.failed = counts.failed;
        db_->update_batch(r);
        db_->commit();
    } catch (const batches::store_error& e) {
        db_->rollback();
        reactor_->log().error("batch_store_failed", {{"what", e.what()}, {"batch_id", r.id}});
        return false;
    }
    for (const auto& res : ab.results) {
        reactor_->metrics().batch_request(res.outcome == batches::row_outcome::completed
                                              ? batch_outcome::completed
                                              : batch_outcome::failed);
    }
    ab.results.clear();
    return true;
}

// ---------------------------------------------------------------------------------------------------------
// Ending a batch

void batch_service::maybe_finish(active_batch& ab)
{
    if (ab.done || ab.finishing || ab.validating || ab.running != 0 || stopped_) {
        return;
    }
    const auto status = ab.s.record.status;
    if (ab.expiring) {
        if (!commit(ab)) {
            return retry_later(ab);
        }
        return finalize(ab, batch_status::expired);
    }
    if (status == batch_status::cancelling) {
        if (!commit(ab)) {
            return retry_later(ab);
        }
        return finalize(ab, batch_status::cancelled);
    }
    if (status == batch_status::finalizing) {
        return finalize(ab, batch_status::completed);
    }
    if (status == batch_status::in_progress && ab.exhausted && ab.queue.empty()) {
        if (!ab.results.empty()) {
            return;  // the commit comes first; it calls back here
        }
        try {
            // The cursor may have passed lines that were pending but running; look once more.
            if (!db_->pending_lines(ab.s.record.id, 0, 1).empty()) {
                ab.exhausted = false;
                ab.cursor = 0;
                return;
            }
        } catch (const batches::store_error&) {
            return retry_later(ab);
        }
        finalize(ab, batch_status::completed);
    }
}

void batch_service::retry_later(active_batch& ab)
{
    if (ab.retry) {
        return;
    }
    ab.retry = std::make_unique<net::steady_timer>(reactor_->ioc(), 1s);
    ab.retry->async_wait([this, p = &ab](const boost::system::error_code& ec) {
        if (ec || stopped_) {
            return;
        }
        p->retry.reset();
        maybe_finish(*p);
        sweep();
    });
}

void batch_service::on_expiry(active_batch& ab)
{
    if (!batches::window_over(ab.s.record, now_unix()) || ab.expiring || ab.done) {
        return;
    }
    if (ab.s.record.status == batch_status::validating) {
        return;  // the runner checks the window when validation ends
    }
    ab.expiring = true;
    reactor_->log().info("batch_expiring", {{"batch_id", ab.s.record.id}});
    abort_lines(ab, true);
    maybe_finish(ab);
    sweep();
}

void batch_service::expire_rest(active_batch& ab)
{
    // Every line without a row gets `batch_expired` in the error file (SPEC §7).
    const auto& id = ab.s.record.id;
    for (;;) {
        const auto page = db_->pending_lines(id, 0, 1000);
        if (page.empty()) {
            break;
        }
        std::vector<batches::line_result> rows;
        for (const auto& pl : page) {
            auto row = batches::expired_row(batches::request_row_id(id, pl.line), pl.custom_id);
            rows.push_back({pl.line, row.outcome, std::move(row.text)});
        }
        ab.results = std::move(rows);
        if (!commit(ab)) {
            throw batches::store_error("cannot record expired lines");
        }
    }
}

void batch_service::finalize(active_batch& ab, batch_status final_status)
{
    ab.finishing = true;
    auto& r = ab.s.record;
    const auto before = r.status;
    try {
        if (final_status == batch_status::expired) {
            expire_rest(ab);
        }
        if (final_status == batch_status::completed && r.status == batch_status::in_progress) {
            batches::begin_finalizing(r, now_unix());
            save_status(ab, before);
        }
        const auto before_final = r.status;
        // The rows go to files first (temporary name, fsync, rename); the batch's final status and the
        // files' rows are then committed together. A crash in between finalizes again (same file ids).
        struct written {
            std::optional<std::string> id;
            std::int64_t rows = 0;
            std::int64_t bytes = 0;
        };
        auto write = [&](batches::row_outcome outcome, std::string_view role) {
            written w;
            const auto id = batches::derived_file_id(r.id, role);
            const auto temp = files_->temp_path_of(id);
            std::error_code ec;
            fs::remove(temp, ec);
            {
                batches::file_writer out(temp);
                db_->for_each_row(r.id, outcome, [&](std::string_view row) {
                    out.write(row);
                    out.write("\n");
                    ++w.rows;
                });
                w.bytes = static_cast<std::int64_t>(out.size());
                out.close(false);
            }
            if (w.rows == 0) {
                fs::remove(temp, ec);
                return w;
            }
            files_->commit(temp, id);
            w.id = id;
            return w;
        };
        const written out = write(batches::row_outcome::completed, "output");
        const written err = write(batches::row_outcome::failed, "error");
        const auto now = now_unix();
        auto next = r;
        next.counts.completed = out.rows;
        next.counts.failed = err.rows;
        batches::finish(next, now, out.id, err.id, final_status);
        db_->begin();
        try {
            if (out.id) {
                db_->insert_file({*out.id, r.id + "_output.jsonl", std::string(batches::output_purpose),
                                  out.bytes, now},
                                 ab.s.owner);
            }
            if (err.id) {
                db_->insert_file({*err.id, r.id + "_error.jsonl", std::string(batches::output_purpose),
                                  err.bytes, now},
                                 ab.s.owner);
            }
            db_->update_batch(next);
            db_->delete_lines(r.id);
            db_->commit();
        } catch (...) {
            db_->rollback();
            throw;
        }
        r = std::move(next);
        status_changed(ab, before_final);
        ab.done = true;
        ab.expiry->cancel();
    } catch (const batches::store_error& e) {
        reactor_->log().error("batch_store_failed", {{"what", e.what()}, {"batch_id", r.id}});
        ab.finishing = false;
        retry_later(ab);
    }
}

void batch_service::sweep()
{
    for (auto it = active_.begin(); it != active_.end();) {
        active_batch& ab = *it->second;
        if (ab.done && ab.running == 0 && ab.lines.empty() && !ab.validating) {
            it = active_.erase(it);
        } else {
            ++it;
        }
    }
}

batch_service::active_batch* batch_service::find_active(std::string_view id, const batch_caller& who)
{
    const auto it = active_.find(id);
    if (it == active_.end() || it->second->done || !visible(who, it->second->s.owner)) {
        return nullptr;
    }
    return it->second.get();
}

// ---------------------------------------------------------------------------------------------------------
// The API

net::task<api_result<std::string>> batch_service::add_file(batch_caller who, batches::file_record f,
                                                           fs::path temp)
{
    auto work = [this, who, f, temp]() -> api_result<std::string> {
        files_->commit(temp, f.id);
        try {
            db_->insert_file(f, who.value_or(""));
        } catch (...) {
            files_->remove(f.id);
            throw;
        }
        return batches::file_json(f);
    };
    auto r = co_await on_batch_thread<std::string>(std::move(work));
    co_return r;
}

net::task<api_result<batches::file_record>> batch_service::find_file(batch_caller who, std::string id)
{
    auto work = [this, who, id]() -> api_result<batches::file_record> {
        if (batches::plausible_id(id)) {
            if (auto f = db_->find_file(id, owner_filter(who))) {
                return std::move(*f);
            }
        }
        return no_file(id);
    };
    auto r = co_await on_batch_thread<batches::file_record>(std::move(work));
    co_return r;
}

net::task<api_result<std::string>> batch_service::list_files(batch_caller who, batches::list_query q)
{
    auto work = [this, who, q]() -> api_result<std::string> {
        bool more = false;
        const auto files = db_->list_files(owner_filter(who), q, &more);
        return json_list_of_files(files, more);
    };
    auto r = co_await on_batch_thread<std::string>(std::move(work));
    co_return r;
}

net::task<api_result<std::string>> batch_service::delete_file(batch_caller who, std::string id)
{
    auto work = [this, who, id]() -> api_result<std::string> {
        if (!batches::plausible_id(id) || !db_->delete_file(id, owner_filter(who))) {
            return no_file(id);
        }
        // A batch running on this file keeps reading it through its open descriptor.
        files_->remove(id);
        return batches::file_deleted_json(id);
    };
    auto r = co_await on_batch_thread<std::string>(std::move(work));
    co_return r;
}

net::task<api_result<std::string>> batch_service::create_batch(batch_caller who, batches::create_params p)
{
    auto work = [this, who, p = std::move(p)]() -> api_result<std::string> {
        const std::string owner = who.value_or("");
        const std::string fingerprint =
            p.idempotency_key ? batches::idempotency_fingerprint(p) : std::string();
        // The key is looked at first: a retry of a create whose file was deleted since still gets its batch.
        if (p.idempotency_key) {
            if (auto existing = db_->find_idempotent(owner, *p.idempotency_key)) {
                if (existing->fingerprint != fingerprint) {
                    return batches::idempotency_conflict(*p.idempotency_key);
                }
                if (const auto* ab = find_active(existing->record.id, who)) {
                    return batches::batch_json(ab->s.record);
                }
                return batches::batch_json(existing->record);
            }
        }
        const auto file = batches::plausible_id(p.input_file_id)
                              ? db_->find_file(p.input_file_id, owner_filter(who))
                              : std::nullopt;
        if (!file) {
            return no_file(p.input_file_id, "input_file_id");
        }
        if (file->purpose != batches::upload_purpose) {
            return batches::api_error{batches::errc::invalid_value,
                                      "The input file " + p.input_file_id + " has purpose '" + file->purpose +
                                          "'; a batch reads a file uploaded with purpose 'batch'.",
                                      "input_file_id"};
        }
        const auto snap = reactor_->config();
        batches::stored_batch b;
        auto& rng = reactor_->rng();
        b.record.id = batches::make_id("batch_", rng(), rng());
        b.record.input_file_id = p.input_file_id;
        b.record.endpoint = std::string(batches::batch_endpoint_path(p.endpoint));
        b.record.completion_window = p.completion_window;
        b.record.metadata = p.metadata;
        b.record.created_at = now_unix();
        const auto window = static_cast<std::int64_t>(
            std::max(1.0, std::round(snap->cfg.general.batch_completion_window_seconds)));
        b.record.expires_at = batches::expiry_of(b.record.created_at, window);
        b.owner = owner;
        b.idempotency_key = p.idempotency_key;
        b.fingerprint = fingerprint;
        db_->insert_batch(b);
        status_counts_[status_index(batch_status::validating)].fetch_add(1, std::memory_order_relaxed);
        json::object f{{"batch_id", b.record.id},
                       {"input_file_id", b.record.input_file_id},
                       {"endpoint", b.record.endpoint},
                       {"to", "validating"}};
        if (!owner.empty()) {
            f["client_key"] = owner;
        }
        reactor_->log().info("batch_status", std::move(f));
        auto json_text = batches::batch_json(b.record);
        activate(std::move(b));
        return json_text;
    };
    auto r = co_await on_batch_thread<std::string>(std::move(work));
    co_return r;
}

net::task<api_result<std::string>> batch_service::find_batch(batch_caller who, std::string id)
{
    auto work = [this, who, id]() -> api_result<std::string> {
        if (const auto* ab = find_active(id, who)) {
            return batches::batch_json(ab->s.record);
        }
        if (batches::plausible_id(id)) {
            if (auto b = db_->find_batch(id, owner_filter(who))) {
                return batches::batch_json(b->record);
            }
        }
        return no_batch(id);
    };
    auto r = co_await on_batch_thread<std::string>(std::move(work));
    co_return r;
}

net::task<api_result<std::string>> batch_service::list_batches(batch_caller who, batches::list_query q)
{
    auto work = [this, who, q]() -> api_result<std::string> {
        bool more = false;
        const auto page = db_->list_batches(owner_filter(who), q, &more);
        std::vector<batches::listed> items;
        for (const auto& b : page) {
            const auto* ab = find_active(b.record.id, who);
            items.push_back({b.record.id, batches::batch_json(ab != nullptr ? ab->s.record : b.record)});
        }
        return batches::list_json(items, more);
    };
    auto r = co_await on_batch_thread<std::string>(std::move(work));
    co_return r;
}

net::task<api_result<std::string>> batch_service::cancel_batch(batch_caller who, std::string id)
{
    auto work = [this, who, id]() -> api_result<std::string> {
        active_batch* ab = find_active(id, who);
        if (ab == nullptr) {
            auto b = batches::plausible_id(id) ? db_->find_batch(id, owner_filter(who)) : std::nullopt;
            if (!b) {
                return no_batch(id);
            }
            // Not running: final (or finishing); cancelling it is refused or changes nothing.
            auto record = b->record;
            if (batches::request_cancel(record, now_unix()) == batches::cancel_result::refused) {
                return batches::cancel_refusal(b->record);
            }
            return batches::batch_json(b->record);
        }
        auto& r = ab->s.record;
        const auto before = r.status;
        switch (batches::request_cancel(r, now_unix())) {
        case batches::cancel_result::refused:
            return batches::cancel_refusal(r);
        case batches::cancel_result::unchanged:
            return batches::batch_json(r);
        case batches::cancel_result::cancelling:
            break;
        }
        save_status(*ab, before);
        // No new line starts; waiting lines stop; lines in an upstream exchange finish and keep their rows.
        abort_lines(*ab, false);
        maybe_finish(*ab);
        sweep();
        return batches::batch_json(r);
    };
    auto r = co_await on_batch_thread<std::string>(std::move(work));
    co_return r;
}

std::string render_batch_gauge(const std::array<std::int64_t, 8>& counts)
{
    std::string out = "# HELP baton_batches Batches by status.\n# TYPE baton_batches gauge\n";
    for (std::size_t i = 0; i < counts.size(); ++i) {
        out += "baton_batches{status=\"";
        out += batches::to_string(batches::all_statuses[i]);
        out += "\"} ";
        out += std::to_string(counts[i]);
        out += '\n';
    }
    return out;
}

}  // namespace baton::daemon
