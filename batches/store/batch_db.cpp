#include "batches/store/batch_db.hpp"

#include "batches/store/store_error.hpp"

#include <sqlite3.h>

namespace baton::batches {

namespace {

constexpr int state_pending = 0;
constexpr int state_completed = 1;
constexpr int state_failed = 2;

int state_of(row_outcome o)
{
    return o == row_outcome::completed ? state_completed : state_failed;
}

[[noreturn]] void fail(sqlite3* db, std::string_view what)
{
    throw store_error(std::string(what) + ": " + (db != nullptr ? sqlite3_errmsg(db) : "cannot open"));
}

/// One prepared statement; reset (and its bindings cleared) when a use ends.
class stmt {
public:
    stmt(sqlite3* db, std::string_view sql) : db_(db)
    {
        if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &s_,
                               nullptr) != SQLITE_OK) {
            fail(db, "prepare");
        }
    }
    ~stmt() { sqlite3_finalize(s_); }
    stmt(const stmt&) = delete;
    stmt& operator=(const stmt&) = delete;

    stmt& text(int i, std::string_view v)
    {
        check(sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
        return *this;
    }
    stmt& opt_text(int i, const std::optional<std::string>& v)
    {
        return v ? text(i, std::string_view(*v)) : null(i);
    }
    stmt& opt_text(int i, const std::string* v)
    {
        return v != nullptr ? text(i, std::string_view(*v)) : null(i);
    }
    stmt& integer(int i, std::int64_t v)
    {
        check(sqlite3_bind_int64(s_, i, v));
        return *this;
    }
    stmt& null(int i)
    {
        check(sqlite3_bind_null(s_, i));
        return *this;
    }
    /// True for a row, false when done. A constraint violation is reported through `*constraint` when given.
    bool step(bool* constraint = nullptr)
    {
        const int rc = sqlite3_step(s_);
        if (rc == SQLITE_ROW) {
            return true;
        }
        if (rc == SQLITE_DONE) {
            return false;
        }
        if (constraint != nullptr && (rc & 0xff) == SQLITE_CONSTRAINT) {
            *constraint = true;
            return false;
        }
        fail(db_, "step");
    }
    std::int64_t integer(int col) const { return sqlite3_column_int64(s_, col); }
    bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
    std::string_view text(int col) const
    {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
        return p == nullptr ? std::string_view{}
                            : std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col)));
    }
    void reset() noexcept
    {
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
    }

private:
    void check(int rc)
    {
        if (rc != SQLITE_OK) {
            fail(db_, "bind");
        }
    }
    sqlite3* db_;
    sqlite3_stmt* s_ = nullptr;
};

/// Resets a statement when the scope ends, whatever happens.
struct use {
    stmt& s;
    explicit use(stmt& x) : s(x) {}
    ~use() { s.reset(); }
    stmt* operator->() { return &s; }
};

void exec(sqlite3* db, const char* sql)
{
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        std::string what = err != nullptr ? err : "exec";
        sqlite3_free(err);
        throw store_error(what);
    }
}

