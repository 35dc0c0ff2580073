// A progress bar on stderr, shown only when stderr is a terminal (and never
// in --json or quiet runs). Thread-safe; redraws at most ~10 times a second.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace oxpack::util {

class Progress {
public:
    // enabled && isatty(2): draws; otherwise every call does nothing.
    explicit Progress(bool enabled);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    // Starts a phase ("reading", "compressing"...) of `total` units; `bytes`
    // says whether units are bytes (shown as MB) or items.
    void phase(const std::string& name, uint64_t total, bool bytes = false);
    void update(uint64_t done);  // absolute
    void advance(uint64_t delta);
    void done();                 // clears the line
    bool active() const { return enabled_; }

private:
    void draw(bool force);
    bool enabled_ = false;
    std::mutex mutex_;
    std::string name_;
    uint64_t total_ = 0, done_ = 0;
    bool bytes_ = false;
    std::chrono::steady_clock::time_point last_{};
};

}  // namespace oxpack::util
