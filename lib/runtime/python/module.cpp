// The oxpack_runtime extension module: multi-phase initialisation, module
// state, install() (open + version check + staleness + sys.meta_path /
// sys.path_hooks registration) and activate_from_env() for the .pth hook.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>

#include <cerrno>
#include <climits>
#include <cstring>

#include "runtime/core/file_cache.hpp"
#include "runtime/core/staleness.hpp"
#include "runtime/core/verified.hpp"
#include "runtime/python/state.hpp"
#include "runtime/python/support_code.hpp"
#include "runtime/python/support_py.hpp"

#include <marshal.h>

namespace oxpack::runtime {
namespace {

using py::Ref;

PyModuleDef& module_def();

// os.path.abspath without touching the file system beyond getcwd().
std::string absolute(const std::string& p) {
    std::string s = p;
    if (s.empty() || s[0] != '/') {
        char buf[PATH_MAX];
        if (::getcwd(buf, sizeof buf) != nullptr) s = std::string(buf) + "/" + s;
    }
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= s.size()) {
        size_t slash = s.find('/', start);
        if (slash == std::string::npos) slash = s.size();
        std::string c = s.substr(start, slash - start);
        start = slash + 1;
        if (c.empty() || c == ".") continue;
        if (c == "..") {
            if (!parts.empty()) parts.pop_back();
            continue;
        }
        parts.push_back(c);
    }
    std::string out;
    for (const auto& c : parts) out += "/" + c;
    return out.empty() ? "/" : out;
}

std::string version_string(uint32_t hex) {
    return std::to_string(hex >> 24) + "." + std::to_string((hex >> 16) & 0xFF) + "." + std::to_string((hex >> 8) & 0xFF);
}

// Where a new finder goes in sys.meta_path: before PathFinder, and ahead of
// the builtin and frozen importers unless some other finder sits between
// them and PathFinder (finders installed earlier stay ahead of this one).
// Ahead of them it steps aside for their modules (see
// shadowed_by_builtin_or_frozen), so they keep precedence, and an import
// served from the blob no longer runs their two Python-level find_spec
// calls under the import lock first.
Py_ssize_t insert_position(State* st, PyObject* meta_path) {
    Py_ssize_t end = PyList_GET_SIZE(meta_path);
    for (Py_ssize_t i = 0; i < end; ++i)
        if (PyList_GET_ITEM(meta_path, i) == st->PathFinder) end = i;
    Py_ssize_t at = 0;
    for (Py_ssize_t i = 0; i < end; ++i) {
        PyObject* item = PyList_GET_ITEM(meta_path, i);
        if (item != st->BuiltinImporter && item != st->FrozenImporter) at = i + 1;
    }
    return at;
}

}  // namespace

State* state_of(PyObject* module) { return static_cast<State*>(PyModule_GetState(module)); }

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
    if (st->support == nullptr) st->support = mod.release();  // another thread may have won meanwhile
    return st->support;
}

