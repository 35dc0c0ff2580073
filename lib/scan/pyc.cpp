// .pyc header validation and CPython's source hash.
#include "scan/pyc.hpp"

#include <cstring>

#include "scan/python_versions.hpp"

namespace oxpack::scan {
namespace {

uint32_t le32(std::string_view s, size_t at) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
    return v;
}

uint64_t le64(const char* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
    return v;
}

inline uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

inline void sip_round(uint64_t& v0, uint64_t& v1, uint64_t& v2, uint64_t& v3) {
    v0 += v1, v1 = rotl(v1, 13), v1 ^= v0, v0 = rotl(v0, 32);
    v2 += v3, v3 = rotl(v3, 16), v3 ^= v2;
    v0 += v3, v3 = rotl(v3, 21), v3 ^= v0;
    v2 += v1, v1 = rotl(v1, 17), v1 ^= v2, v2 = rotl(v2, 32);
}

}  // namespace

std::string_view to_string(PycStatus s) {
    switch (s) {
        case PycStatus::Valid: return "valid";
        case PycStatus::Truncated: return "truncated";
        case PycStatus::WrongMagic: return "wrong magic";
        case PycStatus::BadFlags: return "unknown flags";
        case PycStatus::Stale: return "stale";
        case PycStatus::NeedSource: return "needs source";
    }
    return "unknown";
}

uint64_t siphash(int c_rounds, int d_rounds, uint64_t k0, uint64_t k1, std::string_view data) {
    uint64_t v0 = k0 ^ 0x736f6d6570736575ull, v1 = k1 ^ 0x646f72616e646f6dull;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ull, v3 = k1 ^ 0x7465646279746573ull;
    const size_t n = data.size();
    const char* p = data.data();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t m = le64(p + i);
        v3 ^= m;
        for (int r = 0; r < c_rounds; ++r) sip_round(v0, v1, v2, v3);
        v0 ^= m;
    }
    uint64_t b = static_cast<uint64_t>(n) << 56;
    for (size_t k = 0; i + k < n; ++k) b |= static_cast<uint64_t>(static_cast<unsigned char>(p[i + k])) << (8 * k);
    v3 ^= b;
    for (int r = 0; r < c_rounds; ++r) sip_round(v0, v1, v2, v3);
    v0 ^= b;
    v2 ^= 0xff;
    for (int r = 0; r < d_rounds; ++r) sip_round(v0, v1, v2, v3);
    return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t source_hash(const PycTarget& target, std::string_view source) {
    uint64_t key = le32(target.magic, 0);
    return python_version(target.version_minor).source_hash == SourceHash::SipHash13 ? siphash(1, 3, key, 0, source)
                                                                                     : siphash(2, 4, key, 0, source);
}

PycStatus check_pyc(std::string_view header, const PycTarget& target, const std::optional<SourceStamp>& source,
                    const std::string_view* source_bytes) {
    if (header.size() < kPycHeaderSize) return PycStatus::Truncated;
    if (target.magic.size() != 4 || header.substr(0, 4) != target.magic) return PycStatus::WrongMagic;
    const uint32_t flags = le32(header, 4);
    if (flags & ~0b11u) return PycStatus::BadFlags;
    if (!source) return PycStatus::Valid;  // sourceless: nothing to compare with
    if ((flags & 0b1) == 0) {  // timestamp-based (bit 1 alone is ignored, as importlib does)
        const int64_t secs = source->mtime_ns >= 0 ? source->mtime_ns / 1000000000 : (source->mtime_ns - 999999999) / 1000000000;
        const uint32_t mtime = le32(header, 8);
        const uint32_t want = static_cast<uint32_t>(secs);
        bool mtime_ok = source->zip ? (mtime == want || mtime + 1 == want || mtime == want + 1) : mtime == want;
        if (!mtime_ok || le32(header, 12) != static_cast<uint32_t>(source->size)) return PycStatus::Stale;
        return PycStatus::Valid;
    }
    if (source_bytes == nullptr) return PycStatus::NeedSource;
    uint64_t want = source_hash(target, *source_bytes);
    return le64(header.data() + 8) == want ? PycStatus::Valid : PycStatus::Stale;
}

}  // namespace oxpack::scan
