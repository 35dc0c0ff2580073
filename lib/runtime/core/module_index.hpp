// Resolving a module name to the blob entries that implement it, the way
// PathFinder + FileFinder would have resolved it on the frozen environment;
// listing a package's children; checking a .pyc header. Pure C++ (no Python):
// the extension module and the unit tests both use it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "format/reader.hpp"

namespace oxpack::runtime {

enum class ModuleType : uint8_t {
    Source,     // has source (and maybe bytecode for this interpreter)
    Bytecode,   // sourceless: bytecode only
    Extension,  // an extension module
    Namespace,  // a namespace package (markers only)
};

struct ModuleChoice {
    ModuleType type = ModuleType::Source;
    bool package = false;
    uint16_t root = format::kNoRoot;
    std::optional<format::Entry> source;
    std::optional<format::Entry> bytecode;   // the level matching `optimize`, else (sourceless) any level
    std::optional<format::Entry> extension;
    std::vector<format::Entry> portions;     // namespace markers, root order

    // The entry whose original path becomes the module's origin (__file__);
    // nullptr for a namespace package.
    const format::Entry* origin_entry() const;
};

// The bytecode kind the running interpreter uses for sys.flags.optimize.
format::Kind bytecode_kind(int optimize);

// Resolves `name` (dotted). nullopt when the blob has no importable module of
// that name. Among the roots, the first root holding a package or module
// wins (package before module, extension before source before bytecode, as
// FileFinder orders them); namespace markers only count when no root holds a
// regular module.
//
// With `implicit_namespaces`, a name the blob holds no module for but holds
// modules below ("a.b" when only "a.b.c" is there: a directory without
// __init__, which FileFinder takes for a namespace portion) resolves to a
// namespace package whose portion is that directory. Blobs whose freeze
// wrote no namespace markers rely on it.
format::Result<std::optional<ModuleChoice>> resolve_module(const format::Blob& blob, std::string_view name,
                                                           int optimize, bool implicit_namespaces = true);

struct ChildModule {
    std::string name;  // the last component
    bool package = false;
};

// The importable children of `package` ("" for top-level modules), sorted by
// name. Namespace-only children are left out, as pkgutil leaves out
// directories without __init__.
format::Result<std::vector<ChildModule>> list_children(const format::Blob& blob, std::string_view package);

enum class PycCheck {
    Ok,
    TooShort,   // fewer than 16 bytes
    BadMagic,   // built for another interpreter
    BadFlags,   // unknown flag bits
    Stale,      // timestamp-based and the recorded source size differs
};

// Checks a whole .pyc file's 16-byte header: magic, flags, and (for a
// timestamp-based pyc when the source size is known) the source size field.
PycCheck check_pyc_header(std::span<const unsigned char> pyc, uint32_t magic, std::optional<uint64_t> source_size);

// Directory part of a '/'-separated relative path ("" for a top-level file).
std::string_view parent_dir(std::string_view path);

// The directory a module file stands for: its parent directory, with a
// trailing "__pycache__" dropped ("a/__pycache__/b.cpython-311.pyc" -> "a").
std::string_view module_dir(std::string_view path);

}  // namespace oxpack::runtime
