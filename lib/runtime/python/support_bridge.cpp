#include "runtime/python/support_bridge.hpp"

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

// support.py's copy of PathKind must say what this file's does.
bool path_kinds_agree(PyObject* dict) {
    static const struct {
        const char* name;
        PathKind kind;
    } kinds[] = {{"PATH_MISSING", PathKind::Missing}, {"PATH_FILE", PathKind::File}, {"PATH_DIR", PathKind::Directory}};
    for (const auto& k : kinds) {
        PyObject* v = PyDict_GetItemString(dict, k.name);  // borrowed
        if (v == nullptr || !PyLong_Check(v) || PyLong_AsLong(v) != static_cast<long>(k.kind)) {
            PyErr_Format(PyExc_SystemError, "oxpack_runtime: support.py's %s does not match the runtime's", k.name);
            return false;
        }
    }
    return true;
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

// The path index of the finder's blob, or nullptr with the exception set.
const PathIndex* index_of(FinderObject* f) { return f->ctx->path_index(state_of(f)); }

// _read_path(rel) -> bytes of the file at blob-relative `rel`, or None.
PyObject* bridge_read_path(PyObject* self, PyObject* rel_arg) {
    FinderObject* f = as_finder(self);
    std::string_view rel;
    if (!py::utf8(rel_arg, rel, "path")) return nullptr;
    const PathIndex* idx = index_of(f);
    if (idx == nullptr) return nullptr;
    auto found = idx->find_file(rel);
    if (!found) return py::none();
    auto e = f->ctx->blob.entry(*found);
    if (!e) {
        raise_format_error(state_of(f), e.error(), Py_None, f->path);
        return nullptr;
    }
    return payload_bytes(f, *e, Py_None);
}

// _list_dir(rel) -> [(name, is_dir)] of directory `rel`, or None.
PyObject* bridge_list_dir(PyObject* self, PyObject* rel_arg) {
    FinderObject* f = as_finder(self);
    std::string_view rel;
    if (!py::utf8(rel_arg, rel, "path")) return nullptr;
    const PathIndex* idx = index_of(f);
    if (idx == nullptr) return nullptr;
    auto kids = idx->list_dir(rel);
    if (!kids) return py::none();
    Ref out(PyList_New(0));
    if (!out) return nullptr;
    for (const auto& k : *kids) {
        Ref n = py::str(k.name);
        if (!n) return nullptr;
        Ref t(PyTuple_Pack(2, n.get(), k.is_dir ? Py_True : Py_False));
        if (!t || PyList_Append(out.get(), t.get()) < 0) return nullptr;
    }
    return out.release();
}

// _path_kind(rel) -> a PathKind value.
PyObject* bridge_path_kind(PyObject* self, PyObject* rel_arg) {
    FinderObject* f = as_finder(self);
    std::string_view rel;
    if (!py::utf8(rel_arg, rel, "path")) return nullptr;
    const PathIndex* idx = index_of(f);
    if (idx == nullptr) return nullptr;
    PathKind kind = idx->find_file(rel) ? PathKind::File : idx->is_dir(rel) ? PathKind::Directory : PathKind::Missing;
    return PyLong_FromLong(static_cast<long>(kind));
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

PyObject* support_module(State* st) {
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
    if (!path_kinds_agree(dict)) return nullptr;
    if (st->support == nullptr) st->support = mod.release();  // another thread may have won meanwhile
    return st->support;
}

PyObject* call_support(FinderObject* f, const char* fn, PyObject* arg) {
    PyObject* sup = support_module(state_of(f));
    if (sup == nullptr) return nullptr;
    return PyObject_CallMethod(sup, fn, "OO", reinterpret_cast<PyObject*>(f), arg);
}

PyMethodDef* support_bridge_methods() {
    static PyMethodDef methods[] = {
        {"_spec", heap::fastcall(bridge_spec), METH_FASTCALL, nullptr},
        {"_read_path", bridge_read_path, METH_O, nullptr},
        {"_list_dir", bridge_list_dir, METH_O, nullptr},
        {"_path_kind", bridge_path_kind, METH_O, nullptr},
        {"_read", heap::fastcall(bridge_read), METH_FASTCALL, nullptr},
        {"_dist_dirs", bridge_dist_dirs, METH_NOARGS, nullptr},
        {"_anchor", bridge_anchor, METH_O, nullptr},
        {nullptr, nullptr, 0, nullptr},
    };
    return methods;
}

}  // namespace oxpack::runtime
