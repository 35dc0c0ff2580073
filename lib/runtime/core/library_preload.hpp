// Loading the shared libraries an extension module needs by absolute path,
// before the extension, from the blob's SharedLibraries record (format 1.5).
//
// When dlopen() loads an extension, the dynamic loader looks for each
// DT_NEEDED library along the extension's search path (RUNPATH, then
// /etc/ld.so.cache, ...): a failed open per directory before the one that
// has it, and the cache opened again for every dlopen() that needs it. A
// library already loaded is matched by name instead, without a system call.
// So loading the recorded libraries first, dependencies before what needs
// them, by the paths the search found when the blob was made, leaves the
// extension's own dlopen() nothing to search for.
//
// That is exact only while the search would still find the same files, so
// nothing is loaded unless, at first use:
//   - none of LD_LIBRARY_PATH, LD_PRELOAD, LD_AUDIT, GLIBC_TUNABLES is set
//     (now or when the process started: they change the search, and freeze
//     resolved without them);
//   - every guard path (each directory searched, /etc/ld.so.cache, each
//     library's directory) has the mtime and size the record gives (one
//     stat() each, once per process).
// Anything else (a damaged record, a library that does not load) leaves
// the extension to the dynamic loader's own search, as without a record.
//
// Python-free. Not thread-safe by itself: the binding calls it under the GIL.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "format/shared_libraries.hpp"

namespace oxpack::runtime {

class LibraryPreload {
public:
    // `record`: BlobInfo::shared_libraries (empty: no record). Nothing is
    // parsed, stat()ed or loaded until the first before_load().
    explicit LibraryPreload(std::string record = {}) : record_(std::move(record)) {}

    // Loads, with dlopen() `flags`, each library the record lists for
    // extension module `module` that this object has not loaded before.
    // Returns how many it loaded now; 0 when disabled (see reason()).
    size_t before_load(std::string_view module, int flags);

    // True when enabled and the record lists libraries for `module`.
    bool lists(std::string_view module) { return check() && table_.find(module) != nullptr; }

    // Why nothing is loaded ("" while enabled or not yet decided).
    const std::string& reason() const { return reason_; }
    bool enabled() const { return state_ == State::On; }
    // Decides now (the checks above) if not yet done; true when enabled.
    bool check();

private:
    enum class State { Unchecked, On, Off };
    State state_ = State::Unchecked;
    std::string record_;
    std::string reason_;
    format::SharedLibraries table_;
    std::vector<unsigned char> done_;  // per library: 0 not yet, 1 loaded, 2 failed
};

// The first of the variables above set in this process's environment (now,
// or in /proc/self/environ, the one it started with), or "".
std::string loader_search_changed_by_environment();

}  // namespace oxpack::runtime
