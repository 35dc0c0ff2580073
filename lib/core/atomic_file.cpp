#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/error.hpp"

namespace oxpack::core {
namespace {

std::string errno_text() { return std::strerror(errno); }

}  // namespace

void write_file_atomic(const std::string& path, std::span<const unsigned char> bytes) {
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
    size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("write failed");
        }
        done += static_cast<size_t>(n);
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
