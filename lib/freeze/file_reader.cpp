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

bool read_file(const std::string& path, std::string& out, std::string& error) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        error = std::strerror(errno);
        return false;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        error = S_ISREG(st.st_mode) ? std::strerror(errno) : "not a regular file";
        ::close(fd);
        return false;
    }
    out.resize(static_cast<size_t>(st.st_size));
    size_t done = 0;
    for (;;) {
        if (done == out.size()) {
            // The file may have grown since fstat: read until EOF.
            char probe;
            ssize_t n = ::read(fd, &probe, 1);
            if (n == 0) break;
            if (n < 0) {
                if (errno == EINTR) continue;
                error = std::strerror(errno);
                ::close(fd);
                return false;
            }
            out.push_back(probe);
            out.resize(out.size() + 65536);
            ++done;
            continue;
        }
        ssize_t n = ::read(fd, out.data() + done, out.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            error = std::strerror(errno);
            ::close(fd);
            return false;
        }
        if (n == 0) break;
        done += static_cast<size_t>(n);
    }
    out.resize(done);
    ::close(fd);
    return true;
}

void read_items(const scan::ScanResult& scan, const std::vector<size_t>& which, std::vector<std::string>& out,
                std::vector<bool>& ok, unsigned threads, scan::Report& report,
                const std::function<void(uint64_t)>& progress) {
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
                good = read_file(root.path + "/" + it.path, out[k], error);
            }
            if (!good) {
                report.problem(scan::item_location(scan, it), "cannot read: " + error + "; skipped");
                out[k].clear();
                out[k].shrink_to_fit();
            }
            ok_bytes[k] = good;
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
