// The meta-path finder: one per installed blob. find_spec is the hot path:
// a hash probe in the mapped index, then a ModuleSpec; no Python-level
// helpers on the way. Also the path view of the blob (get_data, the private
// helpers the resources/metadata support code calls) and the path hook.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <new>

#include "runtime/core/module_index.hpp"
#include "runtime/python/state.hpp"

namespace oxpack::runtime {
namespace {

using py::Ref;

FinderObject* as_finder(PyObject* o) { return reinterpret_cast<FinderObject*>(o); }

// Lexically normalised relative path ("a/./b/../c" -> "a/c"); false when it
// climbs above its start.
bool normalize_rel(std::string_view in, std::string& out) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (start <= in.size()) {
        size_t s = in.find('/', start);
        if (s == std::string_view::npos) s = in.size();
        std::string_view c = in.substr(start, s - start);
        start = s + 1;
        if (c.empty() || c == ".") continue;
        if (c == "..") {
            if (parts.empty()) return false;
            parts.pop_back();
            continue;
        }
        parts.push_back(c);
    }
    out.clear();
    for (auto p : parts) {
        if (!out.empty()) out += '/';
        out += p;
    }
    return true;
}

bool starts_with_dir(std::string_view s, std::string_view dir, std::string_view& rest) {
    if (s.size() <= dir.size() || s.substr(0, dir.size()) != dir || s[dir.size()] != '/') return false;
    rest = s.substr(dir.size() + 1);
    return true;
}

// True when `dir` is one of the str items of `path` (a list, _NamespacePath...).
int path_contains(PyObject* path, std::string_view dir) {
    Ref it(PyObject_GetIter(path));
    if (!it) return -1;
    while (Ref item{PyIter_Next(it.get())}) {
        if (!PyUnicode_Check(item.get())) continue;
        Py_ssize_t n = 0;
        const char* p = PyUnicode_AsUTF8AndSize(item.get(), &n);
        if (p == nullptr) {
            PyErr_Clear();
            continue;
        }
        std::string_view s(p, static_cast<size_t>(n));
        while (s.size() > 1 && s.back() == '/') s.remove_suffix(1);
        if (s == dir) return 1;
    }
    return PyErr_Occurred() ? -1 : 0;
}

Ref new_loader(FinderObject* f, PyObject* name, PyObject* key, PyObject* origin, const ModuleChoice& choice) {
    State* st = state_of(f);
    ModuleChoice* kept = new (std::nothrow) ModuleChoice(choice);
    if (kept == nullptr) {
        PyErr_NoMemory();
        return Ref();
    }
    auto* l = PyObject_GC_New(LoaderObject, st->loader_type);
    if (l == nullptr) {
        delete kept;
        return Ref();
    }
    l->finder = reinterpret_cast<FinderObject*>(py::new_ref(reinterpret_cast<PyObject*>(f)));
    l->name = py::new_ref(name);
    l->key = py::new_ref(key);
    l->path = py::new_ref(origin);
    l->choice = kept;
    PyObject_GC_Track(l);
    return Ref(reinterpret_cast<PyObject*>(l));
}

}  // namespace

const std::string& BlobContext::prefix(uint16_t root) const {
    if (origin == format::OriginMode::Original && root < info.roots.size()) return info.roots[root].path;
    return path;
}

std::string BlobContext::location(uint16_t root, std::string_view rel) const {
    const std::string& p = prefix(root);
    std::string s;
    s.reserve(p.size() + 1 + rel.size());  // one allocation on the find_spec path
    s += p;
    s += '/';
    s += rel;
    return s;
}

const PathIndex* BlobContext::path_index(State* st) {
    if (!paths) {
        auto built = PathIndex::build(blob);
        if (!built) {
            raise_format_error(st, built.error(), Py_None, Py_None);
            return nullptr;
        }
        paths = std::make_unique<PathIndex>(std::move(*built));
    }
    return paths.get();
}

