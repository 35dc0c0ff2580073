// .pyc headers: is a bytecode file usable for the target and for the source
// beside it? A stale or foreign .pyc is never packed (PEP 3147 / PEP 552).
//
//   header = magic u32 | flags u32 | (mtime u32 | size u32)   flags == 0
//                                  | source hash u64          flags & 1
// The source hash is CPython's _imp.source_hash: SipHash keyed with the magic
// number (which SipHash, per version: python_versions.hpp, the one table of
// what differs between Python versions for the CLI).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace oxpack::scan {

inline constexpr size_t kPycHeaderSize = 16;

enum class PycStatus {
    Valid,       // usable for the target and this source
    Truncated,   // shorter than a header
    WrongMagic,  // another interpreter's (or not bytecode at all)
    BadFlags,    // flags this target does not define
    Stale,       // the source changed since it was compiled
    NeedSource,  // hash-based: call again with the source bytes
};

std::string_view to_string(PycStatus s);

struct PycTarget {
    std::string magic;      // 4 bytes, importlib.util.MAGIC_NUMBER
    int version_minor = 0;  // 3.x: picks the source-hash function (python_versions.hpp)
};

struct SourceStamp {
    uint64_t size = 0;
    int64_t mtime_ns = 0;
    bool zip = false;  // zipimport compares DOS times: +-1 second, as zipimport does
};

// Checks the first bytes of a .pyc. `source` is absent for a sourceless
// (legacy NAME.pyc) module: then only magic and flags are checked.
// `source_bytes` is needed only for hash-based pycs.
PycStatus check_pyc(std::string_view header, const PycTarget& target, const std::optional<SourceStamp>& source,
                    const std::string_view* source_bytes = nullptr);

// _imp.source_hash(int.from_bytes(magic, 'little'), source) for the target.
uint64_t source_hash(const PycTarget& target, std::string_view source);

// SipHash-c-d with the 128-bit key (k0, k1); exposed for the unit tests.
uint64_t siphash(int c_rounds, int d_rounds, uint64_t k0, uint64_t k1, std::string_view data);

}  // namespace oxpack::scan
