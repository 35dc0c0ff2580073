// From a module name to what serves it: resolving a name in the blob the way
// PathFinder + FileFinder would have on the frozen environment, and the
// ModuleSpec (with its Loader) for it. The finder, the path-entry finder and
// the loader's by-name methods all go through here.
#pragma once

#include "runtime/python/objects.hpp"

namespace oxpack::runtime {

// The spec for `key` served under `name`; None when the blob has no such
// module, or when `search_path` (the parent's __path__; nullptr or None for
// "don't check") does not hold the module's directory. nullptr with an
// exception on error.
PyObject* make_spec(FinderObject* f, PyObject* name, PyObject* key, PyObject* search_path);

// Resolves `key` into `out`; false with ModuleNotFoundError when the blob has
// no such module, BlobError when the blob is damaged.
bool resolve_or_raise(FinderObject* f, PyObject* key, ModuleChoice& out);

// The Loader of `fullname` (a new reference); nullptr with
// ModuleNotFoundError when the blob has no such module.
PyObject* loader_for(FinderObject* f, PyObject* fullname);

// [(prefix + name, is_package)] of the importable children of `package`
// ("" for the blob's top level), for pkgutil's iter_modules; nullptr with
// the exception set.
PyObject* module_children(FinderObject* f, std::string_view package, PyObject* prefix);

}  // namespace oxpack::runtime
