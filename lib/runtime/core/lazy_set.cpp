#include "runtime/core/lazy_set.hpp"

#include <fnmatch.h>

#include <algorithm>

namespace oxpack::runtime {

LazySet::LazySet(std::vector<std::string> globs) : globs_(std::move(globs)) {
    globs_.erase(std::remove(globs_.begin(), globs_.end(), std::string()), globs_.end());
    for (const auto& g : globs_) {
        if (g.find_first_of("*?[\\") == std::string::npos)
            names_.insert(std::string_view(g));
        else
            patterns_.push_back(&g);
    }
}

bool LazySet::contains(std::string_view module) const {
    if (names_.count(module)) return true;
    if (patterns_.empty()) return false;
    const std::string name(module);  // fnmatch wants it NUL-terminated
    return std::any_of(patterns_.begin(), patterns_.end(),
                       [&](const std::string* g) { return ::fnmatch(g->c_str(), name.c_str(), 0) == 0; });
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
