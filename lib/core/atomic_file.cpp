// Atomic output: temporary file, pwritev, fsync, rename.
#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <vector>

#include "core/error.hpp"

namespace oxpack::core {

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
    namespace fs = std::filesystem;
    fs::path target(path_);
    fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
    tmp_ = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
    fd_ = mkstemp(tmp_.data());
    if (fd_ < 0)
        throw Failure(Exit::Io, path_ + ": cannot create a temporary file in " + dir.string() + ": " + std::strerror(errno));
    // mkstemp creates 0600; give the file the permissions a plain create would.
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd_, 0666 & ~mask) != 0) fail("cannot set permissions", errno);
}

AtomicFile::~AtomicFile() { discard(); }

void AtomicFile::discard() {
    if (fd_ < 0) return;
    ::close(fd_);
    ::unlink(tmp_.c_str());
    fd_ = -1;
}

void AtomicFile::fail(const std::string& what, int err) {
    discard();
    throw Failure(Exit::Io, path_ + ": " + what + ": " + std::strerror(err));
}

void AtomicFile::reserve(uint64_t size) {
    // Blocks allocated at once, and the size set, before writing: the writes
    // then neither allocate nor grow the file (measured: faster, steadier).
    // Only a hint: where it fails, the writes report the real error.
    if (size > 0) (void)::fallocate(fd_, 0, 0, static_cast<off_t>(size));
}

int AtomicFile::write_at(uint64_t offset, std::span<const Piece> pieces) {
    // pwritev takes at most IOV_MAX pieces and may write fewer bytes than asked.
    std::vector<iovec> iov;
    iov.reserve(std::min<size_t>(pieces.size(), IOV_MAX));
    // Writeback starts every few MiB (sync_file_range), so the disk works
    // while later pieces are copied and the final fsync has little left to do.
    constexpr uint64_t kWritebackChunk = 8u << 20;
    uint64_t at = offset, flushed = offset;
    size_t next = 0;
    while (next < pieces.size() || !iov.empty()) {
        while (next < pieces.size() && iov.size() < IOV_MAX) {
            if (!pieces[next].empty()) iov.push_back({const_cast<unsigned char*>(pieces[next].data()), pieces[next].size()});
            ++next;
        }
        if (iov.empty()) break;
        ssize_t n = ::pwritev(fd_, iov.data(), static_cast<int>(iov.size()), static_cast<off_t>(at));
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        if (n == 0) return EIO;
        at += static_cast<uint64_t>(n);
        if (at - flushed >= kWritebackChunk) {
            writeback(flushed, at - flushed);  // a hint: fsync in commit() is what guarantees durability
            flushed = at;
        }
        auto left = static_cast<size_t>(n);
        size_t first = 0;
        while (first < iov.size() && left >= iov[first].iov_len) left -= iov[first++].iov_len;
        if (left > 0) {  // a partial piece: the rest of it next time
            iov[first].iov_base = static_cast<unsigned char*>(iov[first].iov_base) + left;
            iov[first].iov_len -= left;
        }
        iov.erase(iov.begin(), iov.begin() + static_cast<std::ptrdiff_t>(first));
    }
    return 0;
}

void AtomicFile::writeback(uint64_t offset, uint64_t size) {
    ::sync_file_range(fd_, static_cast<off64_t>(offset), static_cast<off64_t>(size), SYNC_FILE_RANGE_WRITE);
}

void AtomicFile::write_all(std::span<const Piece> pieces) {
    // One thread: buffered writes to one file serialize on its inode lock
    // (two threads measured no faster).
    uint64_t total = 0;
    for (auto p : pieces) total += p.size();
    reserve(total);
    if (int e = write_at(0, pieces)) fail("write failed", e);
}

void AtomicFile::commit(uint64_t size) {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) fail("cannot set the size", errno);
    if (fsync(fd_) != 0) fail("fsync failed", errno);
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) {
        int e = errno;
        ::unlink(tmp_.c_str());
        throw Failure(Exit::Io, path_ + ": close failed: " + std::strerror(e));
    }
    if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
        int e = errno;
        ::unlink(tmp_.c_str());
        throw Failure(Exit::Io, path_ + ": cannot rename the temporary file into place: " + std::strerror(e));
    }
}

void write_file_atomic(const std::string& path, std::span<const unsigned char> bytes) {
    Piece one[] = {bytes};
    write_file_atomic(path, one);
}

void write_file_atomic(const std::string& path, std::span<const Piece> pieces) {
    AtomicFile file(path);
    file.write_all(pieces);
    uint64_t total = 0;
    for (auto p : pieces) total += p.size();
    file.commit(total);
}

}  // namespace oxpack::core
