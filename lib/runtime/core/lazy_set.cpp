#include "runtime/core/lazy_set.hpp"

#include <algorithm>

namespace oxpack::runtime {

namespace {

// One bracket expression at p[0] == '['; on success `consumed` is its length
// and `hit` whether `c` is in it. A '[' without a closing ']' is a literal.
bool bracket(std::string_view p, char c, size_t& consumed, bool& hit) {
    size_t i = 1;
    bool negate = i < p.size() && p[i] == '!';
    if (negate) ++i;
    size_t first = i;
    bool in = false;
    for (; i < p.size() && (p[i] != ']' || i == first); ++i) {
        if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
            if (p[i] <= c && c <= p[i + 2]) in = true;
            i += 2;
        } else if (p[i] == c) {
            in = true;
        }
    }
    if (i >= p.size()) return false;
    consumed = i + 1;
    hit = in != negate;
    return true;
}

}  // namespace

bool glob_match(std::string_view p, std::string_view s) {
    // Iterative, with one backtrack point for the last '*': linear in
    // practice, no recursion on hostile patterns.
    size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
    while (si < s.size()) {
        if (pi < p.size()) {
            char pc = p[pi];
            if (pc == '*') {
                star = pi++;
                mark = si;
                continue;
            }
            if (pc == '[') {
                size_t used = 0;
                bool hit = false;
                if (bracket(p.substr(pi), s[si], used, hit)) {
                    if (hit) {
                        pi += used;
                        ++si;
                        continue;
                    }
                } else if (s[si] == '[') {
                    ++pi;
                    ++si;
                    continue;
                }
            } else if (pc == '?' || pc == s[si]) {
                ++pi;
                ++si;
                continue;
            }
        }
        if (star == std::string_view::npos) return false;
        pi = star + 1;
        si = ++mark;
    }
    while (pi < p.size() && p[pi] == '*') ++pi;
    return pi == p.size();
}

LazySet::LazySet(std::vector<std::string> globs) : globs_(std::move(globs)) {
    globs_.erase(std::remove(globs_.begin(), globs_.end(), std::string()), globs_.end());
}

bool LazySet::contains(std::string_view module) const {
    return std::any_of(globs_.begin(), globs_.end(), [&](const std::string& g) { return glob_match(g, module); });
}

std::vector<std::string> split_globs(std::string_view list) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= list.size()) {
        size_t comma = list.find(',', start);
        if (comma == std::string_view::npos) comma = list.size();
        std::string_view item = list.substr(start, comma - start);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
        if (!item.empty()) out.emplace_back(item);
        start = comma + 1;
    }
    return out;
}

}  // namespace oxpack::runtime
