// Progress bar drawing.
#include "util/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace oxpack::util {

Progress::Progress(bool enabled) : enabled_(enabled && isatty(STDERR_FILENO) == 1) {}

Progress::~Progress() { done(); }

void Progress::phase(const std::string& name, uint64_t total, bool bytes) {
    if (!enabled_) return;
    std::lock_guard lock(mutex_);
    name_ = name;
    total_ = total;
    done_ = 0;
    bytes_ = bytes;
    draw(true);
}

void Progress::update(uint64_t done) {
    if (!enabled_) return;
    std::lock_guard lock(mutex_);
    done_ = done;
    draw(false);
}

void Progress::advance(uint64_t delta) {
    if (!enabled_) return;
    std::lock_guard lock(mutex_);
    done_ += delta;
    draw(false);
}

void Progress::done() {
    if (!enabled_) return;
    std::lock_guard lock(mutex_);
    if (!name_.empty()) std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    name_.clear();
}

void Progress::draw(bool force) {
    auto now = std::chrono::steady_clock::now();
    if (!force && now - last_ < std::chrono::milliseconds(100) && done_ < total_) return;
    last_ = now;
    constexpr int kWidth = 30;
    double frac = total_ ? static_cast<double>(done_) / static_cast<double>(total_) : 0.0;
    if (frac > 1) frac = 1;
    int fill = static_cast<int>(frac * kWidth);
    char bar[kWidth + 1];
    for (int i = 0; i < kWidth; ++i) bar[i] = i < fill ? '#' : '.';
    bar[kWidth] = '\0';
    if (bytes_)
        std::fprintf(stderr, "\r\033[K%-12s [%s] %3d%%  %.1f/%.1f MB", name_.c_str(), bar, static_cast<int>(frac * 100),
                     done_ / 1e6, total_ / 1e6);
    else
        std::fprintf(stderr, "\r\033[K%-12s [%s] %3d%%  %llu/%llu", name_.c_str(), bar, static_cast<int>(frac * 100),
                     static_cast<unsigned long long>(done_), static_cast<unsigned long long>(total_));
    std::fflush(stderr);
}

}  // namespace oxpack::util
