// '/'-separated path helpers shared by everything that maps a path string to
// a place in a blob (get_data, the path hook, the support bridge).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runtime/core/mount_table.hpp"

namespace oxpack::runtime {

// Lexically normalised relative path ("a/./b/../c" -> "a/c", "" for the
// start itself); false when it climbs above its start.
inline bool normalize_rel(std::string_view in, std::string& out) { return normalize_relative(in, out); }

// True when `s` is a path strictly inside directory `dir`; `rest` is then
// what follows "dir/".
inline bool starts_with_dir(std::string_view s, std::string_view dir, std::string_view& rest) {
    if (s.size() <= dir.size() || s.substr(0, dir.size()) != dir || s[dir.size()] != '/') return false;
    rest = s.substr(dir.size() + 1);
    return true;
}

}  // namespace oxpack::runtime
