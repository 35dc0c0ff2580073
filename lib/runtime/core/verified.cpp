#include "runtime/core/verified.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/core/file_cache.hpp"

namespace oxpack::runtime {

std::string verified_record_name(const format::FileIdentity& id, uint64_t header) {
    return hex16(id.device) + "-" + hex16(id.inode) + "-" + hex16(id.size) + "-" +
           hex16(static_cast<uint64_t>(id.mtime_ns)) + "-" + hex16(static_cast<uint64_t>(id.ctime_ns)) + "-" +
           hex16(header);
}

bool verified_before(const std::string& base, const format::FileIdentity& id, uint64_t header) {
    if (id.inode == 0) return false;  // not a mapped file
    const std::string dir = base + "/verified";
    struct stat st;
    if (::lstat((dir + "/" + verified_record_name(id, header)).c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
        st.st_uid != ::geteuid())
        return false;
    return ::lstat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == ::geteuid() &&
           (st.st_mode & 022) == 0;
}

bool remember_verified(const format::FileIdentity& id, uint64_t header) {
    if (id.inode == 0) return false;
    auto base = private_cache_base();
    if (!base || !make_private_dirs(*base, "verified")) return false;
    std::string path = *base + "/verified/" + verified_record_name(id, header);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return false;
    return ::close(fd) == 0;
}

}  // namespace oxpack::runtime
