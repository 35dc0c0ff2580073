#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "format/mapped_file.hpp"

namespace oxpack::format {

MappedFile::MappedFile(MappedFile&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)), identity_(other.identity_) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
    if (this != &other) {
        this->~MappedFile();
        data_ = std::exchange(other.data_, nullptr);
        size_ = std::exchange(other.size_, 0);
        identity_ = other.identity_;
    }
    return *this;
}

MappedFile::~MappedFile() {
    if (data_ != nullptr) munmap(const_cast<unsigned char*>(data_), size_);
}

Result<MappedFile> MappedFile::open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Error{ErrorCode::Io, path + ": cannot open: " + std::strerror(errno)};
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        ::close(fd);
        return Error{ErrorCode::Io, path + ": cannot stat: " + std::strerror(e)};
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        return Error{ErrorCode::Io, path + ": not a regular file"};
    }
    MappedFile m;
    m.identity_ = FileIdentity{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                               static_cast<uint64_t>(st.st_size),
                               static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
                               static_cast<int64_t>(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec};
    if (st.st_size > 0) {
        void* p = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
            int e = errno;
            ::close(fd);
            return Error{ErrorCode::Io, path + ": cannot map: " + std::strerror(e)};
        }
        m.data_ = static_cast<const unsigned char*>(p);
        m.size_ = static_cast<size_t>(st.st_size);
    }
    ::close(fd);
    return m;
}

void MappedFile::advise_sequential() const {
    if (data_ == nullptr) return;
    auto* p = const_cast<unsigned char*>(data_);
    madvise(p, size_, MADV_SEQUENTIAL);
    madvise(p, size_, MADV_WILLNEED);
}

}  // namespace oxpack::format
