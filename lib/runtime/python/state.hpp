// What the oxpack_runtime module keeps: its module state (heap types,
// exception classes, importlib objects it calls, interned names) and the
// object layouts of its types. No mutable C++ globals: everything hangs off
// the module object, so sub-interpreters and reloads each get their own.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "format/reader.hpp"
#include "runtime/core/module_index.hpp"
#include "runtime/core/path_index.hpp"
#include "runtime/python/profile.hpp"
#include "runtime/python/py.hpp"

namespace oxpack::runtime {

struct State {
    PyTypeObject* finder_type;
    PyTypeObject* loader_type;
    PyTypeObject* path_entry_type;
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
    PyObject* BuiltinImporter;
    PyObject* FrozenImporter;
    PyObject* is_builtin;         // _imp.is_builtin
    PyObject* find_frozen;        // _imp.find_frozen (3.11+) or _imp.is_frozen
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
    PyObject* support;            // the Python helper module, created on first use
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

// An installed blob: immutable after install except the lazily built parts,
// which are only touched with the GIL held.
struct BlobContext {
    format::Blob blob;
    format::BlobInfo info;
    std::string path;                     // absolute path of the blob file
    format::OriginMode origin = format::OriginMode::Original;
    int optimize = 0;
    uint32_t magic = 0;
    std::unique_ptr<PathIndex> paths;     // built on first use
    std::vector<std::pair<std::string, uint16_t>> dists;  // metadata dirs, built on first use
    bool dists_built = false;
    std::vector<int> memfds;              // never closed: dlopen matches libraries by path name
    std::string cache_dir;                // extraction directory, created on first use
    std::map<std::string, std::string> ext_paths;  // module key -> file it was loaded from
    uintptr_t ra_start = 0, ra_end = 0;   // the payload read-ahead window last asked for (finder.cpp prefetch)

    explicit BlobContext(format::Blob b) : blob(std::move(b)) {}
    // "<root>/<path>" (original) or "<blob>/<path>" (blob mode).
    std::string location(uint16_t root, std::string_view rel) const;
    // The root path of `root`, or the blob path in blob mode / unknown roots.
    const std::string& prefix(uint16_t root) const;
    // Builds the path index if needed; nullptr with an exception set on error.
    const PathIndex* path_index(State* st);
};

struct FinderObject {
    PyObject_HEAD
    PyObject* module;       // oxpack_runtime, for its state
    BlobContext* ctx;
    PyObject* path;         // str: the blob path
    PyObject* roots;        // tuple of str
};

struct LoaderObject {
    PyObject_HEAD
    FinderObject* finder;
    PyObject* name;         // the module name the spec carries
    PyObject* key;          // the blob key it loads (usually == name)
    PyObject* path;         // origin str, or None (namespace package)
    ModuleChoice* choice;   // what find_spec resolved `key` to (entries point into the mapping)
};

struct PathEntryObject {
    PyObject_HEAD
    FinderObject* finder;
    PyObject* path;         // the sys.path / __path__ entry it serves
    PyObject* package;      // str: dotted package ("" for the blob's top level)
};

inline State* state_of(FinderObject* f) { return state_of(f->module); }

// Raises BlobError(message) with name= and path= (the blob).
void raise_blob_error(State* st, const std::string& message, PyObject* name, PyObject* path);
// Raises BlobError from a format error.
void raise_format_error(State* st, const format::Error& e, PyObject* name, PyObject* path);

// spec.cpp: learns ModuleSpec's layout (module init). false with an exception set.
bool init_spec_support(State* st);
// spec.cpp: ModuleSpec(name, loader, origin=origin) with has_location,
// submodule_search_locations (nullptr: not a package) and, when known,
// the cached (.pyc) path set: the object ModuleSpec.__init__ and the
// attribute setters would build, without running Python code.
PyObject* new_spec(State* st, PyObject* name, PyObject* loader, PyObject* origin, bool has_location,
                   PyObject* locations);
// spec.cpp: the module object importlib's module_from_spec would end with
// for `spec` (__package__, __loader__, __path__, __file__, __cached__
// already set, so _init_module_attrs finds them), or None when `spec` is
// not a plain ModuleSpec served by `loader` (importlib then does it all).
PyObject* prepared_module(State* st, PyObject* spec, PyObject* loader);
// spec.cpp: true when the builtin or frozen importer after `f` in
// sys.meta_path serves `name` (the finder must then step aside); -1 on error.
int shadowed_by_builtin_or_frozen(FinderObject* f, PyObject* name, PyObject* path);

// Type specs / helpers implemented across the files.
extern PyType_Spec finder_spec;
extern PyType_Spec loader_spec;
extern PyType_Spec path_entry_spec;

// finder.cpp: the spec for `key` served under `name`; None when the blob
// has no such module, or when `search_path` (the parent's __path__; nullptr
// or None for "don't check") does not hold the module's directory.
// nullptr with an exception on error.
PyObject* make_spec(FinderObject* f, PyObject* name, PyObject* key, PyObject* search_path);
// finder.cpp: resolve `key`; raises BlobError when absent ("not in blob").
bool resolve_or_raise(FinderObject* f, PyObject* key, ModuleChoice& out);
// finder.cpp: get_data on a path.
PyObject* get_data_impl(FinderObject* f, PyObject* path);
// finder.cpp: the support helper module (created on first use), borrowed.
PyObject* support_module(State* st);
// loader.cpp
PyObject* get_code_impl(FinderObject* f, PyObject* key, const ModuleChoice& c, PyObject* origin);
PyObject* get_source_impl(FinderObject* f, PyObject* key, const ModuleChoice& c);
// extension.cpp: create an extension module from the blob.
PyObject* create_extension(LoaderObject* l, PyObject* spec, const ModuleChoice& c);
// blob_reader.cpp: adds BlobReader, BlobPayload and open_blob() to the module. false with an exception set.
bool add_blob_reader(PyObject* module);
// module.cpp: install() for activate_from_env.
PyObject* install_impl(PyObject* module, PyObject* path, PyObject* origin, PyObject* stale, PyObject* verify);

// The payload of `e` (checksum-checked, decompressed), with the GIL
// released for large ones. false with BlobError set on failure.
bool read_payload(FinderObject* f, const format::Entry& e, PyObject* name, format::Payload& out);

}  // namespace oxpack::runtime
