// A FileFinder subclass for frozen roots whose listing is taken once and
// trusted until invalidate_caches() (root_listing.hpp). Its one method is
// C++; the class is made by calling type() on first use, so it is a real
// subclass: pkgutil.iter_modules and pkg_resources' finders, which dispatch
// on FileFinder, treat it as one.
#include "runtime/python/root_listing.hpp"

#include "runtime/python/compat.hpp"
#include "runtime/python/paths.hpp"

namespace oxpack::runtime {
namespace {

using py::Ref;

// Where FileFinder matches names as they are spelt (Linux). Elsewhere it may
// match them case-insensitively (its relaxed listing, $PYTHONCASEOK): left
// to FileFinder there.
#if defined(__linux__)
constexpr bool kTrustedListings = true;
#else
constexpr bool kTrustedListings = false;
#endif

// What FileFinder.find_spec does first, on every call: stat the directory
// and take a new listing when its mtime moved. `_path_mtime` is -1 until
// the first listing and again after invalidate_caches(); then, and for a
// name the listing holds (the name itself: a package or namespace
// directory, or the name with one of the loaders' suffixes), FileFinder
// itself answers. A name it does not hold is not there: None, no call.
PyObject* trusting_find_spec(PyObject* module, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    State* st = state_of(module);
    PyObject* a[3] = {nullptr, nullptr, Py_None};
    if (!py::parse_args("find_spec", args, nargs, kwnames, {"self", "fullname", "target"}, 2, a)) return nullptr;
    PyObject *self = a[0], *fullname = a[1];
    auto from_file_finder = [&]() -> PyObject* {
        Ref find_spec(PyObject_GetAttrString(st->FileFinder, "find_spec"));
        if (!find_spec) return nullptr;
        PyObject* call_args[3] = {self, fullname, a[2]};
        return compat::vectorcall(find_spec.get(), call_args, 3);
    };
    if (!PyUnicode_Check(fullname)) return from_file_finder();
    Ref mtime(PyObject_GetAttrString(self, "_path_mtime"));
    Ref cache(mtime ? PyObject_GetAttrString(self, "_path_cache") : nullptr);
    Ref loaders(cache ? PyObject_GetAttrString(self, "_loaders") : nullptr);
    if (!loaders || !PyAnySet_Check(cache.get()) || !PyList_Check(loaders.get())) {
        PyErr_Clear();  // not the FileFinder this was written against: ask it
        return from_file_finder();
    }
    double m = PyFloat_AsDouble(mtime.get());
    if (m == -1.0) {
        PyErr_Clear();
        return from_file_finder();
    }
    Py_ssize_t len = PyUnicode_GetLength(fullname);
    Py_ssize_t dot = PyUnicode_FindChar(fullname, '.', 0, len, -1);
    if (dot == -2) return nullptr;
    Ref tail(dot >= 0 ? PyUnicode_Substring(fullname, dot + 1, len) : py::new_ref(fullname));
    if (!tail) return nullptr;
    int held = PySet_Contains(cache.get(), tail.get());
    for (Py_ssize_t i = 0; held == 0 && i < PyList_GET_SIZE(loaders.get()); ++i) {
        PyObject* pair = PyList_GET_ITEM(loaders.get(), i);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) < 1 || !PyUnicode_Check(PyTuple_GET_ITEM(pair, 0)))
            return from_file_finder();
        Ref file(PyUnicode_Concat(tail.get(), PyTuple_GET_ITEM(pair, 0)));
        if (!file) return nullptr;
        held = PySet_Contains(cache.get(), file.get());
    }
    if (held < 0) return nullptr;
    return held ? from_file_finder() : py::none();
}

PyMethodDef trusting_find_spec_def = {
    "find_spec", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(trusting_find_spec)),
    METH_FASTCALL | METH_KEYWORDS,
    "FileFinder.find_spec without the directory's stat on every call: the listing is taken once and\n"
    "trusted until invalidate_caches()."};