void raise_blob_error(State* st, const std::string& message, PyObject* name, PyObject* path) {
    Ref msg = py::str(message);
    if (!msg) return;
    PyErr_SetImportErrorSubclass(st->BlobError, msg.get(), name ? name : Py_None, path ? path : Py_None);
}

void raise_format_error(State* st, const format::Error& e, PyObject* name, PyObject* path) {
    raise_blob_error(st, e.message, name, path);
}

namespace {

// Read-ahead for the payload region, done here because the kernel's is off
// there (MADV_RANDOM, see install): payloads are asked for before they are
// read, so a cold cache costs one I/O per window instead of a fault per page.
// The window follows the reads: a payload inside the last window costs
// nothing (no system call, so a warm cache pays almost nothing); one right
// after it doubles the window (a start-up reading a profile-ordered blob in
// order gets large sequential reads); anywhere else starts over with
// 128 KiB from that payload on (its neighbours in the blob, modules of the
// same package, come along: measured faster cold than the payload alone or
// the kernel's read-around, see docs/import-profile.md).
void prefetch(BlobContext& ctx, const format::Entry& e) {
    auto stored = ctx.blob.stored_bytes(e);
    if (!stored || stored->empty()) return;
    static const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
    constexpr uintptr_t kMinWindow = 128u << 10, kMaxWindow = 4u << 20;
    uintptr_t start = reinterpret_cast<uintptr_t>(stored->data());
    uintptr_t end = start + stored->size();
    if (start >= ctx.ra_start && end <= ctx.ra_end) return;
    bool sequential = start >= ctx.ra_start && start <= ctx.ra_end + page;
    uintptr_t from = start & ~(page - 1);
    uintptr_t want = std::max<uintptr_t>(end - from, kMinWindow);
    if (sequential) want = std::max(want, std::min<uintptr_t>((ctx.ra_end - ctx.ra_start) * 2, kMaxWindow));
    auto bytes = ctx.blob.bytes();
    uintptr_t file_end = reinterpret_cast<uintptr_t>(bytes.data() + bytes.size());
    uintptr_t to = std::min(((from + want + page - 1) & ~(page - 1)), file_end);
    ::madvise(reinterpret_cast<void*>(from), to - from, MADV_WILLNEED);
    ctx.ra_start = from;
    ctx.ra_end = to;
}

}  // namespace

bool read_payload(FinderObject* f, const format::Entry& e, PyObject* name, format::Payload& out) {
    OXPACK_TIMER_START(t0);
    prefetch(*f->ctx, e);
    // Checksums run at several GB/s: only big or compressed payloads are worth
    // letting other threads run.
    constexpr uint64_t kReleaseAbove = 256 * 1024;
    format::Result<format::Payload> r = format::Error{format::ErrorCode::Io, ""};
    if (e.stored_size >= kReleaseAbove || e.compression != 0) {
        Py_BEGIN_ALLOW_THREADS
        r = f->ctx->blob.payload(e);
        Py_END_ALLOW_THREADS
    } else {
        r = f->ctx->blob.payload(e);
    }
    if (!r) {
        raise_format_error(state_of(f), r.error(), name, f->path);
        return false;
    }
    out = std::move(*r);
    OXPACK_TIMER_ADD(state_of(f), Payload, OXPACK_TIMER_ELAPSED(t0));
    return true;
}

bool resolve_or_raise(FinderObject* f, PyObject* key, ModuleChoice& out) {
    std::string_view k;
    if (!py::utf8(key, k, "fullname")) return false;
    auto r = resolve_module(f->ctx->blob, k, f->ctx->optimize);
    if (!r) {
        raise_format_error(state_of(f), r.error(), key, f->path);
        return false;
    }
    if (!*r) {
        Ref msg(PyUnicode_FromFormat("no module named %R in %U", key, f->path));
        if (msg) PyErr_SetImportErrorSubclass(PyExc_ModuleNotFoundError, msg.get(), key, f->path);
        return false;
    }
    out = std::move(**r);
    return true;
}

