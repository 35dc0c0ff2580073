// '/'-separated path helpers shared by everything that maps a path string to
// a place in a blob (get_data, the path hook, the support bridge).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace oxpack::runtime {

// Lexically normalised relative path ("a/./b/../c" -> "a/c", "" for the
// start itself); false when it climbs above its start.
inline bool normalize_rel(std::string_view in, std::string& out) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (start <= in.size()) {
        size_t s = in.find('/', start);
        if (s == std::string_view::npos) s = in.size();
        std::string_view c = in.substr(start, s - start);
        start = s + 1;
        if (c.empty() || c == ".") continue;
        if (c == "..") {
            if (parts.empty()) return false;
            parts.pop_back();
            continue;
        }
        parts.push_back(c);
    }
    out.clear();
    for (auto p : parts) {
        if (!out.empty()) out += '/';
        out += p;
    }
    return true;
}

// True when `s` is a path strictly inside directory `dir`; `rest` is then
// what follows "dir/".
inline bool starts_with_dir(std::string_view s, std::string_view dir, std::string_view& rest) {
    if (s.size() <= dir.size() || s.substr(0, dir.size()) != dir || s[dir.size()] != '/') return false;
    rest = s.substr(dir.size() + 1);
    return true;
}

}  // namespace oxpack::runtime
