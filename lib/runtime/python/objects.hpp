// The instance layouts of the binding's three heap types, and the type specs
// module_exec creates them from. Each type's methods, slots and lifetime
// live in its own file: finder.cpp, loader.cpp, path_entry.cpp.
#pragma once

#include "runtime/core/module_index.hpp"
#include "runtime/python/blob_context.hpp"

namespace oxpack::runtime {

// The meta-path finder of one installed blob (finder.cpp).
struct FinderObject {
    PyObject_HEAD
    PyObject* module;       // oxpack_runtime, for its state
    BlobContext* ctx;
    PyObject* path;         // str: the blob path
    PyObject* roots;        // tuple of str
    PyObject* file_stat;    // os.stat_result of the blob file (the virtual file layer's template), or nullptr
};

// The loader a module's spec carries (loader.cpp).
struct LoaderObject {
    PyObject_HEAD
    FinderObject* finder;
    PyObject* name;         // the module name the spec carries
    PyObject* key;          // the blob key it loads (usually == name)
    PyObject* path;         // origin str, or None (namespace package)
    ModuleChoice* choice;   // what find_spec resolved `key` to (entries point into the mapping)
};

// A sys.path_hooks finder for the blob path or a package directory inside it
// (path_entry.cpp).
struct PathEntryObject {
    PyObject_HEAD
    FinderObject* finder;
    PyObject* path;         // the sys.path / __path__ entry it serves
    PyObject* package;      // str: dotted package ("" for the blob's top level)
};

inline State* state_of(FinderObject* f) { return state_of(f->module); }

extern PyType_Spec finder_spec;
extern PyType_Spec loader_spec;
extern PyType_Spec path_entry_spec;

}  // namespace oxpack::runtime
