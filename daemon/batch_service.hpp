#pragma once

#include "batches/batch_record.hpp"
#include "batches/create_params.hpp"
#include "batches/errc.hpp"
#include "batches/file_record.hpp"
#include "batches/list_query.hpp"
#include "batches/store/batch_db.hpp"
#include "batches/store/file_store.hpp"
#include "daemon/reactor.hpp"

#include <boost/asio/co_spawn.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>

namespace baton::daemon {

/// A value or the refusal to give to the client (daemon/error_answer.hpp maps its code).
template <class T>
using api_result = std::variant<T, batches::api_error>;

/// Who asks, for scope (SPEC §7, issue #12 point 7): the calling client key's name, or nullopt for the
/// master key or a daemon without keys (which see and cancel everything). What a key creates carries its
/// name; a key sees only that.
using batch_caller = std::optional<std::string>;

/// The files and batches capability (SPEC §7) on its own thread: one owner of the store (SQLite and the
/// files under general_settings.data_dir) and the runner of batch lines. The runner has its own reactor
/// (io_context, upstream pools, metrics shard, random generator) whose thread runs at a lower CPU priority
/// (nice 10) than the serving reactors, and a bound on lines in flight in total
/// (general_settings.batch_max_concurrency) and per batch (batch_max_concurrency_per_batch): a running
/// batch never starves live traffic. Each line runs through daemon::call_executor exactly as a live request
/// with the creating key's scope and backup_models (routing, failover, fallbacks and cooldowns included);
/// a line whose every candidate is rate limited or cooling down waits for the earliest cooldown end and tries
/// again, within the completion window.
///
/// Durability: a line is done once its output row is committed to SQLite (results are committed every
/// 20 ms, or every 256 rows); after a crash, unfinished batches resume from what was committed, and a line
/// whose answer came but was not committed yet runs again. Output files are written to a temporary name,
/// fsynced and renamed before the batch's final status is committed.
///
/// Thread safety: the API coroutines are called from any serving reactor; their work runs on the batch
/// thread and they resume on the caller's reactor. drain(), stop(), lines_sending() and status_counts() are
/// safe from any thread.
class batch_service {
public:
    /// Opens the store under the running config's data_dir and makes the runner's reactor (it becomes one of
    /// shared.reactors, so the metrics scrape includes its shard). Throws std::runtime_error when the store
    /// cannot be opened (a start-up error).
    explicit batch_service(shared_state& shared);
    ~batch_service();
    batch_service(const batch_service&) = delete;
    batch_service& operator=(const batch_service&) = delete;

    /// Resumes unfinished batches and starts the batch thread.
    void start();
    /// SIGTERM: no new line starts; lines waiting to retry stop (they run again after a restart); lines in
    /// an upstream exchange finish and commit.
    void drain();
    /// Lines in an upstream exchange now (the drain waits for them, up to graceful_shutdown_seconds).
    std::size_t lines_sending() const noexcept { return sending_.load(std::memory_order_relaxed); }
    /// Commits what is pending and stops the batch thread (after drain(); returns at once).
    void stop();
    /// Waits for the batch thread to end (after stop()).
    void join();

    /// Batches per status, indexed like batches::all_statuses (the gauge baton_batches).
    std::array<std::int64_t, 8> status_counts() const noexcept;
    /// Where stored files are (immutable after construction; a serving reactor reads content from it).
    const batches::file_store& files() const noexcept { return *files_; }

    // The API (SPEC §7). Each returns the JSON to answer with, or the refusal.

    /// Stores an upload written to `temp` (fsync, rename, then its row): `f` has its id, filename, bytes.
    net::task<api_result<std::string>> add_file(batch_caller who, batches::file_record f,
                                                std::filesystem::path temp);
    net::task<api_result<batches::file_record>> find_file(batch_caller who, std::string id);
    net::task<api_result<std::string>> list_files(batch_caller who, batches::list_query q);
    net::task<api_result<std::string>> delete_file(batch_caller who, std::string id);
    /// Creates a batch (or returns the one an idempotency key already made); 404 for an unknown input file.
    net::task<api_result<std::string>> create_batch(batch_caller who, batches::create_params p);
    net::task<api_result<std::string>> find_batch(batch_caller who, std::string id);
    net::task<api_result<std::string>> list_batches(batch_caller who, batches::list_query q);
    net::task<api_result<std::string>> cancel_batch(batch_caller who, std::string id);

private:
    struct line_state;
    struct active_batch;

    /// Runs `f` on the batch thread; a store_error becomes storage_failed.
    template <class T, class F>
    net::task<api_result<T>> on_batch_thread(F f);

    // All of the below run on the batch thread.
    void resume();
    void activate(batches::stored_batch b);
    net::task<void> validate(active_batch* ab);
    void start_runner(active_batch& ab);
    void pump();
    std::optional<batches::pending_line> next_line(active_batch& ab);
    net::task<void> run_line(active_batch* ab, batches::pending_line pl);
    void schedule_commit();
    void commit_all();
    bool commit(active_batch& ab);
    void maybe_finish(active_batch& ab);
    void finalize(active_batch& ab, batches::batch_status final_status);
    void expire_rest(active_batch& ab);
    void on_expiry(active_batch& ab);
    void abort_lines(active_batch& ab, bool upstream_too);
    void sweep();
    void save_status(active_batch& ab, batches::batch_status before);
    /// The batch left `before`: the status gauges move and a `batch_status` line is logged.
    void status_changed(const active_batch& ab, batches::batch_status before);
    void retry_later(active_batch& ab);
    active_batch* find_active(std::string_view id, const batch_caller& who);

    std::int64_t now_unix() const;

    shared_state& shared_;
    std::unique_ptr<batches::file_store> files_;
    std::unique_ptr<batches::batch_db> db_;
    std::filesystem::path data_dir_;
    std::array<std::atomic<std::int64_t>, 8> status_counts_{};
    std::atomic<std::size_t> sending_{0};
    std::atomic<bool> draining_{false};
    bool stopped_ = false;
    std::size_t running_ = 0;  ///< line coroutines alive, over every batch (waits included)
    bool commit_armed_ = false;
    /// Declared before the reactor: coroutine frames the reactor's io_context destroys at the end still
    /// unlink themselves from their batch.
    std::map<std::string, std::unique_ptr<active_batch>, std::less<>> active_;
    std::string last_started_;  ///< round robin over active batches
    std::unique_ptr<reactor> reactor_;
    std::unique_ptr<net::steady_timer> commit_timer_;
    std::thread thread_;
};

/// The gauge of batches by status: `baton_batches{status}` in Prometheus text, every status present.
std::string render_batch_gauge(const std::array<std::int64_t, 8>& counts);

}  // namespace baton::daemon
