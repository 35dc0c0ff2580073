// Parallel file and archive-member reading.
#include "freeze/file_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <thread>

#include "scan/archive.hpp"

namespace oxpack::freeze {

char* ReadBuffer::reserve(size_t n, size_t keep) {
    if (n <= capacity_) return bytes_.get();
    size_t grown = std::max(n, capacity_ + capacity_ / 2);
    auto bigger = std::make_unique_for_overwrite<char[]>(grown);
    if (keep > 0) std::memcpy(bigger.get(), bytes_.get(), keep);
    bytes_ = std::move(bigger);
    capacity_ = grown;
    return bytes_.get();
}

bool read_file(int dirfd, const char* name, ReadBuffer& buf, std::string_view& out, std::string& error,
               int64_t size_hint) {
    // O_NONBLOCK: a file swapped for a FIFO since the scan must not hang us.
    int fd = ::openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        error = std::strerror(errno);
        return false;
    }
    if (size_hint < 0) {
        struct stat st;
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            error = errno ? std::strerror(errno) : "not a regular file";
            ::close(fd);
            return false;
        }
        size_hint = st.st_size;
    }
    // One byte more than expected: a short read is the end of a regular file,
    // a full one means it grew and we keep reading.
    size_t want = static_cast<size_t>(size_hint) + 1;
    buf.reserve(want);
    size_t done = 0;
    for (;;) {
        ssize_t n = ::read(fd, buf.data() + done, want - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            error = errno == EAGAIN ? "not a regular file" : std::strerror(errno);
            ::close(fd);
            return false;
        }
        if (n == 0) break;
        done += static_cast<size_t>(n);
        if (done == static_cast<size_t>(size_hint)) break;  // the size the scan saw: done
        if (done == want) {                                   // it grew: read on to the end
            want *= 2;
            buf.reserve(want, done);
        }
    }
    ::close(fd);
    out = std::string_view(buf.data(), done);
    return true;
}

bool read_file(const std::string& path, std::string& out, std::string& error, int64_t size_hint) {
    ReadBuffer buf;
    std::string_view bytes;
    if (!read_file(AT_FDCWD, path.c_str(), buf, bytes, error, size_hint)) return false;
    out.assign(bytes);
    return true;
}

std::vector<bool> read_items(const scan::ScanResult& scan, const std::vector<size_t>& which, unsigned threads,
                             scan::Report& report, const std::function<ItemConsumer()>& make_consumer) {
    // Files open relative to their root's descriptor: the kernel walks only
    // the root-relative part of each path (cheaper than caching a descriptor
    // per directory, measured). -1: open by full path, which reports errors.
    std::vector<int> root_fds(scan.roots.size(), -1);
    for (size_t r = 0; r < scan.roots.size(); ++r)
        if (scan.roots[r].type == format::RootType::Directory)
            root_fds[r] = ::open(scan.roots[r].path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    std::vector<char> ok_bytes(which.size(), 0);
    // Threads take runs of consecutive items: neighbours share directories.
    constexpr size_t kRun = 16;
    std::atomic<size_t> next{0};
    auto work = [&] {
        ItemConsumer consume = make_consumer();
        std::map<uint16_t, std::unique_ptr<scan::Archive>> archives;  // this thread's handles
        ReadBuffer buf;
        std::string member, error;
        for (size_t first; (first = next.fetch_add(kRun)) < which.size();) {
            for (size_t k = first; k < std::min(first + kRun, which.size()); ++k) {
                const scan::Item& it = scan.items[which[k]];
                const scan::ScanRoot& root = scan.roots[it.root];
                std::string_view bytes;
                bool good;
                if (it.member >= 0) {
                    auto& a = archives[it.root];
                    if (!a) {
                        auto opened = scan::Archive::open(root.path, error);
                        if (opened) a = std::make_unique<scan::Archive>(std::move(*opened));
                    }
                    good = a && a->read(it.member, member, error);
                    bytes = member;
                } else {
                    const auto size = static_cast<int64_t>(it.size);
                    const int rootfd = root_fds[it.root];
                    good = rootfd >= 0 ? read_file(rootfd, it.path.c_str(), buf, bytes, error, size)
                                       : read_file(AT_FDCWD, (root.path + "/" + it.path).c_str(), buf, bytes, error, size);
                }
                if (!good) {
                    report.problem(scan::item_location(scan, it), "cannot read: " + error + "; skipped");
                    continue;
                }
                ok_bytes[k] = 1;
                consume(k, bytes);
            }
        }
    };
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads && t * kRun < which.size(); ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    for (int fd : root_fds)
        if (fd >= 0) ::close(fd);
    return {ok_bytes.begin(), ok_bytes.end()};
}

}  // namespace oxpack::freeze
