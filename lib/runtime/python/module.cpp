// The oxpack_runtime extension module: multi-phase initialisation, the
// module state (created in module_exec, released through STATE_OBJECTS, in
// one place), and the module-level functions. install() itself is
// install.cpp; the types are finder.cpp, loader.cpp and path_entry.cpp.
#include "runtime/python/blob_reader.hpp"
#include "runtime/python/compat.hpp"
#include "runtime/python/heap_type.hpp"
#include "runtime/python/install.hpp"
#include "runtime/python/objects.hpp"
#include "runtime/python/spec.hpp"
#include "runtime/python/support_bridge.hpp"
#include "runtime/python/vfs.hpp"
#include "runtime/python/vfs_ops.hpp"

namespace oxpack::runtime {

State* state_of(PyObject* module) { return static_cast<State*>(PyModule_GetState(module)); }

namespace {

using py::Ref;

PyObject* mod_install(PyObject* module, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    PyObject* a[6] = {nullptr, Py_None, Py_None, Py_None, Py_None, Py_False};
    if (!py::parse_args("install", args, nargs, kwnames, {"path", "origin", "stale", "verify", "files", "lazy"}, 1, a))
        return nullptr;
    return install(module, a[0], a[1], a[2], a[3], a[4], a[5]);
}

PyObject* mod_materialize(PyObject* module, PyObject* what) { return vfs_materialize(module, what); }

PyObject* mod_activate_from_env(PyObject* module, PyObject*) { return activate_from_env(module); }

// sys.excepthook in blob mode before 3.13: traceback.print_exception, so
// blob-mode source lines appear like the file-system importer's.
PyObject* mod_excepthook(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "_excepthook(type, value, traceback)");
        return nullptr;
    }
    Ref tb(PyImport_ImportModule("traceback"));
    Ref r;
    if (tb) r = Ref(PyObject_CallMethod(tb.get(), "print_exception", "OOO", args[0], args[1], args[2]));
    if (!r) {
        // Never lose the original error: fall back to the interpreter's printer.
        PyErr_Clear();
        PyErr_Display(args[0], args[1], args[2]);
    }
    return py::none();
}

PyObject* mod_installed(PyObject* module, PyObject*) { return PyList_GetSlice(state_of(module)->installed, 0, PY_SSIZE_T_MAX); }

PyObject* mod_uninstall(PyObject* module, PyObject* finder) {
    if (!PyObject_TypeCheck(finder, state_of(module)->finder_type)) {
        PyErr_SetString(PyExc_TypeError, "uninstall() takes a Finder returned by install()");
        return nullptr;
    }
    return PyObject_CallMethod(finder, "uninstall", nullptr);
}

#ifdef OXPACK_PROFILE
// _phases() -> {phase: (seconds, count)}: the phase timers (profile builds only).
PyObject* mod_phases(PyObject* module, PyObject*) {
    static const char* const names[] = {"find_spec_hit", "find_spec_miss", "create", "ext_create", "ext_exec",
                                        "exec_own",      "payload",        "unmarshal", "body"};
    static_assert(sizeof names / sizeof names[0] == static_cast<size_t>(Phase::Count));
    const PhaseTotals& t = state_of(module)->phases;
    Ref out(PyDict_New());
    if (!out) return nullptr;
    for (int i = 0; i < static_cast<int>(Phase::Count); ++i) {
        Ref v(Py_BuildValue("(dK)", static_cast<double>(t.ns[i]) / 1e9, static_cast<unsigned long long>(t.n[i])));
        if (!v || PyDict_SetItemString(out.get(), names[i], v.get()) < 0) return nullptr;
    }
    return out.release();
}
#endif

