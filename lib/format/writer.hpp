// Building a blob from entries. The output depends only on the inputs: the
// same entries and info give the same bytes, whatever their order or the
// number of threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "format/layout.hpp"
#include "format/meta.hpp"
#include "format/result.hpp"

struct ZSTD_CCtx_s;

namespace oxpack::format {

// Identifies a payload's raw bytes without holding them: their size and
// XXH3-128. Used for deduplication of entries given only compressed.
struct RawDigest {
    uint64_t size = 0;
    uint64_t hash_low = 0, hash_high = 0;
    bool operator==(const RawDigest&) const = default;
};

RawDigest raw_digest(std::string_view raw);

// Payload bytes an entry owns, or borrows: a caller that keeps payloads in
// its own storage (e.g. an arena of compressed frames) lends them, and keeps
// that storage alive as long as the BlobImage built from them.
class PayloadBytes {
public:
    PayloadBytes() = default;
    PayloadBytes(std::string owned) : owned_(std::move(owned)) {}
    static PayloadBytes borrow(std::string_view bytes) {
        PayloadBytes b;
        b.borrowed_ = bytes;
        return b;
    }
    std::string_view view() const { return borrowed_ ? *borrowed_ : std::string_view(owned_); }
    size_t size() const { return view().size(); }
    bool empty() const { return view().empty(); }

private:
    std::string owned_;
    std::optional<std::string_view> borrowed_;
};

struct InputEntry {
    Space space = Space::Module;
    Kind kind = Kind::Source;
    uint16_t flags = 0;
    uint16_t root = kNoRoot;  // index into BlobInfo::roots
    std::string key;          // see Space for the key of each space
    std::string path;         // original path, relative to its root, '/'-separated
    std::string data;         // the payload's raw bytes (empty when `raw` is set)
    // Optional: the raw bytes already compressed by the caller as one zstd
    // frame (used when WriteOptions::compression is Zstd), so a caller can
    // compress while it reads (PayloadCompressor makes the frame the writer
    // would). Empty: the writer compresses (or stores) `data` itself.
    PayloadBytes precompressed;
    // Set, with `precompressed`, when the caller kept only the frame: `data`
    // stays empty and `raw` = raw_digest(raw bytes). The blob is byte for
    // byte the one the same entry with `data` would give: dedup stays exact
    // (equal digests are confirmed by equal frames, or by decompressing).
    std::optional<RawDigest> raw;
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
    // The index's page-checksum table (format 1.3, the IndexPages record):
    // one checksum per page of this many bytes, so that a reader can check
    // the index page by page on first use. 0 writes none (a 1.0-1.2 blob).
    uint32_t index_page_size = idx_pages::kDefaultPageSize;
    // Called as compression progresses (done, total bytes).
    std::function<void(uint64_t, uint64_t)> progress;
};

// Compresses payloads exactly as the writer does (same frame parameters and
// rules), for callers that compress while they read and hand the writer
// InputEntry::precompressed. Not thread-safe: one per thread.
class PayloadCompressor {
public:
    explicit PayloadCompressor(const WriteOptions& options);
    ~PayloadCompressor();
    PayloadCompressor(const PayloadCompressor&) = delete;
    PayloadCompressor& operator=(const PayloadCompressor&) = delete;

    // The frame the writer stores for `raw`, in a buffer the next call
    // reuses; empty when it stores `raw` as it is (compression off, smaller
    // than min_compress_size, or not smaller compressed).
    Result<std::string_view> compress(std::string_view raw);
    // The same, written to `dst` (capacity >= max_frame_size(raw.size())):
    // the frame's size, or 0 when `raw` is stored as it is.
    Result<size_t> compress_to(std::string_view raw, char* dst, size_t capacity);
    // Room compress_to needs for `raw_size` bytes (0 when it never compresses them).
    size_t max_frame_size(size_t raw_size) const;

private:
    Compression compression_;
    int level_;
    size_t min_size_;
    // Two contexts: small payloads and the rest. zstd sizes its tables to
    // each input and shrinks them after many small ones, so one context fed
    // both keeps reallocating (and page-faulting) them. Same frames either way.
    ZSTD_CCtx_s* small_ = nullptr;
    ZSTD_CCtx_s* large_ = nullptr;
    std::unique_ptr<char[]> buf_;  // reused: a fresh buffer per payload costs more in page faults than compressing
    size_t buf_size_ = 0;
};

// A built blob kept as pieces, so that payloads are never copied into one
// big buffer: the header and index region, then each stored payload
// followed by its zero padding. Write it with pieces(), or get bytes().
class BlobImage {
public:
    uint64_t size() const { return size_; }
    // The file's bytes in order; valid as long as the image is.
    std::vector<std::span<const unsigned char>> pieces() const;
    // The pieces concatenated.
    std::vector<unsigned char> bytes() const;

private:
    friend Result<BlobImage> assemble_blob(const BlobInfo&, std::vector<InputEntry>, const WriteOptions&);
    std::vector<unsigned char> index_;   // [0, payload_offset): header and index region
    std::vector<PayloadBytes> payloads_;  // stored bytes in file order; each padded to kAlign
    uint64_t size_ = 0;
};

// Builds the blob as pieces.
Result<BlobImage> assemble_blob(const BlobInfo& info, std::vector<InputEntry> entries,
                                const WriteOptions& options = {});

// Builds the blob in memory (assemble_blob(...).bytes()).
Result<std::vector<unsigned char>> build_blob(const BlobInfo& info, std::vector<InputEntry> entries,
                                              const WriteOptions& options = {});

}  // namespace oxpack::format
