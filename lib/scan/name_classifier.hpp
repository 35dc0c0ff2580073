// Classification by file name alone (issue #2's freeze): every file under a
// directory becomes one entry. The import-system-aware scanner replaces it.
#pragma once

#include <string>
#include <vector>

#include "format/writer.hpp"

namespace oxpack::scan {

struct NameScanReport {
    std::vector<std::string> problems;  // "path: what was done"
};

// Appends one entry per regular file under `root` (recursively) to `out`,
// tagged with `root_index`. Problems (unreadable files, duplicates) are
// reported, not fatal.
void classify_by_name(const std::string& root, uint16_t root_index, const format::Target& target,
                      std::vector<format::InputEntry>& out, NameScanReport& report);

}  // namespace oxpack::scan
