// Report: a thread-safe, de-duplicated list of problems and notes.
#include "scan/report.hpp"

#include <algorithm>
#include <tuple>

namespace oxpack::scan {

void Report::add(Problem p) {
    std::lock_guard lock(mutex_);
    if (!seen_.emplace(p.path, p.what).second) return;
    items_.push_back(std::move(p));
}

std::vector<Problem> Report::sorted() const {
    std::lock_guard lock(mutex_);
    std::vector<Problem> out = items_;
    std::sort(out.begin(), out.end(), [](const Problem& a, const Problem& b) {
        return std::tie(a.path, a.what) < std::tie(b.path, b.what);
    });
    return out;
}

size_t Report::skipped_count() const {
    std::lock_guard lock(mutex_);
    return static_cast<size_t>(std::count_if(items_.begin(), items_.end(), [](const Problem& p) { return p.skipped; }));
}

size_t Report::warning_count() const {
    std::lock_guard lock(mutex_);
    return static_cast<size_t>(std::count_if(items_.begin(), items_.end(), [](const Problem& p) { return p.warning; }));
}

size_t Report::note_count() const {
    std::lock_guard lock(mutex_);
    return static_cast<size_t>(
        std::count_if(items_.begin(), items_.end(), [](const Problem& p) { return !p.skipped && !p.warning; }));
}

}  // namespace oxpack::scan