PyObject* make_spec(FinderObject* f, PyObject* name, PyObject* key, PyObject* search_path) {
    State* st = state_of(f);
    if (st == nullptr || st->ModuleSpec == nullptr) return py::none();  // interpreter shutting down
    BlobContext& ctx = *f->ctx;
    std::string_view k;
    if (!py::utf8(key, k, "fullname")) return nullptr;
    // Top-level implicit namespace packages in original mode are PathFinder's
    // to build from disk (a later sys.path entry may hold a regular package).
    bool implicit = ctx.origin == format::OriginMode::Blob || (search_path != nullptr && search_path != Py_None);
    auto r = resolve_module(ctx.blob, k, ctx.optimize, implicit);
    if (!r) {
        raise_format_error(st, r.error(), name, f->path);
        return nullptr;
    }
    if (!*r) return py::none();
    const ModuleChoice& c = **r;

    const format::Entry* oe = c.origin_entry();
    const format::Entry& where = oe ? *oe : c.portions.front();
    // A submodule is served only when it lives in its parent's __path__, as
    // PathFinder would have found it (a package shadowed by another blob or
    // loaded from elsewhere keeps its own submodules).
    if (search_path != nullptr && search_path != Py_None) {
        std::string_view own = oe ? module_dir(where.path) : where.path;  // the package's own directory
        std::string_view pd = c.package ? parent_dir(own) : own;
        std::string dir = pd.empty() ? ctx.prefix(where.root) : ctx.location(where.root, pd);
        int in = path_contains(search_path, dir);
        if (in < 0) return nullptr;
        if (in == 0) return py::none();
    }

    Ref origin = oe ? py::str(ctx.location(oe->root, oe->path)) : Ref::borrow(Py_None);
    if (!origin) return nullptr;
    Ref loader = new_loader(f, name, key, origin.get(), c);
    if (!loader) return nullptr;
    Ref locations;
    if (c.package) {
        locations = Ref(PyList_New(0));
        if (!locations) return nullptr;
        auto add = [&](uint16_t root, std::string_view dir) {
            Ref s = py::str(ctx.location(root, dir));
            return s && PyList_Append(locations.get(), s.get()) == 0;
        };
        if (oe) {
            if (!add(oe->root, module_dir(oe->path))) return nullptr;
        } else {
            for (const auto& p : c.portions)
                if (!add(p.root, p.path)) return nullptr;
        }
    }
    return new_spec(st, name, loader.get(), origin.get(), oe != nullptr, locations.get());
}

PyObject* get_data_impl(FinderObject* f, PyObject* path_arg) {
    State* st = state_of(f);
    BlobContext& ctx = *f->ctx;
    std::string path;
    if (!py::fspath(path_arg, path)) return nullptr;
    std::string_view rest;
    std::string rel;
    std::optional<uint32_t> found;
    bool in_blob = starts_with_dir(path, ctx.path, rest);
    if (in_blob || ctx.origin == format::OriginMode::Original) {
        const PathIndex* idx = ctx.path_index(st);
        if (idx == nullptr) return nullptr;
        if (in_blob) {
            if (normalize_rel(rest, rel)) found = idx->find_file(rel);
        } else {
            for (size_t i = 0; i < ctx.info.roots.size() && !found; ++i)
                if (starts_with_dir(path, ctx.info.roots[i].path, rest) && normalize_rel(rest, rel))
                    found = idx->find_file(rel, static_cast<uint32_t>(i));
        }
    }
    if (found) {
        auto e = ctx.blob.entry(*found);
        if (!e) {
            raise_format_error(st, e.error(), Py_None, f->path);
            return nullptr;
        }
        format::Payload p;
        if (!read_payload(f, *e, Py_None, p)) return nullptr;
        return PyBytes_FromStringAndSize(reinterpret_cast<const char*>(p.data()), static_cast<Py_ssize_t>(p.size()));
    }
    if (in_blob) {
        errno = ENOENT;
        return PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, path_arg);
    }
    // Not in the blob: the file system, as FileLoader.get_data reads it.
    Ref io(PyImport_ImportModule("_io"));
    if (!io) return nullptr;
    Ref fio(PyObject_CallMethod(io.get(), "FileIO", "Os", path_arg, "r"));
    if (!fio) return nullptr;
    Ref data(PyObject_CallMethod(fio.get(), "readall", nullptr));
    Ref closed(PyObject_CallMethod(fio.get(), "close", nullptr));
    if (!data) return nullptr;
    if (!closed) return nullptr;
    return data.release();
}

