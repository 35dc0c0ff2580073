// The platform seam for reading a blob: one read-only mapping of a whole file.
// mapped_file_posix.cpp implements it with mmap; another platform adds its own
// file and CMake picks it.
#pragma once

#include <cstddef>
#include <string>

#include "format/result.hpp"

namespace oxpack::format {

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

    // Hints that the whole mapping will be read soon (verify, extract).
    void advise_sequential() const;

private:
    const unsigned char* data_ = nullptr;
    size_t size_ = 0;
};

}  // namespace oxpack::format
