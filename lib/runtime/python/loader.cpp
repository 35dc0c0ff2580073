// The per-module loader a spec carries (as FileLoader is for the file-system
// importer): create_module / exec_module / get_code / get_source ... bound to
// one module of one blob. get_code unmarshals the .pyc straight from the
// mapping (past its 16-byte header), or compiles the source when there is no
// valid bytecode for this interpreter.
#include "runtime/python/loader.hpp"  // Python.h first: marshal.h needs it

#include <marshal.h>

#include <new>

#include "runtime/python/compat.hpp"
#include "runtime/python/data.hpp"
#include "runtime/python/heap_type.hpp"
#include "runtime/python/lookup.hpp"
#include "runtime/python/payload.hpp"
#include "runtime/python/spec.hpp"
#include "runtime/python/support_bridge.hpp"

namespace oxpack::runtime {
namespace {

using py::Ref;

LoaderObject* as_loader(PyObject* o) { return reinterpret_cast<LoaderObject*>(o); }

// A loader the garbage collector cleared (tp_clear) while breaking a cycle
// can still be reached from a finaliser: refuse instead of crashing.
#define LOADER_ALIVE(l)                                                        \
    if ((l)->finder == nullptr || state_of((l)->finder)->ModuleSpec == nullptr) { \
        PyErr_SetString(PyExc_ReferenceError, "oxpack_runtime loader was cleared"); \
        return nullptr;                                                        \
    }

std::string describe(const format::Entry& e) { return "'" + std::string(e.key) + "' (" + std::string(e.path) + ")"; }

const char* pyc_problem(PycCheck c) {
    switch (c) {
        case PycCheck::Ok: return "ok";
        case PycCheck::TooShort: return "is truncated";
        case PycCheck::BadMagic: return "was compiled for another Python version";
        case PycCheck::BadFlags: return "has unknown header flags";
        case PycCheck::Stale: return "does not match its source";
    }
    return "is unusable";
}

// The key a loader method works on: its own unless another name is given.
PyObject* key_for(LoaderObject* l, PyObject* fullname) {
    if (fullname == nullptr || fullname == Py_None) return l->key;
    if (fullname == l->name) return l->key;
    int eq = PyUnicode_Check(fullname) ? PyUnicode_Compare(fullname, l->name) : 1;
    if (eq == -1 && PyErr_Occurred()) PyErr_Clear();
    return eq == 0 ? l->key : fullname;
}

// The path (str) of module `key`'s file `e`, as its spec would give it.
PyObject* location_of(LoaderObject* l, PyObject* key, const format::Entry& e) {
    std::string_view k;
    if (!py::utf8(key, k, "fullname")) return nullptr;
    return py::str(l->finder->ctx->module_location(k, e.root, e.path)).release();
}

PyObject* optional_fullname(const char* fn, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    PyObject* a[1] = {Py_None};
    if (!py::parse_args(fn, args, nargs, kwnames, {"fullname"}, 0, a)) return nullptr;
    return a[0];
}

// The loader methods that take an optional `fullname`: the key it names
// (borrowed), resolved into `c`; nullptr with the exception set.
PyObject* resolve_fullname(LoaderObject* l, const char* fn, PyObject* const* args, Py_ssize_t nargs,
                           PyObject* kwnames, ModuleChoice& c) {
    PyObject* fullname = optional_fullname(fn, args, nargs, kwnames);
    if (fullname == nullptr) return nullptr;
    PyObject* key = key_for(l, fullname);
    return resolve_or_raise(l->finder, key, c) ? key : nullptr;
}

}  // namespace

PyObject* new_loader(FinderObject* f, PyObject* name, PyObject* key, PyObject* origin, const ModuleChoice& choice) {
    State* st = state_of(f);
    ModuleChoice* kept = new (std::nothrow) ModuleChoice(choice);
    if (kept == nullptr) return PyErr_NoMemory();
    auto* l = PyObject_GC_New(LoaderObject, st->loader_type);
    if (l == nullptr) {
        delete kept;
        return nullptr;
    }
    l->finder = reinterpret_cast<FinderObject*>(py::new_ref(reinterpret_cast<PyObject*>(f)));
    l->name = py::new_ref(name);
    l->key = py::new_ref(key);
    l->path = py::new_ref(origin);
    l->choice = kept;
    PyObject_GC_Track(l);
    return reinterpret_cast<PyObject*>(l);
}

PyObject* get_code_impl(FinderObject* f, PyObject* key, const ModuleChoice& c, PyObject* origin) {
    State* st = state_of(f);
    if (c.type == ModuleType::Extension) return py::none();
    if (c.type == ModuleType::Namespace) return Py_CompileString("", "<string>", Py_file_input);
    if (c.bytecode) {
        format::Payload p;
        if (!read_payload(f, *c.bytecode, key, p)) return nullptr;
        std::optional<uint64_t> source_size;
        if (c.source) source_size = c.source->raw_size;
        PycCheck check = check_pyc_header(p.bytes(), f->ctx->magic, source_size);
        if (check == PycCheck::Ok) {
            OXPACK_TIMER_START(t0);
            Ref code(PyMarshal_ReadObjectFromString(reinterpret_cast<const char*>(p.data()) + 16,
                                                    static_cast<Py_ssize_t>(p.size() - 16)));
            OXPACK_TIMER_ADD(st, Unmarshal, OXPACK_TIMER_ELAPSED(t0));
            if (!code) return nullptr;
            if (!PyCode_Check(code.get())) {
                raise_blob_error(st, f->ctx->path + ": entry " + describe(*c.bytecode) + ": not a code object", key,
                                 f->path);
                return nullptr;
            }
            // As SourceLoader: co_filename names where the module is now
            // (blob mode moves it). Usually it already does.
            if (c.source && origin != Py_None) {
                PyObject* current = reinterpret_cast<PyCodeObject*>(code.get())->co_filename;
                int same = current == origin ? 1 : PyUnicode_Compare(current, origin) == 0;
                if (PyErr_Occurred()) return nullptr;
                if (!same) {
                    Ref r(py::call(st->fix_co_filename, {code.get(), origin}));
                    if (!r) return nullptr;
                }
            }
            return code.release();
        }
        if (!c.source) {
            raise_blob_error(st, f->ctx->path + ": entry " + describe(*c.bytecode) + ": the bytecode " + pyc_problem(check) +
                                     " and the blob holds no source to compile instead",
                             key, f->path);
            return nullptr;
        }
    }
    if (!c.source) {
        raise_blob_error(st, f->ctx->path + ": module '" + std::string(PyUnicode_AsUTF8(key)) + "' has no code", key,
                         f->path);
        return nullptr;
    }
    // Compiled at import, as SourceLoader does: through
    // _call_with_frames_removed so a SyntaxError's traceback is trimmed alike.
    Ref src(payload_bytes(f, *c.source, key));
    Ref mode(PyUnicode_FromString("exec"));
    if (!src || !mode) return nullptr;
    Ref args(PyTuple_Pack(4, st->builtin_compile, src.get(), origin, mode.get()));
    Ref kw(PyDict_New());
    if (!args || !kw || PyDict_SetItem(kw.get(), st->s_dont_inherit, Py_True) < 0) return nullptr;
    return PyObject_Call(st->call_with_frames_removed, args.get(), kw.get());
}

PyObject* get_source_impl(FinderObject* f, PyObject* key, const ModuleChoice& c) {
    if (!c.source) return py::none();
    Ref src(payload_bytes(f, *c.source, key));
    if (!src) return nullptr;
    return PyObject_CallFunctionObjArgs(state_of(f)->decode_source, src.get(), nullptr);
}

namespace {

PyObject* loader_create_module(PyObject* self, PyObject* spec) {
    LoaderObject* l = as_loader(self);
    LOADER_ALIVE(l)
    const ModuleChoice& c = *l->choice;  // resolved by find_spec: the blob never changes
    OXPACK_TIMER_START(t0);
    if (c.type == ModuleType::Extension) {
        PyObject* m = create_extension(l, spec, c);
        OXPACK_TIMER_ADD(state_of(l->finder), ExtCreate, OXPACK_TIMER_ELAPSED(t0));
        return m;
    }
    PyObject* m = prepared_module(state_of(l->finder), spec, self, c.type == ModuleType::Namespace);
    OXPACK_TIMER_ADD(state_of(l->finder), Create, OXPACK_TIMER_ELAPSED(t0));
    return m;
}

// The module body (source or bytecode): now, or on first use when lazy.
PyObject* exec_body(LoaderObject* l, PyObject* module);

// Lazy execution (install(lazy=...)): 1 when `module`'s body was deferred
// (support.py's defer() runs it through _exec_deferred on first use), 0 to
// run it now, -1 with an exception. The modules support.py adjusts once
// imported always run now (their adjustment must see the body).
int defer_if_lazy(LoaderObject* l, PyObject* module) {
    State* st = state_of(l->finder);
    std::string_view name;
    if (!py::utf8(l->name, name, "name")) return -1;
    if (!l->finder->ctx->lazy.contains(name) || name == "__main__" || !PyModule_Check(module)) return 0;
    int adjusted = PySet_Contains(st->adjusted_names, l->name);
    if (adjusted != 0) return adjusted < 0 ? -1 : 0;
    PyObject* sup = support_module(l->finder->module);
    if (sup == nullptr) return -1;
    Ref r(PyObject_CallMethod(sup, "defer", "OO", module, reinterpret_cast<PyObject*>(l)));
    return r ? PyObject_IsTrue(r.get()) : -1;
}

PyObject* loader_exec_module(PyObject* self, PyObject* module) {
    LoaderObject* l = as_loader(self);
    LOADER_ALIVE(l)
    State* st = state_of(l->finder);
    const ModuleChoice& c = *l->choice;
    if (c.type == ModuleType::Namespace) {
        // As _init_module_attrs does for namespace packages (bpo-32305).
        if (PyObject_SetAttr(module, st->s_file, Py_None) < 0) return nullptr;
        return py::none();
    }
    if (c.type == ModuleType::Extension) {
        if (!PyModule_Check(module)) return py::none();
        OXPACK_TIMER_START(t0);
        PyObject* r = py::call(st->call_with_frames_removed, {st->exec_dynamic, module});
        OXPACK_TIMER_ADD(st, ExtExec, OXPACK_TIMER_ELAPSED(t0));
        return r;
    }
    if (!l->finder->ctx->lazy.empty()) {
        int deferred = defer_if_lazy(l, module);
        if (deferred < 0) return nullptr;
        if (deferred) return py::none();
    }
    return exec_body(l, module);
}

// support.py's lazy module runs the deferred body through this, under the
// module's import lock.
PyObject* loader_exec_deferred(PyObject* self, PyObject* module) {
    LoaderObject* l = as_loader(self);
    LOADER_ALIVE(l)
    return exec_body(l, module);
}

PyObject* exec_body(LoaderObject* l, PyObject* module) {
    State* st = state_of(l->finder);
    const ModuleChoice& c = *l->choice;
#ifdef OXPACK_PROFILE
    const uint64_t t_start = monotonic_ns();
    auto read_ns = [st] {
        return st->phases.ns[static_cast<int>(Phase::Payload)] + st->phases.ns[static_cast<int>(Phase::Unmarshal)];
    };
    const uint64_t read_before = read_ns();
#endif
    Ref code(get_code_impl(l->finder, l->key, c, l->path));
    if (!code) return nullptr;
    Ref dict = PyModule_CheckExact(module) ? Ref::borrow(PyModule_GetDict(module))
                                           : Ref(PyObject_GetAttrString(module, "__dict__"));
    if (!dict) return nullptr;
    // Through _call_with_frames_removed, as importlib's loaders do, so a
    // traceback from the module body does not show importlib's frames.
#ifdef OXPACK_PROFILE
    // Nested imports run inside the body: what they add to the totals meanwhile is theirs.
    const uint64_t t_body = monotonic_ns();
    const uint64_t read_until_body = read_ns();
#endif
    Ref r(py::call(st->call_with_frames_removed, {st->builtin_exec, code.get(), dict.get()}));
#ifdef OXPACK_PROFILE
    // The loader's own work is what came before the body, less the payload
    // and unmarshal time (no nested import has run yet to add to those).
    OXPACK_TIMER_ADD(st, Body, monotonic_ns() - t_body);
    OXPACK_TIMER_ADD(st, ExecOwn, (t_body - t_start) - (read_until_body - read_before));
#endif
    if (!r) return nullptr;
    if (!adjust_after_import(l->finder->module, l->name, module)) return nullptr;
    return py::none();
}

PyObject* loader_get_code(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    LoaderObject* l = as_loader(self);
    LOADER_ALIVE(l)
    ModuleChoice c;
    PyObject* key = resolve_fullname(l, "get_code", args, nargs, kwnames, c);
    if (key == nullptr) return nullptr;
    Ref origin;
    if (key == l->key) origin = Ref::borrow(l->path);
    else if (const format::Entry* oe = c.origin_entry()) origin = Ref(location_of(l, key, *oe));
    else origin = Ref::borrow(Py_None);
    if (!origin) return nullptr;
    return get_code_impl(l->finder, key, c, origin.get());
}

PyObject* loader_get_source(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    LoaderObject* l = as_loader(self);
    LOADER_ALIVE(l)
    ModuleChoice c;
    PyObject* key = resolve_fullname(l, "get_source", args, nargs, kwnames, c);
    if (key == nullptr) return nullptr;
    return get_source_impl(l->finder, key, c);
}

PyObject* loader_get_filename(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    LoaderObject* l = as_loader(self);
    LOADER_ALIVE(l)
    ModuleChoice c;
    PyObject* key = resolve_fullname(l, "get_filename", args, nargs, kwnames, c);
    if (key == nullptr) return nullptr;
    const format::Entry* oe = c.origin_entry();
    if (oe == nullptr) {
        PyErr_Format(PyExc_ImportError, "%R is a namespace package: it has no file", key);
        return nullptr;
    }
    return location_of(l, key, *oe);
}

PyObject* loader_is_package(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    LoaderObject* l = as_loader(self);
    LOADER_ALIVE(l)
    ModuleChoice c;
    if (resolve_fullname(l, "is_package", args, nargs, kwnames, c) == nullptr) return nullptr;
    return PyBool_FromLong(c.package);
}

PyObject* loader_get_data(PyObject* self, PyObject* path) { return get_data_impl(as_loader(self)->finder, path); }

PyObject* loader_get_resource_reader(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    LoaderObject* l = as_loader(self);
    LOADER_ALIVE(l)
    PyObject* fullname = optional_fullname("get_resource_reader", args, nargs, kwnames);
    if (fullname == nullptr) return nullptr;
    return call_support(l->finder, "resource_reader", key_for(l, fullname));
}

// Python 3.9's importlib.resources.files() asks the loader itself.
PyObject* loader_files(PyObject* self, PyObject*) {
    LoaderObject* l = as_loader(self);
    LOADER_ALIVE(l)
    return call_support(l->finder, "loader_files", l->key);
}

PyObject* loader_load_module(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    LoaderObject* l = as_loader(self);
    LOADER_ALIVE(l)
    PyObject* fullname = optional_fullname("load_module", args, nargs, kwnames);
    if (fullname == nullptr) return nullptr;
    Ref bootstrap(PyImport_ImportModule("_frozen_importlib"));
    if (!bootstrap) return nullptr;
    return PyObject_CallMethod(bootstrap.get(), "_load_module_shim", "OO", self,
                               fullname == Py_None ? l->name : fullname);
}

#define FASTCALL(fn) heap::fastcall(fn), METH_FASTCALL | METH_KEYWORDS

PyMethodDef loader_methods[] = {
    {"create_module", loader_create_module, METH_O, "The extension module, or None for the default module"},
    {"exec_module", loader_exec_module, METH_O, "Run the module's code in the module"},
    {"_exec_deferred", loader_exec_deferred, METH_O, nullptr},
    {"get_code", FASTCALL(loader_get_code), "get_code(fullname=None): the code object"},
    {"get_source", FASTCALL(loader_get_source), "get_source(fullname=None): source text, or None"},
    {"get_filename", FASTCALL(loader_get_filename), "get_filename(fullname=None): __file__"},
    {"is_package", FASTCALL(loader_is_package), "is_package(fullname=None)"},
    {"get_data", loader_get_data, METH_O, "get_data(path): bytes of a file in the blob (or on disk)"},
    {"get_resource_reader", FASTCALL(loader_get_resource_reader), "importlib.resources reader"},
    {"files", loader_files, METH_NOARGS, "importlib.resources Traversable of the package (Python 3.9)"},
    {"load_module", FASTCALL(loader_load_module), "Deprecated loader API"},
    {nullptr, nullptr, 0, nullptr},
};

PyObject* loader_get_name(PyObject* self, void*) { return py::new_ref(as_loader(self)->name); }
PyObject* loader_get_path(PyObject* self, void*) { return py::new_ref(as_loader(self)->path); }
PyObject* loader_get_finder(PyObject* self, void*) {
    PyObject* f = reinterpret_cast<PyObject*>(as_loader(self)->finder);
    return py::new_ref(f ? f : Py_None);
}

PyGetSetDef loader_getset[] = {
    {"name", loader_get_name, nullptr, "The module name", nullptr},
    {"path", loader_get_path, nullptr, "The module's __file__ (None for a namespace package)", nullptr},
    {"finder", loader_get_finder, nullptr, "The Finder of the blob", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

PyObject* loader_repr(PyObject* self) {
    LoaderObject* l = as_loader(self);
    LOADER_ALIVE(l)
    return PyUnicode_FromFormat("<oxpack_runtime.Loader %R from %R>", l->name, l->finder->path);
}

int loader_traverse(PyObject* self, visitproc visit, void* arg) {
    return heap::traverse<LoaderObject, &LoaderObject::finder>(self, visit, arg);
}

int loader_clear(PyObject* self) {
    heap::clear_members<LoaderObject, &LoaderObject::finder>(as_loader(self));
    return 0;
}

void loader_release(LoaderObject* l) {
    heap::clear_members<LoaderObject, &LoaderObject::finder, &LoaderObject::name, &LoaderObject::key,
                        &LoaderObject::path>(l);
    delete l->choice;
    l->choice = nullptr;
}

constexpr char kLoaderNew[] = "Loaders are made by Finder.find_spec()";

PyType_Slot loader_slots[] = {
    {Py_tp_new, reinterpret_cast<void*>(heap::refuse_new<kLoaderNew>)},
    {Py_tp_doc, const_cast<char*>("Loads one module from an installed blob (the loader of its ModuleSpec).")},
    {Py_tp_methods, loader_methods},
    {Py_tp_getset, loader_getset},
    {Py_tp_repr, reinterpret_cast<void*>(loader_repr)},
    {Py_tp_traverse, reinterpret_cast<void*>(loader_traverse)},
    {Py_tp_clear, reinterpret_cast<void*>(loader_clear)},
    {Py_tp_dealloc, reinterpret_cast<void*>(heap::dealloc<LoaderObject, loader_release>)},
    {0, nullptr},
};

}  // namespace

PyType_Spec loader_spec = {"oxpack_runtime.Loader", sizeof(LoaderObject), 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
                           loader_slots};

}  // namespace oxpack::runtime
