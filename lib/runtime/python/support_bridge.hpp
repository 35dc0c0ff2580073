// The bridge between the binding and support.py, its Python half
// (importlib.resources readers, importlib.metadata distributions, the 3.9
// files() shim): support.py compiled and run on first use, calls into it, and
// the Finder's private methods it calls back (_spec, _read_path, _list_dir,
// _path_kind, _read, _dist_dirs, _anchor), which do the lookups in C++.
#pragma once

#include "runtime/python/objects.hpp"

namespace oxpack::runtime {

// What _path_kind says a blob-relative path is. support.py defines the same
// names (PATH_MISSING, PATH_FILE, PATH_DIR); support_module() checks that
// they agree when it loads the file.
enum class PathKind : int {
    Missing = 0,
    File = 1,
    Directory = 2,
};

// The support module (oxpack_runtime._support), created on first use;
// borrowed, nullptr with an exception set.
PyObject* support_module(State* st);

// support.<fn>(finder, arg); a new reference or nullptr.
PyObject* call_support(FinderObject* f, const char* fn, PyObject* arg);

// The Finder's private methods for support.py, appended to its method table
// (a function: the table is built on first use, whatever the order in which
// translation units are initialised).
PyMethodDef* support_bridge_methods();

}  // namespace oxpack::runtime
