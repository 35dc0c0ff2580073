#include "format/reader.hpp"

#include <zstd.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "format/bytes.hpp"

namespace oxpack::format {

uint64_t key_hash(Space space, std::string_view key) {
    return XXH3_64bits_withSeed(key.data(), key.size(), static_cast<uint64_t>(space));
}

#ifdef OXPACK_CHECKSUM_AVX2
namespace detail {
uint64_t checksum_avx2(const void* data, size_t size);  // checksum_avx2.cpp
}

uint64_t checksum(const void* data, size_t size) {
    static const bool avx2 = __builtin_cpu_supports("avx2");
    return avx2 ? detail::checksum_avx2(data, size) : XXH3_64bits(data, size);
}
#else
uint64_t checksum(const void* data, size_t size) { return XXH3_64bits(data, size); }
#endif

Error Blob::corrupt(const std::string& what) const { return Error{ErrorCode::Corrupt, name_ + ": " + what}; }

Result<Blob> Blob::open(const std::string& path, OpenOptions options) {
    auto mapped = MappedFile::open(path);
    if (!mapped) return mapped.error();
    Blob b;
    b.file_ = std::move(*mapped);
    b.data_ = b.file_.data();
    b.size_ = b.file_.size();
    b.name_ = path;
    if (auto r = b.validate(options); !r) return r.error();
    return b;
}

Result<Blob> Blob::from_memory(const unsigned char* data, size_t size, std::string name, OpenOptions options) {
    Blob b;
    b.data_ = data;
    b.size_ = size;
    b.name_ = std::move(name);
    if (auto r = b.validate(options); !r) return r.error();
    return b;
}

Result<void> Blob::validate(OpenOptions options) {
    const unsigned char* d = data_;
    if (size_ == 0) return Error{ErrorCode::NotABlob, name_ + ": not an oxpack blob (empty file)"};
    if (size_ < sizeof kMagic || std::memcmp(d, kMagic, sizeof kMagic) != 0) {
        // "\x89OXR\n": the CR LF pair was turned into LF by a text-mode transfer.
        static const unsigned char kTextModeDamage[5] = {0x89, 'O', 'X', 'R', '\n'};
        if (size_ >= 5 && std::memcmp(d, kTextModeDamage, 5) == 0)
            return corrupt("damaged by a text-mode (newline-converting) transfer");
        if (size_ >= 4 && std::memcmp(d, kMagic, 4) == 0) return corrupt("truncated or damaged magic number");
        return Error{ErrorCode::NotABlob, name_ + ": not an oxpack blob (bad magic number)"};
    }
    if (size_ < hdr::kVersionMinor + 2)
        return corrupt("truncated: " + std::to_string(size_) + " bytes, shorter than the header");

    Header& h = header_;
    // The magic and the version (bytes 0-11) keep their place in every major
    // version; the rest of the header is laid out by the major version, so an
    // unknown major is refused before anything else is read.
    h.version_major = load_le<uint16_t>(d + hdr::kVersionMajor);
    h.version_minor = load_le<uint16_t>(d + hdr::kVersionMinor);
    if (h.version_major != kVersionMajor)
        return Error{ErrorCode::Unsupported, name_ + ": format version " + std::to_string(h.version_major) + "." +
                                                 std::to_string(h.version_minor) + " is not supported (this reader knows " +
                                                 std::to_string(kVersionMajor) + ".x)"};
    if (size_ < kHeaderSize) return corrupt("truncated: " + std::to_string(size_) + " bytes, shorter than the header");
    if (checksum(d, hdr::kHeaderChecksum) != load_le<uint64_t>(d + hdr::kHeaderChecksum))
        return corrupt("header checksum mismatch");

    h.header_size = load_le<uint32_t>(d + hdr::kHeaderSize);
    h.file_size = load_le<uint64_t>(d + hdr::kFileSize);
    h.required_features = load_le<uint32_t>(d + hdr::kRequiredFeatures);
    h.optional_features = load_le<uint32_t>(d + hdr::kOptionalFeatures);
    h.pyc_magic = load_le<uint32_t>(d + hdr::kPycMagic);
    h.hexversion = load_le<uint32_t>(d + hdr::kHexVersion);
    h.entry_count = load_le<uint32_t>(d + hdr::kEntryCount);
    h.slot_count = load_le<uint32_t>(d + hdr::kSlotCount);
    h.entries_offset = load_le<uint64_t>(d + hdr::kEntriesOffset);
    h.slots_offset = load_le<uint64_t>(d + hdr::kSlotsOffset);
    h.strings_offset = load_le<uint64_t>(d + hdr::kStringsOffset);
    h.strings_size = load_le<uint64_t>(d + hdr::kStringsSize);
    h.meta_offset = load_le<uint64_t>(d + hdr::kMetaOffset);
    h.meta_size = load_le<uint64_t>(d + hdr::kMetaSize);
    h.payload_offset = load_le<uint64_t>(d + hdr::kPayloadOffset);
    h.index_checksum = load_le<uint64_t>(d + hdr::kIndexChecksum);
    h.payload_checksum = load_le<uint64_t>(d + hdr::kPayloadChecksum);
    h.header_checksum = load_le<uint64_t>(d + hdr::kHeaderChecksum);

    if (h.header_size != kHeaderSize) return corrupt("header size " + std::to_string(h.header_size) + " is not 128");
    if ((h.required_features & ~kKnownRequiredFeatures) != 0) {
        char bits[16];
        std::snprintf(bits, sizeof bits, "%x", h.required_features & ~kKnownRequiredFeatures);
        return Error{ErrorCode::Unsupported,
                     name_ + ": uses required features this reader does not know (bits 0x" + bits + ")"};
    }
    if (h.file_size != size_)
        return corrupt("truncated or extended: header records " + std::to_string(h.file_size) + " bytes, file has " +
                       std::to_string(size_));

    // Sections follow each other in a fixed order inside the index region
    // [header_size, payload_offset), each aligned, none overlapping.
    if (h.payload_offset > size_ || h.payload_offset % kAlign != 0) return corrupt("bad payload region offset");
    auto section = [&](uint64_t off, uint64_t len, uint64_t prev_end, const char* what) -> Result<uint64_t> {
        if (off % kAlign != 0 || off < prev_end || !range_within(off, len, h.payload_offset))
            return corrupt(std::string("bad ") + what + " section bounds");
        return off + len;
    };
    auto entries_len = checked_mul(h.entry_count, kEntrySize);
    auto slots_len = checked_mul(h.slot_count, kSlotSize);
    if (!entries_len || !slots_len) return corrupt("section size overflows");
    if (h.entries_offset != kHeaderSize) return corrupt("entries section does not follow the header");
    auto e1 = section(h.entries_offset, *entries_len, kHeaderSize, "entries");
    if (!e1) return e1.error();
    if (h.slot_count == 0 || (h.slot_count & (h.slot_count - 1)) != 0)
        return corrupt("slot count " + std::to_string(h.slot_count) + " is not a power of two");
    auto e2 = section(h.slots_offset, *slots_len, *e1, "slots");
    if (!e2) return e2.error();
    auto e3 = section(h.strings_offset, h.strings_size, *e2, "strings");
    if (!e3) return e3.error();
    auto e4 = section(h.meta_offset, h.meta_size, *e3, "meta");
    if (!e4) return e4.error();
    if (h.strings_size > 0xFFFFFFFFull) return corrupt("strings section larger than 4 GiB");

    if (!options.check_index) return {};
    if (options.index_pages) {
        if (auto r = setup_index_pages(); !r) return r.error();
        if (pages_) return {};  // the rest of the index is checked page by page, on first use
    }
    if (!index_checksum_ok()) return corrupt("index checksum mismatch");
    return {};
}

// The page-checksum table (format 1.3): found through the meta section's
// IndexPages record, checked against its own checksum, then used to check
// the meta section's pages (which hold that record) before anything of the
// meta section is trusted. No table: pages_ stays empty.
Result<std::unique_ptr<Blob::IndexPages>> Blob::load_index_pages() const {
    const Header& h = header_;
    auto found = find_index_pages(data_ + h.meta_offset, h.meta_size, name_);
    // A meta section whose records cannot be walked has no table that can be
    // found: the caller checks the whole index, and info() reports the damage.
    if (!found || !*found) return std::unique_ptr<IndexPages>();
    const IndexPagesRecord& r = **found;
    if (!std::has_single_bit(r.page_size) || r.page_size < idx_pages::kMinPageSize ||
        r.page_size > idx_pages::kMaxPageSize)
        return corrupt("index page table: page size " + std::to_string(r.page_size) + " is not allowed");
    const uint64_t meta_end = h.meta_offset + h.meta_size;
    const uint64_t table_len = (static_cast<uint64_t>(r.page_count) + 1) * 8;
    if (r.table_offset % kAlign != 0 || r.table_offset < meta_end ||
        !range_within(r.table_offset, table_len, h.payload_offset))
        return corrupt("index page table: bad bounds");
    if ((r.table_offset + r.page_size - 1) / r.page_size != r.page_count)
        return corrupt("index page table: " + std::to_string(r.page_count) + " pages do not cover the index");
    const unsigned char* table = data_ + r.table_offset;
    const uint64_t sums = static_cast<uint64_t>(r.page_count) * 8;
    if (checksum(table, sums) != load_le<uint64_t>(table + sums)) return corrupt("index page table checksum mismatch");
    auto pages = std::make_unique<IndexPages>();
    pages->table = table;
    pages->shift = static_cast<uint32_t>(std::countr_zero(r.page_size));
    pages->count = r.page_count;
    pages->end = r.table_offset;
    pages->passed = std::make_unique<std::atomic<uint64_t>[]>((r.page_count + 63) / 64);
    return Result<std::unique_ptr<IndexPages>>(std::move(pages));
}

Result<void> Blob::setup_index_pages() {
    auto pages = load_index_pages();
    if (!pages) return pages.error();
    pages_ = std::move(*pages);
    if (!pages_) return {};
    const Header& h = header_;
    if (auto bad = failed_page(h.meta_offset, h.meta_size)) {
        pages_.reset();
        return std::move(*bad);
    }
    return {};
}

bool Blob::IndexPages::check(const unsigned char* data, uint64_t page) const {
    const uint64_t begin = std::max<uint64_t>(page << shift, kHeaderSize);
    const uint64_t stop = std::min<uint64_t>((page + 1) << shift, end);
    if (page >= count || stop <= begin) return false;
    if (checksum(data + begin, stop - begin) != load_le<uint64_t>(table + page * 8)) return false;
    passed[page >> 6].fetch_or(uint64_t{1} << (page & 63), std::memory_order_release);
    return true;
}

std::optional<Error> Blob::check_pages(uint64_t off, uint64_t len) const {
    const int64_t bad = pages_->first_bad(data_, off, len);
    if (bad < 0) return std::nullopt;
    return page_error(*pages_, static_cast<uint64_t>(bad));
}

Error Blob::page_error(const IndexPages& pages, uint64_t page) const {
    if (page >= pages.count) return corrupt("index read outside the pages of its page table");
    const uint64_t begin = std::max<uint64_t>(page << pages.shift, kHeaderSize);
    const uint64_t stop = std::min<uint64_t>((page + 1) << pages.shift, pages.end);
    return corrupt("index checksum mismatch in page " + std::to_string(page) + " (bytes " + std::to_string(begin) +
                   "-" + std::to_string(stop) + ")");
}

uint32_t Blob::index_pages_checked() const {
    if (!pages_) return 0;
    uint32_t n = 0;
    for (uint32_t w = 0; w < (pages_->count + 63) / 64; ++w)
        n += static_cast<uint32_t>(std::popcount(pages_->passed[w].load(std::memory_order_relaxed)));
    return n;
}

bool Blob::index_checksum_ok() const {
    return checksum(data_ + kHeaderSize, header_.payload_offset - kHeaderSize) == header_.index_checksum;
}

Result<Entry> Blob::entry(uint32_t i) const {
    const Header& h = header_;
    if (i >= h.entry_count) return corrupt("entry index " + std::to_string(i) + " out of range");
    const uint64_t at = h.entries_offset + static_cast<uint64_t>(i) * kEntrySize;
    if (auto bad = failed_page(at, kEntrySize)) return std::move(*bad);
    const unsigned char* r = data_ + at;
    Entry e;
    e.index = i;
    e.key_hash = load_le<uint64_t>(r + ent::kKeyHash);
    uint32_t key_off = load_le<uint32_t>(r + ent::kKeyOffset);
    uint32_t key_len = load_le<uint32_t>(r + ent::kKeyLength);
    uint32_t path_off = load_le<uint32_t>(r + ent::kPathOffset);
    uint32_t path_len = load_le<uint32_t>(r + ent::kPathLength);
    e.kind = r[ent::kKind];
    e.compression = r[ent::kCompression];
    e.flags = load_le<uint16_t>(r + ent::kFlags);
    e.root = load_le<uint16_t>(r + ent::kRoot);
    e.space = r[ent::kSpace];
    e.payload_offset = load_le<uint64_t>(r + ent::kPayloadOffset);
    e.stored_size = load_le<uint64_t>(r + ent::kStoredSize);
    e.raw_size = load_le<uint64_t>(r + ent::kRawSize);
    e.checksum = load_le<uint64_t>(r + ent::kChecksum);
    // r[ent::kReserved] is written as 0 and ignored on reading (a later minor version may use it).
    if (!range_within(key_off, key_len, h.strings_size) || !range_within(path_off, path_len, h.strings_size))
        return corrupt("entry " + std::to_string(i) + ": name outside the strings section");
    if (auto bad = failed_page(h.strings_offset + key_off, key_len)) return std::move(*bad);
    if (auto bad = failed_page(h.strings_offset + path_off, path_len)) return std::move(*bad);
    const char* strings = reinterpret_cast<const char*>(data_ + h.strings_offset);
    e.key = std::string_view(strings + key_off, key_len);
    e.path = std::string_view(strings + path_off, path_len);
    if (!range_within(e.payload_offset, e.stored_size, size_ - h.payload_offset))
        return corrupt("entry " + std::to_string(i) + " (" + std::string(e.key) + "): payload outside the file");
    return e;
}

Result<Group> Blob::find(Space space, std::string_view key) const {
    // Every slot and entry the probe touches is checked against the others,
    // whatever `verify` said at open: a slot must agree with its entry's hash,
    // an entry's name must hash to the hash it records. So a damaged index
    // gives Corrupt, never "not here" (which would send the importer to the
    // next finder, the disk). Checks beyond the hot path's compares run only
    // where the probe would otherwise move on: on a collision of the hash's
    // high half, and once per probed slot when the key is absent.
    const Header& h = header_;
    const uint64_t hash = key_hash(space, key);
    const uint32_t mask = h.slot_count - 1;
    const uint32_t high = static_cast<uint32_t>(hash >> 32);
    const unsigned char* slots = data_ + h.slots_offset;
    const unsigned char* entries = data_ + h.entries_offset;
    const char* strings = reinterpret_cast<const char*>(data_ + h.strings_offset);
    const uint32_t start = static_cast<uint32_t>(hash) & mask;
    uint32_t pos = start;
    uint32_t probe = 0;
    // File offsets of a slot and an entry record, for the page checks.
    auto slot_at = [&](uint32_t p) { return h.slots_offset + static_cast<uint64_t>(p) * kSlotSize; };
    auto entry_at = [&](uint32_t i) { return h.entries_offset + static_cast<uint64_t>(i) * kEntrySize; };
    for (; probe < h.slot_count; ++probe, pos = (pos + 1) & mask) {
        const unsigned char* s = slots + static_cast<uint64_t>(pos) * kSlotSize;
        if (auto bad = failed_page(slot_at(pos), kSlotSize)) return std::move(*bad);
        uint32_t idx = load_le<uint32_t>(s + slot::kEntryIndex);
        if (idx == kEmptySlot) break;
        if (load_le<uint32_t>(s + slot::kHashHigh) != high) continue;
        if (idx >= h.entry_count) return corrupt("hash slot " + std::to_string(pos) + " names a missing entry");
        // Hot path: compare without building a full Entry.
        if (auto bad = failed_page(entry_at(idx), kEntrySize)) return std::move(*bad);
        const unsigned char* r = entries + static_cast<uint64_t>(idx) * kEntrySize;
        const uint64_t entry_hash = load_le<uint64_t>(r + ent::kKeyHash);
        uint32_t key_off = load_le<uint32_t>(r + ent::kKeyOffset);
        uint32_t key_len = load_le<uint32_t>(r + ent::kKeyLength);
        if (!range_within(key_off, key_len, h.strings_size))
            return corrupt("entry " + std::to_string(idx) + ": name outside the strings section");
        if (auto bad = failed_page(h.strings_offset + key_off, key_len)) return std::move(*bad);
        if (entry_hash != hash || r[ent::kSpace] != static_cast<uint8_t>(space) || key_len != key.size() ||
            std::memcmp(strings + key_off, key.data(), key_len) != 0) {
            // Another key whose hash shares the high half, or damage.
            if (static_cast<uint32_t>(entry_hash >> 32) != high ||
                key_hash(static_cast<Space>(r[ent::kSpace]), std::string_view(strings + key_off, key_len)) !=
                    entry_hash)
                return corrupt("hash slot " + std::to_string(pos) + " and entry " + std::to_string(idx) +
                               " disagree");
            continue;
        }
        // The group: following entries that share this key string.
        uint32_t end = idx + 1;
        while (end < h.entry_count) {
            if (auto bad = failed_page(entry_at(end), kEntrySize)) return std::move(*bad);
            const unsigned char* n = entries + static_cast<uint64_t>(end) * kEntrySize;
            if (n[ent::kSpace] != static_cast<uint8_t>(space) || load_le<uint32_t>(n + ent::kKeyOffset) != key_off ||
                load_le<uint32_t>(n + ent::kKeyLength) != key_len)
                break;
            ++end;
        }
        return Group{idx, end - idx};
    }
    // Absent: the slots passed over must each agree with their entries (a
    // damaged high half in the key's own slot would otherwise hide it).
    for (uint32_t i = 0, p = start; i < probe; ++i, p = (p + 1) & mask) {
        const unsigned char* s = slots + static_cast<uint64_t>(p) * kSlotSize;
        uint32_t idx = load_le<uint32_t>(s + slot::kEntryIndex);
        if (idx >= h.entry_count) return corrupt("hash slot " + std::to_string(p) + " names a missing entry");
        if (auto bad = failed_page(entry_at(idx), kEntrySize)) return std::move(*bad);
        const unsigned char* r = entries + static_cast<uint64_t>(idx) * kEntrySize;
        if (static_cast<uint32_t>(load_le<uint64_t>(r + ent::kKeyHash) >> 32) != load_le<uint32_t>(s + slot::kHashHigh))
            return corrupt("hash slot " + std::to_string(p) + " and entry " + std::to_string(idx) + " disagree");
    }
    return Group{};
}

Result<Group> Blob::find_resource(std::string_view package, std::string_view resource) const {
    char local[256];
    std::string heap;
    size_t n = package.size() + 1 + resource.size();
    char* buf = local;
    if (n > sizeof local) {
        heap.resize(n);
        buf = heap.data();
    }
    std::memcpy(buf, package.data(), package.size());
    buf[package.size()] = '/';
    std::memcpy(buf + package.size() + 1, resource.data(), resource.size());
    return find(Space::Resource, std::string_view(buf, n));
}

Result<uint32_t> Blob::lower_bound(Space space, std::string_view key_prefix) const {
    uint32_t lo = 0, hi = header_.entry_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        auto e = entry(mid);
        if (!e) return e.error();
        bool less = e->space != static_cast<uint8_t>(space) ? e->space < static_cast<uint8_t>(space)
                                                             : e->key < key_prefix;
        if (less)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

Result<std::span<const unsigned char>> Blob::stored_bytes(const Entry& e) const {
    // Re-check: `e` may not come from this blob.
    if (!range_within(e.payload_offset, e.stored_size, size_ - header_.payload_offset))
        return corrupt("entry " + std::string(e.key) + ": payload outside the file");
    return std::span<const unsigned char>(data_ + header_.payload_offset + e.payload_offset, e.stored_size);
}

Result<Payload> Blob::payload(const Entry& e, Read read) const {
    auto stored = stored_bytes(e);
    if (!stored) return stored.error();
    auto where = [&] { return "entry '" + std::string(e.key) + "' (" + std::string(e.path) + ")"; };
    std::span<const unsigned char> src = *stored;
    std::unique_ptr<unsigned char[]> copy;
    if (read == Read::Copy) {
        copy.reset(new (std::nothrow) unsigned char[src.empty() ? 1 : src.size()]);
        if (copy == nullptr)
            return Error{ErrorCode::Io, name_ + ": " + where() + ": out of memory for " + std::to_string(src.size()) + " bytes"};
        if (!src.empty()) std::memcpy(copy.get(), src.data(), src.size());
        src = {copy.get(), src.size()};
    }
    if (checksum(src.data(), src.size()) != e.checksum) return corrupt(where() + ": payload checksum mismatch");
    switch (static_cast<Compression>(e.compression)) {
        case Compression::None:
            if (e.raw_size != e.stored_size) return corrupt(where() + ": stored and raw sizes differ for a stored payload");
            if (copy) return Payload::owned(std::move(copy), src.size());
            return Payload::view(src.data(), src.size());
        case Compression::Zstd: {
            // Exactly one frame, recording exactly the entry's raw size.
            size_t frame = ZSTD_findFrameCompressedSize(src.data(), src.size());
            if (ZSTD_isError(frame) || frame != src.size())
                return corrupt(where() + ": stored bytes are not exactly one zstd frame");
            unsigned long long content = ZSTD_getFrameContentSize(src.data(), src.size());
            if (content == ZSTD_CONTENTSIZE_ERROR || content == ZSTD_CONTENTSIZE_UNKNOWN || content != e.raw_size)
                return corrupt(where() + ": zstd frame does not record the raw size");
            // zstd cannot expand one byte into more than ~32 KiB; a larger
            // claim is a lie that would make us allocate for nothing.
            auto cap = checked_mul(e.stored_size, 65536);
            if (!cap || e.raw_size > *cap) return corrupt(where() + ": implausible raw size");
            if (e.raw_size > SIZE_MAX) return corrupt(where() + ": implausible raw size");
            // Not zero-filled: pages are touched only as zstd really writes them.
            std::unique_ptr<unsigned char[]> out(new (std::nothrow) unsigned char[e.raw_size]);
            if (out == nullptr && e.raw_size != 0)
                return Error{ErrorCode::Io, name_ + ": " + where() + ": out of memory for " + std::to_string(e.raw_size) + " bytes"};
            // One decompression context per thread, reused: a fresh one per
            // payload (ZSTD_decompress) costs ~8 us of set-up, a quarter of
            // decompressing a typical .pyc.
            struct DCtxFree {
                void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
            };
            thread_local std::unique_ptr<ZSTD_DCtx, DCtxFree> dctx(ZSTD_createDCtx());
            size_t got = dctx ? ZSTD_decompressDCtx(dctx.get(), out.get(), e.raw_size, src.data(), src.size())
                              : ZSTD_decompress(out.get(), e.raw_size, src.data(), src.size());
            if (ZSTD_isError(got)) return corrupt(where() + ": zstd: " + ZSTD_getErrorName(got));
            if (got != e.raw_size) return corrupt(where() + ": decompressed size differs from the recorded raw size");
            return Payload::owned(std::move(out), e.raw_size);
        }
    }
    return Error{ErrorCode::Unsupported, name_ + ": " + where() + ": unknown compression " + std::to_string(e.compression)};
}

Result<BlobInfo> Blob::info() const {
    if (auto bad = failed_page(header_.meta_offset, header_.meta_size)) return std::move(*bad);
    return decode_meta(data_ + header_.meta_offset, header_.meta_size, name_);
}

std::vector<Error> Blob::verify(size_t max_problems, const std::function<void(uint64_t, uint64_t)>& progress) const {
    std::vector<Error> problems;
    auto add = [&](Error e) {
        if (problems.size() < max_problems) problems.push_back(std::move(e));
    };
    auto at = [](uint32_t i, std::string_view key) { return "entry " + std::to_string(i) + " (" + std::string(key) + "): "; };
    const Header& h = header_;
    if (checksum(data_ + kHeaderSize, h.payload_offset - kHeaderSize) != h.index_checksum)
        add(corrupt("index checksum mismatch"));
    if (checksum(data_ + h.payload_offset, size_ - h.payload_offset) != h.payload_checksum)
        add(corrupt("payload region checksum mismatch"));
    if (auto m = info(); !m) add(m.error());
    // The page-checksum table (1.3), whatever open() was asked: its bounds,
    // its own checksum and every page.
    if (auto pages = load_index_pages(); !pages) {
        add(pages.error());
    } else if (*pages) {
        for (uint64_t p = 0; p < (*pages)->count; ++p)
            if (!(*pages)->check(data_, p)) add(page_error(**pages, p));
    }

    // The hash table: every used slot names the first entry of a key group
    // and carries that key's high hash bits; one slot per group; at least one
    // empty slot so that a miss ends.
    uint64_t used_slots = 0;
    const unsigned char* slots = data_ + h.slots_offset;
    for (uint32_t s = 0; s < h.slot_count; ++s) {
        uint32_t idx = load_le<uint32_t>(slots + static_cast<uint64_t>(s) * kSlotSize + slot::kEntryIndex);
        if (idx == kEmptySlot) continue;
        ++used_slots;
        if (idx >= h.entry_count) {
            add(corrupt("hash slot " + std::to_string(s) + " names a missing entry " + std::to_string(idx)));
            continue;
        }
        auto e = entry(idx);
        if (!e) continue;  // reported below
        uint32_t high = load_le<uint32_t>(slots + static_cast<uint64_t>(s) * kSlotSize + slot::kHashHigh);
        if (high != static_cast<uint32_t>(e->key_hash >> 32))
            add(corrupt("hash slot " + std::to_string(s) + ": high hash bits differ from entry " + std::to_string(idx)));
        if (idx > 0) {
            auto p = entry(idx - 1);
            if (p && p->space == e->space && p->key == e->key)
                add(corrupt("hash slot " + std::to_string(s) + " names entry " + std::to_string(idx) +
                            ", which does not start its key group"));
        }
    }
    if (used_slots >= h.slot_count) add(corrupt("hash table has no empty slot"));

    uint64_t total = h.entry_count;
    uint64_t groups = 0;
    Entry prev;
    bool have_prev = false;
    for (uint32_t i = 0; i < h.entry_count; ++i) {
        if (progress && (i % 1024) == 0) progress(i, total);
        auto e = entry(i);
        if (!e) {
            add(e.error());
            have_prev = false;
            continue;
        }
        if (e->key_hash != key_hash(static_cast<Space>(e->space), e->key)) add(corrupt(at(i, e->key) + "key hash mismatch"));
        if (e->payload_offset % kAlign != 0) add(corrupt(at(i, e->key) + "payload not 16-byte aligned"));
        bool group_start = true;
        if (have_prev) {
            auto a = std::tuple(prev.space, prev.key, prev.kind);
            auto b = std::tuple(e->space, e->key, e->kind);
            if (!(a < b)) add(corrupt(at(i, e->key) + "entries out of order"));
            group_start = !(prev.space == e->space && prev.key == e->key);
        }
        if (group_start) {
            ++groups;
            // The group as the ordered view has it, against what find() returns.
            uint32_t end = i + 1;
            for (; end < h.entry_count; ++end) {
                auto n = entry(end);
                if (!n || n->space != e->space || n->key != e->key) break;
            }
            auto g = find(static_cast<Space>(e->space), e->key);
            if (!g || g->first != i)
                add(corrupt(at(i, e->key) + "not reachable through the hash index"));
            else if (g->count != end - i)
                add(corrupt(at(i, e->key) + "key group members do not share their key string"));
        }
        if (e->compression <= kMaxKnownCompression) {
            auto p = payload(*e);
            if (!p) add(p.error());
        } else {
            add(Error{ErrorCode::Unsupported, name_ + ": " + at(i, e->key) + "unknown compression " +
                                                  std::to_string(e->compression)});
        }
        prev = *e;
        have_prev = true;
    }
    if (used_slots != groups)
        add(corrupt(std::to_string(used_slots) + " hash slots in use for " + std::to_string(groups) + " key groups"));
    if (progress) progress(total, total);
    return problems;
}

}  // namespace oxpack::format
