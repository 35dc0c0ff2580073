// Reading the bytes of scanned items, fast: one open/fstat/read per file (no
// stream layers), archive members through one libzip handle per thread and
// archive, every core busy.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "scan/report.hpp"
#include "scan/scanner.hpp"

namespace oxpack::freeze {

// Reads the whole regular file at `path` into `out`. `size_hint` (the size
// the scan saw) saves an fstat: open, one read of size_hint + 1 bytes, close
// for most files; a file that grew since is read to its end. On failure
// returns false and sets `error` ("Permission denied").
bool read_file(const std::string& path, std::string& out, std::string& error, int64_t size_hint = -1);

// Reads items[which[k]] into out[k]. A failure is reported (path and what
// was done) and leaves ok[k] false. `progress(bytes)` is called as bytes are read.
// `after_read(k, bytes)`, when given, runs on the reading thread right after
// out[k] was read successfully (the freeze compresses there, cache-hot).
void read_items(const scan::ScanResult& scan, const std::vector<size_t>& which, std::vector<std::string>& out,
                std::vector<bool>& ok, unsigned threads, scan::Report& report,
                const std::function<void(uint64_t)>& progress = {},
                const std::function<void(size_t, const std::string&)>& after_read = {});

}  // namespace oxpack::freeze
