// Building a blob from entries. The output depends only on the inputs: the
// same entries and info give the same bytes, whatever their order or the
// number of threads.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "format/layout.hpp"
#include "format/meta.hpp"
#include "format/result.hpp"

namespace oxpack::format {

struct InputEntry {
    Space space = Space::Module;
    Kind kind = Kind::Source;
    uint16_t flags = 0;
    uint16_t root = kNoRoot;  // index into BlobInfo::roots
    std::string key;          // see Space for the key of each space
    std::string path;         // original path, relative to its root, '/'-separated
    std::string data;         // the payload's raw bytes
    // Optional: `data` already compressed by the caller as one zstd frame
    // (used when WriteOptions::compression is Zstd), so a caller can compress
    // while it reads. Empty: the writer compresses (or stores) `data` itself.
    std::string precompressed;
    // Payloads are laid out by (order_hint, entry order): a start-up profile
    // puts the payloads an application needs first next to each other.
    uint32_t order_hint = UINT32_MAX;
};

struct WriteOptions {
    Compression compression = Compression::None;
    int level = 3;               // zstd level
    unsigned threads = 0;        // 0: one per core
    size_t min_compress_size = 64;  // smaller payloads are always stored
    bool dedup = true;           // identical payloads are stored once
    // Called as compression progresses (done, total bytes).
    std::function<void(uint64_t, uint64_t)> progress;
};

// Builds the blob in memory.
Result<std::vector<unsigned char>> build_blob(const BlobInfo& info, std::vector<InputEntry> entries,
                                              const WriteOptions& options = {});

}  // namespace oxpack::format
