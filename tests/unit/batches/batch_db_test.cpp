#include "batches/store/batch_db.hpp"

#include "batches/batch_lifecycle.hpp"
#include "batches/store/store_error.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

using namespace baton::batches;
using baton::test::temp_dir;

namespace {

stored_batch make_batch(std::string id, std::string owner, std::optional<std::string> key = std::nullopt)
{
    stored_batch b;
    b.record.id = std::move(id);
    b.record.input_file_id = "file-1";
    b.record.endpoint = "/v1/chat/completions";
    b.record.created_at = 100;
    b.record.expires_at = 200;
    b.owner = std::move(owner);
    b.idempotency_key = std::move(key);
    b.fingerprint = b.idempotency_key ? "fp" : "";
    return b;
}

std::vector<std::string> ids(const std::vector<stored_batch>& v)
{
    std::vector<std::string> out;
    for (const auto& b : v) out.push_back(b.record.id);
    return out;
}

std::vector<std::string> ids(const std::vector<file_record>& v)
{
    std::vector<std::string> out;
    for (const auto& f : v) out.push_back(f.id);
    return out;
}

using strings = std::vector<std::string>;

}  // namespace

BOOST_AUTO_TEST_SUITE(batch_db_suite)

BOOST_AUTO_TEST_CASE(files_are_scoped_by_owner_and_listed_newest_first)
{
    temp_dir dir("batch-db");
    batch_db db(dir.path() / "baton.db");
    db.insert_file({"file-a", "a.jsonl", "batch", 10, 1}, "team-a");
    db.insert_file({"file-b", "b.jsonl", "batch", 20, 2}, "team-b");
    db.insert_file({"file-c", "c.jsonl", "batch_output", 30, 3}, "team-a");
    const std::string a = "team-a";
    const std::string b = "team-b";
    BOOST_TEST(db.find_file("file-a", &a)->bytes == 10);
    BOOST_TEST(!db.find_file("file-a", &b).has_value());
    BOOST_TEST(db.find_file("file-a", nullptr)->filename == "a.jsonl");

    bool more = true;
    list_query q;
    q.limit = 10;
    BOOST_TEST((ids(db.list_files(nullptr, q, &more)) == strings{"file-c", "file-b", "file-a"}));
    BOOST_TEST(!more);
    BOOST_TEST((ids(db.list_files(&a, q, &more)) == strings{"file-c", "file-a"}));
    q.limit = 1;
    BOOST_TEST((ids(db.list_files(nullptr, q, &more)) == strings{"file-c"}));
    BOOST_TEST(more);
    q.after = "file-c";
    BOOST_TEST((ids(db.list_files(nullptr, q, &more)) == strings{"file-b"}));
    q = {};
    q.limit = 10;
    q.newest_first = false;
    q.purpose = "batch";
    BOOST_TEST((ids(db.list_files(nullptr, q, &more)) == strings{"file-a", "file-b"}));

    BOOST_TEST(!db.delete_file("file-a", &b));
    BOOST_TEST(db.delete_file("file-a", &a));
    BOOST_TEST(!db.find_file("file-a", nullptr).has_value());
    BOOST_TEST((db.file_ids() == strings{"file-b", "file-c"}));
}

BOOST_AUTO_TEST_CASE(idempotency_keys_are_per_owner_and_survive_a_reopen)
{
    temp_dir dir("batch-db");
    {
        batch_db db(dir.path() / "baton.db");
        BOOST_TEST(!db.insert_batch(make_batch("batch_1", "team-a", "k")).has_value());
        // The same key for another owner is another batch.
        BOOST_TEST(!db.insert_batch(make_batch("batch_2", "team-b", "k")).has_value());
        // No key: always new.
        BOOST_TEST(!db.insert_batch(make_batch("batch_3", "team-a")).has_value());
        BOOST_TEST(!db.insert_batch(make_batch("batch_4", "team-a")).has_value());
    }
    batch_db db(dir.path() / "baton.db");
    const auto existing = db.insert_batch(make_batch("batch_5", "team-a", "k"));
    BOOST_REQUIRE(existing.has_value());
    BOOST_TEST(existing->record.id == "batch_1");
    BOOST_TEST(existing->fingerprint == "fp");
    BOOST_TEST(!db.find_batch("batch_5", nullptr).has_value());
    const std::string a = "team-a";
    bool more = false;
    list_query q;
    q.limit = 2;
    BOOST_TEST((ids(db.list_batches(&a, q, &more)) == strings{"batch_4", "batch_3"}));
    BOOST_TEST(more);
    q.after = "batch_3";
    BOOST_TEST((ids(db.list_batches(&a, q, &more)) == strings{"batch_1"}));
    BOOST_TEST(!more);
    q.after = "batch_nope";
    BOOST_TEST(db.list_batches(&a, q, &more).empty());
}

