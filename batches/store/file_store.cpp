#include "batches/store/file_store.hpp"

#include "batches/store/store_error.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <vector>

namespace baton::batches {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view temp_prefix = ".tmp-";

[[noreturn]] void fail(const std::string& what, int err)
{
    throw store_error(what + ": " + std::strerror(err));
}

void sync_dir(const fs::path& dir)
{
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        fail("open " + dir.string(), errno);
    }
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) {
        fail("fsync " + dir.string(), err);
    }
}

}  // namespace

file_store::file_store(const fs::path& data_dir) : dir_(data_dir / "files")
{
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec) {
        throw store_error("cannot create " + dir_.string() + ": " + ec.message());
    }
    for (const auto& entry : fs::directory_iterator(dir_, ec)) {
        if (entry.path().filename().string().starts_with(temp_prefix)) {
            fs::remove(entry.path(), ec);
        }
    }
}

fs::path file_store::path_of(std::string_view id) const
{
    return dir_ / std::string(id);
}

fs::path file_store::temp_path_of(std::string_view id) const
{
    return dir_ / (std::string(temp_prefix) + std::string(id));
}

void file_store::commit(const fs::path& temp, std::string_view id)
{
    const int fd = ::open(temp.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fail("open " + temp.string(), errno);
    }
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) {
        fail("fsync " + temp.string(), err);
    }
    if (::rename(temp.c_str(), path_of(id).c_str()) != 0) {
        fail("rename " + temp.string(), errno);
    }
    sync_dir(dir_);
}

void file_store::remove(std::string_view id) noexcept
{
    std::error_code ec;
    fs::remove(path_of(id), ec);
}

std::vector<std::string> file_store::ids() const
{
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir_, ec)) {
        auto name = entry.path().filename().string();
        if (!name.starts_with(temp_prefix)) {
            out.push_back(std::move(name));
        }
    }
    return out;
}

file_writer::file_writer(const fs::path& path)
{
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd_ < 0) {
        fail("create " + path.string(), errno);
    }
}

file_writer::~file_writer()
{
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

void file_writer::write(std::string_view data)
{
    while (!data.empty()) {
        const auto n = ::write(fd_, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            fail("write", errno);
        }
        data.remove_prefix(static_cast<std::size_t>(n));
        size_ += static_cast<std::uint64_t>(n);
    }
}

void file_writer::close(bool sync)
{
    if (fd_ < 0) {
        return;
    }
    const int rc = sync ? ::fsync(fd_) : 0;
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    if (rc != 0) {
        fail("fsync", err);
    }
}

file_reader::file_reader(const fs::path& path)
{
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
        fail("open " + path.string(), errno);
    }
    struct stat st {};
    if (::fstat(fd_, &st) != 0) {
        const int err = errno;
        ::close(fd_);
        fd_ = -1;
        fail("stat " + path.string(), err);
    }
    size_ = static_cast<std::uint64_t>(st.st_size);
}

file_reader::~file_reader()
{
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

void file_reader::read_at(std::uint64_t offset, std::size_t n, std::string& out)
{
    out.resize(n);
    std::size_t got = 0;
    while (got < n) {
        const auto r = ::pread(fd_, out.data() + got, n - got, static_cast<off_t>(offset + got));
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            fail("read", errno);
        }
        if (r == 0) {
            break;
        }
        got += static_cast<std::size_t>(r);
    }
    out.resize(got);
}

}  // namespace baton::batches
