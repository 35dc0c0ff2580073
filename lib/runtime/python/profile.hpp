// Phase timers for profiling the import path (docs/import-profile.md, lib/runtime/README.md).
// Compiled in only with -DOXPACK_RUNTIME_PROFILE=ON (a separate build:
// a normal build has no timers and no oxpack_runtime._phases()); each timer
// costs two clock_gettime() calls. Totals live in the module state.
#pragma once

#include <cstdint>
#include <ctime>

namespace oxpack::runtime {

enum class Phase : int {
    FindSpecHit,   // Finder.find_spec returning a spec
    FindSpecMiss,  // Finder.find_spec returning None
    Create,        // Loader.create_module of a Python module (the prepared module)
    ExtCreate,     // create_module of an extension: dlopen + PyInit (CPython / the OS)
    ExtExec,       // exec_module of an extension (multi-phase init)
    ExecOwn,       // exec_module minus payload, unmarshal and body: the loader's own work
    Payload,       // reading a payload: prefetch, checksum, decompression
    Unmarshal,     // PyMarshal_ReadObjectFromString
    Body,          // the module body, nested imports included (not summed: for ExecOwn)
    Count,
};

struct PhaseTotals {
    uint64_t ns[static_cast<int>(Phase::Count)] = {};
    uint64_t n[static_cast<int>(Phase::Count)] = {};
};

inline uint64_t monotonic_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace oxpack::runtime

#ifdef OXPACK_PROFILE
#define OXPACK_TIMER_START(var) const uint64_t var = ::oxpack::runtime::monotonic_ns()
#define OXPACK_TIMER_ELAPSED(var) (::oxpack::runtime::monotonic_ns() - (var))
#define OXPACK_TIMER_ADD(st, phase, elapsed)                                           \
    do {                                                                               \
        (st)->phases.ns[static_cast<int>(::oxpack::runtime::Phase::phase)] += (elapsed); \
        (st)->phases.n[static_cast<int>(::oxpack::runtime::Phase::phase)] += 1;          \
    } while (0)
#else
#define OXPACK_TIMER_START(var) (void)0
#define OXPACK_TIMER_ELAPSED(var) uint64_t(0)
#define OXPACK_TIMER_ADD(st, phase, elapsed) (void)0
#endif