PyObject* support_module(State* st);

namespace {

// --- FinderObject methods -------------------------------------------------

PyObject* finder_find_spec(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    PyObject* a[3] = {nullptr, Py_None, Py_None};
    if (!py::parse_args("find_spec", args, nargs, kwnames, {"fullname", "path", "target"}, 1, a)) return nullptr;
    if (!PyUnicode_Check(a[0])) {
        PyErr_SetString(PyExc_TypeError, "find_spec(): fullname must be str");
        return nullptr;
    }
#if PY_VERSION_HEX >= 0x03090000 && PY_VERSION_HEX < 0x030A0000
    if (PyUnicode_CompareWithASCIIString(a[0], "importlib._common") == 0) {
        PyObject* sup = support_module(state_of(as_finder(self)));
        if (sup == nullptr) return nullptr;
        return PyObject_CallMethod(sup, "find_spec_39", "OOOO", self, a[0], a[1], a[2]);
    }
#endif
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

// The spec without any version-specific interception (support code).
PyObject* finder_spec_raw(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    if (nargs != 2 || !PyUnicode_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "_spec(fullname, path)");
        return nullptr;
    }
    return make_spec(as_finder(self), args[0], args[0], args[1]);
}

PyObject* finder_invalidate_caches(PyObject*, PyObject*) { return py::none(); }

PyObject* children_list(FinderObject* f, std::string_view package, PyObject* prefix) {
    auto kids = list_children(f->ctx->blob, package);
    if (!kids) {
        raise_format_error(state_of(f), kids.error(), Py_None, f->path);
        return nullptr;
    }
    Ref out(PyList_New(0));
    if (!out) return nullptr;
    for (const auto& k : *kids) {
        Ref n = py::str(k.name);
        if (!n) return nullptr;
        Ref full(PyUnicode_Concat(prefix, n.get()));
        if (!full) return nullptr;
        Ref t(PyTuple_Pack(2, full.get(), k.package ? Py_True : Py_False));
        if (!t || PyList_Append(out.get(), t.get()) < 0) return nullptr;
    }
    return out.release();
}

PyObject* finder_iter_modules(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    Ref empty(PyUnicode_FromString(""));
    PyObject* a[1] = {empty.get()};
    if (!py::parse_args("iter_modules", args, nargs, kwnames, {"prefix"}, 0, a)) return nullptr;
    if (!PyUnicode_Check(a[0])) {
        PyErr_SetString(PyExc_TypeError, "iter_modules(): prefix must be str");
        return nullptr;
    }
    Ref list(children_list(as_finder(self), "", a[0]));
    if (!list) return nullptr;
    return PyObject_GetIter(list.get());
}

PyObject* call_support(FinderObject* f, const char* fn, PyObject* arg) {
    PyObject* sup = support_module(state_of(f));
    if (sup == nullptr) return nullptr;
    return PyObject_CallMethod(sup, fn, "OO", reinterpret_cast<PyObject*>(f), arg);
}

PyObject* finder_find_distributions(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    PyObject* a[1] = {Py_None};
    if (!py::parse_args("find_distributions", args, nargs, kwnames, {"context"}, 0, a)) return nullptr;
    return call_support(as_finder(self), "find_distributions", a[0]);
}

// Loader-style methods by name: look the module up and ask its loader.
Ref loader_for(FinderObject* f, PyObject* fullname) {
    Ref spec(make_spec(f, fullname, fullname, nullptr));
    if (!spec) return Ref();
    if (spec.get() == Py_None) {
        Ref msg(PyUnicode_FromFormat("no module named %R in %U", fullname, f->path));
        if (msg) PyErr_SetImportErrorSubclass(PyExc_ModuleNotFoundError, msg.get(), fullname, f->path);
        return Ref();
    }
    return Ref(PyObject_GetAttr(spec.get(), state_of(f)->s_loader));
}

template <const char* Method>
PyObject* finder_by_name(PyObject* self, PyObject* arg) {
    if (!PyUnicode_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "%s(): fullname must be str", Method);
        return nullptr;
    }
    Ref loader = loader_for(as_finder(self), arg);
    if (!loader) return nullptr;
    return PyObject_CallMethod(loader.get(), Method, "O", arg);
}

