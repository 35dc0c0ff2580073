// Walking a directory root into a Node tree, fast (openat/fstatat, one
// thread per top-level subdirectory) and defensively: symlinks are followed
// as the import system follows them, and loops, broken links, unreadable
// directories and files, special files and non-UTF-8 names are reported
// once each and left out. The first 16 bytes of every .pyc are read on the way.
#pragma once

#include <sys/types.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "scan/report.hpp"
#include "scan/tree.hpp"

namespace oxpack::scan {

struct WalkOptions {
    // Directories not to descend into (device, inode): the other sys.path
    // roots, e.g. site-packages and lib-dynload inside the stdlib directory.
    std::set<std::pair<dev_t, ino_t>> other_roots;
    unsigned threads = 0;  // 0: one per core
};

// A directory the walk came to (entered or not), as identified by stat.
struct WalkedDir {
    dev_t dev = 0;
    ino_t ino = 0;
    std::string path;  // absolute, as walked (through symlinks)
};

// Walks `root` (an absolute path to a directory). Problems go to `report`.
// With `seen`, every directory met below the root is recorded there.
Node walk_directory(const std::string& root, const WalkOptions& options, Report& report,
                    std::vector<WalkedDir>* seen = nullptr);

// Turns a walk of `root` made without WalkOptions::other_roots into the
// walk with them: the directories of `seen` that are `other_roots` are
// removed from `tree` with the note walk_directory gives them, and the
// reports of `walk_report` (that walk's problems) are replayed into
// `report`, but for those at or below a removed directory.
void prune_walk(Node& tree, const std::string& root, std::vector<WalkedDir> seen,
                const std::set<std::pair<dev_t, ino_t>>& other_roots, const Report& walk_report, Report& report);

}  // namespace oxpack::scan
