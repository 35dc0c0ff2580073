// The blob writer: validation, the payload stage (writer_payloads.cpp),
// then the layout, with the payloads kept where they are (BlobImage, so
// nothing is copied twice on the way to the file) and the index region
// built in memory.
#include "format/writer.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <future>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "format/bytes.hpp"
#include "format/reader.hpp"
#include "format/writer_payloads.hpp"

namespace oxpack::format {
namespace {

constexpr unsigned char kZeros[kAlign] = {};

// Names, each stored once (at its first offset). Views into the entries,
// which outlive the table; open addressing, no allocation per name.
class StringTable {
public:
    explicit StringTable(size_t max_names) : slots_(std::bit_ceil(std::max<size_t>(16, 2 * max_names)), kFree) {
        names_.reserve(max_names);
    }
    uint32_t add(std::string_view s) {
        const size_t mask = slots_.size() - 1;
        for (size_t i = XXH3_64bits(s.data(), s.size()) & mask;; i = (i + 1) & mask) {
            if (slots_[i] == kFree) {
                slots_[i] = static_cast<uint32_t>(names_.size());
                names_.push_back({s, static_cast<uint32_t>(bytes_.size())});
                bytes_.insert(bytes_.end(), s.begin(), s.end());
                return names_.back().second;
            }
            if (names_[slots_[i]].first == s) return names_[slots_[i]].second;
        }
    }
    const std::vector<unsigned char>& bytes() const { return bytes_; }

private:
    static constexpr uint32_t kFree = UINT32_MAX;
    std::vector<uint32_t> slots_;                             // index into names_
    std::vector<std::pair<std::string_view, uint32_t>> names_;  // (name, offset)
    std::vector<unsigned char> bytes_;
};

// XXH3-64 of the payload region: each payload then its zero padding.
uint64_t payload_region_checksum(const std::vector<PayloadBytes>& payloads) {
    XXH3_state_t state;
    XXH3_INITSTATE(&state);
    XXH3_64bits_reset(&state);
    for (const auto& p : payloads) {
        std::string_view bytes = p.view();
        XXH3_64bits_update(&state, bytes.data(), bytes.size());
        XXH3_64bits_update(&state, kZeros, align_up(bytes.size(), kAlign) - bytes.size());
    }
    return XXH3_64bits_digest(&state);
}

}  // namespace

std::vector<std::span<const unsigned char>> BlobImage::pieces() const {
    std::vector<std::span<const unsigned char>> out;
    out.reserve(1 + 2 * payloads_.size());
    out.emplace_back(index_);
    for (const auto& p : payloads_) {
        std::string_view v = p.view();
        if (!v.empty()) out.emplace_back(reinterpret_cast<const unsigned char*>(v.data()), v.size());
        if (size_t pad = align_up(v.size(), kAlign) - v.size()) out.emplace_back(kZeros, pad);
    }
    return out;
}

std::vector<unsigned char> BlobImage::bytes() const {
    std::vector<unsigned char> out(size_);
    size_t at = 0;
    for (auto piece : pieces()) {
        std::memcpy(out.data() + at, piece.data(), piece.size());
        at += piece.size();
    }
    return out;
}

Result<BlobImage> assemble_blob(const BlobInfo& info, std::vector<InputEntry> entries, const WriteOptions& options) {
    // The ordered view: (space, key, kind, path). Equal keys form a group.
    auto before = [](const InputEntry& a, const InputEntry& b) {
        return std::tie(a.space, a.key, a.kind, a.path) < std::tie(b.space, b.key, b.kind, b.path);
    };
    if (!std::is_sorted(entries.begin(), entries.end(), before)) std::sort(entries.begin(), entries.end(), before);
    if (entries.size() >= kEmptySlot) return Error{ErrorCode::Invalid, "too many entries"};
    for (size_t i = 0; i < entries.size(); ++i) {
        const InputEntry& e = entries[i];
        if (e.key.empty()) return Error{ErrorCode::Invalid, "entry with an empty key (path '" + e.path + "')"};
        if (e.root != kNoRoot && e.root >= info.roots.size())
            return Error{ErrorCode::Invalid, e.path + ": root index out of range"};
        if (e.raw && (!e.data.empty() || e.precompressed.empty()))
            return Error{ErrorCode::Invalid, e.path + ": an entry with a raw digest has a frame and no data"};
        if (i > 0 && entries[i - 1].space == e.space && entries[i - 1].key == e.key && entries[i - 1].kind == e.kind)
            return Error{ErrorCode::Invalid, "duplicate entry '" + e.key + "' of kind " + std::string(to_string(e.kind)) +
                                                 " ('" + entries[i - 1].path + "' and '" + e.path + "')"};
    }

    // Payload dedup on raw bytes: identical inputs give identical stored bytes.
    const size_t n = entries.size();
    std::vector<uint32_t> owner;   // entry whose payload this entry shares
    std::vector<uint32_t> unique;  // entries that own a payload
    detail::dedup(entries, options.dedup, owner, unique);
    std::vector<detail::Stored> stored(n);
    if (auto r = detail::store_all(entries, stored, unique, options); !r) return r.error();

    // Strings: keys first in entry order, then paths (deterministic offsets).
    StringTable strings(2 * n);
    std::vector<uint32_t> key_off(n), path_off(n);
    for (size_t i = 0; i < n; ++i) key_off[i] = strings.add(entries[i].key);
    for (size_t i = 0; i < n; ++i) path_off[i] = strings.add(entries[i].path);
    if (strings.bytes().size() > 0xFFFFFFFFull) return Error{ErrorCode::Invalid, "names exceed 4 GiB"};
    std::vector<unsigned char> meta = encode_meta(info);
    // The IndexPages record comes last, its values filled in once the layout is known.
    const uint32_t page_size = options.index_page_size;
    if (page_size != 0 &&
        (!std::has_single_bit(page_size) || page_size < idx_pages::kMinPageSize || page_size > idx_pages::kMaxPageSize))
        return Error{ErrorCode::Invalid, "index page size " + std::to_string(page_size) +
                                             " is not a power of two between 512 and 16 MiB"};
    const size_t pages_record = meta.size() + kMetaRecordHeader;  // the record's value, in meta
    if (page_size != 0) {
        unsigned char head[kMetaRecordHeader + idx_pages::kRecordSize] = {};
        store_le<uint16_t>(head, static_cast<uint16_t>(MetaTag::IndexPages));
        store_le<uint32_t>(head + 4, idx_pages::kRecordSize);
        meta.insert(meta.end(), head, head + sizeof head);
    }

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
    uint64_t table_off = 0, page_count = 0;
    if (page_size != 0) {
        table_off = off;
        page_count = (table_off + page_size - 1) / page_size;
        if (page_count > 0xFFFFFFFFull) return Error{ErrorCode::Invalid, "index too large for its page table"};
        store_le<uint32_t>(meta.data() + pages_record + idx_pages::kPageSize, page_size);
        store_le<uint32_t>(meta.data() + pages_record + idx_pages::kPageCount, static_cast<uint32_t>(page_count));
        store_le<uint64_t>(meta.data() + pages_record + idx_pages::kTableOffset, table_off);
        off = align_up(off + (page_count + 1) * 8, kAlign);
    }
    const uint64_t payload_off = off;

    // Payload order: by (order_hint, entry order), owners only. The image
    // takes the stored bytes now; from here on they stay where they are.
    std::vector<uint32_t> order = unique;
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return entries[a].order_hint < entries[b].order_hint; });
    BlobImage image;
    image.payloads_.reserve(order.size());
    std::vector<uint64_t> rel(n, 0);
    std::vector<uint32_t> payload_of(n, 0);  // owner -> index in image.payloads_
    uint64_t payload_len = 0;
    for (uint32_t i : order) {
        rel[i] = payload_len;
        payload_len = align_up(payload_len + stored[i].bytes.size(), kAlign);
        payload_of[i] = static_cast<uint32_t>(image.payloads_.size());
        image.payloads_.push_back(std::move(stored[i].bytes));
    }
    image.size_ = payload_off + payload_len;

    // Checksums: each payload's (on every core), and the payload region's
    // (on a thread of its own, while the rest of the index is built).
    auto region_sum = std::async(std::launch::async, payload_region_checksum, std::cref(image.payloads_));
    std::vector<uint64_t> payload_sum(image.payloads_.size());
    detail::on_threads(options.threads, payload_sum.size(), [&](auto& next) {
        for (size_t k; next(k);) payload_sum[k] = checksum(image.payloads_[k].view().data(), image.payloads_[k].size());
    });

    std::vector<unsigned char>& index = image.index_;
    try {
        index.assign(payload_off, 0);
    } catch (const std::bad_alloc&) {
        return Error{ErrorCode::Io, "out of memory for a " + std::to_string(payload_off) + "-byte index"};
    }
    unsigned char* d = index.data();

    // Entries and slots.
    unsigned char* slots = d + slots_off;
    for (uint64_t s = 0; s < slot_count; ++s) store_le<uint32_t>(slots + s * kSlotSize + slot::kEntryIndex, kEmptySlot);
    const uint32_t mask = static_cast<uint32_t>(slot_count - 1);
    for (uint32_t i = 0; i < n; ++i) {
        const InputEntry& e = entries[i];
        const uint32_t o = owner[i];
        const detail::Stored& s = stored[o];
        const uint64_t hash = key_hash(e.space, e.key);
        unsigned char* r = d + entries_off + static_cast<uint64_t>(i) * kEntrySize;
        store_le<uint64_t>(r + ent::kKeyHash, hash);
        store_le<uint32_t>(r + ent::kKeyOffset, key_off[i]);
        store_le<uint32_t>(r + ent::kKeyLength, static_cast<uint32_t>(e.key.size()));
        store_le<uint32_t>(r + ent::kPathOffset, path_off[i]);
        store_le<uint32_t>(r + ent::kPathLength, static_cast<uint32_t>(e.path.size()));
        r[ent::kKind] = static_cast<unsigned char>(e.kind);
        r[ent::kCompression] = static_cast<unsigned char>(s.compression);
        store_le<uint16_t>(r + ent::kFlags, e.flags);
        store_le<uint16_t>(r + ent::kRoot, e.root);
        r[ent::kSpace] = static_cast<unsigned char>(e.space);
        store_le<uint64_t>(r + ent::kPayloadOffset, rel[o]);
        store_le<uint64_t>(r + ent::kStoredSize, image.payloads_[payload_of[o]].size());
        store_le<uint64_t>(r + ent::kRawSize, s.raw_size);
        store_le<uint64_t>(r + ent::kChecksum, payload_sum[payload_of[o]]);

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
    if (page_size != 0) {
        // The page-checksum table: every page of [128, table_off), then its own checksum.
        unsigned char* table = d + table_off;
        for (uint64_t i = 0; i < page_count; ++i) {
            const uint64_t begin = std::max<uint64_t>(i * page_size, kHeaderSize);
            const uint64_t end = std::min<uint64_t>((i + 1) * page_size, table_off);
            store_le<uint64_t>(table + i * 8, checksum(d + begin, end - begin));
        }
        store_le<uint64_t>(table + page_count * 8, checksum(table, page_count * 8));
    }

    // Header, checksums last.
    std::memcpy(d + hdr::kMagic, kMagic, sizeof kMagic);
    store_le<uint16_t>(d + hdr::kVersionMajor, kVersionMajor);
    // The oldest minor that holds it: 1.3 with a page table.
    store_le<uint16_t>(d + hdr::kVersionMinor, std::max<uint16_t>(page_size != 0 ? 3 : 0, info.minor_version()));
    store_le<uint32_t>(d + hdr::kHeaderSize, kHeaderSize);
    store_le<uint64_t>(d + hdr::kFileSize, image.size_);
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
    store_le<uint64_t>(d + hdr::kPayloadChecksum, region_sum.get());
    store_le<uint64_t>(d + hdr::kHeaderChecksum, checksum(d, hdr::kHeaderChecksum));
    return image;
}

Result<std::vector<unsigned char>> build_blob(const BlobInfo& info, std::vector<InputEntry> entries,
                                              const WriteOptions& options) {
    auto image = assemble_blob(info, std::move(entries), options);
    if (!image) return image.error();
    try {
        return image->bytes();
    } catch (const std::bad_alloc&) {
        return Error{ErrorCode::Io, "out of memory for a " + std::to_string(image->size()) + "-byte blob"};
    }
}

}  // namespace oxpack::format
