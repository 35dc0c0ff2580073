// The cheap staleness check done at install: one stat() per root recorded in
// the blob's meta, compared with the mtime (and, for files, the size) the
// freeze saw. Pure C++ (no Python).
#pragma once

#include <string>
#include <vector>

#include "format/meta.hpp"

namespace oxpack::runtime {

struct StaleRoot {
    std::string path;
    std::string reason;  // "modified after the freeze", "missing", ...
};

std::vector<StaleRoot> stale_roots(const std::vector<format::Root>& roots);

}  // namespace oxpack::runtime
