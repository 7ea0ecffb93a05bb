#include "batches/store/file_store.hpp"

#include "batches/store/store_error.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>

using namespace baton::batches;
using baton::test::temp_dir;

BOOST_AUTO_TEST_SUITE(file_store_suite)

BOOST_AUTO_TEST_CASE(write_commit_read_remove)
{
    temp_dir dir("file-store");
    file_store store(dir.path());
    const auto temp = store.temp_path_of("file-1");
    {
        file_writer w(temp);
        w.write("hello ");
        w.write(std::string(100000, 'x'));
        BOOST_TEST(w.size() == 100006u);
        w.close();
    }
    BOOST_TEST(store.ids().empty());  // not committed yet: invisible
    store.commit(temp, "file-1");
    BOOST_TEST(!std::filesystem::exists(temp));
    BOOST_TEST((store.ids() == std::vector<std::string>{"file-1"}));
    file_reader r(store.path_of("file-1"));
    BOOST_TEST(r.size() == 100006u);
    std::string out;
    r.read_at(0, 6, out);
    BOOST_TEST(out == "hello ");
    r.read_at(100000, 100, out);
    BOOST_TEST(out == std::string(6, 'x'));
    store.remove("file-1");
    BOOST_TEST(store.ids().empty());
    store.remove("file-1");  // removing twice is fine
}

BOOST_AUTO_TEST_CASE(leftover_temporary_files_are_removed_at_start)
{
    temp_dir dir("file-store");
    {
        file_store store(dir.path());
        file_writer w(store.temp_path_of("file-2"));
        w.write("half");
    }
    file_store store(dir.path());
    BOOST_TEST(!std::filesystem::exists(store.temp_path_of("file-2")));
    BOOST_TEST(store.ids().empty());
}

BOOST_AUTO_TEST_CASE(a_writer_never_overwrites)
{
    temp_dir dir("file-store");
    file_store store(dir.path());
    file_writer w(store.temp_path_of("x"));
    BOOST_CHECK_THROW(file_writer(store.temp_path_of("x")), store_error);
    BOOST_CHECK_THROW(file_reader(store.path_of("nope")), store_error);
}

BOOST_AUTO_TEST_SUITE_END()
