// The oxpack_runtime module's state: its heap types, exception classes, the
// importlib and builtins objects it calls, and interned names. No mutable
// C++ globals: everything hangs off the module object, so sub-interpreters
// and reloads each get their own. Members are created in module.cpp's
// module_exec and released by STATE_OBJECTS there, in one place.
#pragma once

#include <cstdint>

#include "runtime/python/profile.hpp"
#include "runtime/python/py.hpp"

namespace oxpack::runtime {

class Vfs;

struct State {
    PyTypeObject* finder_type;
    PyTypeObject* loader_type;
    PyTypeObject* path_entry_type;
    PyTypeObject* vfs_scandir_type;     // the virtual file layer's os.scandir() iterator
    PyTypeObject* vfs_dir_entry_type;   // and its entries
    PyObject* BlobError;          // ImportError subclass: every blob problem
    PyObject* BlobVersionError;   // built for another interpreter
    PyObject* StaleBlobError;     // stale="error" and the environment changed
    PyObject* StaleBlobWarning;   // RuntimeWarning subclass, stale="warn"
    // importlib and builtins objects, looked up once.
    PyObject* ModuleSpec;
    PyObject* call_with_frames_removed;
    PyObject* builtin_exec;
    PyObject* builtin_compile;
    PyObject* create_dynamic;
    PyObject* exec_dynamic;
    PyObject* fix_co_filename;
    PyObject* decode_source;
    PyObject* PathFinder;
    PyObject* FileFinder;
    PyObject* root_listing_type;  // FileFinder subclass for frozen roots, made on first use (root_listing.cpp)
    PyObject* BuiltinImporter;
    PyObject* FrozenImporter;
    PyObject* is_builtin;         // _imp.is_builtin
    PyObject* find_frozen;        // _imp's frozen-module query (compat::kFindFrozen)
    PyObject* builtin_names;      // frozenset(sys.builtin_module_names)
    PyObject* frozen_names;       // frozenset: every name find_frozen may know, or nullptr (unknown: always ask)
    PyObject* sys;                // the sys module (sys.meta_path, sys.pycache_prefix without PySys_GetObject's C-string lookup)
    PyObject* s_meta_path;
    PyObject* s_pycache_prefix;
    // ModuleSpec's instance layout, learnt from one spec built by its own
    // __init__ (spec.cpp): attribute names in __init__ order, what each
    // holds, the template's values. Empty when the layout was not understood
    // (specs are then built by calling ModuleSpec).
    PyObject* spec_keys;          // tuple of str, or nullptr
    PyObject* spec_values;        // tuple, the template's values
    uint8_t spec_kinds[16];
    PyObject* cache_tag;          // sys.implementation.cache_tag (str), or nullptr: __cached__ left to importlib
    PyObject* installed;          // list of installed finders, in install order
    PyObject* support;            // the Python helper module, created on first use (support_bridge.cpp)
    PyObject* adjusted_names;     // frozenset: modules support.py adjusts once imported (support_bridge.cpp)
    PyObject* io_open;            // _io.open, as it was at module init
    PyObject* vfs_patches;        // the virtual file layer's hooks in place: [(target, name, original, hook)]
    Vfs* vfs;                     // the virtual file layer's mounts (vfs.cpp), created on first use
    int stat_fields;              // os.stat_result's field count (all of them, hidden too), once known
    int stat_blocks_index;        // the index of st_blocks in it, or -1
    // Interned names.
    PyObject* s_name;
    PyObject* s_origin;
    PyObject* s_is_package;
    PyObject* s_has_location;
    PyObject* s_submodule_search_locations;
    PyObject* s_spec;
    PyObject* s_loader;
    PyObject* s_file;
    PyObject* s_exec;
    PyObject* s_dont_inherit;
    PyObject* s_package_attr;     // "__package__"
    PyObject* s_loader_attr;      // "__loader__"
    PyObject* s_path_attr;        // "__path__"
    PyObject* s_cached_attr;      // "__cached__"
    PyObject* s_set_fileattr;     // "_set_fileattr"
    PyObject* s_cached_private;   // "_cached"
#ifdef OXPACK_PROFILE
    PhaseTotals phases;
#endif
    uint32_t magic;  // this interpreter's bytecode magic (first 4 .pyc bytes, LE)
    int optimize;    // sys.flags.optimize
};

State* state_of(PyObject* module);

}  // namespace oxpack::runtime
