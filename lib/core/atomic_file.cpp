// Atomic output: temporary file, writev, fsync, rename.
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
namespace {

std::string errno_text() { return std::strerror(errno); }

}  // namespace

void write_file_atomic(const std::string& path, std::span<const unsigned char> bytes) {
    std::span<const unsigned char> one[] = {bytes};
    write_file_atomic(path, one);
}

void write_file_atomic(const std::string& path, std::span<const std::span<const unsigned char>> pieces) {
    namespace fs = std::filesystem;
    fs::path target(path);
    fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
    std::string tmpl = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
    int fd = mkstemp(tmpl.data());
    if (fd < 0) throw Failure(Exit::Io, path + ": cannot create a temporary file in " + dir.string() + ": " + errno_text());
    auto fail = [&](const std::string& what) {
        int e = errno;
        ::close(fd);
        ::unlink(tmpl.c_str());
        throw Failure(Exit::Io, path + ": " + what + ": " + std::strerror(e));
    };
    // mkstemp creates 0600; give the file the permissions a plain create would.
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0) fail("cannot set permissions");
    // writev takes at most IOV_MAX pieces and may write fewer bytes than asked.
    std::vector<iovec> iov;
    iov.reserve(pieces.size());
    uint64_t total = 0;
    for (auto p : pieces)
        if (!p.empty()) {
            iov.push_back({const_cast<unsigned char*>(p.data()), p.size()});
            total += p.size();
        }
    // Blocks allocated at once, and the size set, before writing: the writes
    // then neither allocate nor grow the file (measured: faster, steadier).
    // Only a hint: where it fails, the writes below report the real error.
    if (total > 0) (void)::fallocate(fd, 0, 0, static_cast<off_t>(total));
    // Writeback starts every few MiB (sync_file_range), so the disk works
    // while later pieces are copied and the final fsync has little left to do.
    constexpr uint64_t kWritebackChunk = 8u << 20;
    uint64_t written = 0, flushed = 0;
    for (size_t first = 0; first < iov.size();) {
        const int count = static_cast<int>(std::min<size_t>(iov.size() - first, IOV_MAX));
        ssize_t n = ::writev(fd, iov.data() + first, count);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("write failed");
        }
        written += static_cast<uint64_t>(n);
        if (written - flushed >= kWritebackChunk) {
            ::sync_file_range(fd, static_cast<off64_t>(flushed), static_cast<off64_t>(written - flushed),
                              SYNC_FILE_RANGE_WRITE);  // a hint: fsync below is what guarantees durability
            flushed = written;
        }
        auto left = static_cast<size_t>(n);
        while (first < iov.size() && left >= iov[first].iov_len) left -= iov[first++].iov_len;
        if (left > 0) {  // a partial piece: the rest of it next time
            iov[first].iov_base = static_cast<unsigned char*>(iov[first].iov_base) + left;
            iov[first].iov_len -= left;
        }
    }
    if (fsync(fd) != 0) fail("fsync failed");
    if (::close(fd) != 0) {
        int e = errno;
        ::unlink(tmpl.c_str());
        throw Failure(Exit::Io, path + ": close failed: " + std::strerror(e));
    }
    if (::rename(tmpl.c_str(), path.c_str()) != 0) {
        int e = errno;
        ::unlink(tmpl.c_str());
        throw Failure(Exit::Io, path + ": cannot rename the temporary file into place: " + std::strerror(e));
    }
}

}  // namespace oxpack::core
