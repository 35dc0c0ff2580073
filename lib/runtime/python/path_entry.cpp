// The sys.path_hooks side: a path-entry finder for the blob path itself and
// for package directories inside it ("<blob>/pkg/sub", the __path__ entries
// of blob-mode packages), so pkgutil.iter_modules(pkg.__path__) and
// walk_packages list what the blob holds, and a blob path on sys.path works
// the way a zip file does.
#include "runtime/python/heap_type.hpp"
#include "runtime/python/lookup.hpp"

namespace oxpack::runtime {
namespace {

using py::Ref;

PathEntryObject* as_entry(PyObject* o) { return reinterpret_cast<PathEntryObject*>(o); }

PyObject* entry_find_spec(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    PathEntryObject* pe = as_entry(self);
    if (pe->finder == nullptr) {
        PyErr_SetString(PyExc_ReferenceError, "oxpack_runtime path entry finder was cleared");
        return nullptr;
    }
    PyObject* a[2] = {nullptr, Py_None};
    if (!py::parse_args("find_spec", args, nargs, kwnames, {"fullname", "target"}, 1, a)) return nullptr;
    if (!PyUnicode_Check(a[0])) {
        PyErr_SetString(PyExc_TypeError, "find_spec(): fullname must be str");
        return nullptr;
    }
    // As FileFinder: the last component names the file in this directory.
    Py_ssize_t len = PyUnicode_GetLength(a[0]);
    Py_ssize_t dot = PyUnicode_FindChar(a[0], '.', 0, len, -1);
    if (dot == -2) return nullptr;
    Ref tail(dot >= 0 ? PyUnicode_Substring(a[0], dot + 1, len) : py::new_ref(a[0]));
    if (!tail) return nullptr;
    Ref key;
    if (PyUnicode_GetLength(pe->package) == 0) {
        key = tail;
    } else {
        Ref dotted(PyUnicode_FromFormat("%U.%U", pe->package, tail.get()));
        key = dotted;
    }
    if (!key) return nullptr;
    return make_spec(pe->finder, a[0], key.get(), nullptr);
}

PyObject* entry_iter_modules(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    PathEntryObject* pe = as_entry(self);
    if (pe->finder == nullptr) {
        PyErr_SetString(PyExc_ReferenceError, "oxpack_runtime path entry finder was cleared");
        return nullptr;
    }
    Ref empty(PyUnicode_FromString(""));
    PyObject* a[1] = {empty.get()};
    if (!py::parse_args("iter_modules", args, nargs, kwnames, {"prefix"}, 0, a)) return nullptr;
    if (!PyUnicode_Check(a[0])) {
        PyErr_SetString(PyExc_TypeError, "iter_modules(): prefix must be str");
        return nullptr;
    }
    std::string_view package;
    if (!py::utf8(pe->package, package, "package")) return nullptr;
    Ref out(module_children(pe->finder, package, a[0]));
    if (!out) return nullptr;
    return PyObject_GetIter(out.get());
}

PyObject* entry_invalidate_caches(PyObject*, PyObject*) { return py::none(); }

PyMethodDef entry_methods[] = {
    {"find_spec", heap::fastcall(entry_find_spec),
     METH_FASTCALL | METH_KEYWORDS, "find_spec(fullname, target=None)"},
    {"iter_modules", heap::fastcall(entry_iter_modules),
     METH_FASTCALL | METH_KEYWORDS, "iter_modules(prefix=''): (name, ispkg) for pkgutil"},
    {"invalidate_caches", entry_invalidate_caches, METH_NOARGS, "Nothing to invalidate"},
    {nullptr, nullptr, 0, nullptr},
};

PyObject* entry_get_path(PyObject* self, void*) { return py::new_ref(as_entry(self)->path); }
PyObject* entry_get_finder(PyObject* self, void*) {
    PyObject* f = reinterpret_cast<PyObject*>(as_entry(self)->finder);
    return py::new_ref(f ? f : Py_None);
}

PyGetSetDef entry_getset[] = {
    {"path", entry_get_path, nullptr, "The path entry served", nullptr},
    {"finder", entry_get_finder, nullptr, "The Finder of the blob", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

PyObject* entry_repr(PyObject* self) {
    return PyUnicode_FromFormat("<oxpack_runtime.PathEntryFinder %R>", as_entry(self)->path);  // path is never cleared
}

int entry_traverse(PyObject* self, visitproc visit, void* arg) {
    return heap::traverse<PathEntryObject, &PathEntryObject::finder>(self, visit, arg);
}

int entry_clear(PyObject* self) {
    heap::clear_members<PathEntryObject, &PathEntryObject::finder>(as_entry(self));
    return 0;
}

void entry_release(PathEntryObject* pe) {
    heap::clear_members<PathEntryObject, &PathEntryObject::finder, &PathEntryObject::path, &PathEntryObject::package>(pe);
}

constexpr char kEntryNew[] = "PathEntryFinders are made by Finder.path_hook()";

PyType_Slot entry_slots[] = {
    {Py_tp_doc, const_cast<char*>("sys.path_hooks finder for a blob path or a package directory inside it.")},
    {Py_tp_methods, entry_methods},
    {Py_tp_getset, entry_getset},
    {Py_tp_repr, reinterpret_cast<void*>(entry_repr)},
    {Py_tp_traverse, reinterpret_cast<void*>(entry_traverse)},
    {Py_tp_clear, reinterpret_cast<void*>(entry_clear)},
    {Py_tp_dealloc, reinterpret_cast<void*>(heap::dealloc<PathEntryObject, entry_release>)},
    {Py_tp_new, reinterpret_cast<void*>(heap::refuse_new<kEntryNew>)},
    {0, nullptr},
};

}  // namespace

PyType_Spec path_entry_spec = {"oxpack_runtime.PathEntryFinder", sizeof(PathEntryObject), 0,
                               Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC, entry_slots};

}  // namespace oxpack::runtime
