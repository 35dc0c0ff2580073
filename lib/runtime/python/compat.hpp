// Every difference between the CPython versions the runtime supports
// (3.8-3.13), in one place, as small inline functions and constants named
// after what they mean (the way pythoncapi-compat names them after the
// newest API). The rest of the binding reads as if it targeted one version:
// supporting a new Python is a change in this file (and in support.py's
// "Python-version differences" section for the Python half).
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <cstddef>

namespace oxpack::runtime::compat {

// --- The C API -------------------------------------------------------------

// callable(*args) without building a tuple (PEP 590; public from 3.9).
inline PyObject* vectorcall(PyObject* callable, PyObject* const* args, size_t nargs) {
#if PY_VERSION_HEX < 0x03090000
    return _PyObject_Vectorcall(callable, args, nargs, nullptr);
#else
    return PyObject_Vectorcall(callable, args, nargs, nullptr);
#endif
}

// callable(*args, **kwargs) with keyword names as vectorcall passes them.
inline PyObject* vectorcall_kw(PyObject* callable, PyObject* const* args, size_t nargs, PyObject* kwnames) {
#if PY_VERSION_HEX < 0x03090000
    return _PyObject_Vectorcall(callable, args, nargs, kwnames);
#else
    return PyObject_Vectorcall(callable, args, nargs, kwnames);
#endif
}

// A heap type created from `spec`, tied to `module` where the API exists
// (3.9+: PyType_GetModule works on its instances; 3.8 keeps the module in
// each object instead, which the binding does on every version).
inline PyObject* type_from_spec(PyObject* module, PyType_Spec* spec) {
#if PY_VERSION_HEX >= 0x03090000
    return PyType_FromModuleAndSpec(module, spec, nullptr);
#else
    (void)module;
    return PyType_FromSpec(spec);
#endif
}

// A heap type's buffer procedure: a type slot from 3.9; on 3.8
// PyType_FromSpec has no buffer slots, so the procedure is set on the type
// after it is made (set_getbuffer; a no-op from 3.9).
#if PY_VERSION_HEX >= 0x03090000
#define OXPACK_COMPAT_GETBUFFER_SLOT(fn) {Py_bf_getbuffer, reinterpret_cast<void*>(fn)},
#else
#define OXPACK_COMPAT_GETBUFFER_SLOT(fn)
#endif
inline void set_getbuffer(PyObject* type, getbufferproc fn) {
#if PY_VERSION_HEX < 0x03090000
    auto* ht = reinterpret_cast<PyHeapTypeObject*>(type);
    ht->as_buffer.bf_getbuffer = fn;
    reinterpret_cast<PyTypeObject*>(type)->tp_as_buffer = &ht->as_buffer;
#else
    (void)type;
    (void)fn;
#endif
}

// The module slots beyond Py_mod_exec that a version knows: sub-interpreters
// with their own GIL may import the module (3.12+; its state is per module
// object), and it needs the GIL (3.13's free-threaded build).
#if PY_VERSION_HEX >= 0x030C0000
#define OXPACK_COMPAT_MULTIPLE_INTERPRETERS_SLOT \
    {Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_SUPPORTED},
#else
#define OXPACK_COMPAT_MULTIPLE_INTERPRETERS_SLOT
#endif
#if PY_VERSION_HEX >= 0x030D0000
#define OXPACK_COMPAT_GIL_SLOT {Py_mod_gil, Py_MOD_GIL_USED},
#else
#define OXPACK_COMPAT_GIL_SLOT
#endif
#define OXPACK_COMPAT_MODULE_SLOTS OXPACK_COMPAT_MULTIPLE_INTERPRETERS_SLOT OXPACK_COMPAT_GIL_SLOT

// --- The import system -----------------------------------------------------

// The _imp function that says whether FrozenImporter serves a name:
// find_frozen (3.11+: None when not frozen) or is_frozen (a bool).
inline constexpr const char* kFindFrozen =
#if PY_VERSION_HEX >= 0x030B0000
    "find_frozen";
#else
    "is_frozen";
#endif

// Whether the result of kFindFrozen says "frozen"; -1 on error.
inline int frozen_found(PyObject* result) {
#if PY_VERSION_HEX >= 0x030B0000
    return result != Py_None;
#else
    return PyObject_IsTrue(result);
#endif
}

// Whether BuiltinImporter / FrozenImporter look at a lookup with this
// `path` argument: before 3.11 they served top-level lookups only.
inline bool builtin_and_frozen_see(PyObject* path) {
#if PY_VERSION_HEX < 0x030B0000
    return path == nullptr || path == Py_None;
#else
    (void)path;
    return true;
#endif
}

// Whether _imp can list every frozen module name (3.11+), so a lookup can
// skip asking FrozenImporter about names it cannot hold.
inline constexpr bool kListsFrozenNames = PY_VERSION_HEX >= 0x030B0000;

// Before 3.13 the interpreter prints an uncaught exception in C, reading
// source lines from disk only; the runtime then routes sys.excepthook
// through the traceback module (which asks linecache, which asks loaders).
inline constexpr bool kExcepthookReadsDiskOnly = PY_VERSION_HEX < 0x030D0000;

// 3.9's importlib.resources.files() ignores the loader (importlib._common
// from_package only looks at spec.origin): support.py patches that module
// when it is imported (see support.py, patch_common).
inline constexpr bool kResourcesFilesIgnoresLoader = PY_VERSION_HEX >= 0x03090000 && PY_VERSION_HEX < 0x030A0000;
inline constexpr const char* kResourcesCommonModule = "importlib._common";

// The major.minor of the running interpreter, as sys.hexversion >> 16.
inline constexpr unsigned kMajorMinor = PY_VERSION_HEX >> 16;

}  // namespace oxpack::runtime::compat
