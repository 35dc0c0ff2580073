// A blob changed under a running process must not kill it. A mapping of a
// file that is truncated (or whose pages cannot be read back: an NFS or FUSE
// error) raises SIGBUS at the next access to a page past the new end. The
// guard catches those faults for the ranges it watches: it maps a zero page
// over the faulting page (the access then completes, reading zeros) and
// counts the fault against the range, so the caller can see afterwards that
// what it read is not the blob and say so (checksums fail on zeros anyway).
// Faults outside every watched range go to the handler that was there
// before (or the default action), as if the guard did not exist.
//
// Process-wide: the handler is installed on the first watch and stays; at
// most kMaxWatched ranges at once. Pure C++ and POSIX (no Python).
#pragma once

#include <cstddef>
#include <cstdint>

namespace oxpack::runtime {

class MappingGuard {
public:
    static constexpr size_t kMaxWatched = 256;

    // Watches [start, start + size) (page-aligned start, as mmap gives).
    // Returns a handle for faults() and unwatch(), or -1 when all slots are
    // taken or the handler cannot be installed (the range is then unguarded).
    static int watch(const void* start, size_t size);
    static void unwatch(int handle);
    // Faults taken in the range since it was watched (0 for -1).
    static uint32_t faults(int handle);
};

}  // namespace oxpack::runtime
