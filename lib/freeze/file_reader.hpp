// Reading the bytes of scanned items, fast: one openat/read/close per file,
// relative to its root's directory descriptor (no path walk from /), into a
// per-thread buffer that is reused and never zero-filled; archive members
// through one libzip handle per thread and archive; every core busy.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scan/report.hpp"
#include "scan/scanner.hpp"

namespace oxpack::freeze {

// A grow-only byte buffer, never zero-filled: reads overwrite it.
class ReadBuffer {
public:
    // At least `n` bytes; keeps the first `keep` bytes when it grows.
    char* reserve(size_t n, size_t keep = 0);
    char* data() { return bytes_.get(); }
    size_t capacity() const { return capacity_; }

private:
    std::unique_ptr<char[]> bytes_;
    size_t capacity_ = 0;
};

// Reads the whole regular file `name` (relative to the directory `dirfd`, or
// absolute / relative to the cwd with AT_FDCWD) into `buf`; `out` views the
// bytes. `size_hint` (the size the scan saw) saves an fstat: openat, one
// read of size_hint + 1 bytes, close for most files; a file that grew since
// is read to its end. On failure returns false and sets `error`
// ("Permission denied").
bool read_file(int dirfd, const char* name, ReadBuffer& buf, std::string_view& out, std::string& error,
               int64_t size_hint = -1);

// The same into a string.
bool read_file(const std::string& path, std::string& out, std::string& error, int64_t size_hint = -1);

// Receives item k's bytes on a reading thread; `bytes` is only valid during the call.
using ItemConsumer = std::function<void(size_t k, std::string_view bytes)>;

// Reads items[which[k]] on `threads` threads (0: one per core). Each thread
// calls `make_consumer()` once and hands it every item it reads (so the
// consumer can keep per-thread state, e.g. a compression context). A failure
// is reported (path and what was done) and the item is not consumed.
// Returns which items were read.
std::vector<bool> read_items(const scan::ScanResult& scan, const std::vector<size_t>& which, unsigned threads,
                             scan::Report& report, const std::function<ItemConsumer()>& make_consumer);

}  // namespace oxpack::freeze
