// Extension modules. Original mode: the file at its original path, when it
// is still there. Blob mode (or a missing original): from memory through
// memfd_create + the normal extension loading (_imp.create_dynamic on
// /proc/self/fd/N); when the object needs files beside it ($ORIGIN search
// paths, auditwheel's *.libs/) or memory files cannot be loaded, from a
// private content-addressed cache directory holding it and its neighbours.
#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "elf/elf_deps.hpp"
#include "runtime/core/file_cache.hpp"
#include "runtime/python/loader.hpp"
#include "runtime/python/payload.hpp"

namespace oxpack::runtime {
namespace {

using elf::ElfDeps;
using elf::needs_neighbours;
using elf::origin_dirs;
using elf::read_elf_deps;
using py::Ref;

// Loads the extension file at `file` under the real spec's name; the
// module's __file__ stays the spec's origin. nullptr with the exception set.
PyObject* load_from(LoaderObject* l, PyObject* spec, const std::string& file) {
    State* st = state_of(l->finder);
    Ref origin = py::str(file);
    if (!origin) return nullptr;
    Ref args(PyTuple_Pack(2, l->name, reinterpret_cast<PyObject*>(l)));
    Ref kw(PyDict_New());
    if (!args || !kw || PyDict_SetItem(kw.get(), st->s_origin, origin.get()) < 0) return nullptr;
    Ref tmp(PyObject_Call(st->ModuleSpec, args.get(), kw.get()));
    if (!tmp) return nullptr;
    // Cython's module-create slot copies these from the spec it is given.
    Ref locations(PyObject_GetAttr(spec, st->s_submodule_search_locations));
    if (!locations) return nullptr;
    if (PyObject_SetAttr(tmp.get(), st->s_submodule_search_locations, locations.get()) < 0) return nullptr;
    Ref mod(PyObject_CallFunctionObjArgs(st->call_with_frames_removed, st->create_dynamic, tmp.get(), nullptr));
    if (!mod) return nullptr;
    if (PyModule_Check(mod.get())) {
        Ref real(PyObject_GetAttr(spec, st->s_origin));
        if (!real) return nullptr;
        if (PyObject_SetAttr(mod.get(), st->s_file, real.get()) < 0) return nullptr;
    }
    return mod.release();
}

// True when the pending exception is dlopen() refusing `file` (an
// ImportError whose path is that file), not the module's own init failing.
bool is_dlopen_failure(const std::string& file) {
    if (!PyErr_ExceptionMatches(PyExc_ImportError)) return false;
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    bool match = false;
    if (value != nullptr) {
        Ref path(PyObject_GetAttrString(value, "path"));
        if (!path) PyErr_Clear();
        else if (PyUnicode_Check(path.get())) {
            const char* p = PyUnicode_AsUTF8(path.get());
            match = p != nullptr && file == p;
            if (p == nullptr) PyErr_Clear();
        }
    }
    PyErr_Restore(type, value, tb);
    return match;
}

// Loads the libraries the blob recorded for extension `key` by their paths
// (runtime/core/library_preload.hpp), with the flags CPython will dlopen()
// the extension with. With the GIL held: the loader is not thread-safe, and
// the libraries are the system's own, whose initialisers never call Python.
void preload_libraries(FinderObject* f, const std::string& key) {
    LibraryPreload& preload = f->ctx->preload;
    if (!preload.lists(key)) return;
    int flags = RTLD_NOW;
    Ref value(PyObject_CallMethod(state_of(f)->sys, "getdlopenflags", nullptr));
    if (value && PyLong_Check(value.get())) flags = static_cast<int>(PyLong_AsLong(value.get()));
    if (PyErr_Occurred()) PyErr_Clear();
    preload.before_load(key, flags);
}

bool looks_like_shared_object(std::string_view path) {
    std::string_view name = path.substr(path.rfind('/') == std::string_view::npos ? 0 : path.rfind('/') + 1);
    return name.find(".so") != std::string_view::npos;
}

// Writes the extension and every shared object its $ORIGIN paths reach into
// the cache directory; returns the extension's extracted path, or "" with
// the exception set.
std::string extract(LoaderObject* l, const format::Entry& ext, const format::Payload& ext_bytes, const ElfDeps& deps) {
    FinderObject* f = l->finder;
    State* st = state_of(f);
    BlobContext& ctx = *f->ctx;
    auto fail = [&](const format::Error& e) {
        raise_blob_error(st, ctx.path + ": cannot extract extension module '" + std::string(ext.key) + "': " + e.message,
                         l->name, f->path);
        return std::string();
    };
    if (ctx.cache_dir.empty()) {
        format::Result<std::string> base = format::Error{format::ErrorCode::Io, ""};
        std::string name = hex16(ctx.blob.header().payload_checksum) + hex16(ctx.blob.header().index_checksum);
        format::Result<void> made;
        Py_BEGIN_ALLOW_THREADS
        base = private_cache_base();
        if (base) made = make_private_dirs(*base, "ext/" + name);
        Py_END_ALLOW_THREADS
        if (!base) return fail(base.error());
        if (!made) return fail(made.error());
        ctx.cache_dir = *base + "/ext/" + name;
    }
    const PathIndex* idx = ctx.path_index(st);
    if (idx == nullptr) return std::string();
    auto target = [&](const format::Entry& e) { return ctx.cache_dir + "/r" + std::to_string(e.root) + "/" + std::string(e.path); };
    auto write = [&](const format::Entry& e, const format::Payload& bytes) -> bool {
        std::string rel_dir = "r" + std::to_string(e.root) + "/" + std::string(parent_dir(e.path));
        format::Result<void> r;
        std::string path = target(e);
        Py_BEGIN_ALLOW_THREADS
        r = make_private_dirs(ctx.cache_dir, rel_dir);
        if (r) r = materialize(path, bytes.bytes(), 0700);
        Py_END_ALLOW_THREADS
        if (!r) {
            fail(r.error());
            return false;
        }
        return true;
    };
    if (!write(ext, ext_bytes)) return std::string();
    // Breadth-first over $ORIGIN directories: neighbours may have their own.
    std::set<std::pair<uint16_t, std::string>> seen_dirs;
    std::vector<std::pair<uint16_t, std::string>> todo;
    for (auto& d : origin_dirs(deps, ext.path)) todo.emplace_back(ext.root, d);
    while (!todo.empty()) {
        auto dir = todo.back();
        todo.pop_back();
        if (!seen_dirs.insert(dir).second) continue;
        for (uint32_t idx_entry : idx->files_in(dir.second, dir.first)) {
            auto e = ctx.blob.entry(idx_entry);
            if (!e) return fail(e.error());
            if (e->index == ext.index || !looks_like_shared_object(e->path)) continue;
            format::Payload p;
            if (!read_payload(f, *e, l->name, p)) return std::string();
            if (!write(*e, p)) return std::string();
            if (auto sub = read_elf_deps(p.bytes()))
                for (auto& d : origin_dirs(*sub, e->path)) todo.emplace_back(e->root, d);
        }
    }
    return target(ext);
}

}  // namespace

PyObject* create_extension(LoaderObject* l, PyObject* spec, const ModuleChoice& c) {
    FinderObject* f = l->finder;
    BlobContext& ctx = *f->ctx;
    const format::Entry& ext = *c.extension;
    std::string key(ext.key);

    // Loaded before (re-import, reload): the same file, so CPython's
    // extension cache answers instead of running the init function again.
    if (auto it = ctx.ext_paths.find(key); it != ctx.ext_paths.end()) return load_from(l, spec, it->second);
    preload_libraries(f, key);

    if (ctx.origin == format::OriginMode::Original && ext.root < ctx.info.roots.size()) {
        // The file where it was frozen; only when dlopen() refuses it is it
        // worth a stat() to tell a missing file (load it from the blob) from
        // one that does not load (its error stands).
        std::string disk = ctx.location(ext.root, ext.path);
        PyObject* mod = load_from(l, spec, disk);
        if (mod != nullptr) {
            ctx.ext_paths.emplace(key, disk);
            return mod;
        }
        if (!is_dlopen_failure(disk)) return nullptr;
        struct stat sb;
        int rc;
        Py_BEGIN_ALLOW_THREADS
        rc = ::stat(disk.c_str(), &sb);
        Py_END_ALLOW_THREADS
        if (rc == 0) return nullptr;
        PyErr_Clear();
    }

    format::Payload bytes;
    if (!read_payload(f, ext, l->name, bytes)) return nullptr;
    format::Result<ElfDeps> deps = ElfDeps{};
    Py_BEGIN_ALLOW_THREADS
    deps = read_elf_deps(bytes.bytes());
    Py_END_ALLOW_THREADS
    if (!deps) {
        raise_blob_error(state_of(f), ctx.path + ": extension module '" + key + "' (" + std::string(ext.path) +
                                          "): " + deps.error().message,
                         l->name, f->path);
        return nullptr;
    }

    if (!needs_neighbours(*deps)) {
        format::Result<int> fd = format::Error{format::ErrorCode::Io, ""};
        std::string name = "oxpack:" + key;
        // Only what dlopen() maps: section headers, symbol tables and debug
        // sections (most of a -g build's file) would be copied for nothing.
        auto image = bytes.bytes();
        image = image.first(static_cast<size_t>(std::min<uint64_t>(deps->loaded_size, image.size())));
        Py_BEGIN_ALLOW_THREADS
        fd = memory_file(name, image);
        Py_END_ALLOW_THREADS
        if (fd) {
            std::string file = "/proc/self/fd/" + std::to_string(*fd);
            PyObject* mod = load_from(l, spec, file);
            if (mod != nullptr) {
                ctx.memfds.push_back(*fd);
                ctx.ext_paths.emplace(key, file);
                return mod;
            }
            if (!is_dlopen_failure(file)) {
                ctx.memfds.push_back(*fd);  // the library may be loaded: keep its name taken
                return nullptr;
            }
            PyErr_Clear();
            ::close(*fd);  // dlopen refused it (noexec memfd, no /proc): extract instead
        }
    }
    std::string file = extract(l, ext, bytes, *deps);
    if (file.empty()) return nullptr;
    PyObject* mod = load_from(l, spec, file);
    if (mod != nullptr) ctx.ext_paths.emplace(key, file);
    return mod;
}

}  // namespace oxpack::runtime
