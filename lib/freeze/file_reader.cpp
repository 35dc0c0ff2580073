// Parallel file and archive-member reading.
#include "freeze/file_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <thread>

#include "scan/archive.hpp"

namespace oxpack::freeze {

bool read_file(const std::string& path, std::string& out, std::string& error, int64_t size_hint) {
    // O_NONBLOCK: a file swapped for a FIFO since the scan must not hang us.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
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
    out.resize(static_cast<size_t>(size_hint) + 1);
    size_t done = 0;
    for (;;) {
        ssize_t n = ::read(fd, out.data() + done, out.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            error = errno == EAGAIN ? "not a regular file" : std::strerror(errno);
            ::close(fd);
            return false;
        }
        if (n == 0) break;
        done += static_cast<size_t>(n);
        if (done == static_cast<size_t>(size_hint)) break;  // the size the scan saw: done
        if (done == out.size()) out.resize(out.size() * 2);  // it grew: read on to the end
    }
    out.resize(done);
    ::close(fd);
    return true;
}

void read_items(const scan::ScanResult& scan, const std::vector<size_t>& which, std::vector<std::string>& out,
                std::vector<bool>& ok, unsigned threads, scan::Report& report,
                const std::function<void(uint64_t)>& progress,
                const std::function<void(size_t, const std::string&)>& after_read) {
    out.assign(which.size(), {});
    ok.assign(which.size(), false);
    std::vector<char> ok_bytes(which.size(), 0);
    std::atomic<size_t> next{0};
    auto work = [&] {
        std::map<uint16_t, std::unique_ptr<scan::Archive>> archives;  // this thread's handles
        std::string error;
        for (size_t k; (k = next.fetch_add(1)) < which.size();) {
            const scan::Item& it = scan.items[which[k]];
            const scan::ScanRoot& root = scan.roots[it.root];
            bool good;
            if (it.member >= 0) {
                auto& a = archives[it.root];
                if (!a) {
                    auto opened = scan::Archive::open(root.path, error);
                    if (opened) a = std::make_unique<scan::Archive>(std::move(*opened));
                }
                good = a && a->read(it.member, out[k], error);
            } else {
                good = read_file(root.path + "/" + it.path, out[k], error, static_cast<int64_t>(it.size));
            }
            if (!good) {
                report.problem(scan::item_location(scan, it), "cannot read: " + error + "; skipped");
                out[k].clear();
                out[k].shrink_to_fit();
            }
            ok_bytes[k] = good;
            if (good && after_read) after_read(k, out[k]);
            if (progress) progress(out[k].size());
        }
    };
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads && t < which.size(); ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    for (size_t k = 0; k < which.size(); ++k) ok[k] = ok_bytes[k] != 0;
}

}  // namespace oxpack::freeze
