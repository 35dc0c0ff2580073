// Every CPython version the CLI knows, and what differs between them for it:
// one row per 3.x. Supporting a new version on the CLI side is one new row
// here (the runtime's differences are in lib/runtime/python/compat.hpp; the
// versions the runtime is built and tested for, OXPACK_PYTHON_MIN/MAX in
// CMakeLists.txt). What the CLI learns from the interpreter itself (its
// magic number, cache tag and suffixes: probe_interpreter.py) it never
// assumes; the table holds what it must know beforehand, and the expected
// values of the rest, which the unit tests hold the installed interpreters to.
//
// The .pyc header (PEP 552, the same for every version here, 16 bytes):
//   magic u32 | flags u32 | (mtime u32 | size u32)   flags == 0
//                         | source hash u64          flags & 1
// magic = u16 (little-endian) + "\r\n", the u16 changing within a version
// only before its first release candidate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>

namespace oxpack::scan {

// _imp.source_hash: SipHash keyed with the magic number.
enum class SourceHash : uint8_t {
    SipHash24,  // SipHash-2-4 (up to 3.10)
    SipHash13,  // SipHash-1-3 (3.11 on)
};

struct PythonVersion {
    int minor;                 // 3.<minor>
    uint16_t magic;            // importlib.util.MAGIC_NUMBER of its releases, as a number
    size_t pyc_header_size;    // bytes before the marshalled code object
    SourceHash source_hash;    // hash-based pycs' hash
};

inline constexpr PythonVersion kPythonVersions[] = {
    {8, 3413, 16, SourceHash::SipHash24},
    {9, 3425, 16, SourceHash::SipHash24},
    {10, 3439, 16, SourceHash::SipHash24},
    {11, 3495, 16, SourceHash::SipHash13},
    {12, 3531, 16, SourceHash::SipHash13},
    {13, 3571, 16, SourceHash::SipHash13},
};

// The oldest Python the CLI accepts as a target, and the newest it knows.
inline constexpr int kOldestMinor = kPythonVersions[0].minor;
inline constexpr int kNewestMinor = kPythonVersions[std::size(kPythonVersions) - 1].minor;

// The row for 3.<minor>: a version older than the table gets its oldest row,
// a newer one its newest (a new CPython is assumed to be like the last known).
const PythonVersion& python_version(int minor);

// "3.11", and the cache tag CPython 3.<minor> uses: "cpython-311".
std::string version_name(int minor);
std::string cpython_cache_tag(int minor);

}  // namespace oxpack::scan
