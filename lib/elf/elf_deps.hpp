// Reading what a shared object needs from its neighbours: the DT_NEEDED
// names and the DT_RPATH/DT_RUNPATH search path, straight from the ELF
// dynamic section. The runtime decides with it whether an extension module
// can be loaded from an anonymous memory file or must sit next to its
// neighbours on disk; freeze follows the libraries an extension needs.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "format/result.hpp"

namespace oxpack::elf {

struct ElfDeps {
    std::vector<std::string> needed;  // DT_NEEDED, in order
    std::vector<std::string> rpath;   // DT_RPATH then DT_RUNPATH entries, split at ':'
    bool has_rpath = false;           // a DT_RPATH in effect (no DT_RUNPATH beside it): the dynamic
                                      // loader searches it for everything this object loads, transitively
    // The bytes from the start of the file the dynamic loader uses: the ELF
    // header, the program headers and every segment's file contents. What
    // lies after (section headers, .symtab, debug sections) is never mapped
    // by dlopen(): a memory file needs only this prefix.
    uint64_t loaded_size = 0;
};

// Parses an ELF shared object (32- or 64-bit, little-endian). Every offset is
// bounds-checked; a damaged or foreign file gives an Error.
format::Result<ElfDeps> read_elf_deps(std::span<const unsigned char> image);

// True when some search-path entry is relative to the object itself
// ($ORIGIN / ${ORIGIN}): the object then needs files beside it.
bool needs_neighbours(const ElfDeps& deps);

// The '/'-separated directories, relative to the root, that $ORIGIN entries
// of an object at root-relative `object_path` point to. Entries escaping the
// root or not using $ORIGIN are left out. Normalised ("a/b/../c" -> "a/c").
std::vector<std::string> origin_dirs(const ElfDeps& deps, std::string_view object_path);

}  // namespace oxpack::elf