constexpr const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS files(
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    owner TEXT NOT NULL,
    filename TEXT NOT NULL,
    purpose TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS batches(
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    owner TEXT NOT NULL,
    idempotency_key TEXT,
    fingerprint TEXT NOT NULL,
    status TEXT NOT NULL,
    record TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS batches_idempotency ON batches(owner, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE TABLE IF NOT EXISTS lines(
    batch_id TEXT NOT NULL,
    line INTEGER NOT NULL,
    custom_id TEXT,
    offset INTEGER NOT NULL,
    length INTEGER NOT NULL,
    state INTEGER NOT NULL,
    row TEXT,
    PRIMARY KEY(batch_id, line)) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS lines_custom_id ON lines(batch_id, custom_id);
CREATE INDEX IF NOT EXISTS lines_state ON lines(batch_id, state, line);
)sql";

file_record read_file_row(const stmt& s)
{
    // Columns: id, filename, purpose, bytes, created_at.
    return {std::string(s.text(0)), std::string(s.text(1)), std::string(s.text(2)), s.integer(3),
            s.integer(4)};
}

constexpr const char* file_columns = "id, filename, purpose, bytes, created_at";
constexpr const char* batch_columns = "record, owner, idempotency_key, fingerprint";

stored_batch read_batch_row(const stmt& s)
{
    stored_batch b;
    auto record = parse_batch_json(s.text(0));
    if (!record) {
        throw store_error("a stored batch record cannot be read");
    }
    b.record = std::move(*record);
    b.owner = std::string(s.text(1));
    if (!s.is_null(2)) {
        b.idempotency_key = std::string(s.text(2));
    }
    b.fingerprint = std::string(s.text(3));
    return b;
}

}  // namespace

struct batch_db::statements {
    explicit statements(sqlite3* db)
        : begin(db, "BEGIN IMMEDIATE"),
          commit(db, "COMMIT"),
          rollback(db, "ROLLBACK"),
          insert_file(
              db,
              "INSERT INTO files(id, owner, filename, purpose, bytes, created_at) VALUES(?1,?2,?3,?4,?5,?6)"),
          find_file(db, std::string("SELECT ") + file_columns +
                            " FROM files WHERE id=?1 AND (?2 IS NULL OR owner=?2)"),
          delete_file(db, "DELETE FROM files WHERE id=?1 AND (?2 IS NULL OR owner=?2)"),
          insert_batch(db,
                       "INSERT INTO batches(id, owner, idempotency_key, fingerprint, status, record) "
                       "VALUES(?1,?2,?3,?4,?5,?6)"),
          find_batch(db, std::string("SELECT ") + batch_columns +
                             " FROM batches WHERE id=?1 AND (?2 IS NULL OR owner=?2)"),
          find_idempotent(db, std::string("SELECT ") + batch_columns +
                                  " FROM batches WHERE owner=?1 AND idempotency_key=?2"),
          update_batch(db, "UPDATE batches SET status=?2, record=?3 WHERE id=?1"),
          insert_line(db,
                      "INSERT INTO lines(batch_id, line, custom_id, offset, length, state, row) "
                      "VALUES(?1,?2,?3,?4,?5,?6,?7)"),
          delete_lines(db, "DELETE FROM lines WHERE batch_id=?1"),
          pending(
              db,
              "SELECT line, offset, length, custom_id FROM lines WHERE batch_id=?1 AND state=0 AND line>?2 "
              "ORDER BY line LIMIT ?3"),
          record(db, "UPDATE lines SET state=?3, row=?4 WHERE batch_id=?1 AND line=?2 AND state=0"),
          rows(db, "SELECT row FROM lines WHERE batch_id=?1 AND state=?2 ORDER BY line"),
          count_rows(db, "SELECT state, COUNT(*) FROM lines WHERE batch_id=?1 AND state>0 GROUP BY state")
    {
    }
    stmt begin, commit, rollback;
    stmt insert_file, find_file, delete_file;
    stmt insert_batch, find_batch, find_idempotent, update_batch;
    stmt insert_line, delete_lines, pending, record, rows, count_rows;
};

batch_db::batch_db(const std::filesystem::path& file)
{
    if (sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
        const std::string what =
            "open " + file.string() + ": " + (db_ != nullptr ? sqlite3_errmsg(db_) : "failed");
        sqlite3_close(db_);
        throw store_error(what);
    }
    try {
        exec(db_, "PRAGMA journal_mode=WAL");
        // FULL: a commit is on disk before it returns (a finished line is never lost, even to a power cut).
        exec(db_, "PRAGMA synchronous=FULL");
        exec(db_, "PRAGMA busy_timeout=5000");
        exec(db_, schema);
        st_ = std::make_unique<statements>(db_);
    } catch (...) {
        st_.reset();
        sqlite3_close(db_);
        throw;
    }
}

batch_db::~batch_db()
{
    st_.reset();
    sqlite3_close(db_);
}

void batch_db::begin()
{
    use s(st_->begin);
    s->step();
}

void batch_db::commit()
{
    use s(st_->commit);
    s->step();
}

void batch_db::rollback() noexcept
{
    try {
        use s(st_->rollback);
        s->step();
    } catch (...) {
        // Nothing to roll back (the transaction already ended): fine.
    }
}

void batch_db::insert_file(const file_record& f, std::string_view owner)
{
    use s(st_->insert_file);
    s->text(1, f.id)
        .text(2, owner)
        .text(3, f.filename)
        .text(4, f.purpose)
        .integer(5, f.bytes)
        .integer(6, f.created_at);
    s->step();
}

std::optional<file_record> batch_db::find_file(std::string_view id, const std::string* owner)
{
    use s(st_->find_file);
    s->text(1, id).opt_text(2, owner);
    if (!s->step()) {
        return std::nullopt;
    }
    return read_file_row(s.s);
}

std::vector<file_record> batch_db::list_files(const std::string* owner, const list_query& q, bool* has_more)
{
    std::int64_t after_seq = 0;
    if (!q.after.empty()) {
        stmt seq(db_, "SELECT seq FROM files WHERE id=?1");
        seq.text(1, q.after);
        if (!seq.step()) {
            *has_more = false;
            return {};
        }
        after_seq = seq.integer(0);
    }
    const std::string sql =
        std::string("SELECT ") + file_columns +
        " FROM files WHERE (?1 IS NULL OR owner=?1) AND (?2 IS NULL OR purpose=?2) AND (?3=0 OR seq" +
        (q.newest_first ? "<" : ">") + "?3) ORDER BY seq " + (q.newest_first ? "DESC" : "ASC") + " LIMIT ?4";
    stmt s(db_, sql);
    s.opt_text(1, owner).opt_text(2, q.purpose).integer(3, after_seq).integer(4, q.limit + 1);
    std::vector<file_record> out;
    while (s.step()) {
        out.push_back(read_file_row(s));
    }
    *has_more = static_cast<std::int64_t>(out.size()) > q.limit;
    if (*has_more) {
        out.pop_back();
    }
    return out;
}

bool batch_db::delete_file(std::string_view id, const std::string* owner)
{
    use s(st_->delete_file);
    s->text(1, id).opt_text(2, owner);
    s->step();
    return sqlite3_changes(db_) > 0;
}

std::vector<std::string> batch_db::file_ids()
{
    stmt s(db_, "SELECT id FROM files");
    std::vector<std::string> out;
    while (s.step()) {
        out.emplace_back(s.text(0));
    }
    return out;
}

std::optional<stored_batch> batch_db::insert_batch(const stored_batch& b)
{
    if (b.idempotency_key) {
        use s(st_->find_idempotent);
        s->text(1, b.owner).text(2, *b.idempotency_key);
        if (s->step()) {
            return read_batch_row(s.s);
        }
    }
    use s(st_->insert_batch);
    s->text(1, b.record.id).text(2, b.owner).opt_text(3, b.idempotency_key).text(4, b.fingerprint);
    s->text(5, to_string(b.record.status)).text(6, batch_json(b.record));
    s->step();
    return std::nullopt;
}

std::optional<stored_batch> batch_db::find_idempotent(std::string_view owner, std::string_view key)
{
    use s(st_->find_idempotent);
    s->text(1, owner).text(2, key);
    if (!s->step()) {
        return std::nullopt;
    }
    return read_batch_row(s.s);
}

std::optional<stored_batch> batch_db::find_batch(std::string_view id, const std::string* owner)
{
    use s(st_->find_batch);
    s->text(1, id).opt_text(2, owner);
    if (!s->step()) {
        return std::nullopt;
    }
    return read_batch_row(s.s);
}

std::vector<stored_batch> batch_db::list_batches(const std::string* owner, const list_query& q,
                                                 bool* has_more)
{
    std::int64_t after_seq = 0;
    if (!q.after.empty()) {
        stmt seq(db_, "SELECT seq FROM batches WHERE id=?1");
        seq.text(1, q.after);
        if (!seq.step()) {
            *has_more = false;
            return {};
        }
        after_seq = seq.integer(0);
    }
    stmt s(
        db_,
        std::string("SELECT ") + batch_columns +
            " FROM batches WHERE (?1 IS NULL OR owner=?1) AND (?2=0 OR seq<?2) ORDER BY seq DESC LIMIT ?3");
    s.opt_text(1, owner).integer(2, after_seq).integer(3, q.limit + 1);
    std::vector<stored_batch> out;
    while (s.step()) {
        out.push_back(read_batch_row(s));
    }
    *has_more = static_cast<std::int64_t>(out.size()) > q.limit;
    if (*has_more) {
        out.pop_back();
    }
    return out;
}

void batch_db::update_batch(const batch_record& b)
{
    use s(st_->update_batch);
    s->text(1, b.id).text(2, to_string(b.status)).text(3, batch_json(b));
    s->step();
}

std::vector<stored_batch> batch_db::unfinished_batches()
{
    stmt s(db_,
           std::string("SELECT ") + batch_columns +
               " FROM batches WHERE status NOT IN ('completed','failed','cancelled','expired') ORDER BY seq");
    std::vector<stored_batch> out;
    while (s.step()) {
        out.push_back(read_batch_row(s));
    }
    return out;
}

std::vector<std::pair<batch_status, std::int64_t>> batch_db::count_by_status()
{
    stmt s(db_, "SELECT status, COUNT(*) FROM batches GROUP BY status");
    std::vector<std::pair<batch_status, std::int64_t>> out;
    while (s.step()) {
        if (const auto status = status_from_string(s.text(0))) {
            out.emplace_back(*status, s.integer(1));
        }
    }
    return out;
}

bool batch_db::insert_line(std::string_view batch_id, std::int64_t line,
                           const std::optional<std::string>& custom_id, std::uint64_t offset,
                           std::uint64_t length, const std::optional<output_row>& row)
{
    use s(st_->insert_line);
    s->text(1, batch_id).integer(2, line).opt_text(3, custom_id);
    s->integer(4, static_cast<std::int64_t>(offset)).integer(5, static_cast<std::int64_t>(length));
    if (row) {
        s->integer(6, state_of(row->outcome)).text(7, row->text);
    } else {
        s->integer(6, state_pending).null(7);
    }
    bool duplicate = false;
    s->step(&duplicate);
    return !duplicate;
}

void batch_db::delete_lines(std::string_view batch_id)
{
    use s(st_->delete_lines);
    s->text(1, batch_id);
    s->step();
}

std::vector<pending_line> batch_db::pending_lines(std::string_view batch_id, std::int64_t after,
                                                  std::size_t limit)
{
    use s(st_->pending);
    s->text(1, batch_id).integer(2, after).integer(3, static_cast<std::int64_t>(limit));
    std::vector<pending_line> out;
    while (s->step()) {
        out.push_back({s->integer(0), static_cast<std::uint64_t>(s->integer(1)),
                       static_cast<std::uint64_t>(s->integer(2)), std::string(s->text(3))});
    }
    return out;
}

void batch_db::record_results(std::string_view batch_id, std::span<const line_result> results)
{
    for (const auto& r : results) {
        use s(st_->record);
        s->text(1, batch_id).integer(2, r.line).integer(3, state_of(r.outcome)).text(4, r.row);
        s->step();
    }
}

void batch_db::for_each_row(std::string_view batch_id, row_outcome outcome,
                            const std::function<void(std::string_view)>& fn)
{
    use s(st_->rows);
    s->text(1, batch_id).integer(2, state_of(outcome));
    while (s->step()) {
        fn(s->text(0));
    }
}

request_counts batch_db::count_rows(std::string_view batch_id)
{
    use s(st_->count_rows);
    s->text(1, batch_id);
    request_counts c;
    while (s->step()) {
        (s->integer(0) == state_completed ? c.completed : c.failed) = s->integer(1);
    }
    return c;
}

}  // namespace baton::batches