// The class, made on first use: type("RootListingFinder", (FileFinder,), ns).
PyObject* trusting_type(State* st, PyObject* module) {
    if (st->root_listing_type != nullptr) return st->root_listing_type;
    Ref fn(PyCFunction_NewEx(&trusting_find_spec_def, module, nullptr));
    Ref method(fn ? PyInstanceMethod_New(fn.get()) : nullptr);
    Ref ns(method ? PyDict_New() : nullptr);
    if (!ns || PyDict_SetItemString(ns.get(), "find_spec", method.get()) < 0 ||
        PyDict_SetItemString(ns.get(), "__module__", PyModule_GetNameObject(module)) < 0)
        return nullptr;
    Ref doc = py::str(
        "A FileFinder for a directory an installed oxpack blob froze: its listing is taken once and\n"
        "trusted until importlib.invalidate_caches() (no stat of the directory per lookup).");
    if (!doc || PyDict_SetItemString(ns.get(), "__doc__", doc.get()) < 0) return nullptr;
    st->root_listing_type = PyObject_CallFunction(reinterpret_cast<PyObject*>(&PyType_Type), "s(O)O",
                                                  "RootListingFinder", st->FileFinder, ns.get());
    return st->root_listing_type;
}

// `found` itself, or when it is exactly a FileFinder, a trusting copy of it
// (its listing, if it took one, comes along). A new reference.
PyObject* trusting(State* st, PyObject* module, PyObject* found) {
    if (!kTrustedListings || Py_TYPE(found) != reinterpret_cast<PyTypeObject*>(st->FileFinder))
        return py::new_ref(found);
    PyObject* type = trusting_type(st, module);
    if (type == nullptr) return nullptr;
    Ref copy(PyObject_CallMethod(reinterpret_cast<PyObject*>(&PyBaseObject_Type), "__new__", "O", type));
    if (!copy) return nullptr;
    Ref from(PyObject_GetAttrString(found, "__dict__"));
    Ref to(from ? PyObject_GetAttrString(copy.get(), "__dict__") : nullptr);
    if (!to || PyDict_Update(to.get(), from.get()) < 0) return nullptr;
    return copy.release();
}

// The unchanged directory roots of `f` (the ones the virtual file layer
// also treats as the freeze's snapshot).
template <class Fn>
bool each_trusted_root(FinderObject* f, Fn&& fn) {
    const BlobContext& ctx = *f->ctx;
    for (uint32_t i = 0; i < ctx.info.roots.size(); ++i)
        if (ctx.unchanged_directory_root(i) && !fn(ctx.info.roots[i].path, static_cast<Py_ssize_t>(i)))
            return false;
    return true;
}

}  // namespace

bool root_listing_adopt_cached(FinderObject* f) {
    State* st = state_of(f->module);
    PyObject* cache = PySys_GetObject("path_importer_cache");  // borrowed
    if (!kTrustedListings || cache == nullptr || !PyDict_Check(cache)) return true;
    return each_trusted_root(f, [&](const std::string&, Py_ssize_t i) {
        PyObject* key = PyTuple_GET_ITEM(f->roots, i);
        PyObject* found = PyDict_GetItemWithError(cache, key);  // borrowed
        if (found == nullptr) return !PyErr_Occurred();
        Ref ours(trusting(st, f->module, found));
        return ours && (ours.get() == found || PyDict_SetItem(cache, key, ours.get()) == 0);
    });
}

PyObject* root_listing_path_hook(FinderObject* f, PyObject* path_arg, const std::string& path) {
    State* st = state_of(f->module);
    // A root, or a directory below one (a package's __path__ entry).
    bool ours = false;
    each_trusted_root(f, [&](const std::string& root, Py_ssize_t) {
        std::string_view below;
        ours = path == root || starts_with_dir(path, root, below);
        return !ours;
    });
    if (!ours || !kTrustedListings) return nullptr;
    // The hooks after this finder's own, as the path finder would call them.
    PyObject* hooks = PySys_GetObject("path_hooks");  // borrowed
    if (hooks == nullptr || !PyList_Check(hooks)) return nullptr;
    Ref own(PyObject_GetAttrString(reinterpret_cast<PyObject*>(f), "path_hook"));
    if (!own) return nullptr;
    Ref snapshot(PySequence_List(hooks));
    if (!snapshot) return nullptr;
    bool after = false;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(snapshot.get()); ++i) {
        PyObject* hook = PyList_GET_ITEM(snapshot.get(), i);
        if (!after) {
            int eq = PyObject_RichCompareBool(hook, own.get(), Py_EQ);
            if (eq < 0) return nullptr;
            after = eq == 1;
            continue;
        }
        Ref found(PyObject_CallFunctionObjArgs(hook, path_arg, nullptr));
        if (found) return trusting(st, f->module, found.get());
        if (!PyErr_ExceptionMatches(PyExc_ImportError)) return nullptr;
        PyErr_Clear();
    }
    return after ? py::none() : nullptr;  // not in sys.path_hooks: not asked by the path finder
}

}  // namespace oxpack::runtime
