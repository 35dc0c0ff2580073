// Walking a directory root into a Node tree, fast (openat/fstatat, one
// thread per top-level subdirectory) and defensively: symlinks are followed
// as the import system follows them, and loops, broken links, unreadable
// directories, special files and non-UTF-8 names are reported once each and
// left out. The first 16 bytes of every .pyc are read on the way.
#pragma once

#include <sys/types.h>

#include <set>
#include <string>
#include <utility>

#include "scan/report.hpp"
#include "scan/tree.hpp"

namespace oxpack::scan {

struct WalkOptions {
    // Directories not to descend into (device, inode): the other sys.path
    // roots, e.g. site-packages and lib-dynload inside the stdlib directory.
    std::set<std::pair<dev_t, ino_t>> other_roots;
    unsigned threads = 0;  // 0: one per core
};

// Walks `root` (an absolute path to a directory). Problems go to `report`.
Node walk_directory(const std::string& root, const WalkOptions& options, Report& report);

}  // namespace oxpack::scan
