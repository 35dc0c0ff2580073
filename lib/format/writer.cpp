#include "format/writer.hpp"

#include <zstd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "format/bytes.hpp"
#include "format/reader.hpp"

namespace oxpack::format {
namespace {

struct Stored {
    Compression compression = Compression::None;
    std::string bytes;  // compressed bytes when compression != None
};

Result<void> compress_all(std::vector<InputEntry>& entries, std::vector<Stored>& out,
                          const std::vector<uint32_t>& unique, const WriteOptions& options) {
    if (options.compression == Compression::None) return {};
    if (options.compression != Compression::Zstd)
        return Error{ErrorCode::Invalid, "unknown compression " + std::to_string(static_cast<int>(options.compression))};
    unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    uint64_t total = 0;
    for (uint32_t i : unique) total += entries[i].data.size();
    std::atomic<size_t> next{0};
    std::atomic<uint64_t> done{0};
    std::mutex progress_mutex;
    std::string failure;
    std::mutex failure_mutex;
    auto work = [&] {
        ZSTD_CCtx* cctx = ZSTD_createCCtx();
        if (cctx == nullptr) {
            std::lock_guard lock(failure_mutex);
            failure = "cannot create a zstd context";
            return;
        }
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, options.level);
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1);
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 0);  // the entry has its own
        // One output buffer per thread, reused: a fresh compressBound-sized
        // buffer per entry costs more in page faults than the compression.
        std::vector<char> buf;
        for (size_t k; (k = next.fetch_add(1)) < unique.size();) {
            const std::string& raw = entries[unique[k]].data;
            std::string& pre = entries[unique[k]].precompressed;
            if (!pre.empty()) {  // compressed by the caller: check it is one frame of `raw`
                if (ZSTD_getFrameContentSize(pre.data(), pre.size()) != raw.size() || pre.size() >= raw.size()) {
                    std::lock_guard lock(failure_mutex);
                    failure = entries[unique[k]].path + ": precompressed payload does not match its data";
                    continue;
                }
                out[unique[k]] = Stored{Compression::Zstd, std::move(pre)};
                uint64_t d = done.fetch_add(raw.size()) + raw.size();
                if (options.progress) {
                    std::lock_guard lock(progress_mutex);
                    options.progress(d, total);
                }
                continue;
            }
            if (raw.size() < options.min_compress_size) continue;
            const size_t bound = ZSTD_compressBound(raw.size());
            if (buf.size() < bound) buf.resize(bound);
            size_t n = ZSTD_compress2(cctx, buf.data(), buf.size(), raw.data(), raw.size());
            if (ZSTD_isError(n)) {
                std::lock_guard lock(failure_mutex);
                failure = entries[unique[k]].path + ": zstd: " + ZSTD_getErrorName(n);
                continue;
            }
            if (n < raw.size())  // keep only what actually got smaller
                out[unique[k]] = Stored{Compression::Zstd, std::string(buf.data(), n)};
            uint64_t d = done.fetch_add(raw.size()) + raw.size();
            if (options.progress) {
                std::lock_guard lock(progress_mutex);
                options.progress(d, total);
            }
        }
        ZSTD_freeCCtx(cctx);
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    if (!failure.empty()) return Error{ErrorCode::Invalid, failure};
    return {};
}

class StringTable {
public:
    uint32_t add(const std::string& s) {
        auto [it, inserted] = index_.try_emplace(s, static_cast<uint32_t>(bytes_.size()));
        if (inserted) bytes_.insert(bytes_.end(), s.begin(), s.end());
        return it->second;
    }
    const std::vector<unsigned char>& bytes() const { return bytes_; }

private:
    std::unordered_map<std::string, uint32_t> index_;
    std::vector<unsigned char> bytes_;
};

}  // namespace