PyObject* install_impl(PyObject* module, PyObject* path_arg, PyObject* origin_arg, PyObject* stale_arg,
                       PyObject* verify_arg) {
    State* st = state_of(module);
    std::string raw;
    if (!py::fspath(path_arg, raw)) return nullptr;
    const std::string path = absolute(raw);
    Ref path_str = py::str(path);
    if (!path_str) return nullptr;

    std::optional<format::OriginMode> origin;
    if (origin_arg != Py_None) {
        std::string_view o;
        if (!py::utf8(origin_arg, o, "origin")) return nullptr;
        if (o == "original") origin = format::OriginMode::Original;
        else if (o == "blob") origin = format::OriginMode::Blob;
        else {
            PyErr_Format(PyExc_ValueError, "origin must be None, 'original' or 'blob', not %R", origin_arg);
            return nullptr;
        }
    }
    std::string_view stale = "warn";
    if (stale_arg != nullptr && !py::utf8(stale_arg, stale, "stale")) return nullptr;
    if (stale != "warn" && stale != "error" && stale != "ignore") {
        PyErr_Format(PyExc_ValueError, "stale must be 'warn', 'error' or 'ignore', not %R", stale_arg);
        return nullptr;
    }
    std::string_view verify = "index";
    if (verify_arg != nullptr && verify_arg != Py_None && !py::utf8(verify_arg, verify, "verify")) return nullptr;
    if (verify != "index" && verify != "once" && verify != "header") {
        PyErr_Format(PyExc_ValueError, "verify must be 'index', 'once' or 'header', not %R", verify_arg);
        return nullptr;
    }

    PyObject* meta_path = PySys_GetObject("meta_path");
    PyObject* path_hooks = PySys_GetObject("path_hooks");
    if (meta_path == nullptr || !PyList_Check(meta_path) || path_hooks == nullptr || !PyList_Check(path_hooks)) {
        PyErr_SetString(PyExc_RuntimeError, "sys.meta_path or sys.path_hooks is not a list");
        return nullptr;
    }

    // The same blob twice: the finder already there.
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(st->installed); ++i) {
        auto* f = reinterpret_cast<FinderObject*>(PyList_GET_ITEM(st->installed, i));
        if (f->ctx->path != path) continue;
        int in = PySequence_Contains(meta_path, reinterpret_cast<PyObject*>(f));
        if (in < 0) return nullptr;
        if (!in) continue;
        if (origin && *origin != f->ctx->origin) {
            PyErr_Format(PyExc_ValueError, "%U is already installed in %s mode", path_str.get(),
                         f->ctx->origin == format::OriginMode::Blob ? "blob" : "original");
            return nullptr;
        }
        return py::new_ref(reinterpret_cast<PyObject*>(f));
    }

    // The header, the section layout and (by `verify`) the index checksum:
    // "index" checks it at every install (reading the whole index, ~0.5 ms
    // for 40,000 entries); "once" only when this file, unchanged, has not
    // passed the check before (runtime/core/verified.hpp); "header" never.
    // Whatever is skipped, every index access stays bounds-checked and every
    // payload is checksummed when used: a damaged blob never crashes the
    // interpreter nor runs damaged code.
    format::Result<format::Blob> opened = format::Error{format::ErrorCode::Io, ""};
    bool index_ok = true;
    const std::string cache_base = verify == "once" ? cache_base_path() : std::string();
    Py_BEGIN_ALLOW_THREADS
    opened = format::Blob::open(path, format::OpenOptions{.check_index = false});
    if (opened) {
        auto bytes = opened->bytes();
        size_t index_end = static_cast<size_t>(std::min<uint64_t>(opened->header().payload_offset, bytes.size()));
        bool check = verify == "index" ||
                     (verify == "once" &&
                      !verified_before(cache_base, opened->file_identity(), opened->header().header_checksum));
        if (check) {
            // The whole index is about to be read: ask for all of it at once
            // rather than a page fault per 64 KiB on a cold cache.
            if (index_end > 0) ::madvise(const_cast<unsigned char*>(bytes.data()), index_end, MADV_WILLNEED);
            index_ok = opened->index_checksum_ok();
            if (index_ok && verify == "once") remember_verified(opened->file_identity(), opened->header().header_checksum);
        }
        // Payloads are read one by one, scattered: no kernel read-around
        // (read_payload asks for them, with its own read-ahead window).
        size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
        size_t payload_start = (index_end + page - 1) & ~(page - 1);
        if (payload_start < bytes.size())
            ::madvise(const_cast<unsigned char*>(bytes.data()) + payload_start, bytes.size() - payload_start,
                      MADV_RANDOM);
    }
    Py_END_ALLOW_THREADS
    if (opened && !index_ok) opened = format::Error{format::ErrorCode::Corrupt, path + ": index checksum mismatch"};
    if (!opened) {
        raise_blob_error(st, opened.error().message, Py_None, path_str.get());
        return nullptr;
    }
    auto info = opened->info();
    if (!info) {
        raise_blob_error(st, info.error().message, Py_None, path_str.get());
        return nullptr;
    }
    const format::Header& h = opened->header();
    const std::string& impl = info->target.implementation;
    if (h.pyc_magic != st->magic || (h.hexversion >> 16) != (PY_VERSION_HEX >> 16) || (!impl.empty() && impl != "cpython")) {
        std::string built = (impl.empty() ? std::string("cpython") : impl) + " " +
                            (info->target.python_version.empty() ? version_string(h.hexversion) : info->target.python_version);
        std::string msg = path + ": built for " + built + " (bytecode magic " + std::to_string(h.pyc_magic & 0xFFFF) +
                          "), but this is cpython " + version_string(PY_VERSION_HEX) + " (bytecode magic " +
                          std::to_string(st->magic & 0xFFFF) + ")";
        Ref m = py::str(msg);
        if (m) PyErr_SetImportErrorSubclass(st->BlobVersionError, m.get(), Py_None, path_str.get());
        return nullptr;
    }
    const format::OriginMode mode = origin ? *origin : info->origin;

    // Staleness matters when the modules stand for files on disk.
    if (mode == format::OriginMode::Original && stale != "ignore" && !info->roots.empty()) {
        std::vector<StaleRoot> changed;
        Py_BEGIN_ALLOW_THREADS
        changed = stale_roots(info->roots);
        Py_END_ALLOW_THREADS
        if (!changed.empty()) {
            std::string msg = path + ": the environment changed after the freeze (" + changed[0].path + ": " +
                              changed[0].reason;
            if (changed.size() > 1) msg += ", and " + std::to_string(changed.size() - 1) + " more root(s)";
            msg += "); modules served from the blob may differ from the files on disk";
            if (stale == "error") {
                Ref m = py::str(msg);
                if (m) PyErr_SetImportErrorSubclass(st->StaleBlobError, m.get(), Py_None, path_str.get());
                return nullptr;
            }
            if (PyErr_WarnEx(st->StaleBlobWarning, msg.c_str(), 1) < 0) return nullptr;
        }
    }

    Ref roots(PyTuple_New(static_cast<Py_ssize_t>(info->roots.size())));
    if (!roots) return nullptr;
    for (size_t i = 0; i < info->roots.size(); ++i) {
        Ref r = py::str(info->roots[i].path);
        if (!r) return nullptr;
        PyTuple_SET_ITEM(roots.get(), static_cast<Py_ssize_t>(i), r.release());
    }
    auto* f = PyObject_GC_New(FinderObject, st->finder_type);
    if (f == nullptr) return nullptr;
    f->module = py::new_ref(module);
    f->path = path_str.release();
    f->roots = roots.release();
    f->ctx = new BlobContext(std::move(*opened));
    f->ctx->info = std::move(*info);
    f->ctx->path = path;
    f->ctx->origin = mode;
    f->ctx->optimize = st->optimize;
    f->ctx->magic = st->magic;
    PyObject_GC_Track(f);
    Ref finder(reinterpret_cast<PyObject*>(f));

    // Before PathFinder; builtin and frozen modules keep precedence, and
    // blobs installed earlier stay ahead of this one.
    if (PyList_Insert(meta_path, insert_position(st, meta_path), finder.get()) < 0) return nullptr;
    Ref hook(PyObject_GetAttrString(finder.get(), "path_hook"));
    if (!hook || PyList_Insert(path_hooks, 0, hook.get()) < 0) return nullptr;
    // Forget whatever the path machinery cached for paths inside the blob.
    if (PyObject* cache = PySys_GetObject("path_importer_cache"); cache != nullptr && PyDict_Check(cache)) {
        Ref keys(PyDict_Keys(cache));
        if (!keys) return nullptr;
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(keys.get()); ++i) {
            PyObject* k = PyList_GET_ITEM(keys.get(), i);
            if (!PyUnicode_Check(k)) continue;
            const char* s = PyUnicode_AsUTF8(k);
            if (s == nullptr) {
                PyErr_Clear();
                continue;
            }
            std::string_view sv(s);
            if (sv == path || (sv.size() > path.size() && sv.substr(0, path.size()) == path && sv[path.size()] == '/'))
                if (PyDict_DelItem(cache, k) < 0) return nullptr;
        }
    }
    if (PyList_Append(st->installed, finder.get()) < 0) return nullptr;
