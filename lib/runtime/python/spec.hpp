// The objects importlib would build for a module, built in C (spec.cpp).
#pragma once

#include "runtime/python/objects.hpp"

namespace oxpack::runtime {

// Learns ModuleSpec's layout (module init). false with an exception set.
bool init_spec_support(State* st);
// ModuleSpec(name, loader, origin=origin) with has_location,
// submodule_search_locations (nullptr: not a package) and, when known,
// the cached (.pyc) path set: the object ModuleSpec.__init__ and the
// attribute setters would build, without running Python code.
PyObject* new_spec(State* st, PyObject* name, PyObject* loader, PyObject* origin, bool has_location,
                   PyObject* locations);
// The module object importlib's module_from_spec would end with for `spec`
// (__package__, __loader__, __path__, __file__, __cached__ already set, so
// _init_module_attrs finds them), or None when `spec` is not a plain
// ModuleSpec served by `loader` (importlib then does it all).
// `namespace_package`: the module is a namespace package.
PyObject* prepared_module(State* st, PyObject* spec, PyObject* loader, bool namespace_package);
// True when the builtin or frozen importer after `f` in sys.meta_path serves
// `name` (the finder must then step aside); -1 on error.
int shadowed_by_builtin_or_frozen(FinderObject* f, PyObject* name, PyObject* path);

}  // namespace oxpack::runtime
