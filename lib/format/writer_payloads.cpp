// The writer's payload stage: exact dedup, and each payload's stored form
// (compressed on every core, or a caller's frame checked and taken as is).
#include "format/writer_payloads.hpp"

#include <zstd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace oxpack::format::detail {
namespace {

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

}  // namespace

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

Result<void> store_all(std::vector<InputEntry>& entries, std::vector<Stored>& out, const std::vector<uint32_t>& unique,
                       const WriteOptions& options) {
    if (options.compression != Compression::None && options.compression != Compression::Zstd)
        return Error{ErrorCode::Invalid, "unknown compression " + std::to_string(static_cast<int>(options.compression))};
    const bool zstd = options.compression == Compression::Zstd;
    uint64_t total = 0;
    for (uint32_t i : unique) total += raw_size_of(entries[i]);
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
        return {};
    };
    on_threads(options.threads, unique.size(), [&](auto& next) {
        PayloadCompressor z(options);
        for (size_t k; next(k);) {
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
    });
    if (!failure.empty()) return Error{ErrorCode::Invalid, failure};
    return {};
}

}  // namespace oxpack::format::detail

namespace oxpack::format {

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

}  // namespace oxpack::format
