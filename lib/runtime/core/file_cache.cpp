#include "runtime/core/file_cache.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

namespace oxpack::runtime {
namespace {

using format::Error;
using format::ErrorCode;

Error io(const std::string& path, const std::string& what) {
    return Error{ErrorCode::Io, path + ": " + what + (errno ? std::string(": ") + std::strerror(errno) : "")};
}

// Creates `path` (mode 0700) if missing, then checks it is private.
format::Result<void> private_dir(const std::string& path, bool require_private) {
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return io(path, "cannot create the cache directory");
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) return io(path, "cannot stat the cache directory");
    errno = 0;
    if (!S_ISDIR(st.st_mode)) return io(path, "cache path is not a directory (a symlink?)");
    if (st.st_uid != ::geteuid()) return io(path, "cache directory is owned by another user");
    if (require_private && (st.st_mode & 022) != 0) return io(path, "cache directory is writable by others");
    return {};
}

bool write_all(int fd, const unsigned char* p, size_t n) {
    while (n > 0) {
        ssize_t w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += w;
        n -= static_cast<size_t>(w);
    }
    return true;
}

bool same_contents(const std::string& path, std::span<const unsigned char> bytes) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return false;
    struct stat st;
    bool same = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == ::geteuid() &&
                static_cast<uint64_t>(st.st_size) == bytes.size();
    if (same && !bytes.empty()) {
        void* m = ::mmap(nullptr, bytes.size(), PROT_READ, MAP_PRIVATE, fd, 0);
        same = m != MAP_FAILED && std::memcmp(m, bytes.data(), bytes.size()) == 0;
        if (m != MAP_FAILED) ::munmap(m, bytes.size());
    }
    ::close(fd);
    return same;
}

}  // namespace

std::string hex16(uint64_t v) {
    static const char* digits = "0123456789abcdef";
    std::string s(16, '0');
    for (int i = 15; i >= 0; --i, v >>= 4) s[static_cast<size_t>(i)] = digits[v & 15];
    return s;
}

namespace {

// The cache base, and the directory above it to create first when it came
// from $XDG_CACHE_HOME or $HOME ("" otherwise).
std::pair<std::string, std::string> cache_base_and_parent() {
    auto env = [](const char* n) -> std::string {
        const char* v = std::getenv(n);
        return v && *v == '/' ? std::string(v) : std::string();
    };
    std::string base = env("OXPACK_CACHE_DIR"), parent;
    if (base.empty()) {
        std::string xdg = env("XDG_CACHE_HOME"), home = env("HOME");
        parent = !xdg.empty() ? xdg : !home.empty() ? home + "/.cache" : std::string();
        base = !parent.empty() ? parent + "/oxpack" : "/tmp/oxpack-" + std::to_string(::geteuid());
    }
    while (base.size() > 1 && base.back() == '/') base.pop_back();
    return {base, parent};
}

}  // namespace

std::string cache_base_path() { return cache_base_and_parent().first; }

format::Result<std::string> private_cache_base() {
    auto [base, parent] = cache_base_and_parent();
    if (!parent.empty() && ::mkdir(parent.c_str(), 0700) != 0 && errno != EEXIST) return io(parent, "cannot create");
    if (auto r = private_dir(base, true); !r) return r.error();
    return base;
}

format::Result<void> make_private_dirs(const std::string& base, const std::string& relative_dir) {
    std::string path = base;
    size_t start = 0;
    while (start < relative_dir.size()) {
        size_t slash = relative_dir.find('/', start);
        if (slash == std::string::npos) slash = relative_dir.size();
        std::string comp = relative_dir.substr(start, slash - start);
        start = slash + 1;
        if (comp.empty() || comp == ".") continue;
        if (comp == "..") return Error{ErrorCode::Invalid, relative_dir + ": '..' in a cache path"};
        path += "/" + comp;
        if (auto r = private_dir(path, true); !r) return r.error();
    }
    return {};
}

format::Result<void> materialize(const std::string& path, std::span<const unsigned char> bytes, unsigned mode,
                                 const std::string& tmp_dir) {
    if (same_contents(path, bytes)) return {};
    std::string name = path.substr(path.rfind('/') + 1);
    std::string tmp = (tmp_dir.empty() ? path : tmp_dir + "/" + name) + ".tmp-XXXXXX";
    std::vector<char> buf(tmp.begin(), tmp.end());
    buf.push_back('\0');
    int fd = ::mkostemp(buf.data(), O_CLOEXEC);
    if (fd < 0) return io(path, "cannot create a temporary file");
    tmp.assign(buf.data());
    bool ok = write_all(fd, bytes.data(), bytes.size()) && ::fchmod(fd, mode) == 0 && ::fsync(fd) == 0;
    int saved = errno;
    ok = (::close(fd) == 0) && ok;
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        if (ok) saved = errno;
        ::unlink(tmp.c_str());
        errno = saved;
        return io(path, "cannot write the cached file");
    }
    return {};
}

format::Result<int> memory_file(const std::string& name, std::span<const unsigned char> bytes) {
#ifdef MFD_CLOEXEC
    int fd = ::memfd_create(name.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) return io(name, "memfd_create failed");
    if (!write_all(fd, bytes.data(), bytes.size())) {
        int e = errno;
        ::close(fd);
        errno = e;
        return io(name, "cannot fill the memory file");
    }
    ::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
    return fd;
#else
    (void)bytes;
    errno = ENOSYS;
    return io(name, "memfd_create is not available");
#endif
}

}  // namespace oxpack::runtime