PyMethodDef module_methods[] = {
    {"install", heap::fastcall(mod_install), METH_FASTCALL | METH_KEYWORDS,
     "install(path, origin=None, stale='warn', verify='pages', files=None, lazy=False) -> Finder\n\n"
     "Serve imports from the blob at `path`. origin: None (the blob's default), 'original' (__file__ is the\n"
     "file's path when frozen) or 'blob' (<blob path>/<relative path>). stale: what to do when the frozen\n"
     "environment changed since the freeze: 'warn', 'error' (raise StaleBlobError) or 'ignore'.\n"
     "verify: when to check the index checksums: 'pages' (the default: each page of the index the first time\n"
     "a lookup reads it, before using it; blobs older than format 1.3 all of it at install), 'index' (all of\n"
     "it at every install), 'once' (all of it at the first install of this file as it is now, remembered in\n"
     "the oxpack cache directory) or 'header' (never: header and bounds checks only). Payloads are\n"
     "checksummed when used whatever the choice.\n"
     "files: whether file functions (open, os.stat, os.listdir, os.scandir...) serve the blob's files by path:\n"
     "'blob' (paths under the blob path and under the frozen roots: a read-only tree), 'disk' (never), or\n"
     "None (the default: 'blob' in blob mode, 'disk' in original mode).\n"
     "lazy: modules whose bodies run on first attribute access instead of at import: False (none), True (the\n"
     "blob's recorded lazy set, freeze --lazy-include), or module-name globs (a list, or one comma-separated str).\n"
     "Raises BlobError for a missing or damaged blob, BlobVersionError for another Python's blob."},
    {"materialize", mod_materialize, METH_O,
     "materialize(path_or_module) -> str\n\n"
     "The real path of a file or directory inside an installed blob (a virtual path, or a module or package\n"
     "name), written to the private cache once per machine and blob: for C code, other processes and anything\n"
     "else that needs the file on disk."},
    {"activate_from_env", mod_activate_from_env, METH_NOARGS,
     "Install the blobs named in $OXPACK_BLOB (':'-separated; $OXPACK_ORIGIN, $OXPACK_STALE, $OXPACK_VERIFY,\n"
     "$OXPACK_FILES and $OXPACK_LAZY apply; $OXPACK_LAZY: 1 for the recorded set, else comma-separated globs).\n"
     "A blob that cannot be used is reported on stderr and skipped. Returns the finders."},
    {"_excepthook", heap::fastcall(mod_excepthook), METH_FASTCALL,
     "sys.excepthook used in blob mode before Python 3.13 (source lines from the blob)"},
    {"installed", mod_installed, METH_NOARGS, "The installed finders, first installed first"},
#ifdef OXPACK_PROFILE
    {"_phases", mod_phases, METH_NOARGS, "Phase timers (profile build): {phase: (seconds, count)}"},
#endif
    {"uninstall", mod_uninstall, METH_O, "uninstall(finder): stop serving imports from its blob"},
    {nullptr, nullptr, 0, nullptr},
};

PyObject* make_type(PyObject* m, PyType_Spec* spec) { return compat::type_from_spec(m, spec); }

bool add(PyObject* m, const char* name, PyObject* o) {
    Py_INCREF(o);
    if (PyModule_AddObject(m, name, o) < 0) {
        Py_DECREF(o);
        return false;
    }
    return true;
}

