// The bridge between the binding and support.py, its Python half
// (importlib.resources readers, importlib.metadata distributions, the 3.9
// files() shim): support.py compiled and run on first use, calls into it, and
// the Finder's private methods it calls back (_spec, _read, _dist_dirs,
// _anchor), which do the lookups in C++; and the modules adjusted once
// imported (pkg_resources, multiprocessing.util, 3.9's importlib._common).
#pragma once

#include "runtime/python/objects.hpp"

namespace oxpack::runtime {

// The modules that get a word from the runtime once imported, by whichever
// importer (support.py's ADJUSTED, which must name the same ones; checked
// when support.py loads): a frozenset for the find_spec hot path.
PyObject* adjusted_module_names();

// The support module (oxpack_runtime._support) of the runtime `module`,
// created on first use; borrowed, nullptr with an exception set.
PyObject* support_module(PyObject* module);

// support.after_import(imported) when `name` is one of the adjusted
// modules; false with an exception set.
bool adjust_after_import(PyObject* module, PyObject* name, PyObject* imported);

// support.<fn>(finder, arg); a new reference or nullptr.
PyObject* call_support(FinderObject* f, const char* fn, PyObject* arg);

// The Finder's private methods for support.py, appended to its method table
// (a function: the table is built on first use, whatever the order in which
// translation units are initialised).
PyMethodDef* support_bridge_methods();

}  // namespace oxpack::runtime
