// Atomic output: resolve what may be replaced, temporary file, writev, fsync,
// rename; temporaries removed on failure, on fatal signals, and (when a
// writer was killed outright) by the next write to the same output.
#include "util/atomic_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "util/error.hpp"

namespace oxpack::util {
namespace fs = std::filesystem;
namespace {

std::string errno_text(int e) { return std::strerror(e); }

const char* file_type_name(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

// This host's name as it appears in temporary names: letters, digits and '-'
// only (so '.' separates the fields), at most 32 characters.
std::string host_tag() {
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
    std::string out;
    for (const char* c = buf; *c && out.size() < 32; ++c)
        if (std::isalnum(static_cast<unsigned char>(*c)) || *c == '-') out += *c;
    return out.empty() ? "unknown" : out;
}

// --- the temporary being written, for the signal handler ---------------------
// One at a time (writes are sequential on the CLI's main thread). The handler
// only calls async-signal-safe functions: unlink, sigaction, raise.
constexpr int kCleanupSignals[] = {SIGINT, SIGTERM, SIGHUP};
char g_temp_path[PATH_MAX + 1];
std::atomic<bool> g_temp_armed{false};

extern "C" void remove_temp_and_reraise(int sig) {
    if (g_temp_armed.exchange(false)) ::unlink(g_temp_path);
    struct sigaction dfl = {};
    dfl.sa_handler = SIG_DFL;
    sigaction(sig, &dfl, nullptr);
    raise(sig);  // delivered when the handler returns: the process ends as the signal says
}

// Creates the temporary from `tmpl` (mkstemp) with the handler armed: from
// the moment the file exists until disarm(), SIGINT/SIGTERM/SIGHUP remove it.
// Signals a caller ignores (nohup) stay ignored.
class TempGuard {
public:
    explicit TempGuard(const std::string& tmpl) {
        if (tmpl.size() > PATH_MAX) {
            errno = ENAMETOOLONG;
            return;
        }
        sigset_t block, old;
        sigemptyset(&block);
        for (int s : kCleanupSignals) sigaddset(&block, s);
        pthread_sigmask(SIG_BLOCK, &block, &old);
        std::memcpy(g_temp_path, tmpl.c_str(), tmpl.size() + 1);
        fd_ = mkstemp(g_temp_path);
        int saved = errno;
        if (fd_ >= 0) {
            path_ = g_temp_path;
            g_temp_armed = true;
            for (size_t i = 0; i < std::size(kCleanupSignals); ++i) {
                struct sigaction sa = {};
                sa.sa_handler = remove_temp_and_reraise;
                sigemptyset(&sa.sa_mask);
                sigaction(kCleanupSignals[i], nullptr, &old_[i]);
                if (old_[i].sa_handler != SIG_IGN) sigaction(kCleanupSignals[i], &sa, nullptr);
            }
        }
        pthread_sigmask(SIG_SETMASK, &old, nullptr);
        errno = saved;
    }
    ~TempGuard() {
        if (fd_ >= 0) ::close(fd_);
        if (!path_.empty() && !committed_) ::unlink(path_.c_str());
        disarm();
    }
    TempGuard(const TempGuard&) = delete;
    TempGuard& operator=(const TempGuard&) = delete;

    int fd() const { return fd_; }
    const std::string& path() const { return path_; }
    // Closes the descriptor; returns close()'s result.
    int close() {
        int rc = ::close(fd_);
        fd_ = -1;
        return rc;
    }
    // The temporary was renamed into place: nothing to remove any more.
    void committed() {
        committed_ = true;
        disarm();
    }

private:
    void disarm() {
        if (path_.empty() || !g_temp_armed.exchange(false)) return;
        for (size_t i = 0; i < std::size(kCleanupSignals); ++i)
            if (old_[i].sa_handler != SIG_IGN) sigaction(kCleanupSignals[i], &old_[i], nullptr);
    }
    int fd_ = -1;
    std::string path_;
    bool committed_ = false;
    struct sigaction old_[std::size(kCleanupSignals)] = {};
};

// Writes the iovecs at the descriptor's position, retrying short writes.
// Returns 0, or the errno of the failed write. `progress(written)` is called
// after each successful write.
template <typename OnWrite>
int write_iov(int fd, std::vector<iovec>& iov, OnWrite on_write) {
    uint64_t written = 0;
    for (size_t first = 0; first < iov.size();) {
        const int count = static_cast<int>(std::min<size_t>(iov.size() - first, IOV_MAX));
        ssize_t n = ::writev(fd, iov.data() + first, count);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        written += static_cast<uint64_t>(n);
        on_write(written);
        auto left = static_cast<size_t>(n);
        while (first < iov.size() && left >= iov[first].iov_len) left -= iov[first++].iov_len;
        if (left > 0) {  // a partial piece: the rest of it next time
            iov[first].iov_base = static_cast<unsigned char*>(iov[first].iov_base) + left;
            iov[first].iov_len -= left;
        }
    }
    return 0;
}

std::vector<iovec> iovecs_of(std::span<const std::span<const unsigned char>> pieces, uint64_t& total) {
    std::vector<iovec> iov;
    iov.reserve(pieces.size());
    total = 0;
    for (auto p : pieces)
        if (!p.empty()) {
            iov.push_back({const_cast<unsigned char*>(p.data()), p.size()});
            total += p.size();
        }
    return iov;
}

}  // namespace

std::string resolve_output_path(const std::string& path) {
    std::string p = path;
    for (int hops = 0; hops < 40; ++hops) {
        struct stat st;
        if (::lstat(p.c_str(), &st) != 0) return p;  // not there (created), or unreachable (the write says why)
        if (S_ISREG(st.st_mode)) return p;
        if (!S_ISLNK(st.st_mode)) {
            std::string via = p == path ? "" : " (the symlink's target " + p + ")";
            throw Failure(Exit::BadInput, path + ": is " + file_type_name(st.st_mode) + via +
                                              ", not a regular file; refusing to replace it (give a file path, or "
                                              "'-o -' for standard output)");
        }
        std::vector<char> buf(static_cast<size_t>(std::max<off_t>(st.st_size, PATH_MAX)) + 1);
        ssize_t n = ::readlink(p.c_str(), buf.data(), buf.size() - 1);
        if (n < 0) throw Failure(Exit::BadInput, path + ": cannot read the symlink " + p + ": " + errno_text(errno));
        fs::path link(std::string(buf.data(), static_cast<size_t>(n)));
        p = link.is_absolute() ? link.string() : (fs::path(p).parent_path() / link).string();
    }
    throw Failure(Exit::BadInput, path + ": too many levels of symbolic links");
}

std::string temporary_prefix(const std::string& target) {
    return "." + fs::path(target).filename().string() + ".oxpack-tmp.";
}

std::vector<std::string> remove_stale_temporaries(const std::string& target, std::time_t now) {
    std::vector<std::string> removed;
    fs::path dir = fs::path(target).parent_path();
    if (dir.empty()) dir = ".";
    const std::string prefix = temporary_prefix(target);
    const std::string here = host_tag();
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return removed;
    while (const dirent* de = ::readdir(d)) {
        std::string name = de->d_name;
        if (name.compare(0, prefix.size(), prefix) != 0) continue;
        // <host>.<pid>.XXXXXX after the prefix
        std::string rest = name.substr(prefix.size());
        size_t dot1 = rest.find('.');
        size_t dot2 = dot1 == std::string::npos ? dot1 : rest.find('.', dot1 + 1);
        if (dot2 == std::string::npos || rest.size() - dot2 - 1 != 6) continue;
        std::string host = rest.substr(0, dot1), pid_text = rest.substr(dot1 + 1, dot2 - dot1 - 1);
        if (pid_text.empty() || pid_text.size() > 10 || !std::all_of(pid_text.begin(), pid_text.end(), ::isdigit))
            continue;
        long pid = std::stol(pid_text);
        std::string full = (dir / name).string();
        struct stat st;
        if (::lstat(full.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid()) continue;
        bool writer_gone = host == here && pid > 0 && pid != ::getpid() && ::kill(static_cast<pid_t>(pid), 0) != 0 &&
                           errno == ESRCH;
        bool abandoned = now - st.st_mtime > 24 * 3600;
        if ((writer_gone || abandoned) && ::unlink(full.c_str()) == 0) removed.push_back(full);
    }
    ::closedir(d);
    return removed;
}

void write_all_fd(int fd, std::span<const std::span<const unsigned char>> pieces, const std::string& what) {
    uint64_t total = 0;
    auto iov = iovecs_of(pieces, total);
    if (int e = write_iov(fd, iov, [](uint64_t) {}))
        throw Failure(Exit::Io, what + ": write failed: " + errno_text(e));
}

void write_file_atomic(const std::string& path, std::span<const unsigned char> bytes) {
    std::span<const unsigned char> one[] = {bytes};
    write_file_atomic(path, one);
}

void write_file_atomic(const std::string& path, std::span<const std::span<const unsigned char>> pieces) {
    const std::string target = resolve_output_path(path);
    fs::path dir = fs::path(target).parent_path().empty() ? fs::path(".") : fs::path(target).parent_path();
    remove_stale_temporaries(target);
    std::string tmpl = (dir / (temporary_prefix(target) + host_tag() + "." + std::to_string(::getpid()) + ".XXXXXX"))
                           .string();
    TempGuard temp(tmpl);
    if (temp.fd() < 0)
        throw Failure(Exit::Io, path + ": cannot create a temporary file in " + dir.string() + ": " + errno_text(errno));
    const int fd = temp.fd();
    auto fail = [&](const std::string& what, int e) { throw Failure(Exit::Io, path + ": " + what + ": " + errno_text(e)); };
    // mkstemp creates 0600; give the file the permissions a plain create would.
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0) fail("cannot set permissions", errno);
    uint64_t total = 0;
    auto iov = iovecs_of(pieces, total);
    // Blocks allocated at once, and the size set, before writing: the writes
    // then neither allocate nor grow the file (measured: faster, steadier).
    // Only a hint: where it fails, the writes below report the real error.
    if (total > 0) (void)::fallocate(fd, 0, 0, static_cast<off_t>(total));
    // Writeback starts every few MiB (sync_file_range), so the disk works
    // while later pieces are copied and the final fsync has little left to do.
    constexpr uint64_t kWritebackChunk = 8u << 20;
    uint64_t flushed = 0;
    int e = write_iov(fd, iov, [&](uint64_t written) {
        if (written - flushed >= kWritebackChunk) {
            ::sync_file_range(fd, static_cast<off64_t>(flushed), static_cast<off64_t>(written - flushed),
                              SYNC_FILE_RANGE_WRITE);  // a hint: fsync below is what guarantees durability
            flushed = written;
        }
    });
    if (e != 0) fail("write failed", e);
    if (fsync(fd) != 0) fail("fsync failed", errno);
    if (temp.close() != 0) fail("close failed", errno);
    // The output's kind is checked again just before the rename: something
    // put there while we wrote (a FIFO, a directory) is still not replaced.
    const std::string now_target = resolve_output_path(path);
    if (::rename(temp.path().c_str(), now_target.c_str()) != 0)
        fail("cannot rename the temporary file into place", errno);
    temp.committed();
}

}  // namespace oxpack::util
