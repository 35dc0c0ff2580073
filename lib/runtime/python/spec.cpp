// The objects importlib would build for a module, built in C: ModuleSpec
// instances (the attributes ModuleSpec.__init__ sets, in its order, plus
// has_location / submodule_search_locations / cached), the module object
// with its import attributes already in place (so _init_module_attrs has
// nothing left to compute), and the check that lets the finder sit ahead of
// the builtin and frozen importers without taking their modules.
//
// Nothing here changes what a program sees: the spec is a plain ModuleSpec
// with the same attribute values, the module has the same attributes in the
// same order as importlib's own path would give it. Only the Python code
// that would have computed them (ModuleSpec.__init__, spec.parent,
// spec.cached -> cache_from_source, three failed getattr() calls formatting
// an AttributeError each) does not run.
#include <string>
#include <string_view>

#include "runtime/python/spec.hpp"

#include "runtime/python/compat.hpp"

namespace oxpack::runtime {
namespace {

using py::Ref;

// What a ModuleSpec attribute holds.
enum SpecKind : uint8_t {
    kName,
    kLoader,
    kOrigin,
    kLocations,    // submodule_search_locations
    kSetFileattr,  // _set_fileattr (the has_location property's storage)
    kCached,       // _cached (the cached property's storage)
    kNewList,      // a fresh empty list per spec (3.11+: _uninitialized_submodules)
    kCopy,         // an immutable default (loader_state = None)
};

bool immutable(PyObject* v) {
    return v == Py_None || v == Py_True || v == Py_False || PyUnicode_CheckExact(v) || PyLong_CheckExact(v);
}

// cache_from_source(origin) for a '/'-separated path, as importlib computes it
// with sys.pycache_prefix unset (_path_split, tail.rpartition('.'), the cache
// tag, ".opt-N" for -O, _path_join(head, "__pycache__", file)).
std::string cache_from_source(std::string_view path, std::string_view tag, int optimize) {
    size_t slash = path.rfind('/');
    std::string_view head = slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
    std::string_view tail = slash == std::string_view::npos ? path : path.substr(slash + 1);
    size_t dot = tail.rfind('.');
    std::string file;
    file.reserve(tail.size() + tag.size() + 12);
    if (dot == std::string_view::npos) {
        file.assign(tail);  // rpartition: base = '', sep = '', rest = tail
    } else {
        std::string_view base = tail.substr(0, dot);
        file.assign(base.empty() ? tail.substr(dot + 1) : base);
        file += '.';
    }
    file += tag;
    if (optimize != 0) file += ".opt-" + std::to_string(optimize);
    file += ".pyc";
    std::string out;
    out.reserve(head.size() + file.size() + 13);
    // path_sep.join(part.rstrip('/') for part in (head, "__pycache__", file) if part)
    bool first = true;
    for (std::string_view p : {head, std::string_view("__pycache__"), std::string_view(file)}) {
        if (p.empty()) continue;
        while (!p.empty() && p.back() == '/') p.remove_suffix(1);
        if (!first) out += '/';
        out += p;
        first = false;
    }
    return out;
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// spec.cached for `origin` (_get_cached): the .pyc path for a source file,
// the file itself for a .pyc, None otherwise. An empty Ref without an
// exception when it must be left to importlib (sys.pycache_prefix is set).
Ref cached_for(State* st, PyObject* origin) {
    if (st->cache_tag == nullptr || origin == Py_None) return Ref();
    // sys.pycache_prefix, read from the module's dict (what getattr finds
    // there, without the attribute machinery).
    PyObject* prefix = PyDict_GetItemWithError(PyModule_GetDict(st->sys), st->s_pycache_prefix);  // borrowed
    if (prefix == nullptr) PyErr_Clear();
    else if (prefix != Py_None) return Ref();
    Py_ssize_t n = 0;
    const char* p = PyUnicode_AsUTF8AndSize(origin, &n);
    if (p == nullptr) {
        PyErr_Clear();  // lone surrogates: let importlib decide
        return Ref();
    }
    std::string_view o(p, static_cast<size_t>(n));
    if (ends_with(o, ".py")) {
        std::string_view tag;
        if (!py::utf8(st->cache_tag, tag, "cache_tag")) {
            PyErr_Clear();
            return Ref();
        }
        Ref s = py::str(cache_from_source(o, tag, st->optimize));
        if (!s) PyErr_Clear();
        return s;
    }
    if (ends_with(o, ".pyc")) return Ref::borrow(origin);
    return Ref::borrow(Py_None);
}

// Reads `attr` of `spec` into `out` (a new reference); false with an
// exception set when missing.
bool get(PyObject* spec, PyObject* attr, Ref& out) {
    out = Ref(PyObject_GetAttr(spec, attr));
    return static_cast<bool>(out);
}

// Every name the frozen importer may serve: the frozen tables (the
// interpreter's own and an embedder's PyImport_FrozenModules). nullptr when
// they cannot be listed (FrozenImporter is then asked about every name).
PyObject* frozen_candidates() {
    Ref names(PySet_New(nullptr));
    if (!names) return nullptr;
    if (compat::kListsFrozenNames) {
        Ref imp(PyImport_ImportModule("_imp"));
        if (!imp) return nullptr;
        Ref list(PyObject_CallMethod(imp.get(), "_frozen_module_names", nullptr));
        if (!list) {
            PyErr_Clear();
            return nullptr;
        }
        Ref it(PyObject_GetIter(list.get()));
        if (!it) return nullptr;
        while (Ref item{PyIter_Next(it.get())})
            if (PySet_Add(names.get(), item.get()) < 0) return nullptr;
        if (PyErr_Occurred()) return nullptr;
    }
    for (const struct _frozen* p = PyImport_FrozenModules; p != nullptr && p->name != nullptr; ++p) {
        Ref n(PyUnicode_FromString(p->name));
        if (!n || PySet_Add(names.get(), n.get()) < 0) return nullptr;
    }
    return PyFrozenSet_New(names.get());
}

}  // namespace

bool init_spec_support(State* st) {
    st->sys = PyImport_ImportModule("sys");
    if (st->sys == nullptr) return false;
    Ref builtins(PyObject_GetAttrString(st->sys, "builtin_module_names"));
    if (!builtins) return false;
    st->builtin_names = PyFrozenSet_New(builtins.get());
    if (st->builtin_names == nullptr) return false;
    st->frozen_names = frozen_candidates();
    if (st->frozen_names == nullptr && PyErr_Occurred()) return false;

    // The cached path is computed here only where importlib's rules are the
    // POSIX ones this file implements.
    Ref external(PyImport_ImportModule("_frozen_importlib_external"));
    if (!external) return false;
    Ref src(PyObject_GetAttrString(external.get(), "SOURCE_SUFFIXES"));
    Ref byc(PyObject_GetAttrString(external.get(), "BYTECODE_SUFFIXES"));
    Ref sep(PyObject_GetAttrString(external.get(), "path_separators"));
    if (!src || !byc || !sep) return false;
    Ref src_r(PyObject_Repr(src.get())), byc_r(PyObject_Repr(byc.get()));
    if (!src_r || !byc_r) return false;
    bool posix = PyUnicode_CompareWithASCIIString(src_r.get(), "['.py']") == 0 &&
                 PyUnicode_CompareWithASCIIString(byc_r.get(), "['.pyc']") == 0 && PyUnicode_Check(sep.get()) &&
                 PyUnicode_CompareWithASCIIString(sep.get(), "/") == 0;
    PyObject* impl = PySys_GetObject("implementation");  // borrowed
    Ref tag(impl ? PyObject_GetAttrString(impl, "cache_tag") : nullptr);
    if (!tag) PyErr_Clear();
    if (posix && tag && PyUnicode_Check(tag.get())) st->cache_tag = tag.release();

#ifdef OXPACK_SPEC_VIA_IMPORTLIB
    return true;  // a measurement build: specs through ModuleSpec(), modules through module_from_spec
#endif
    // ModuleSpec's layout, from one instance its __init__ built.
    Ref name(PyUnicode_FromString("oxpack_template"));
    Ref origin(PyUnicode_FromString("/oxpack_template.py"));
    Ref args(PyTuple_Pack(2, name.get(), Py_None));
    Ref kw(PyDict_New());
    if (!name || !origin || !args || !kw || PyDict_SetItem(kw.get(), st->s_origin, origin.get()) < 0) return false;
    Ref spec(PyObject_Call(st->ModuleSpec, args.get(), kw.get()));
    if (!spec) return false;
    Ref dict(PyObject_GetAttrString(spec.get(), "__dict__"));
    if (!dict) return false;
    if (!PyDict_Check(dict.get()) || PyDict_GET_SIZE(dict.get()) > static_cast<Py_ssize_t>(sizeof st->spec_kinds))
        return true;  // not understood: specs are built by calling ModuleSpec
    Ref keys(PyTuple_New(PyDict_GET_SIZE(dict.get())));
    Ref values(PyTuple_New(PyDict_GET_SIZE(dict.get())));
    if (!keys || !values) return false;
    static const struct {
        const char* name;
        SpecKind kind;
    } known[] = {{"name", kName},        {"loader", kLoader},           {"origin", kOrigin},
                 {"submodule_search_locations", kLocations},              {"_set_fileattr", kSetFileattr},
                 {"_cached", kCached},   {"loader_state", kCopy}};
    PyObject *k, *v;
    Py_ssize_t pos = 0, i = 0;
    unsigned seen = 0;
    while (PyDict_Next(dict.get(), &pos, &k, &v)) {
        int kind = -1;
        for (const auto& e : known)
            if (PyUnicode_Check(k) && PyUnicode_CompareWithASCIIString(k, e.name) == 0) kind = e.kind;
        if (kind == kCopy || kind < 0) {
            if (PyList_CheckExact(v) && PyList_GET_SIZE(v) == 0) kind = kNewList;
            else if (immutable(v)) kind = kCopy;
            else return true;  // an attribute this file does not know how to build
        }
        seen |= 1u << kind;
        st->spec_kinds[i] = static_cast<uint8_t>(kind);
        PyTuple_SET_ITEM(keys.get(), i, py::new_ref(k));
        PyTuple_SET_ITEM(values.get(), i, py::new_ref(v));
        ++i;
    }
    const unsigned required = 1u << kName | 1u << kLoader | 1u << kOrigin | 1u << kLocations | 1u << kSetFileattr |
                              1u << kCached;
    if ((seen & required) != required) return true;
    st->spec_keys = keys.release();
    st->spec_values = values.release();
    return true;
}

PyObject* new_spec(State* st, PyObject* name, PyObject* loader, PyObject* origin, bool has_location,
                   PyObject* locations) {
    Ref cached = has_location ? cached_for(st, origin) : Ref();
    if (st->spec_keys == nullptr) {
        Ref args(PyTuple_Pack(2, name, loader));
        Ref kw(PyDict_New());
        if (!args || !kw || PyDict_SetItem(kw.get(), st->s_origin, origin) < 0) return nullptr;
        Ref spec(PyObject_Call(st->ModuleSpec, args.get(), kw.get()));
        if (!spec) return nullptr;
        if (has_location && PyObject_SetAttr(spec.get(), st->s_has_location, Py_True) < 0) return nullptr;
        if (locations && PyObject_SetAttr(spec.get(), st->s_submodule_search_locations, locations) < 0) return nullptr;
        return spec.release();
    }
    auto* tp = reinterpret_cast<PyTypeObject*>(st->ModuleSpec);
    Ref empty(PyTuple_New(0));
    if (!empty) return nullptr;
    Ref spec(tp->tp_new(tp, empty.get(), nullptr));  // object.__new__: no __init__
    if (!spec) return nullptr;
    const Py_ssize_t n = PyTuple_GET_SIZE(st->spec_keys);
    for (Py_ssize_t i = 0; i < n; ++i) {
        PyObject* value = nullptr;
        Ref fresh;
        switch (static_cast<SpecKind>(st->spec_kinds[i])) {
            case kName: value = name; break;
            case kLoader: value = loader; break;
            case kOrigin: value = origin; break;
            case kLocations: value = locations ? locations : Py_None; break;
            case kSetFileattr: value = has_location ? Py_True : Py_False; break;
            case kCached: value = cached ? cached.get() : Py_None; break;
            case kNewList:
                fresh = Ref(PyList_New(0));
                if (!fresh) return nullptr;
                value = fresh.get();
                break;
            case kCopy: value = PyTuple_GET_ITEM(st->spec_values, i); break;
        }
        if (PyObject_SetAttr(spec.get(), PyTuple_GET_ITEM(st->spec_keys, i), value) < 0) return nullptr;
    }
    return spec.release();
}

PyObject* prepared_module(State* st, PyObject* spec, PyObject* loader, bool namespace_package) {
    if (st->spec_keys == nullptr || Py_TYPE(spec) != reinterpret_cast<PyTypeObject*>(st->ModuleSpec))
        return py::none();
    Ref spec_loader, name, locations, fileattr, origin, cached;
    if (!get(spec, st->s_loader, spec_loader) || !get(spec, st->s_name, name) ||
        !get(spec, st->s_submodule_search_locations, locations) || !get(spec, st->s_set_fileattr, fileattr) ||
        !get(spec, st->s_origin, origin) || !get(spec, st->s_cached_private, cached))
        return nullptr;
    // Someone else's spec, or one whose attributes were changed in ways the
    // shortcut does not cover: importlib's own path.
    if (spec_loader.get() != loader || !PyUnicode_CheckExact(name.get())) return py::none();
    int has_location = PyObject_IsTrue(fileattr.get());
    if (has_location < 0) return nullptr;
    if (has_location && origin.get() == Py_None) return py::none();

    // spec.parent
    Ref parent;
    if (locations.get() != Py_None) {
        parent = name;
    } else {
        Py_ssize_t len = PyUnicode_GET_LENGTH(name.get());
        Py_ssize_t dot = PyUnicode_FindChar(name.get(), '.', 0, len, -1);
        if (dot == -2) return nullptr;
        parent = Ref(PyUnicode_Substring(name.get(), 0, dot < 0 ? 0 : dot));
        if (!parent) return nullptr;
    }
    Ref module(PyModule_NewObject(name.get()));  // __name__, __doc__, __package__, __loader__, __spec__
    if (!module) return nullptr;
    PyObject* d = PyModule_GetDict(module.get());  // borrowed
    if (PyDict_SetItem(d, st->s_package_attr, parent.get()) < 0 ||
        PyDict_SetItem(d, st->s_loader_attr, loader) < 0)
        return nullptr;
    // _init_module_attrs sets __spec__, then these in this order. A namespace
    // package gets __file__ = None first, as its loader-less spec makes
    // _init_module_attrs do (bpo-32305).
    if (namespace_package && !has_location && PyDict_SetItem(d, st->s_file, Py_None) < 0) return nullptr;
    if (locations.get() != Py_None && PyDict_SetItem(d, st->s_path_attr, locations.get()) < 0) return nullptr;
    if (has_location) {
        if (PyDict_SetItem(d, st->s_file, origin.get()) < 0) return nullptr;
        if (cached.get() != Py_None && PyDict_SetItem(d, st->s_cached_attr, cached.get()) < 0) return nullptr;
    }
    return module.release();
}

int shadowed_by_builtin_or_frozen(FinderObject* f, PyObject* name, PyObject* path) {
    State* st = state_of(f);
    PyObject* meta_path = PyDict_GetItemWithError(PyModule_GetDict(st->sys), st->s_meta_path);
    if (meta_path == nullptr) {
        PyErr_Clear();
        return 0;
    }
    Ref mp = Ref::borrow(meta_path);  // held: the finders below may change sys.meta_path
    if (!PyList_Check(meta_path)) return 0;
    bool self_seen = false, builtin_after = false, frozen_after = false;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(meta_path); ++i) {
        PyObject* item = PyList_GET_ITEM(meta_path, i);
        if (item == reinterpret_cast<PyObject*>(f)) self_seen = true;
        else if (self_seen && item == st->BuiltinImporter) builtin_after = true;
        else if (self_seen && item == st->FrozenImporter) frozen_after = true;
    }
    // What BuiltinImporter.find_spec / FrozenImporter.find_spec test. An
    // error there is theirs to raise: step aside.
    if (builtin_after && compat::builtin_and_frozen_see(path)) {
        // sys.builtin_module_names is the inittab _imp.is_builtin searches.
        int yes = PySet_Contains(st->builtin_names, name);
        if (yes != 0) {
            PyErr_Clear();
            return 1;
        }
    }
    if (frozen_after && st->frozen_names != nullptr) {
        int maybe = PySet_Contains(st->frozen_names, name);
        if (maybe < 0) PyErr_Clear();
        if (maybe == 0) frozen_after = false;
    }
    if (frozen_after) {
        Ref r(py::call(st->find_frozen, {name}));
        if (!r) {
            PyErr_Clear();
            return 1;
        }
        int yes = compat::frozen_found(r.get());
        if (yes != 0) {
            PyErr_Clear();
            return 1;
        }
    }
    return 0;
}

}  // namespace oxpack::runtime
