// The meta-path finder: one per installed blob. find_spec is the hot path:
// a hash probe in the mapped index, then a ModuleSpec (lookup.cpp); no
// Python-level helpers on the way. The finder is also a complete loader by
// name (get_code, get_source... through the module's own Loader), the
// blob's get_data, its sys.path_hooks entry, and the owner of the blob's
// BlobContext. Its private methods for support.py are in support_bridge.cpp.
#include <vector>

#include "runtime/python/compat.hpp"
#include "runtime/python/data.hpp"
#include "runtime/python/heap_type.hpp"
#include "runtime/python/lookup.hpp"
#include "runtime/python/paths.hpp"
#include "runtime/python/root_listing.hpp"
#include "runtime/python/spec.hpp"
#include "runtime/python/support_bridge.hpp"
#include "runtime/python/vfs.hpp"

namespace oxpack::runtime {
namespace {

using py::Ref;

FinderObject* as_finder(PyObject* o) { return reinterpret_cast<FinderObject*>(o); }

PyObject* find_spec_then_adjust(PyObject* self, PyObject* const* a);
PyObject* by_name(PyObject* self, PyObject* fullname, const char* method);

// --- public methods ----------------------------------------------------------

// find_spec(fullname, path=None, target=None): the ModuleSpec, or None.
PyObject* finder_find_spec(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    PyObject* a[3] = {nullptr, Py_None, Py_None};
    if (!py::parse_args("find_spec", args, nargs, kwnames, {"fullname", "path", "target"}, 1, a)) return nullptr;
    if (!PyUnicode_Check(a[0])) {
        PyErr_SetString(PyExc_TypeError, "find_spec(): fullname must be str");
        return nullptr;
    }
    // A module support.py adjusts once imported (by whichever importer).
    if (int adjusted = PySet_Contains(state_of(as_finder(self))->adjusted_names, a[0]); adjusted != 0)
        return adjusted < 0 ? nullptr : find_spec_then_adjust(self, a);
    if (!as_finder(self)->ctx->lazy.empty() && a[2] == Py_None) {  // (a reload passes its module as target)
        // Importing a.b reads a.__path__, which runs a lazy a's body; that
        // body may import a.b itself, after the import system looked in
        // sys.modules. support.py hands it the module already there.
        PyObject* there = PyDict_GetItemWithError(PyImport_GetModuleDict(), a[0]);
        if (there != nullptr) {
            PyObject* sup = support_module(as_finder(self)->module);
            return sup == nullptr ? nullptr : PyObject_CallMethod(sup, "imported_meanwhile", "O", a[0]);
        }
        if (PyErr_Occurred()) return nullptr;
    }
    OXPACK_TIMER_START(t0);
    Ref spec(make_spec(as_finder(self), a[0], a[0], a[1]));
    if (spec && spec.get() != Py_None) {
        // Ahead of the builtin and frozen importers (see install), their
        // modules stay theirs.
        int shadowed = shadowed_by_builtin_or_frozen(as_finder(self), a[0], a[1]);
        if (shadowed < 0) return nullptr;
        if (shadowed) spec = Ref::borrow(Py_None);
    }
#ifdef OXPACK_PROFILE
    if (State* st = state_of(as_finder(self)); st != nullptr && spec) {
        if (spec.get() == Py_None) OXPACK_TIMER_ADD(st, FindSpecMiss, OXPACK_TIMER_ELAPSED(t0));
        else OXPACK_TIMER_ADD(st, FindSpecHit, OXPACK_TIMER_ELAPSED(t0));
    }
#endif
    return spec.release();
}

PyObject* finder_invalidate_caches(PyObject*, PyObject*) { return py::none(); }

// iter_modules(prefix=''): (name, ispkg) of the blob's top-level modules.
PyObject* finder_iter_modules(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    Ref empty(PyUnicode_FromString(""));
    PyObject* a[1] = {empty.get()};
    if (!py::parse_args("iter_modules", args, nargs, kwnames, {"prefix"}, 0, a)) return nullptr;
    if (!PyUnicode_Check(a[0])) {
        PyErr_SetString(PyExc_TypeError, "iter_modules(): prefix must be str");
        return nullptr;
    }
    Ref list(module_children(as_finder(self), "", a[0]));
    if (!list) return nullptr;
    return PyObject_GetIter(list.get());
}

PyObject* finder_find_distributions(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    PyObject* a[1] = {Py_None};
    if (!py::parse_args("find_distributions", args, nargs, kwnames, {"context"}, 0, a)) return nullptr;
    return call_support(as_finder(self), "find_distributions", a[0]);
}

// create_module / exec_module on the finder itself (it is a complete
// loader): delegate to the module's own loader.
PyObject* finder_create_module(PyObject* self, PyObject* spec) {
    State* st = state_of(as_finder(self));
    Ref name(PyObject_GetAttr(spec, st->s_name));
    if (!name) return nullptr;
    Ref loader(loader_for(as_finder(self), name.get()));
    if (!loader) return nullptr;
    return PyObject_CallMethod(loader.get(), "create_module", "O", spec);
}

PyObject* finder_exec_module(PyObject* self, PyObject* module) {
    State* st = state_of(as_finder(self));
    Ref spec(PyObject_GetAttr(module, st->s_spec));
    if (!spec) return nullptr;
    Ref name(PyObject_GetAttr(spec.get(), st->s_name));
    if (!name) return nullptr;
    Ref loader(loader_for(as_finder(self), name.get()));
    if (!loader) return nullptr;
    return PyObject_CallMethod(loader.get(), "exec_module", "O", module);
}

PyObject* finder_get_code(PyObject* self, PyObject* fullname) { return by_name(self, fullname, "get_code"); }
PyObject* finder_get_source(PyObject* self, PyObject* fullname) { return by_name(self, fullname, "get_source"); }
PyObject* finder_get_filename(PyObject* self, PyObject* fullname) { return by_name(self, fullname, "get_filename"); }
PyObject* finder_is_package(PyObject* self, PyObject* fullname) { return by_name(self, fullname, "is_package"); }
PyObject* finder_get_resource_reader(PyObject* self, PyObject* fullname) {
    return by_name(self, fullname, "get_resource_reader");
}

PyObject* finder_get_data(PyObject* self, PyObject* path) { return get_data_impl(as_finder(self), path); }

// path_hook(path): a PathEntryFinder for the blob path or a package
// directory inside it; ImportError for any other path.
PyObject* finder_path_hook(PyObject* self, PyObject* path_arg) {
    FinderObject* f = as_finder(self);
    State* st = state_of(f);
    std::string path;
    if (!PyUnicode_Check(path_arg) || !py::fspath(path_arg, path)) {
        PyErr_Clear();
        PyErr_SetString(PyExc_ImportError, "not an oxpack blob path");
        return nullptr;
    }
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    std::string package;
    std::string_view rest;
    if (path != f->ctx->path) {
        std::string rel;
        if (!starts_with_dir(path, f->ctx->path, rest) || !normalize_rel(rest, rel)) {
            if (PyObject* found = root_listing_path_hook(f, path_arg, path)) return found;
            if (PyErr_Occurred()) return nullptr;
            PyErr_SetString(PyExc_ImportError, "not a path inside this blob");
            return nullptr;
        }
        package = rel;
        for (char& ch : package)
            if (ch == '/') ch = '.';
        auto r = resolve_module(f->ctx->blob, package, f->ctx->optimize);
        if (!r) {
            raise_format_error(st, r.error(), Py_None, f->path);
            return nullptr;
        }
        if (!*r || !(*r)->package) {
            PyErr_SetString(PyExc_ImportError, "not a package directory inside this blob");
            return nullptr;
        }
    }
    Ref pkg = py::str(package);
    if (!pkg) return nullptr;
    auto* pe = PyObject_GC_New(PathEntryObject, st->path_entry_type);
    if (pe == nullptr) return nullptr;
    pe->finder = reinterpret_cast<FinderObject*>(py::new_ref(self));
    pe->path = py::new_ref(path_arg);
    pe->package = pkg.release();
    PyObject_GC_Track(pe);
    return reinterpret_cast<PyObject*>(pe);
}

// uninstall(): out of sys.meta_path, sys.path_hooks and the installed list.
PyObject* finder_uninstall(PyObject* self, PyObject*) {
    State* st = state_of(as_finder(self));
    Ref hook(PyObject_GetAttrString(self, "path_hook"));
    if (!hook) return nullptr;
    for (const char* listname : {"meta_path", "path_hooks"}) {
        PyObject* list = PySys_GetObject(listname);  // borrowed
        if (list == nullptr || !PyList_Check(list)) continue;
        for (Py_ssize_t i = PyList_GET_SIZE(list) - 1; i >= 0; --i) {
            PyObject* item = PyList_GET_ITEM(list, i);
            int eq = item == self ? 1 : PyObject_RichCompareBool(item, hook.get(), Py_EQ);
            if (eq < 0) return nullptr;
            if (eq && PySequence_DelItem(list, i) < 0) return nullptr;
        }
    }
    for (Py_ssize_t i = PyList_GET_SIZE(st->installed) - 1; i >= 0; --i)
        if (PyList_GET_ITEM(st->installed, i) == self && PySequence_DelItem(st->installed, i) < 0) return nullptr;
    vfs_unmount(st, as_finder(self));
    return py::none();
}

// --- helpers -----------------------------------------------------------------

// Loader-style methods by name: look the module up and ask its loader.
PyObject* by_name(PyObject* self, PyObject* fullname, const char* method) {
    if (!PyUnicode_Check(fullname)) {
        PyErr_Format(PyExc_TypeError, "%s(): fullname must be str", method);
        return nullptr;
    }
    Ref loader(loader_for(as_finder(self), fullname));
    if (!loader) return nullptr;
    return PyObject_CallMethod(loader.get(), method, "O", fullname);
}

// The lookup of a module support.py adjusts once imported goes through it
// (support_bridge.hpp): whoever serves it, its exec_module then tells us.
PyObject* find_spec_then_adjust(PyObject* self, PyObject* const* a) {
    PyObject* sup = support_module(as_finder(self)->module);
    if (sup == nullptr) return nullptr;
    return PyObject_CallMethod(sup, "find_spec_then_adjust", "OOOO", self, a[0], a[1], a[2]);
}

// --- the type ----------------------------------------------------------------

PyMethodDef public_methods[] = {
    {"find_spec", heap::fastcall(finder_find_spec), METH_FASTCALL | METH_KEYWORDS,
     "find_spec(fullname, path=None, target=None): the ModuleSpec, or None"},
    {"invalidate_caches", finder_invalidate_caches, METH_NOARGS, "Nothing to invalidate: a blob never changes."},
    {"iter_modules", heap::fastcall(finder_iter_modules), METH_FASTCALL | METH_KEYWORDS,
     "iter_modules(prefix=''): (name, ispkg) of the blob's top-level modules"},
    {"find_distributions", heap::fastcall(finder_find_distributions), METH_FASTCALL | METH_KEYWORDS,
     "importlib.metadata: the distributions in the blob matching context"},
    {"create_module", finder_create_module, METH_O, "Loader protocol: delegates to the module's loader"},
    {"exec_module", finder_exec_module, METH_O, "Loader protocol: delegates to the module's loader"},
    {"get_code", finder_get_code, METH_O, "get_code(fullname): the module's code object"},
    {"get_source", finder_get_source, METH_O, "get_source(fullname): the module's source, or None"},
    {"get_filename", finder_get_filename, METH_O, "get_filename(fullname): the module's __file__"},
    {"is_package", finder_is_package, METH_O, "is_package(fullname)"},
    {"get_resource_reader", finder_get_resource_reader, METH_O, "importlib.resources reader"},
    {"get_data", finder_get_data, METH_O, "get_data(path): bytes of a file in the blob (or on disk)"},
    {"path_hook", finder_path_hook, METH_O, "sys.path_hooks entry: a path-entry finder for paths inside the blob"},
    {"uninstall", finder_uninstall, METH_NOARGS, "Remove this finder from sys.meta_path and sys.path_hooks"},
    {nullptr, nullptr, 0, nullptr},
};

// The public methods, then support.py's private ones (support_bridge.cpp).
PyMethodDef* finder_methods() {
    static std::vector<PyMethodDef> all = [] {
        std::vector<PyMethodDef> v;
        for (PyMethodDef* m : {public_methods, support_bridge_methods()})
            for (; m->ml_name != nullptr; ++m) v.push_back(*m);
        v.push_back({nullptr, nullptr, 0, nullptr});
        return v;
    }();
    return all.data();
}

PyObject* finder_get_path(PyObject* self, void*) { return py::new_ref(as_finder(self)->path); }
PyObject* finder_get_roots(PyObject* self, void*) { return py::new_ref(as_finder(self)->roots); }
PyObject* finder_get_origin(PyObject* self, void*) {
    return PyUnicode_FromString(as_finder(self)->ctx->origin == format::OriginMode::Blob ? "blob" : "original");
}
PyObject* finder_get_files(PyObject* self, void*) {
    return PyUnicode_FromString(as_finder(self)->ctx->files == BlobContext::Files::Blob ? "blob" : "disk");
}
PyObject* finder_get_lazy(PyObject* self, void*) {
    const auto& globs = as_finder(self)->ctx->lazy.globs();
    Ref t(PyTuple_New(static_cast<Py_ssize_t>(globs.size())));
    if (!t) return nullptr;
    for (size_t i = 0; i < globs.size(); ++i) {
        PyObject* s = py::str(globs[i]).release();
        if (s == nullptr) return nullptr;
        PyTuple_SET_ITEM(t.get(), static_cast<Py_ssize_t>(i), s);
    }
    return t.release();
}
PyObject* finder_get_target(PyObject* self, void*) {
    return py::str(as_finder(self)->ctx->info.target.python_version).release();
}
PyObject* finder_get_entry_count(PyObject* self, void*) {
    return PyLong_FromUnsignedLong(as_finder(self)->ctx->blob.entry_count());
}

PyGetSetDef finder_getset[] = {
    {"path", finder_get_path, nullptr, "Absolute path of the blob file", nullptr},
    {"roots", finder_get_roots, nullptr, "The roots (sys.path entries) the blob was frozen from", nullptr},
    {"origin", finder_get_origin, nullptr, "'original' or 'blob': how __file__ is set", nullptr},
    {"files", finder_get_files, nullptr,
     "'blob' when the frozen roots' files are served from the blob by path, else 'disk'", nullptr},
    {"lazy", finder_get_lazy, nullptr, "The globs of the modules executed on first use (empty: none)", nullptr},
    {"target", finder_get_target, nullptr, "The Python version the blob was built for", nullptr},
    {"entry_count", finder_get_entry_count, nullptr, "Number of entries in the blob", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

PyObject* finder_repr(PyObject* self) {
    FinderObject* f = as_finder(self);
    return PyUnicode_FromFormat("<oxpack_runtime.Finder %R (%s mode, %u entries)>", f->path,
                                f->ctx->origin == format::OriginMode::Blob ? "blob" : "original",
                                static_cast<unsigned>(f->ctx->blob.entry_count()));
}

int finder_traverse(PyObject* self, visitproc visit, void* arg) {
    return heap::traverse<FinderObject, &FinderObject::module>(self, visit, arg);
}

// The module reference is kept: a finder still in sys.meta_path must keep
// working, and the cycle finder -> module -> state.installed -> finder is
// broken by the module's own m_clear.
int finder_clear(PyObject*) { return 0; }

void finder_release(FinderObject* f) {
    if (f->module != nullptr) vfs_unmount(state_of(f->module), f);
    heap::clear_members<FinderObject, &FinderObject::module, &FinderObject::path, &FinderObject::roots,
                        &FinderObject::file_stat>(f);
    delete f->ctx;
    f->ctx = nullptr;
}

constexpr char kFinderNew[] = "use oxpack_runtime.install(path) to create a Finder";

PyType_Slot finder_slots[] = {
    {Py_tp_doc, const_cast<char*>("The finder (and loader factory) serving imports from one installed blob.")},
    {Py_tp_methods, nullptr},  // finder_methods(), filled in below
    {Py_tp_getset, finder_getset},
    {Py_tp_repr, reinterpret_cast<void*>(finder_repr)},
    {Py_tp_traverse, reinterpret_cast<void*>(finder_traverse)},
    {Py_tp_clear, reinterpret_cast<void*>(finder_clear)},
    {Py_tp_dealloc, reinterpret_cast<void*>(heap::dealloc<FinderObject, finder_release>)},
    {Py_tp_new, reinterpret_cast<void*>(heap::refuse_new<kFinderNew>)},
    {0, nullptr},
};

PyType_Slot* slots_with_methods() {
    finder_slots[1].pfunc = finder_methods();
    return finder_slots;
}

}  // namespace

PyType_Spec finder_spec = {"oxpack_runtime.Finder", sizeof(FinderObject), 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
                           slots_with_methods()};

}  // namespace oxpack::runtime