#if PY_VERSION_HEX >= 0x03090000 && PY_VERSION_HEX < 0x030A0000
    // 3.9's importlib.resources.files() does not ask loaders (see support.py).
    {
        Ref name(PyUnicode_FromString("importlib._common"));
        if (!name) return nullptr;
        Ref common(PyImport_GetModule(name.get()));
        if (common) {
            PyObject* sup = support_module(st);
            if (sup == nullptr) return nullptr;
            Ref p(PyObject_CallMethod(sup, "patch_common", "O", common.get()));
            if (!p) return nullptr;
        } else if (PyErr_Occurred()) {
            return nullptr;
        }
    }
#endif
#if PY_VERSION_HEX < 0x030D0000
    // Before 3.13 the interpreter prints an uncaught exception in C, reading
    // source lines from disk only: blob-mode files are not there. The
    // traceback module asks linecache, which asks our loaders.
    if (mode == format::OriginMode::Blob) {
        PyObject* current = PySys_GetObject("excepthook");
        PyObject* original = PySys_GetObject("__excepthook__");
        if (current != nullptr && current == original) {
            Ref ours(PyObject_GetAttrString(module, "_excepthook"));
            if (!ours || PySys_SetObject("excepthook", ours.get()) < 0) return nullptr;
        }
    }
