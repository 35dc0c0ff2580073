#include "runtime/python/support_bridge.hpp"

#include "runtime/python/compat.hpp"
#include "runtime/python/heap_type.hpp"
#include "runtime/python/lookup.hpp"
#include "runtime/python/payload.hpp"
#include "runtime/python/support_code.hpp"
#include "runtime/python/support_py.hpp"

#include <marshal.h>

namespace oxpack::runtime {
namespace {

using py::Ref;

FinderObject* as_finder(PyObject* o) { return reinterpret_cast<FinderObject*>(o); }

// The modules support.py adjusts once imported (its ADJUSTED).
constexpr const char* kAdjusted[] = {"pkg_resources", "pip._vendor.pkg_resources", "multiprocessing.util"};

bool adjusted_agree(PyObject* dict) {
    PyObject* table = PyDict_GetItemString(dict, "ADJUSTED");  // borrowed
    if (table == nullptr || !PyDict_Check(table)) {
        PyErr_SetString(PyExc_SystemError, "oxpack_runtime: support.py has no ADJUSTED table");
        return false;
    }
    Ref names(adjusted_module_names());
    if (!names) return false;
    Ref it(PyObject_GetIter(names.get()));
    if (!it) return false;
    while (Ref name{PyIter_Next(it.get())}) {
        if (PyDict_GetItem(table, name.get()) == nullptr) {
            PyErr_Format(PyExc_SystemError, "oxpack_runtime: support.py does not adjust %R", name.get());
            return false;
        }
    }
    return !PyErr_Occurred();
}

// --- the Finder's private methods for support.py ------------------------------

// _spec(fullname, path): the spec without any version-specific interception.
PyObject* bridge_spec(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    if (nargs != 2 || !PyUnicode_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "_spec(fullname, path)");
        return nullptr;
    }
    return make_spec(as_finder(self), args[0], args[0], args[1]);
}

// _read(space, key) -> the payload of the first entry (not a namespace
// marker) of key group (space, key), or None.
PyObject* bridge_read(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    FinderObject* f = as_finder(self);
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "_read(space, key)");
        return nullptr;
    }
    long space = PyLong_AsLong(args[0]);
    if (space == -1 && PyErr_Occurred()) return nullptr;
    std::string_view key;
    if (!py::utf8(args[1], key, "key")) return nullptr;
    auto g = f->ctx->blob.find(static_cast<format::Space>(space), key);
    if (!g) {
        raise_format_error(state_of(f), g.error(), Py_None, f->path);
        return nullptr;
    }
    for (uint32_t i = 0; i < g->count; ++i) {
        auto e = f->ctx->blob.entry(g->first + i);
        if (!e) {
            raise_format_error(state_of(f), e.error(), Py_None, f->path);
            return nullptr;
        }
        if (e->kind == static_cast<uint8_t>(format::Kind::Namespace)) continue;
        return payload_bytes(f, *e, args[1]);
    }
    return py::none();
}

// _dist_dirs() -> [(metadata dir, root index or -1)].
PyObject* bridge_dist_dirs(PyObject* self, PyObject*) {
    FinderObject* f = as_finder(self);
    const auto* dists = f->ctx->distributions(state_of(f), f->path);
    if (dists == nullptr) return nullptr;
    Ref out(PyList_New(0));
    if (!out) return nullptr;
    for (const auto& [dir, root] : *dists) {
        Ref d = py::str(dir);
        Ref r(PyLong_FromLong(root == format::kNoRoot ? -1 : root));
        if (!d || !r) return nullptr;
        Ref t(PyTuple_Pack(2, d.get(), r.get()));
        if (!t || PyList_Append(out.get(), t.get()) < 0) return nullptr;
    }
    return out.release();
}