constexpr char kGetCode[] = "get_code";
constexpr char kGetSource[] = "get_source";
constexpr char kGetFilename[] = "get_filename";
constexpr char kIsPackage[] = "is_package";
constexpr char kGetResourceReader[] = "get_resource_reader";

// create_module / exec_module on the finder itself (it is a complete
// loader): delegate to the module's own loader.
PyObject* finder_create_module(PyObject* self, PyObject* spec) {
    State* st = state_of(as_finder(self));
    Ref name(PyObject_GetAttr(spec, st->s_name));
    if (!name) return nullptr;
    Ref loader = loader_for(as_finder(self), name.get());
    if (!loader) return nullptr;
    return PyObject_CallMethod(loader.get(), "create_module", "O", spec);
}

PyObject* finder_exec_module(PyObject* self, PyObject* module) {
    State* st = state_of(as_finder(self));
    Ref spec(PyObject_GetAttr(module, st->s_spec));
    if (!spec) return nullptr;
    Ref name(PyObject_GetAttr(spec.get(), st->s_name));
    if (!name) return nullptr;
    Ref loader = loader_for(as_finder(self), name.get());
    if (!loader) return nullptr;
    return PyObject_CallMethod(loader.get(), "exec_module", "O", module);
}

PyObject* finder_get_data(PyObject* self, PyObject* path) { return get_data_impl(as_finder(self), path); }

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
    auto* pe = PyObject_GC_New(PathEntryObject, st->path_entry_type);
    if (pe == nullptr) return nullptr;
    pe->finder = reinterpret_cast<FinderObject*>(py::new_ref(self));
    pe->path = py::new_ref(path_arg);
    pe->package = py::str(package).release();
    if (pe->package == nullptr) pe->package = PyUnicode_FromString("");
    PyObject_GC_Track(pe);
    return reinterpret_cast<PyObject*>(pe);
}

// --- private helpers for the Python support code --------------------------

PyObject* finder_read_path(PyObject* self, PyObject* rel_arg) {
    FinderObject* f = as_finder(self);
    std::string_view rel;
    if (!py::utf8(rel_arg, rel, "path")) return nullptr;
    const PathIndex* idx = f->ctx->path_index(state_of(f));
    if (idx == nullptr) return nullptr;
    auto found = idx->find_file(rel);
    if (!found) return py::none();
    auto e = f->ctx->blob.entry(*found);
    if (!e) {
        raise_format_error(state_of(f), e.error(), Py_None, f->path);
        return nullptr;
    }
    format::Payload p;
    if (!read_payload(f, *e, Py_None, p)) return nullptr;
    return PyBytes_FromStringAndSize(reinterpret_cast<const char*>(p.data()), static_cast<Py_ssize_t>(p.size()));
}

