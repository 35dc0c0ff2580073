// The per-module Loader (loader.cpp) and the code it runs: what the finder's
// by-name methods and the support code share with it.
#pragma once

#include "runtime/python/objects.hpp"

namespace oxpack::runtime {

// A Loader for `key` served under `name`, from `origin` (str or None), that
// keeps a copy of what find_spec resolved. nullptr with the exception set.
PyObject* new_loader(FinderObject* f, PyObject* name, PyObject* key, PyObject* origin, const ModuleChoice& choice);

// The code object of the module `c` resolved `key` to (bytecode from the
// mapping, else its source compiled); None for an extension module.
PyObject* get_code_impl(FinderObject* f, PyObject* key, const ModuleChoice& c, PyObject* origin);
// The module's source text, or None.
PyObject* get_source_impl(FinderObject* f, PyObject* key, const ModuleChoice& c);

// extension.cpp: the extension module of `c`, created from its original
// file, a memory file, or the private cache.
PyObject* create_extension(LoaderObject* l, PyObject* spec, const ModuleChoice& c);

}  // namespace oxpack::runtime
