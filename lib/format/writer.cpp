// The blob writer: validation, exact payload dedup, compression on every
// core, then the index region built in memory and the payloads kept as they
// are (BlobImage), so that nothing is copied twice on the way to the file.
#include "format/writer.hpp"

#include <zstd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>
#include <future>
#include <mutex>
#include <thread>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "format/bytes.hpp"
#include "format/reader.hpp"

namespace oxpack::format {
namespace {

constexpr unsigned char kZeros[kAlign] = {};

// One payload as the file stores it (owners only).
struct Stored {
    Compression compression = Compression::None;
    PayloadBytes bytes;     // the stored bytes: raw, or one zstd frame
    uint64_t raw_size = 0;
    uint64_t checksum = 0;  // of `bytes`
};

uint64_t raw_size_of(const InputEntry& e) { return e.raw ? e.raw->size : e.data.size(); }

// A caller's frame must be one zstd frame that declares the raw size and is smaller.
bool frame_fits(std::string_view frame, uint64_t raw_size) {
    return ZSTD_getFrameContentSize(frame.data(), frame.size()) == raw_size && frame.size() < raw_size;
}

// The raw bytes of `e`: its data, or its frame decompressed into `scratch`.
std::optional<std::string_view> raw_bytes(const InputEntry& e, std::string& scratch) {
    if (!e.raw) return std::string_view(e.data);
    scratch.resize(e.raw->size);
    std::string_view frame = e.precompressed.view();
    size_t n = ZSTD_decompress(scratch.data(), scratch.size(), frame.data(), frame.size());
    if (ZSTD_isError(n) || n != scratch.size()) return std::nullopt;
    return std::string_view(scratch);
}

// Exact payload equality of two entries whose digests are equal. Equal
// frames decode to equal bytes; anything else is compared raw.
bool same_payload(const InputEntry& a, const InputEntry& b) {
    if (!a.raw && !b.raw) return a.data == b.data;
    if (a.raw && b.raw && a.precompressed.view() == b.precompressed.view()) return true;
    std::string sa, sb;
    auto ra = raw_bytes(a, sa), rb = raw_bytes(b, sb);
    return ra && rb && *ra == *rb;
}

// Which entry owns the payload each entry shares (the first with equal raw
// bytes, in entry order), and the owners in entry order. Entries are grouped
// by digest; equal digests are confirmed by same_payload.
void dedup(const std::vector<InputEntry>& entries, bool enabled, std::vector<uint32_t>& owner,
           std::vector<uint32_t>& unique) {
    const auto n = static_cast<uint32_t>(entries.size());
    owner.resize(n);
    for (uint32_t i = 0; i < n; ++i) owner[i] = i;
    if (enabled) {
        std::vector<std::pair<RawDigest, uint32_t>> ids(n);
        for (uint32_t i = 0; i < n; ++i) ids[i] = {entries[i].raw ? *entries[i].raw : raw_digest(entries[i].data), i};
        std::sort(ids.begin(), ids.end(), [](const auto& a, const auto& b) {
            return std::tie(a.first.size, a.first.hash_low, a.first.hash_high, a.second) <
                   std::tie(b.first.size, b.first.hash_low, b.first.hash_high, b.second);
        });
        for (size_t lo = 0, hi; lo < n; lo = hi) {
            for (hi = lo + 1; hi < n && ids[hi].first == ids[lo].first; ++hi) {
            }
            for (size_t a = lo + 1; a < hi; ++a) {  // members in entry order: owners come first
                const uint32_t i = ids[a].second;
                for (size_t b = lo; b < a; ++b) {
                    const uint32_t j = ids[b].second;
                    if (owner[j] == j && same_payload(entries[j], entries[i])) {
                        owner[i] = j;
                        break;
                    }
                }
            }
        }
    }
    for (uint32_t i = 0; i < n; ++i)
        if (owner[i] == i) unique.push_back(i);
}

// Turns each owner's input into its Stored form, on `threads` threads (one
// zstd context and output buffer each). Releases the inputs' bytes as it goes.
Result<void> store_all(std::vector<InputEntry>& entries, std::vector<Stored>& out, const std::vector<uint32_t>& unique,
                       const WriteOptions& options) {
    if (options.compression != Compression::None && options.compression != Compression::Zstd)
        return Error{ErrorCode::Invalid, "unknown compression " + std::to_string(static_cast<int>(options.compression))};
    const bool zstd = options.compression == Compression::Zstd;
    unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    uint64_t total = 0;
    for (uint32_t i : unique) total += raw_size_of(entries[i]);
    std::atomic<size_t> next{0};
    std::atomic<uint64_t> done{0};
    std::mutex mutex;  // progress calls and `failure`
    std::string failure;

    // Fills `s` from `e`; returns an error message or "".
    auto store = [&](InputEntry& e, Stored& s, PayloadCompressor& z) -> std::string {
        s.raw_size = raw_size_of(e);
        if (e.raw || (zstd && !e.precompressed.empty())) {
            if (!frame_fits(e.precompressed.view(), s.raw_size))
                return e.path + ": precompressed payload does not match its data";
            if (zstd) {
                s.compression = Compression::Zstd;
                s.bytes = std::move(e.precompressed);
            } else {  // stored uncompressed: the raw bytes back from the frame
                std::string raw;
                if (!raw_bytes(e, raw)) return e.path + ": precompressed payload does not decompress";
                s.bytes = std::move(raw);
            }
        } else {
            auto frame = z.compress(e.data);
            if (!frame) return e.path + ": " + frame.error().message;
            if (!frame->empty()) {
                s.compression = Compression::Zstd;
                s.bytes = std::string(*frame);
            } else {
                s.bytes = std::move(e.data);
            }
        }
        std::string().swap(e.data);
        e.precompressed = {};
        s.checksum = checksum(s.bytes.view().data(), s.bytes.size());
        return {};
    };
    auto work = [&] {
        PayloadCompressor z(options);
        for (size_t k; (k = next.fetch_add(1)) < unique.size();) {
            InputEntry& e = entries[unique[k]];
            const uint64_t raw_size = raw_size_of(e);
            if (std::string error = store(e, out[unique[k]], z); !error.empty()) {
                std::lock_guard lock(mutex);
                failure = std::move(error);
                continue;
            }
            uint64_t d = done.fetch_add(raw_size) + raw_size;
            if (options.progress) {
                std::lock_guard lock(mutex);
                options.progress(d, total);
            }
        }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads && t < unique.size(); ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    if (!failure.empty()) return Error{ErrorCode::Invalid, failure};
    return {};
}

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
uint64_t payload_region_checksum(const std::vector<Stored>& stored, const std::vector<uint32_t>& order) {
    XXH3_state_t state;
    XXH3_INITSTATE(&state);
    XXH3_64bits_reset(&state);
    for (uint32_t i : order) {
        std::string_view bytes = stored[i].bytes.view();
        XXH3_64bits_update(&state, bytes.data(), bytes.size());
        XXH3_64bits_update(&state, kZeros, align_up(bytes.size(), kAlign) - bytes.size());
    }
    return XXH3_64bits_digest(&state);
}

}  // namespace

PayloadCompressor::PayloadCompressor(const WriteOptions& options)
    : compression_(options.compression), level_(options.level), min_size_(options.min_compress_size) {}

PayloadCompressor::~PayloadCompressor() {
    ZSTD_freeCCtx(small_);
    ZSTD_freeCCtx(large_);
}

size_t PayloadCompressor::max_frame_size(size_t raw_size) const {
    return compression_ == Compression::Zstd && raw_size >= min_size_ ? ZSTD_compressBound(raw_size) : 0;
}

Result<size_t> PayloadCompressor::compress_to(std::string_view raw, char* dst, size_t capacity) {
    if (compression_ != Compression::Zstd || raw.size() < min_size_) return size_t{0};
    constexpr size_t kSmall = 128 << 10;  // zstd's parameter tiers: <= 16K, <= 128K, <= 256K, more
    ZSTD_CCtx*& cctx = raw.size() <= kSmall ? small_ : large_;
    if (cctx == nullptr) {
        if ((cctx = ZSTD_createCCtx()) == nullptr) return Error{ErrorCode::Io, "cannot create a zstd context"};
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level_);
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1);
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 0);  // the entry has its own
    }
    size_t n = ZSTD_compress2(cctx, dst, capacity, raw.data(), raw.size());
    if (ZSTD_isError(n)) return Error{ErrorCode::Invalid, std::string("zstd: ") + ZSTD_getErrorName(n)};
    return n < raw.size() ? n : 0;  // keep only what actually got smaller
}