PyObject* finder_list_dir(PyObject* self, PyObject* rel_arg) {
    FinderObject* f = as_finder(self);
    std::string_view rel;
    if (!py::utf8(rel_arg, rel, "path")) return nullptr;
    const PathIndex* idx = f->ctx->path_index(state_of(f));
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

PyObject* finder_path_kind(PyObject* self, PyObject* rel_arg) {
    FinderObject* f = as_finder(self);
    std::string_view rel;
    if (!py::utf8(rel_arg, rel, "path")) return nullptr;
    const PathIndex* idx = f->ctx->path_index(state_of(f));
    if (idx == nullptr) return nullptr;
    if (idx->find_file(rel)) return PyLong_FromLong(1);
    return PyLong_FromLong(idx->is_dir(rel) ? 2 : 0);
}

PyObject* finder_read(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
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
        format::Payload p;
        if (!read_payload(f, *e, args[1], p)) return nullptr;
        return PyBytes_FromStringAndSize(reinterpret_cast<const char*>(p.data()), static_cast<Py_ssize_t>(p.size()));
    }
    return py::none();
}

PyObject* finder_dist_dirs(PyObject* self, PyObject*) {
    FinderObject* f = as_finder(self);
    BlobContext& ctx = *f->ctx;
    if (!ctx.dists_built) {
        auto pos = ctx.blob.lower_bound(format::Space::Distribution, "");
        if (!pos) {
            raise_format_error(state_of(f), pos.error(), Py_None, f->path);
            return nullptr;
        }
        std::vector<std::pair<std::string, uint16_t>> dists;
        for (uint32_t i = *pos; i < ctx.blob.entry_count(); ++i) {
            auto e = ctx.blob.entry(i);
            if (!e) {
                raise_format_error(state_of(f), e.error(), Py_None, f->path);
                return nullptr;
            }
            if (e->space != static_cast<uint8_t>(format::Space::Distribution)) break;
            std::string_view dir = e->key.substr(0, e->key.find('/'));
            if (dists.empty() || dists.back().first != dir || dists.back().second != e->root)
                dists.emplace_back(std::string(dir), e->root);
        }
        ctx.dists = std::move(dists);
        ctx.dists_built = true;
    }
    Ref out(PyList_New(0));
    if (!out) return nullptr;
    for (const auto& [dir, root] : ctx.dists) {
        Ref d = py::str(dir);
        Ref r(PyLong_FromLong(root == format::kNoRoot ? -1 : root));
        if (!d || !r) return nullptr;
        Ref t(PyTuple_Pack(2, d.get(), r.get()));
        if (!t || PyList_Append(out.get(), t.get()) < 0) return nullptr;
    }
    return out.release();
}

// _anchor(key) -> (root index or -1, directory of the module, is_package,
// [namespace portion dirs]) or None.
PyObject* finder_anchor(PyObject* self, PyObject* key) {
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
    if (oe) {
        Ref t = py::str(module_dir(oe->path));
        if (!t || PyList_Append(dirs.get(), t.get()) < 0) return nullptr;
    } else {
        for (const auto& p : c.portions) {
            Ref t = py::str(p.path);
            if (!t || PyList_Append(dirs.get(), t.get()) < 0) return nullptr;
        }
    }
    return Py_BuildValue("(iOO)", c.root == format::kNoRoot ? -1 : c.root, c.package ? Py_True : Py_False, dirs.get());
}

PyObject* finder_uninstall(PyObject* self, PyObject*);

