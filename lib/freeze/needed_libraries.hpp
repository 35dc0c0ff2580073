// Which shared libraries each extension module needs, as the dynamic loader
// resolves them on this machine: the SharedLibraries record (format 1.5,
// format/shared_libraries.hpp) that lets the runtime load them by absolute
// path before the extension instead of letting the loader search for each.
//
// The resolution is the dynamic loader's own: `ld.so --list EXTENSION`
// (no code of the object runs; LD_LIBRARY_PATH, LD_PRELOAD, LD_AUDIT and
// GLIBC_TUNABLES removed, as the runtime requires them unset). The load
// order comes from each library's DT_NEEDED (lib/elf): dependencies first.
// Recorded per extension: the libraries outside the blob's roots that the
// interpreter does not load at start, in load order. Recorded once: the
// guards, every path whose change could change the resolution (each search
// directory of every object involved, the hardware-capability directories
// below them that exist, each library's directory, /etc/ld.so.cache).
//
// Nothing is recorded where the result could not be exact: no dynamic
// loader known for this platform, an interpreter (or a library it loads)
// with a DT_RPATH (inherited by everything it loads: the search would
// differ from the one listed), an extension whose libraries are not all
// found or whose search path uses a token other than $ORIGIN.
#pragma once

#include <string>
#include <vector>

#include "format/shared_libraries.hpp"

namespace oxpack::freeze {

struct ExtensionFile {
    std::string module;  // full module name
    std::string path;    // absolute path of the extension on disk
};

struct NeededLibraries {
    format::SharedLibraries table;  // empty when nothing was recorded
    std::string none_because;       // why nothing at all was recorded ("" otherwise)
    size_t extensions_skipped = 0;  // extensions left to the loader's search
};

// `roots`: the blob's root paths (libraries under them are the blob's own);
// `interpreter`: the target's executable. Runs up to `threads` ld.so at once (0: one per core).
NeededLibraries resolve_needed_libraries(const std::vector<ExtensionFile>& extensions,
                                         const std::vector<std::string>& roots, const std::string& interpreter,
                                         unsigned threads);

// The dynamic loader to ask, for this platform: "" when none is known
// (then nothing is recorded). A seam: glibc on x86-64 Linux only, for now.
std::string dynamic_loader();

}  // namespace oxpack::freeze