int module_exec(PyObject* m) {
    State* st = state_of(m);
    st->finder_type = reinterpret_cast<PyTypeObject*>(make_type(m, &finder_spec));
    st->loader_type = reinterpret_cast<PyTypeObject*>(make_type(m, &loader_spec));
    st->path_entry_type = reinterpret_cast<PyTypeObject*>(make_type(m, &path_entry_spec));
    st->vfs_scandir_type = reinterpret_cast<PyTypeObject*>(make_type(m, &vfs_scandir_iterator_spec));
    st->vfs_dir_entry_type = reinterpret_cast<PyTypeObject*>(make_type(m, &vfs_dir_entry_spec));
    if (!st->finder_type || !st->loader_type || !st->path_entry_type || !st->vfs_scandir_type ||
        !st->vfs_dir_entry_type)
        return -1;
    st->BlobError = PyErr_NewExceptionWithDoc("oxpack_runtime.BlobError",
                                              "A blob cannot be used: missing, damaged, or a payload failed its checksum.",
                                              PyExc_ImportError, nullptr);
    if (!st->BlobError) return -1;
    st->BlobVersionError = PyErr_NewExceptionWithDoc("oxpack_runtime.BlobVersionError",
                                                     "The blob was built for another Python version.", st->BlobError, nullptr);
    st->StaleBlobError = PyErr_NewExceptionWithDoc("oxpack_runtime.StaleBlobError",
                                                   "The frozen environment changed after the freeze (stale='error').",
                                                   st->BlobError, nullptr);
    st->StaleBlobWarning = PyErr_NewExceptionWithDoc("oxpack_runtime.StaleBlobWarning",
                                                     "The frozen environment changed after the freeze (stale='warn').",
                                                     PyExc_RuntimeWarning, nullptr);
    if (!st->BlobVersionError || !st->StaleBlobError || !st->StaleBlobWarning) return -1;
    if (!add(m, "Finder", reinterpret_cast<PyObject*>(st->finder_type)) ||
        !add(m, "Loader", reinterpret_cast<PyObject*>(st->loader_type)) ||
        !add(m, "PathEntryFinder", reinterpret_cast<PyObject*>(st->path_entry_type)) ||
        !add(m, "BlobError", st->BlobError) || !add(m, "BlobVersionError", st->BlobVersionError) ||
        !add(m, "StaleBlobError", st->StaleBlobError) || !add(m, "StaleBlobWarning", st->StaleBlobWarning))
        return -1;

    Ref bootstrap(PyImport_ImportModule("_frozen_importlib"));
    Ref external(PyImport_ImportModule("_frozen_importlib_external"));
    Ref imp(PyImport_ImportModule("_imp"));
    Ref builtins(PyImport_ImportModule("builtins"));
    Ref io(PyImport_ImportModule("_io"));
    if (!bootstrap || !external || !imp || !builtins || !io) return -1;
    struct {
        PyObject** slot;
        PyObject* from;
        const char* name;
    } lookups[] = {
        {&st->ModuleSpec, bootstrap.get(), "ModuleSpec"},
        {&st->call_with_frames_removed, bootstrap.get(), "_call_with_frames_removed"},
        {&st->PathFinder, external.get(), "PathFinder"},
        {&st->FileFinder, external.get(), "FileFinder"},
        {&st->BuiltinImporter, bootstrap.get(), "BuiltinImporter"},
        {&st->FrozenImporter, bootstrap.get(), "FrozenImporter"},
        {&st->is_builtin, imp.get(), "is_builtin"},
        {&st->find_frozen, imp.get(), compat::kFindFrozen},
        {&st->decode_source, external.get(), "decode_source"},
        {&st->create_dynamic, imp.get(), "create_dynamic"},
        {&st->exec_dynamic, imp.get(), "exec_dynamic"},
        {&st->fix_co_filename, imp.get(), "_fix_co_filename"},
        {&st->builtin_exec, builtins.get(), "exec"},
        {&st->builtin_compile, builtins.get(), "compile"},
        {&st->io_open, io.get(), "open"},
    };
    for (auto& l : lookups)
        if ((*l.slot = PyObject_GetAttrString(l.from, l.name)) == nullptr) return -1;
    struct {
        PyObject** slot;
        const char* s;
    } names[] = {
        {&st->s_name, "name"},
        {&st->s_origin, "origin"},
        {&st->s_is_package, "is_package"},
        {&st->s_has_location, "has_location"},
        {&st->s_submodule_search_locations, "submodule_search_locations"},
        {&st->s_spec, "__spec__"},
        {&st->s_loader, "loader"},
        {&st->s_file, "__file__"},
        {&st->s_exec, "exec"},
        {&st->s_dont_inherit, "dont_inherit"},
        {&st->s_package_attr, "__package__"},
        {&st->s_loader_attr, "__loader__"},
        {&st->s_path_attr, "__path__"},
        {&st->s_cached_attr, "__cached__"},
        {&st->s_set_fileattr, "_set_fileattr"},
        {&st->s_cached_private, "_cached"},
        {&st->s_meta_path, "meta_path"},
        {&st->s_pycache_prefix, "pycache_prefix"},
    };
    for (auto& n : names)
        if ((*n.slot = PyUnicode_InternFromString(n.s)) == nullptr) return -1;
    st->installed = PyList_New(0);
    st->vfs_patches = PyList_New(0);
    st->adjusted_names = adjusted_module_names();
    if (!st->installed || !st->vfs_patches || !st->adjusted_names) return -1;

    long magic = PyImport_GetMagicNumber();
    if (magic == -1 && PyErr_Occurred()) return -1;
    st->magic = static_cast<uint32_t>(magic);
    PyObject* flags = PySys_GetObject("flags");  // borrowed
    Ref opt(flags ? PyObject_GetAttrString(flags, "optimize") : nullptr);
    if (!opt) return -1;
    st->optimize = static_cast<int>(PyLong_AsLong(opt.get()));
    if (st->optimize == -1 && PyErr_Occurred()) return -1;
    if (!init_spec_support(st)) return -1;
    if (!add_blob_reader(m)) return -1;
    if (PyModule_AddStringConstant(m, "__version__", OXPACK_VERSION) < 0) return -1;
    return 0;
}