// _anchor(key) -> (root index or -1, is_package, [the module's directory, or
// its namespace portion dirs]) or None.
PyObject* bridge_anchor(PyObject* self, PyObject* key) {
    FinderObject* f = as_finder(self);
    std::string_view k;
    if (!py::utf8(key, k, "name")) return nullptr;
    auto r = resolve_module(f->ctx->blob, k, f->ctx->optimize);
    if (!r) {
        raise_format_error(state_of(f), r.error(), key, f->path);
        return nullptr;
    }
    if (!*r) return py::none();
    const ModuleChoice& c = **r;
    const format::Entry* oe = c.origin_entry();
    Ref dirs(PyList_New(0));
    if (!dirs) return nullptr;
    auto add = [&](std::string_view dir) {
        Ref t = py::str(dir);
        return t && PyList_Append(dirs.get(), t.get()) == 0;
    };
    if (oe) {
        if (!add(module_dir(oe->path))) return nullptr;
    } else {
        for (const auto& p : c.portions)
            if (!add(p.path)) return nullptr;
    }
    return Py_BuildValue("(iOO)", c.root == format::kNoRoot ? -1 : c.root, c.package ? Py_True : Py_False, dirs.get());
}

}  // namespace

PyObject* adjusted_module_names() {
    Ref set(PySet_New(nullptr));
    if (!set) return nullptr;
    auto add = [&](const char* n) {
        Ref s(PyUnicode_InternFromString(n));
        return s && PySet_Add(set.get(), s.get()) == 0;
    };
    for (const char* n : kAdjusted)
        if (!add(n)) return nullptr;
    if (compat::kResourcesFilesIgnoresLoader && !add(compat::kResourcesCommonModule)) return nullptr;
    return PyFrozenSet_New(set.get());
}

PyObject* support_module(PyObject* module) {
    State* st = state_of(module);
    if (st->support != nullptr) return st->support;
    // Compiled at build time by this interpreter's version; the source is
    // the fallback (another micro version with a different bytecode magic).
    Ref code;
    if (kSupportMagic == st->magic) {
        code = Ref(PyMarshal_ReadObjectFromString(reinterpret_cast<const char*>(kSupportCode), sizeof kSupportCode));
        if (!code || !PyCode_Check(code.get())) {
            PyErr_Clear();
            code = Ref();
        }
    }
    if (!code) code = Ref(Py_CompileString(kSupportSource, "<oxpack_runtime/_support.py>", Py_file_input));
    if (!code) return nullptr;
    Ref mod(PyModule_New("oxpack_runtime._support"));
    if (!mod) return nullptr;
    PyObject* dict = PyModule_GetDict(mod.get());  // borrowed
    if (PyDict_SetItemString(dict, "__builtins__", PyEval_GetBuiltins()) < 0) return nullptr;
    Ref r(PyEval_EvalCode(code.get(), dict, dict));
    if (!r) return nullptr;
    if (!adjusted_agree(dict) || PyDict_SetItemString(dict, "_runtime", module) < 0) return nullptr;
    if (st->support == nullptr) st->support = mod.release();  // another thread may have won meanwhile
    return st->support;
}

bool adjust_after_import(PyObject* module, PyObject* name, PyObject* imported) {
    State* st = state_of(module);
    int adjusted = PySet_Contains(st->adjusted_names, name);
    if (adjusted <= 0) return adjusted == 0;
    PyObject* sup = support_module(module);
    if (sup == nullptr) return false;
    Ref r(PyObject_CallMethod(sup, "after_import", "O", imported));
    return static_cast<bool>(r);
}

PyObject* call_support(FinderObject* f, const char* fn, PyObject* arg) {
    PyObject* sup = support_module(f->module);
    if (sup == nullptr) return nullptr;
    return PyObject_CallMethod(sup, fn, "OO", reinterpret_cast<PyObject*>(f), arg);
}

PyMethodDef* support_bridge_methods() {
    static PyMethodDef methods[] = {
        {"_spec", heap::fastcall(bridge_spec), METH_FASTCALL, nullptr},
        {"_read", heap::fastcall(bridge_read), METH_FASTCALL, nullptr},
        {"_dist_dirs", bridge_dist_dirs, METH_NOARGS, nullptr},
        {"_anchor", bridge_anchor, METH_O, nullptr},
        {nullptr, nullptr, 0, nullptr},
    };
    return methods;
}

}  // namespace oxpack::runtime
