// The fuzz targets' bodies, shared by the libFuzzer executables (clang,
// -DOXPACK_FUZZ=ON, tests/fuzz/run) and by the unit test that replays the
// kept corpus with the normal build (tests/unit/test_fuzz_corpus.cpp), so
// CI runs exactly the code the fuzzer ran, without clang.
//
// Each takes one input as a whole blob file. A crash, a sanitizer report or
// a broken invariant (fuzz_check: abort()) is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace oxpack::fuzz {

// The blob reader (lib/format): open, meta, every entry, lookups, payloads, verify().
void reader_one(const uint8_t* data, size_t size);

// The runtime's open and lookup path (lib/runtime/core, no Python): open as
// install() does in each verify mode, then resolve_module, list_children,
// PathIndex and the .pyc header check on what the blob holds.
void runtime_lookup_one(const uint8_t* data, size_t size);

}  // namespace oxpack::fuzz

// An invariant that must hold whatever the input: abort (a finding) if not.
#define fuzz_check(cond)                                                                     \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                    \
        }                                                                                    \
    } while (0)
