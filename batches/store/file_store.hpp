#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace baton::batches {

/// The bytes of stored files, one file per id under `<data_dir>/files/`. A file is written to a
/// temporary name (".tmp-<id>"), fsynced, renamed to its id and the directory fsynced: after a crash a
/// file exists whole under its id or not at all. Blocking POSIX I/O; not thread-safe (one owner).
class file_store {
public:
    /// Creates `<data_dir>/files` when missing and removes temporary files a crash left. Throws
    /// store_error when the directory cannot be made.
    explicit file_store(const std::filesystem::path& data_dir);

    const std::filesystem::path& dir() const noexcept { return dir_; }
    /// Where the file `id` lives once committed.
    std::filesystem::path path_of(std::string_view id) const;
    /// A temporary name for the file `id` while it is written.
    std::filesystem::path temp_path_of(std::string_view id) const;
    /// fsyncs `temp`, renames it to path_of(id) and fsyncs the directory. Throws store_error.
    void commit(const std::filesystem::path& temp, std::string_view id);
    /// Removes the file `id` (a missing file is not an error).
    void remove(std::string_view id) noexcept;
    /// Ids of every committed file on disk (to find files no database row names).
    std::vector<std::string> ids() const;

private:
    std::filesystem::path dir_;
};

/// A file opened for writing sequentially (O_CREAT | O_EXCL: never an existing file). Blocking.
class file_writer {
public:
    /// Throws store_error when the file cannot be created.
    explicit file_writer(const std::filesystem::path& path);
    ~file_writer();
    file_writer(const file_writer&) = delete;
    file_writer& operator=(const file_writer&) = delete;

    /// Appends `data`. Throws store_error (disk full, I/O error).
    void write(std::string_view data);
    /// Bytes written so far.
    std::uint64_t size() const noexcept { return size_; }
    /// Closes, after an fsync when `sync` (file_store::commit fsyncs a file it renames anyway). Throws
    /// store_error.
    void close(bool sync = true);

private:
    int fd_ = -1;
    std::uint64_t size_ = 0;
};

/// A file opened for reading at offsets (pread). Blocking.
class file_reader {
public:
    /// Throws store_error when the file cannot be opened.
    explicit file_reader(const std::filesystem::path& path);
    ~file_reader();
    file_reader(const file_reader&) = delete;
    file_reader& operator=(const file_reader&) = delete;

    /// Reads up to `n` bytes at `offset` into `out` (replacing its content); fewer at the end. Throws
    /// store_error.
    void read_at(std::uint64_t offset, std::size_t n, std::string& out);
    std::uint64_t size() const noexcept { return size_; }

private:
    int fd_ = -1;
    std::uint64_t size_ = 0;
};

}  // namespace baton::batches