#define STATE_OBJECTS(X)                                                                                        \
    X(finder_type) X(loader_type) X(path_entry_type) X(vfs_scandir_type) X(vfs_dir_entry_type) X(io_open)         \
    X(vfs_patches) X(adjusted_names) X(BlobError) X(BlobVersionError) X(StaleBlobError)         \
    X(StaleBlobWarning) X(ModuleSpec) X(call_with_frames_removed) X(builtin_exec) X(builtin_compile)            \
    X(create_dynamic) X(exec_dynamic) X(fix_co_filename) X(decode_source) X(PathFinder) X(FileFinder) X(root_listing_type) X(BuiltinImporter)        \
    X(FrozenImporter) X(is_builtin) X(find_frozen) X(spec_keys) X(spec_values) X(cache_tag) X(installed)         \
    X(support) X(s_name) X(s_origin) X(s_is_package) X(s_has_location) X(s_submodule_search_locations) X(s_spec) \
    X(s_loader) X(s_file) X(s_exec) X(s_dont_inherit) X(s_package_attr) X(s_loader_attr) X(s_path_attr)          \
    X(s_cached_attr) X(s_set_fileattr) X(s_cached_private) X(builtin_names) X(frozen_names) X(sys)            \
    X(s_meta_path) X(s_pycache_prefix)

int module_traverse(PyObject* m, visitproc visit, void* arg) {
    State* st = state_of(m);
    if (st == nullptr) return 0;
#define VISIT(field) Py_VISIT(reinterpret_cast<PyObject*>(st->field));
    STATE_OBJECTS(VISIT)
#undef VISIT
    return 0;
}

int module_clear(PyObject* m) {
    State* st = state_of(m);
    if (st == nullptr) return 0;
    vfs_free(st);
#define CLEAR(field)                                            \
    {                                                           \
        PyObject* tmp = reinterpret_cast<PyObject*>(st->field); \
        st->field = nullptr;                                    \
        Py_XDECREF(tmp);                                        \
    }
    STATE_OBJECTS(CLEAR)
#undef CLEAR
    return 0;
}

void module_free(void* m) { module_clear(static_cast<PyObject*>(m)); }

PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, reinterpret_cast<void*>(module_exec)},
    OXPACK_COMPAT_MODULE_SLOTS
    {0, nullptr},
};

PyModuleDef& module_def() {
    static PyModuleDef def = {
        PyModuleDef_HEAD_INIT,
        "oxpack_runtime",
        "Serve imports, resources, metadata and extension modules from an oxpack blob (.oxr).\n\n"
        "    import oxpack_runtime\n"
        "    oxpack_runtime.install('app.oxr')\n",
        sizeof(State),
        module_methods,
        module_slots,
        module_traverse,
        module_clear,
        module_free,
    };
    return def;
}

}  // namespace
}  // namespace oxpack::runtime

// 3.8's PyMODINIT_FUNC does not mark the symbol visible; the module is
// built with hidden visibility.
extern "C" __attribute__((visibility("default"))) PyObject* PyInit_oxpack_runtime(void) {
    return PyModuleDef_Init(&oxpack::runtime::module_def());
}
