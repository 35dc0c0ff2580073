// The platform seam for reading a blob: one read-only mapping of a whole file.
// mapped_file_posix.cpp implements it with mmap; another platform adds its own
// file and CMake picks it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "format/result.hpp"

namespace oxpack::format {

// What the file system says about a file when it was mapped: enough to tell
// that a later look at the same path is the same, unmodified file (any write,
// truncation, rename over it or metadata change moves the change time).
struct FileIdentity {
    uint64_t device = 0;
    uint64_t inode = 0;
    uint64_t size = 0;
    int64_t mtime_ns = 0;
    int64_t ctime_ns = 0;
    bool operator==(const FileIdentity&) const = default;
};

class MappedFile {
public:
    MappedFile() = default;
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    MappedFile(MappedFile&& other) noexcept;
    MappedFile& operator=(MappedFile&& other) noexcept;
    ~MappedFile();

    // Maps the whole file read-only. An empty file maps to an empty span.
    static Result<MappedFile> open(const std::string& path);

    const unsigned char* data() const { return data_; }
    size_t size() const { return size_; }
    // The mapped file's identity, from the descriptor that was mapped.
    const FileIdentity& identity() const { return identity_; }

    // Hints that the whole mapping will be read soon (verify, extract).
    void advise_sequential() const;

private:
    const unsigned char* data_ = nullptr;
    size_t size_ = 0;
    FileIdentity identity_;
};

}  // namespace oxpack::format