BOOST_AUTO_TEST_CASE(records_update_and_unfinished_ones_are_found_again)
{
    temp_dir dir("batch-db");
    {
        batch_db db(dir.path() / "baton.db");
        db.insert_batch(make_batch("batch_1", ""));
        db.insert_batch(make_batch("batch_2", ""));
        auto b = db.find_batch("batch_2", nullptr)->record;
        start_running(b, 101, 5, {});
        begin_finalizing(b, 102);
        finish(b, 103, std::string("file-o"), std::nullopt, batch_status::completed);
        db.update_batch(b);
    }
    batch_db db(dir.path() / "baton.db");
    BOOST_TEST((ids(db.unfinished_batches()) == strings{"batch_1"}));
    BOOST_TEST(*db.find_batch("batch_2", nullptr)->record.completed_at == 103);
    const auto counts = db.count_by_status();
    BOOST_TEST(counts.size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_committed_line_is_done_exactly_once)
{
    temp_dir dir("batch-db");
    {
        batch_db db(dir.path() / "baton.db");
        db.begin();
        BOOST_TEST(db.insert_line("b", 1, std::string("c1"), 0, 10, std::nullopt));
        BOOST_TEST(db.insert_line("b", 2, std::string("c2"), 11, 10, std::nullopt));
        BOOST_TEST(!db.insert_line("b", 3, std::string("c1"), 22, 10, std::nullopt));  // duplicate custom_id
        BOOST_TEST(db.insert_line("b", 3, std::nullopt, 22, 10, output_row{row_outcome::failed, "bad"}));
        BOOST_TEST(db.insert_line("b", 4, std::nullopt, 33, 10, std::nullopt));
        BOOST_TEST(db.insert_line("other", 1, std::string("c1"), 0, 10, std::nullopt));
        db.commit();

        const line_result r[] = {{1, row_outcome::completed, "one"}};
        db.begin();
        db.record_results("b", r);
        db.commit();
        // An uncommitted result is not there after a crash.
        const line_result lost[] = {{2, row_outcome::completed, "two"}};
        db.begin();
        db.record_results("b", lost);
        db.rollback();
    }
    batch_db db(dir.path() / "baton.db");
    const auto pending = db.pending_lines("b", 0, 10);
    BOOST_REQUIRE(pending.size() == 2u);
    BOOST_TEST(pending[0].line == 2);
    BOOST_TEST(pending[0].offset == 11u);
    BOOST_TEST(pending[1].line == 4);
    BOOST_TEST(db.pending_lines("b", 2, 10).size() == 1u);
    // A result for a line already done is ignored.
    const line_result again[] = {{1, row_outcome::failed, "again"}, {2, row_outcome::failed, "two"}};
    db.record_results("b", again);
    strings completed;
    strings failed;
    db.for_each_row("b", row_outcome::completed, [&](std::string_view row) { completed.emplace_back(row); });
    db.for_each_row("b", row_outcome::failed, [&](std::string_view row) { failed.emplace_back(row); });
    BOOST_TEST((completed == strings{"one"}));
    BOOST_TEST((failed == strings{"two", "bad"}));
    const auto c = db.count_rows("b");
    BOOST_TEST(c.completed == 1);
    BOOST_TEST(c.failed == 2);
    db.delete_lines("b");
    BOOST_TEST(db.pending_lines("b", 0, 10).empty());
    BOOST_TEST(db.pending_lines("other", 0, 10).size() == 1u);
}

BOOST_AUTO_TEST_CASE(an_unusable_path_is_a_store_error)
{
    temp_dir dir("batch-db");
    BOOST_CHECK_THROW(batch_db(dir.path() / "missing" / "baton.db"), store_error);
}

BOOST_AUTO_TEST_SUITE_END()
