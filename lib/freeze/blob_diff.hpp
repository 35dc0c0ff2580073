// Comparing two blobs entry by entry: added, removed, and changed (by the
// checksum of the payload's raw bytes, so a different compression alone is
// no change), plus differences in the target interpreter.
#pragma once

#include <string>
#include <vector>

#include "format/reader.hpp"

namespace oxpack::freeze {

struct DiffLine {
    char change = '~';  // '+' added in B, '-' removed from A, '~' changed
    std::string space, key, kind;
    std::string detail;  // for '~': what changed ("content", "flags", "path")
};

struct BlobDiff {
    std::vector<DiffLine> entries;          // in (space, key, kind) order
    std::vector<std::string> target;        // "version: 3.11.7 -> 3.12.1", ...
    bool differ() const { return !entries.empty() || !target.empty(); }
};

// Throws oxpack::Failure(BadInput) when an entry or payload cannot be read.
BlobDiff diff_blobs(const format::Blob& a, const format::Blob& b);

}  // namespace oxpack::freeze
