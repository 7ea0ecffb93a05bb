#pragma once

#include "batches/batch_record.hpp"
#include "batches/file_record.hpp"
#include "batches/list_query.hpp"
#include "batches/output_row.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct sqlite3;

namespace baton::batches {

/// A batch as stored: the record and what only the store keeps.
struct stored_batch {
    batch_record record;
    std::string owner;  ///< the client key (name) that created it; empty = the master key or no auth
    std::optional<std::string> idempotency_key;
    std::string fingerprint;  ///< idempotency_fingerprint() of the create; empty without a key
};

/// Where a request line of an input file is, for the runner to read it again.
struct pending_line {
    std::int64_t line = 0;  ///< 1-based line number in the input file
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    std::string custom_id;
};

/// A line's result, to commit.
struct line_result {
    std::int64_t line = 0;
    row_outcome outcome = row_outcome::failed;
    std::string row;
};

/// The state of the files and batches API in SQLite (`<data_dir>/baton.db`, WAL, synchronous=FULL so a
/// committed transaction survives a crash of the process and of the machine): files, batches, and one row
/// per request line of each unfinished batch (where the line is, whether it finished, and its output row).
/// A line is done exactly when its result is committed. Blocking; not thread-safe: one owner thread
/// (daemon::batch_service). Every method throws store_error when SQLite fails.
///
/// `owner` arguments: null = any owner (the master key), else only objects created by that key name.
class batch_db {
public:
    /// Opens or creates the database file and its schema. Throws store_error.
    explicit batch_db(const std::filesystem::path& file);
    ~batch_db();
    batch_db(const batch_db&) = delete;
    batch_db& operator=(const batch_db&) = delete;

    /// BEGIN IMMEDIATE / COMMIT / ROLLBACK: several calls in one durable step.
    void begin();
    void commit();
    void rollback() noexcept;

    // Files.
    void insert_file(const file_record& f, std::string_view owner);
    std::optional<file_record> find_file(std::string_view id, const std::string* owner);
    /// A page of files, newest first unless q.newest_first is false; `*has_more` says whether more follow.
    std::vector<file_record> list_files(const std::string* owner, const list_query& q, bool* has_more);
    /// False when there was no such file (for this owner).
    bool delete_file(std::string_view id, const std::string* owner);
    /// Every file id the database knows.
    std::vector<std::string> file_ids();

    // Batches.
    /// Stores `b`; when its (owner, idempotency_key) is already taken, stores nothing and returns the batch
    /// that holds it.
    std::optional<stored_batch> insert_batch(const stored_batch& b);
    std::optional<stored_batch> find_batch(std::string_view id, const std::string* owner);
    /// The batch `owner` created with idempotency key `key`, if any.
    std::optional<stored_batch> find_idempotent(std::string_view owner, std::string_view key);
    /// A page of batches, newest first.
    std::vector<stored_batch> list_batches(const std::string* owner, const list_query& q, bool* has_more);
    /// Writes the record of a stored batch (its status, timestamps, counts, files).
    void update_batch(const batch_record& b);
    /// Batches whose status is not final, oldest first (resumed at start).
    std::vector<stored_batch> unfinished_batches();
    /// Batches per status (the gauge).
    std::vector<std::pair<batch_status, std::int64_t>> count_by_status();

    // Lines of a batch.
    /// Adds a line; `row` set = the line is already finished (it failed validation). False, adding nothing,
    /// when an earlier line of the batch has the same custom_id.
    bool insert_line(std::string_view batch_id, std::int64_t line,
                     const std::optional<std::string>& custom_id, std::uint64_t offset, std::uint64_t length,
                     const std::optional<output_row>& row);
    /// Forgets every line of the batch (validation starts again, or the batch is finished).
    void delete_lines(std::string_view batch_id);
    /// Up to `limit` unfinished lines with a number above `after`, in order.
    std::vector<pending_line> pending_lines(std::string_view batch_id, std::int64_t after, std::size_t limit);
    /// Records finished lines (state and row). A line already finished is left as it is (a result is never
    /// written twice).
    void record_results(std::string_view batch_id, std::span<const line_result> results);
    /// Calls `fn` with the row of every finished line of `outcome`, in line order.
    void for_each_row(std::string_view batch_id, row_outcome outcome,
                      const std::function<void(std::string_view)>& fn);
    /// Rows committed so far: completed (output) and failed (error).
    request_counts count_rows(std::string_view batch_id);

private:
    struct statements;
    sqlite3* db_ = nullptr;
    std::unique_ptr<statements> st_;
};

}  // namespace baton::batches
