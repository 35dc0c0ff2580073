// The SharedLibraries meta record (format 1.5): for each extension module,
// the shared libraries its DT_NEEDED names resolved to when the blob was
// made (outside the blob's roots, dependencies before what needs them), and
// the paths whose state then must still hold for that resolution to be
// today's. A loader may load those libraries by absolute path before the
// extension, so that the dynamic loader finds each already loaded instead
// of searching its path for it (oxr-format.md, section 5.4.3).
//
// Value layout, little-endian, packed:
//   u32 guard_count,   then per guard:   u64 mtime_ns, u64 size, u32 n, u8 path[n]
//   u32 library_count, then per library: u32 n, u8 path[n]
//   u32 module_count,  then per module:  u32 n, u8 name[n], u32 k, u32 library[k]
// Modules sorted by name, each once; library indexes in load order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "format/result.hpp"

namespace oxpack::format {

struct SharedLibraries {
    struct Guard {
        std::string path;       // absolute
        uint64_t mtime_ns = 0;  // st_mtime then; 0 with size 0: it did not exist
        uint64_t size = 0;      // st_size then
        bool operator==(const Guard&) const = default;
    };
    struct Module {
        std::string name;                // the extension module's full name
        std::vector<uint32_t> libraries; // indexes into `libraries`, in load order
        bool operator==(const Module&) const = default;
    };
    std::vector<Guard> guards;
    std::vector<std::string> libraries;  // absolute paths, each once
    std::vector<Module> modules;         // sorted by name

    bool empty() const { return modules.empty(); }
    // The module named `name`, or nullptr (binary search).
    const Module* find(std::string_view name) const;
    bool operator==(const SharedLibraries&) const = default;
};

// `path`'s state now as a guard records it: st_mtime (ns) and st_size of
// what stat() finds, 0 and 0 when it finds nothing. Writers record it,
// loaders compare it with the recorded one.
SharedLibraries::Guard guard_state(const std::string& path);

// The record's value. Modules must be sorted by name and name libraries that exist.
std::string encode_shared_libraries(const SharedLibraries& s);

// Parses a record's value; `where` names the blob in errors. Corrupt when a
// length runs past the value, the value has bytes left over, a library
// index is out of range, or the modules are not sorted.
Result<SharedLibraries> decode_shared_libraries(std::string_view value, const std::string& where);

}  // namespace oxpack::format