PyMethodDef finder_methods[] = {
    {"find_spec", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(finder_find_spec)),
     METH_FASTCALL | METH_KEYWORDS, "find_spec(fullname, path=None, target=None): the ModuleSpec, or None"},
    {"invalidate_caches", finder_invalidate_caches, METH_NOARGS, "Nothing to invalidate: a blob never changes."},
    {"iter_modules", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(finder_iter_modules)),
     METH_FASTCALL | METH_KEYWORDS, "iter_modules(prefix=''): (name, ispkg) of the blob's top-level modules"},
    {"find_distributions", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(finder_find_distributions)),
     METH_FASTCALL | METH_KEYWORDS, "importlib.metadata: the distributions in the blob matching context"},
    {"create_module", finder_create_module, METH_O, "Loader protocol: delegates to the module's loader"},
    {"exec_module", finder_exec_module, METH_O, "Loader protocol: delegates to the module's loader"},
    {"get_code", finder_by_name<kGetCode>, METH_O, "get_code(fullname): the module's code object"},
    {"get_source", finder_by_name<kGetSource>, METH_O, "get_source(fullname): the module's source, or None"},
    {"get_filename", finder_by_name<kGetFilename>, METH_O, "get_filename(fullname): the module's __file__"},
    {"is_package", finder_by_name<kIsPackage>, METH_O, "is_package(fullname)"},
    {"get_resource_reader", finder_by_name<kGetResourceReader>, METH_O, "importlib.resources reader"},
    {"get_data", finder_get_data, METH_O, "get_data(path): bytes of a file in the blob (or on disk)"},
    {"path_hook", finder_path_hook, METH_O, "sys.path_hooks entry: a path-entry finder for paths inside the blob"},
    {"uninstall", finder_uninstall, METH_NOARGS, "Remove this finder from sys.meta_path and sys.path_hooks"},
    {"_spec", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(finder_spec_raw)), METH_FASTCALL, nullptr},
    {"_read_path", finder_read_path, METH_O, nullptr},
    {"_list_dir", finder_list_dir, METH_O, nullptr},
    {"_path_kind", finder_path_kind, METH_O, nullptr},
    {"_read", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(finder_read)), METH_FASTCALL, nullptr},
    {"_dist_dirs", finder_dist_dirs, METH_NOARGS, nullptr},
    {"_anchor", finder_anchor, METH_O, nullptr},
    {nullptr, nullptr, 0, nullptr},
};

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
    return py::none();
}

PyObject* finder_get_path(PyObject* self, void*) { return py::new_ref(as_finder(self)->path); }
PyObject* finder_get_roots(PyObject* self, void*) { return py::new_ref(as_finder(self)->roots); }
PyObject* finder_get_origin(PyObject* self, void*) {
    return PyUnicode_FromString(as_finder(self)->ctx->origin == format::OriginMode::Blob ? "blob" : "original");
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
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(as_finder(self)->module);
    return 0;
}

// The module reference is kept: a finder still in sys.meta_path must keep
// working, and the cycle finder -> module -> state.installed -> finder is
// broken by the module's own m_clear.
int finder_clear(PyObject*) { return 0; }

void finder_dealloc(PyObject* self) {
    PyTypeObject* tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    FinderObject* f = as_finder(self);
    Py_CLEAR(f->module);
    Py_CLEAR(f->path);
    Py_CLEAR(f->roots);
    delete f->ctx;
    f->ctx = nullptr;
    tp->tp_free(self);
    Py_DECREF(tp);
}

PyObject* finder_new(PyTypeObject*, PyObject*, PyObject*) {
    PyErr_SetString(PyExc_TypeError, "use oxpack_runtime.install(path) to create a Finder");
    return nullptr;
}

PyType_Slot finder_slots[] = {
    {Py_tp_doc, const_cast<char*>("The finder (and loader factory) serving imports from one installed blob.")},
    {Py_tp_methods, finder_methods},
    {Py_tp_getset, finder_getset},
    {Py_tp_repr, reinterpret_cast<void*>(finder_repr)},
    {Py_tp_traverse, reinterpret_cast<void*>(finder_traverse)},
    {Py_tp_clear, reinterpret_cast<void*>(finder_clear)},
    {Py_tp_dealloc, reinterpret_cast<void*>(finder_dealloc)},
    {Py_tp_new, reinterpret_cast<void*>(finder_new)},
    {0, nullptr},
};

}  // namespace

PyType_Spec finder_spec = {"oxpack_runtime.Finder", sizeof(FinderObject), 0,
                           Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC, finder_slots};

}  // namespace oxpack::runtime