#endif
    return finder.release();
}

namespace {

PyObject* mod_install(PyObject* module, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    PyObject* a[4] = {nullptr, Py_None, nullptr, Py_None};
    if (!py::parse_args("install", args, nargs, kwnames, {"path", "origin", "stale", "verify"}, 1, a)) return nullptr;
    Ref warn(PyUnicode_FromString("warn"));
    return install_impl(module, a[0], a[1], a[2] ? a[2] : warn.get(), a[3]);
}

PyObject* mod_activate_from_env(PyObject* module, PyObject*) {
    State* st = state_of(module);
    Ref out(PyList_New(0));
    if (!out) return nullptr;
    const char* blobs = std::getenv("OXPACK_BLOB");
    if (blobs == nullptr || *blobs == '\0') return out.release();
    const char* origin_env = std::getenv("OXPACK_ORIGIN");
    const char* stale_env = std::getenv("OXPACK_STALE");
    const char* verify_env = std::getenv("OXPACK_VERIFY");
    Ref origin = origin_env && *origin_env ? Ref(PyUnicode_DecodeFSDefault(origin_env)) : Ref::borrow(Py_None);
    Ref stale(PyUnicode_DecodeFSDefault(stale_env && *stale_env ? stale_env : "warn"));
    Ref verify = verify_env && *verify_env ? Ref(PyUnicode_DecodeFSDefault(verify_env)) : Ref::borrow(Py_None);
    if (!origin || !stale || !verify) return nullptr;
    std::string list(blobs);
    size_t start = 0;
    while (start <= list.size()) {
        size_t colon = list.find(':', start);
        if (colon == std::string::npos) colon = list.size();
        std::string one = list.substr(start, colon - start);
        start = colon + 1;
        if (one.empty()) continue;
        Ref p(PyUnicode_DecodeFSDefault(one.c_str()));
        if (!p) return nullptr;
        Ref f(install_impl(module, p.get(), origin.get(), stale.get(), verify.get()));
        if (!f) {
            // A broken blob named in the environment must not stop Python:
            // say why on stderr (it was asked for) and go on without it.
            if (!PyErr_ExceptionMatches(st->BlobError) && !PyErr_ExceptionMatches(PyExc_ValueError)) return nullptr;
            PyObject *type, *value, *tb;
            PyErr_Fetch(&type, &value, &tb);
            Ref t(type), v(value), b(tb);
            Ref text(value ? PyObject_Str(value) : PyUnicode_FromString("unknown error"));
            if (!text) return nullptr;
            PySys_FormatStderr("oxpack_runtime: OXPACK_BLOB: %U; continuing without this blob\n", text.get());
            continue;
        }
        if (PyList_Append(out.get(), f.get()) < 0) return nullptr;
    }
    return out.release();
}

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
    {"install", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(mod_install)), METH_FASTCALL | METH_KEYWORDS,
     "install(path, origin=None, stale='warn', verify='index') -> Finder\n\n"
     "Serve imports from the blob at `path`. origin: None (the blob's default), 'original' (__file__ is the\n"
     "file's path when frozen) or 'blob' (<blob path>/<relative path>). stale: what to do when the frozen\n"
     "environment changed since the freeze: 'warn', 'error' (raise StaleBlobError) or 'ignore'.\n"
     "verify: when to check the index checksum: 'index' (every install; reads the whole index), 'once'\n"
     "(the first install of this file as it is now, remembered in the oxpack cache directory) or 'header'\n"
     "(never: header and bounds checks only). Payloads are checksummed when used whatever the choice.\n"
     "Raises BlobError for a missing or damaged blob, BlobVersionError for another Python's blob."},
    {"activate_from_env", mod_activate_from_env, METH_NOARGS,
     "Install the blobs named in $OXPACK_BLOB (':'-separated; $OXPACK_ORIGIN, $OXPACK_STALE, $OXPACK_VERIFY apply).\n"
     "A blob that cannot be used is reported on stderr and skipped. Returns the finders."},
    {"_excepthook", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(mod_excepthook)), METH_FASTCALL,
     "sys.excepthook used in blob mode before Python 3.13 (source lines from the blob)"},
    {"installed", mod_installed, METH_NOARGS, "The installed finders, first installed first"},