Result<std::string_view> PayloadCompressor::compress(std::string_view raw) {
    const size_t bound = max_frame_size(raw.size());
    if (bound == 0) return std::string_view();
    if (buf_size_ < bound) {
        buf_size_ = std::max(bound, buf_size_ + buf_size_ / 2);
        buf_ = std::make_unique_for_overwrite<char[]>(buf_size_);
    }
    auto n = compress_to(raw, buf_.get(), buf_size_);
    if (!n) return n.error();
    return std::string_view(buf_.get(), *n);
}

RawDigest raw_digest(std::string_view raw) {
    XXH128_hash_t h = XXH3_128bits(raw.data(), raw.size());
    return {raw.size(), h.low64, h.high64};
}

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
    dedup(entries, options.dedup, owner, unique);
    std::vector<Stored> stored(n);
    if (auto r = store_all(entries, stored, unique, options); !r) return r.error();

    // Payload order: by (order_hint, entry order), owners only. The payload
    // region's checksum is computed meanwhile the index is built.
    std::vector<uint32_t> order = unique;
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return entries[a].order_hint < entries[b].order_hint; });
    auto payload_checksum = std::async(std::launch::async, payload_region_checksum, std::cref(stored), std::cref(order));

    // Strings: keys first in entry order, then paths (deterministic offsets).
    StringTable strings(2 * n);
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

    std::vector<uint64_t> rel(n, 0);
    uint64_t payload_len = 0;
    for (uint32_t i : order) {
        rel[i] = payload_len;
        payload_len = align_up(payload_len + stored[i].bytes.size(), kAlign);
    }

    BlobImage image;
    image.size_ = payload_off + payload_len;
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
        const Stored& s = stored[o];
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
        store_le<uint64_t>(r + ent::kStoredSize, s.bytes.size());
        store_le<uint64_t>(r + ent::kRawSize, s.raw_size);
        store_le<uint64_t>(r + ent::kChecksum, s.checksum);

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

    // The payloads stay where they are; the image refers to them.
    image.payloads_.reserve(order.size());
    const uint64_t payload_sum = payload_checksum.get();  // before the moves: it reads the bytes
    for (uint32_t i : order) image.payloads_.push_back(std::move(stored[i].bytes));

    // Header, checksums last.
    std::memcpy(d + hdr::kMagic, kMagic, sizeof kMagic);
    store_le<uint16_t>(d + hdr::kVersionMajor, kVersionMajor);
    store_le<uint16_t>(d + hdr::kVersionMinor, kVersionMinor);
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
    store_le<uint64_t>(d + hdr::kPayloadChecksum, payload_sum);
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
