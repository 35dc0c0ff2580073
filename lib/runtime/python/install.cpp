#include "runtime/python/install.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <vector>

#include "runtime/core/file_cache.hpp"
#include "runtime/core/lazy_set.hpp"
#include "runtime/core/staleness.hpp"
#include "runtime/core/verified.hpp"
#include "runtime/python/compat.hpp"
#include "runtime/python/root_listing.hpp"
#include "runtime/python/support_bridge.hpp"
#include "runtime/python/vfs.hpp"

namespace oxpack::runtime {
namespace {

using py::Ref;

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

// One of `names` as its value in `values` (None keeps `out`); false with
// ValueError ("<what> must be <expected>, not ...") for anything else.
template <typename E, size_t N>
bool choice(PyObject* arg, const char* what, const char* expected, const char* const (&names)[N],
            const E (&values)[N], E& out) {
    if (arg == nullptr || arg == Py_None) return true;
    std::string_view s;
    if (!py::utf8(arg, s, what)) return false;
    for (size_t i = 0; i < N; ++i)
        if (s == names[i]) {
            out = values[i];
            return true;
        }
    PyErr_Format(PyExc_ValueError, "%s must be %s, not %R", what, expected, arg);
    return false;
}

void set_import_error(PyObject* type, const std::string& message, PyObject* path) {
    Ref m = py::str(message);
    if (m) PyErr_SetImportErrorSubclass(type, m.get(), Py_None, path);
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

// --- 1. the arguments ----------------------------------------------------------

// lazy: None/False, True, a str of comma-separated globs, or an iterable of globs.
bool read_lazy(PyObject* arg, InstallOptions& o) {
    if (arg == Py_None || arg == Py_False) return true;
    if (arg == Py_True) {
        o.lazy = InstallOptions::Lazy::Recorded;
        return true;
    }
    auto bad = [arg] {
        PyErr_Format(PyExc_TypeError, "lazy must be False, True, or module-name globs (a list of str), not %R", arg);
        return false;
    };
    if (PyUnicode_Check(arg)) {
        std::string_view s;
        if (!py::utf8(arg, s, "lazy")) return false;
        o.lazy_globs = split_globs(s);
    } else {
        Ref it(PyObject_GetIter(arg));
        if (!it) {
            PyErr_Clear();
            return bad();
        }
        while (Ref item{PyIter_Next(it.get())}) {
            std::string_view s;
            if (!PyUnicode_Check(item.get())) return bad();
            if (!py::utf8(item.get(), s, "lazy")) return false;
            if (!s.empty()) o.lazy_globs.emplace_back(s);
        }
        if (PyErr_Occurred()) return false;
    }
    o.lazy = o.lazy_globs.empty() ? InstallOptions::Lazy::Off : InstallOptions::Lazy::Globs;
    return true;
}

bool read_install_options(PyObject* path_arg, PyObject* origin_arg, PyObject* stale_arg, PyObject* verify_arg,
                          PyObject* files_arg, PyObject* lazy_arg, InstallOptions& o) {
    std::string raw;
    if (!py::fspath(path_arg, raw)) return false;
    o.path = absolute(raw);
    static const char* const origin_names[] = {"original", "blob"};
    static const format::OriginMode origin_values[] = {format::OriginMode::Original, format::OriginMode::Blob};
    format::OriginMode mode{};
    if (origin_arg != Py_None) {
        if (!choice(origin_arg, "origin", "None, 'original' or 'blob'", origin_names, origin_values, mode)) return false;
        o.origin = mode;
    }
    static const char* const stale_names[] = {"warn", "error", "ignore"};
    static const Stale stale_values[] = {Stale::Warn, Stale::Error, Stale::Ignore};
    static const char* const verify_names[] = {"pages", "index", "once", "header"};
    static const Verify verify_values[] = {Verify::Pages, Verify::Index, Verify::Once, Verify::Header};
    static const char* const files_names[] = {"blob", "disk"};
    static const FilesOption files_values[] = {FilesOption::Blob, FilesOption::Disk};
    return choice(stale_arg, "stale", "'warn', 'error' or 'ignore'", stale_names, stale_values, o.stale) &&
           choice(verify_arg, "verify", "'pages', 'index', 'once' or 'header'", verify_names, verify_values, o.verify) &&
           choice(files_arg, "files", "None, 'blob' or 'disk'", files_names, files_values, o.files) &&
           read_lazy(lazy_arg, o);
}

// --- 2. open and verify --------------------------------------------------------

// The header, the section layout and (by `verify`) the index checksum:
// "pages" (the default), for a blob with a page-checksum table (format 1.3),
// checks that table and the meta section's pages now and every other page
// of the index the first time a lookup reads it (format::Blob does, for
// every access: nothing of the index is used before its page passed); a
// blob without a table (1.0-1.2) gets the whole check now, as "index".
// "index" checks it at every install (reading the whole index, ~0.5 ms for
// 40,000 entries); "once" only when this file, unchanged, has not passed the
// check before (runtime/core/verified.hpp); "header" never. Whatever is
// skipped, every index access stays bounds-checked and every payload is
// checksummed when used: a damaged blob never crashes the interpreter nor
// runs damaged code.
format::Result<format::Blob> open_verified(const std::string& path, Verify verify) {
    format::Result<format::Blob> opened = format::Error{format::ErrorCode::Io, ""};
    bool index_ok = true;
    const std::string cache_base = verify == Verify::Once ? cache_base_path() : std::string();
    Py_BEGIN_ALLOW_THREADS
    opened = format::Blob::open(path, format::OpenOptions{.check_index = verify == Verify::Pages,
                                                          .index_pages = verify == Verify::Pages});
    if (opened) {
        auto bytes = opened->bytes();
        size_t index_end = static_cast<size_t>(std::min<uint64_t>(opened->header().payload_offset, bytes.size()));
        bool check = verify == Verify::Index ||
                     (verify == Verify::Once &&
                      !verified_before(cache_base, opened->file_identity(), opened->header().header_checksum));
        if (check) {
            // The whole index is about to be read: ask for all of it at once
            // rather than a page fault per 64 KiB on a cold cache.
            if (index_end > 0) ::madvise(const_cast<unsigned char*>(bytes.data()), index_end, MADV_WILLNEED);
            index_ok = opened->index_checksum_ok();
            if (index_ok && verify == Verify::Once)
                remember_verified(opened->file_identity(), opened->header().header_checksum);
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
    if (opened && !index_ok) return format::Error{format::ErrorCode::Corrupt, path + ": index checksum mismatch"};
    return opened;
}

// Built for this interpreter? false with BlobVersionError set.
bool check_target(State* st, const format::Blob& blob, const format::BlobInfo& info, const std::string& path,
                  PyObject* path_str) {
    const format::Header& h = blob.header();
    const std::string& impl = info.target.implementation;
    if (h.pyc_magic == st->magic && (h.hexversion >> 16) == compat::kMajorMinor && (impl.empty() || impl == "cpython"))
        return true;
    std::string built = (impl.empty() ? std::string("cpython") : impl) + " " +
                        (info.target.python_version.empty() ? version_string(h.hexversion) : info.target.python_version);
    set_import_error(st->BlobVersionError,
                     path + ": built for " + built + " (bytecode magic " + std::to_string(h.pyc_magic & 0xFFFF) +
                         "), but this is cpython " + version_string(PY_VERSION_HEX) + " (bytecode magic " +
                         std::to_string(st->magic & 0xFFFF) + ")",
                     path_str);
    return false;
}

// Staleness matters when the modules stand for files on disk (original
// mode). false with StaleBlobError set, or the warning raised as an error.
// The roots found changed go to `changed` (files='blob' does not serve them).
bool check_stale(State* st, const format::BlobInfo& info, const InstallOptions& o, format::OriginMode mode,
                 PyObject* path_str, std::vector<std::string>& changed_paths) {
    if (mode != format::OriginMode::Original || o.stale == Stale::Ignore || info.roots.empty()) return true;
    std::vector<StaleRoot> changed;
    Py_BEGIN_ALLOW_THREADS
    changed = stale_roots(info.roots);
    Py_END_ALLOW_THREADS
    if (changed.empty()) return true;
    for (const auto& c : changed) changed_paths.push_back(c.path);
    std::string msg = o.path + ": the environment changed after the freeze (" + changed[0].path + ": " +
                      changed[0].reason;
    if (changed.size() > 1) msg += ", and " + std::to_string(changed.size() - 1) + " more root(s)";
    msg += "); modules served from the blob may differ from the files on disk";
    if (o.stale == Stale::Error) {
        set_import_error(st->StaleBlobError, msg, path_str);
        return false;
    }
    return PyErr_WarnEx(st->StaleBlobWarning, msg.c_str(), 1) == 0;
}

// The blob's context, ready to serve; nullptr with the exception set.
std::unique_ptr<BlobContext> open_blob_context(State* st, const InstallOptions& o, PyObject* path_str) {
    auto opened = open_verified(o.path, o.verify);
    if (!opened) {
        raise_blob_error(st, opened.error().message, Py_None, path_str);
        return nullptr;
    }
    auto info = opened->info();
    if (!info) {
        raise_blob_error(st, info.error().message, Py_None, path_str);
        return nullptr;
    }
    if (!check_target(st, *opened, *info, o.path, path_str)) return nullptr;
    const format::OriginMode mode = o.origin ? *o.origin : info->origin;
    std::vector<std::string> stale;
    if (!check_stale(st, *info, o, mode, path_str, stale)) return nullptr;
    auto ctx = std::make_unique<BlobContext>(std::move(*opened));
    ctx->stale_roots = std::move(stale);
    const bool files_from_blob =
        o.files == FilesOption::Blob || (o.files == FilesOption::Default && mode == format::OriginMode::Blob);
    ctx->files = files_from_blob ? BlobContext::Files::Blob : BlobContext::Files::Disk;
    ctx->info = std::move(*info);
    ctx->path = o.path;
    ctx->origin = mode;
    ctx->optimize = st->optimize;
    ctx->magic = st->magic;
    // Now, before (once), or page by page as read (pages: what a lookup read, it checked).
    if (o.verify != Verify::Header) ctx->index_check = BlobContext::IndexCheck::Passed;
    if (o.lazy == InstallOptions::Lazy::Globs) ctx->lazy = LazySet(o.lazy_globs);
    if (o.lazy == InstallOptions::Lazy::Recorded) ctx->lazy = LazySet(ctx->info.lazy);
    ctx->preload = LibraryPreload(ctx->info.shared_libraries);
    return ctx;
}

// --- 3. register ---------------------------------------------------------------

// A Finder owning `ctx`; nullptr with the exception set (ctx then freed).
PyObject* new_finder(PyObject* module, std::unique_ptr<BlobContext> ctx, PyObject* path_str) {
    State* st = state_of(module);
    const auto& roots_info = ctx->info.roots;
    Ref roots(PyTuple_New(static_cast<Py_ssize_t>(roots_info.size())));
    if (!roots) return nullptr;
    for (size_t i = 0; i < roots_info.size(); ++i) {
        Ref r = py::str(roots_info[i].path);
        if (!r) return nullptr;
        PyTuple_SET_ITEM(roots.get(), static_cast<Py_ssize_t>(i), r.release());
    }
    auto* f = PyObject_GC_New(FinderObject, st->finder_type);
    if (f == nullptr) return nullptr;
    f->module = py::new_ref(module);
    f->path = py::new_ref(path_str);
    f->roots = roots.release();
    f->file_stat = nullptr;
    f->ctx = ctx.release();
    PyObject_GC_Track(f);
    return reinterpret_cast<PyObject*>(f);
}

// Forget whatever the path machinery cached for paths inside the blob.
bool forget_cached_path_entries(const std::string& path) {
    PyObject* cache = PySys_GetObject("path_importer_cache");  // borrowed
    if (cache == nullptr || !PyDict_Check(cache)) return true;
    Ref keys(PyDict_Keys(cache));
    if (!keys) return false;
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
            if (PyDict_DelItem(cache, k) < 0) return false;
    }
    return true;
}

// The modules support.py adjusts once imported that are imported already
// (support_bridge.hpp); before 3.13, in blob mode, sys.excepthook through
// the traceback module (compat.hpp).
bool apply_adjustments(PyObject* module, format::OriginMode mode) {
    State* st = state_of(module);
    Ref it(PyObject_GetIter(st->adjusted_names));
    if (!it) return false;
    while (Ref name{PyIter_Next(it.get())}) {
        Ref imported(PyImport_GetModule(name.get()));
        if (!imported) {
            if (PyErr_Occurred()) return false;
            continue;
        }
        if (!adjust_after_import(module, name.get(), imported.get())) return false;
    }
    if (PyErr_Occurred()) return false;
    if (compat::kExcepthookReadsDiskOnly && mode == format::OriginMode::Blob) {
        PyObject* current = PySys_GetObject("excepthook");
        PyObject* original = PySys_GetObject("__excepthook__");
        if (current != nullptr && current == original) {
            Ref ours(PyObject_GetAttrString(module, "_excepthook"));
            if (!ours || PySys_SetObject("excepthook", ours.get()) < 0) return false;
        }
    }
    return true;
}

// Before PathFinder; builtin and frozen modules keep precedence, and blobs
// installed earlier stay ahead of this one.
bool register_finder(PyObject* module, PyObject* finder, PyObject* meta_path, PyObject* path_hooks) {
    State* st = state_of(module);
    BlobContext& ctx = *reinterpret_cast<FinderObject*>(finder)->ctx;
    if (!vfs_mount(module, reinterpret_cast<FinderObject*>(finder))) return false;
    if (PyList_Insert(meta_path, insert_position(st, meta_path), finder) < 0) return false;
    Ref hook(PyObject_GetAttrString(finder, "path_hook"));
    if (!hook || PyList_Insert(path_hooks, 0, hook.get()) < 0) return false;
    if (!forget_cached_path_entries(ctx.path)) return false;
    if (!root_listing_adopt_cached(reinterpret_cast<FinderObject*>(finder))) return false;
    if (PyList_Append(st->installed, finder) < 0) return false;
    return apply_adjustments(module, ctx.origin);
}

// The finder already serving `path` (a new reference), None when there is
// none, nullptr with ValueError when it serves in another mode.
PyObject* already_installed(State* st, const InstallOptions& o, PyObject* meta_path, PyObject* path_str) {
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(st->installed); ++i) {
        auto* f = reinterpret_cast<FinderObject*>(PyList_GET_ITEM(st->installed, i));
        if (f->ctx->path != o.path) continue;
        int in = PySequence_Contains(meta_path, reinterpret_cast<PyObject*>(f));
        if (in < 0) return nullptr;
        if (!in) continue;
        if (o.origin && *o.origin != f->ctx->origin) {
            PyErr_Format(PyExc_ValueError, "%U is already installed in %s mode", path_str,
                         f->ctx->origin == format::OriginMode::Blob ? "blob" : "original");
            return nullptr;
        }
        return py::new_ref(reinterpret_cast<PyObject*>(f));
    }
    return py::none();
}

}  // namespace

PyObject* install(PyObject* module, PyObject* path_arg, PyObject* origin_arg, PyObject* stale_arg,
                  PyObject* verify_arg, PyObject* files_arg, PyObject* lazy_arg) {
    State* st = state_of(module);
    InstallOptions o;
    if (!read_install_options(path_arg, origin_arg, stale_arg, verify_arg, files_arg, lazy_arg, o)) return nullptr;
    Ref path_str = py::str(o.path);
    if (!path_str) return nullptr;
    PyObject* meta_path = PySys_GetObject("meta_path");
    PyObject* path_hooks = PySys_GetObject("path_hooks");
    if (meta_path == nullptr || !PyList_Check(meta_path) || path_hooks == nullptr || !PyList_Check(path_hooks)) {
        PyErr_SetString(PyExc_RuntimeError, "sys.meta_path or sys.path_hooks is not a list");
        return nullptr;
    }
    Ref existing(already_installed(st, o, meta_path, path_str.get()));
    if (!existing || existing.get() != Py_None) return existing.release();

    auto ctx = open_blob_context(st, o, path_str.get());
    if (!ctx) return nullptr;
    Ref finder(new_finder(module, std::move(ctx), path_str.get()));
    if (!finder) return nullptr;
    if (!register_finder(module, finder.get(), meta_path, path_hooks)) return nullptr;
    return finder.release();
}

PyObject* activate_from_env(PyObject* module) {
    State* st = state_of(module);
    Ref out(PyList_New(0));
    if (!out) return nullptr;
    const char* blobs = std::getenv("OXPACK_BLOB");
    if (blobs == nullptr || *blobs == '\0') return out.release();
    auto env = [](const char* name) -> Ref {
        const char* v = std::getenv(name);
        return v && *v ? Ref(PyUnicode_DecodeFSDefault(v)) : Ref::borrow(Py_None);
    };
    Ref origin = env("OXPACK_ORIGIN"), stale = env("OXPACK_STALE"), verify = env("OXPACK_VERIFY"),
        files = env("OXPACK_FILES"), lazy = env("OXPACK_LAZY");
    if (!origin || !stale || !verify || !files || !lazy) return nullptr;
    // $OXPACK_LAZY: "1" (or "true", "auto") for the blob's recorded set,
    // "0" (or "false", empty) for none, else comma-separated globs.
    if (lazy.get() != Py_None) {
        std::string_view v;
        if (!py::utf8(lazy.get(), v, "OXPACK_LAZY")) return nullptr;
        if (v == "1" || v == "true" || v == "auto") lazy = Ref::borrow(Py_True);
        else if (v == "0" || v == "false") lazy = Ref::borrow(Py_False);
    }
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
        Ref f(install(module, p.get(), origin.get(), stale.get(), verify.get(), files.get(), lazy.get()));
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

}  // namespace oxpack::runtime