Result<std::vector<unsigned char>> build_blob(const BlobInfo& info, std::vector<InputEntry> entries,
                                              const WriteOptions& options) {
    // The ordered view: (space, key, kind, path). Equal keys form a group.
    std::sort(entries.begin(), entries.end(), [](const InputEntry& a, const InputEntry& b) {
        return std::tie(a.space, a.key, a.kind, a.path) < std::tie(b.space, b.key, b.kind, b.path);
    });
    if (entries.size() >= kEmptySlot) return Error{ErrorCode::Invalid, "too many entries"};
    for (size_t i = 0; i < entries.size(); ++i) {
        const InputEntry& e = entries[i];
        if (e.key.empty()) return Error{ErrorCode::Invalid, "entry with an empty key (path '" + e.path + "')"};
        if (e.root != kNoRoot && e.root >= info.roots.size())
            return Error{ErrorCode::Invalid, e.path + ": root index out of range"};
        if (i > 0 && entries[i - 1].space == e.space && entries[i - 1].key == e.key && entries[i - 1].kind == e.kind)
            return Error{ErrorCode::Invalid, "duplicate entry '" + e.key + "' of kind " + std::string(to_string(e.kind)) +
                                                 " ('" + entries[i - 1].path + "' and '" + e.path + "')"};
    }

    // Payload dedup on raw bytes: identical inputs give identical stored bytes.
    const size_t n = entries.size();
    std::vector<uint32_t> owner(n);   // entry whose payload this entry shares
    std::vector<uint32_t> unique;     // entries that own a payload
    {
        std::unordered_map<uint64_t, std::vector<uint32_t>> by_hash;
        for (uint32_t i = 0; i < n; ++i) {
            owner[i] = i;
            if (options.dedup) {
                auto& bucket = by_hash[XXH3_64bits(entries[i].data.data(), entries[i].data.size())];
                auto it = std::find_if(bucket.begin(), bucket.end(),
                                       [&](uint32_t j) { return entries[j].data == entries[i].data; });
                if (it != bucket.end()) {
                    owner[i] = *it;
                    continue;
                }
                bucket.push_back(i);
            }
            unique.push_back(i);
        }
    }
    std::vector<Stored> stored(n);
    if (auto r = compress_all(entries, stored, unique, options); !r) return r.error();

    // Strings: keys first in entry order, then paths (deterministic offsets).
    StringTable strings;
    std::vector<uint32_t> key_off(n), path_off(n);
    for (size_t i = 0; i < n; ++i) key_off[i] = strings.add(entries[i].key);
    for (size_t i = 0; i < n; ++i) path_off[i] = strings.add(entries[i].path);
    if (strings.bytes().size() > 0xFFFFFFFFull) return Error{ErrorCode::Invalid, "names exceed 4 GiB"};
    std::vector<unsigned char> meta = encode_meta(info);

    // Hash slots: one per group, load factor <= 0.5.
    size_t groups = 0;
    for (size_t i = 0; i < n; ++i)
        if (i == 0 || entries[i - 1].space != entries[i].space || entries[i - 1].key != entries[i].key) ++groups;
    uint64_t slot_count = std::bit_ceil(std::max<uint64_t>(1, groups * 2));
    if (slot_count > 0x80000000ull) return Error{ErrorCode::Invalid, "too many entries"};

    // Layout.
    uint64_t off = kHeaderSize;
    const uint64_t entries_off = off;
    off = align_up(off + n * kEntrySize, kAlign);
    const uint64_t slots_off = off;
    off = align_up(off + slot_count * kSlotSize, kAlign);
    const uint64_t strings_off = off;
    off = align_up(off + strings.bytes().size(), kAlign);
    const uint64_t meta_off = off;
    off = align_up(off + meta.size(), kAlign);
    const uint64_t payload_off = off;

    // Payload order: by (order_hint, entry order), owners only.
    std::vector<uint32_t> order = unique;
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return entries[a].order_hint < entries[b].order_hint; });
    std::vector<uint64_t> rel(n, 0);
    uint64_t payload_len = 0;
    auto stored_view = [&](uint32_t i) -> std::string_view {
        return stored[i].compression == Compression::None ? std::string_view(entries[i].data)
                                                          : std::string_view(stored[i].bytes);
    };
    for (uint32_t i : order) {
        rel[i] = payload_len;
        payload_len = align_up(payload_len + stored_view(i).size(), kAlign);
    }
    const uint64_t file_size = payload_off + payload_len;

    std::vector<unsigned char> out;
    try {
        out.assign(file_size, 0);
    } catch (const std::bad_alloc&) {
        return Error{ErrorCode::Io, "out of memory for a " + std::to_string(file_size) + "-byte blob"};
    }
    unsigned char* d = out.data();
    for (uint32_t i : order) {
        auto v = stored_view(i);
        if (!v.empty()) std::memcpy(d + payload_off + rel[i], v.data(), v.size());
    }

    // Entries and slots.
    unsigned char* slots = d + slots_off;
    for (uint64_t s = 0; s < slot_count; ++s) store_le<uint32_t>(slots + s * kSlotSize + slot::kEntryIndex, kEmptySlot);
    const uint32_t mask = static_cast<uint32_t>(slot_count - 1);
    for (uint32_t i = 0; i < n; ++i) {
        const InputEntry& e = entries[i];
        const uint32_t o = owner[i];
        auto v = stored_view(o);
        const uint64_t hash = key_hash(e.space, e.key);
        unsigned char* r = d + entries_off + static_cast<uint64_t>(i) * kEntrySize;
        store_le<uint64_t>(r + ent::kKeyHash, hash);
        store_le<uint32_t>(r + ent::kKeyOffset, key_off[i]);
        store_le<uint32_t>(r + ent::kKeyLength, static_cast<uint32_t>(e.key.size()));
        store_le<uint32_t>(r + ent::kPathOffset, path_off[i]);
        store_le<uint32_t>(r + ent::kPathLength, static_cast<uint32_t>(e.path.size()));
        r[ent::kKind] = static_cast<unsigned char>(e.kind);
        r[ent::kCompression] = static_cast<unsigned char>(stored[o].compression);
        store_le<uint16_t>(r + ent::kFlags, e.flags);
        store_le<uint16_t>(r + ent::kRoot, e.root);
        r[ent::kSpace] = static_cast<unsigned char>(e.space);
        store_le<uint64_t>(r + ent::kPayloadOffset, rel[o]);
        store_le<uint64_t>(r + ent::kStoredSize, v.size());
        store_le<uint64_t>(r + ent::kRawSize, entries[o].data.size());
        store_le<uint64_t>(r + ent::kChecksum, checksum(v.data(), v.size()));

        bool group_start = i == 0 || entries[i - 1].space != e.space || entries[i - 1].key != e.key;
        if (!group_start) continue;
        uint32_t pos = static_cast<uint32_t>(hash) & mask;
        while (load_le<uint32_t>(slots + static_cast<uint64_t>(pos) * kSlotSize) != kEmptySlot) pos = (pos + 1) & mask;
        store_le<uint32_t>(slots + static_cast<uint64_t>(pos) * kSlotSize + slot::kEntryIndex, i);
        store_le<uint32_t>(slots + static_cast<uint64_t>(pos) * kSlotSize + slot::kHashHigh,
                           static_cast<uint32_t>(hash >> 32));
    }
    if (!strings.bytes().empty()) std::memcpy(d + strings_off, strings.bytes().data(), strings.bytes().size());
    if (!meta.empty()) std::memcpy(d + meta_off, meta.data(), meta.size());

    // Header, checksums last.
    std::memcpy(d + hdr::kMagic, kMagic, sizeof kMagic);
    store_le<uint16_t>(d + hdr::kVersionMajor, kVersionMajor);
    store_le<uint16_t>(d + hdr::kVersionMinor, kVersionMinor);
    store_le<uint32_t>(d + hdr::kHeaderSize, kHeaderSize);
    store_le<uint64_t>(d + hdr::kFileSize, file_size);
    store_le<uint32_t>(d + hdr::kRequiredFeatures, 0);
    store_le<uint32_t>(d + hdr::kOptionalFeatures, 0);
    store_le<uint32_t>(d + hdr::kPycMagic, info.target.pyc_magic);
    store_le<uint32_t>(d + hdr::kHexVersion, info.target.hexversion);
    store_le<uint32_t>(d + hdr::kEntryCount, static_cast<uint32_t>(n));
    store_le<uint32_t>(d + hdr::kSlotCount, static_cast<uint32_t>(slot_count));
    store_le<uint64_t>(d + hdr::kEntriesOffset, entries_off);
    store_le<uint64_t>(d + hdr::kSlotsOffset, slots_off);
    store_le<uint64_t>(d + hdr::kStringsOffset, strings_off);
    store_le<uint64_t>(d + hdr::kStringsSize, strings.bytes().size());
    store_le<uint64_t>(d + hdr::kMetaOffset, meta_off);
    store_le<uint64_t>(d + hdr::kMetaSize, meta.size());
    store_le<uint64_t>(d + hdr::kPayloadOffset, payload_off);
    store_le<uint64_t>(d + hdr::kIndexChecksum, checksum(d + kHeaderSize, payload_off - kHeaderSize));
    store_le<uint64_t>(d + hdr::kPayloadChecksum, checksum(d + payload_off, file_size - payload_off));
    store_le<uint64_t>(d + hdr::kHeaderChecksum, checksum(d, hdr::kHeaderChecksum));
    return out;
}

}  // namespace oxpack::format
