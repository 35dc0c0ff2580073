#include "runtime/core/staleness.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace oxpack::runtime {

std::vector<StaleRoot> stale_roots(const std::vector<format::Root>& roots) {
    std::vector<StaleRoot> out;
    for (const auto& r : roots) {
        struct stat st;
        if (::stat(r.path.c_str(), &st) != 0) {
            out.push_back({r.path, errno == ENOENT ? "missing" : std::string("cannot stat: ") + std::strerror(errno)});
            continue;
        }
        uint64_t mtime = static_cast<uint64_t>(st.st_mtim.tv_sec) * 1000000000ull + static_cast<uint64_t>(st.st_mtim.tv_nsec);
        bool is_dir = S_ISDIR(st.st_mode);
        if (is_dir != (r.type == format::RootType::Directory)) out.push_back({r.path, "changed type"});
        else if (mtime != r.mtime_ns) out.push_back({r.path, "modified after the freeze"});
        else if (!is_dir && static_cast<uint64_t>(st.st_size) != r.size) out.push_back({r.path, "changed size"});
    }
    return out;
}

}  // namespace oxpack::runtime