#ifdef OXPACK_PROFILE
    {"_phases", mod_phases, METH_NOARGS, "Phase timers (profile build): {phase: (seconds, count)}"},
#endif
    {"uninstall", mod_uninstall, METH_O, "uninstall(finder): stop serving imports from its blob"},
    {nullptr, nullptr, 0, nullptr},
};

PyObject* make_type(PyObject* m, PyType_Spec* spec) {
#if PY_VERSION_HEX >= 0x03090000
    return PyType_FromModuleAndSpec(m, spec, nullptr);
#else
    (void)m;
    return PyType_FromSpec(spec);
#endif
}

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
    if (!st->finder_type || !st->loader_type || !st->path_entry_type) return -1;
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
    if (!bootstrap || !external || !imp || !builtins) return -1;
    struct {
        PyObject** slot;
        PyObject* from;
        const char* name;
    } lookups[] = {
        {&st->ModuleSpec, bootstrap.get(), "ModuleSpec"},
        {&st->call_with_frames_removed, bootstrap.get(), "_call_with_frames_removed"},
        {&st->PathFinder, external.get(), "PathFinder"},
        {&st->BuiltinImporter, bootstrap.get(), "BuiltinImporter"},
        {&st->FrozenImporter, bootstrap.get(), "FrozenImporter"},
        {&st->is_builtin, imp.get(), "is_builtin"},
#if PY_VERSION_HEX >= 0x030B0000
        {&st->find_frozen, imp.get(), "find_frozen"},
#else
        {&st->find_frozen, imp.get(), "is_frozen"},
#endif
        {&st->decode_source, external.get(), "decode_source"},
        {&st->create_dynamic, imp.get(), "create_dynamic"},
        {&st->exec_dynamic, imp.get(), "exec_dynamic"},
        {&st->fix_co_filename, imp.get(), "_fix_co_filename"},
        {&st->builtin_exec, builtins.get(), "exec"},
        {&st->builtin_compile, builtins.get(), "compile"},
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
    if (!st->installed) return -1;

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
    X(finder_type) X(loader_type) X(path_entry_type) X(BlobError) X(BlobVersionError) X(StaleBlobError)         \
    X(StaleBlobWarning) X(ModuleSpec) X(call_with_frames_removed) X(builtin_exec) X(builtin_compile)            \
    X(create_dynamic) X(exec_dynamic) X(fix_co_filename) X(decode_source) X(PathFinder) X(BuiltinImporter)        \
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
#if PY_VERSION_HEX >= 0x030C0000
    {Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_SUPPORTED},
#endif
#if PY_VERSION_HEX >= 0x030D0000
    {Py_mod_gil, Py_MOD_GIL_USED},
#endif
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
