// The virtual file layer's routing and life cycle: mounts per installed
// blob, the hooks put in place on the first mount and taken away after the
// last, resolving a path argument to a node, and materialize(). The hooks
// themselves are vfs_ops.cpp; scandir's types vfs_scandir.cpp.
#include "runtime/python/vfs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fnmatch.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>
#include <unordered_set>

#include "runtime/core/file_cache.hpp"
#include "runtime/core/mount_table.hpp"
#include "runtime/python/compat.hpp"
#include "runtime/python/payload.hpp"
#include "runtime/python/vfs_ops.hpp"

namespace oxpack::runtime {

class Vfs {
public:
    MountTable mounts;
    // Paths under a fall-through mount that this process opened for writing:
    // from then on they are the disk's (the blob's copy, or its "no such
    // file", no longer says what is there).
    std::unordered_set<std::string> written;
};

namespace {

using py::Ref;

Vfs* vfs_of(State* st) {
    if (st->vfs == nullptr) st->vfs = new Vfs();
    return st->vfs;
}

bool absent_on_disk(const std::string& p) {
    struct stat st;
    return ::lstat(p.c_str(), &st) != 0 && errno == ENOENT;
}

std::string working_dir() {
    char buf[PATH_MAX];
    return ::getcwd(buf, sizeof buf) != nullptr ? std::string(buf) : std::string();
}

// The real path of `p` when it differs from `p` (a symlinked directory on
// the way): both forms are mounted, since os.path.realpath gives the second.
// On Linux two calls (an O_PATH open, the readlink of its /proc/self/fd
// entry) instead of realpath(3)'s readlink of every component, which on a
// slow filesystem is a round trip each; realpath(3) where /proc is missing
// and on other systems.
std::string real_path_if_other(const std::string& p) {
    std::string out;
    bool try_realpath = true;
#if defined(__linux__)
    int fd = ::open(p.c_str(), O_PATH | O_CLOEXEC);
    try_realpath = fd >= 0;  // no such path: realpath(3) would fail too
    if (fd >= 0) {
        char link[40], buf[PATH_MAX];
        std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = ::readlink(link, buf, sizeof buf);
        ::close(fd);
        if (n > 0 && n < static_cast<ssize_t>(sizeof buf) && buf[0] == '/') {
            out.assign(buf, static_cast<size_t>(n));
            try_realpath = false;
        }
    }
#endif
    if (try_realpath) {
        char* r = ::realpath(p.c_str(), nullptr);
        if (r == nullptr) return std::string();
        out = r;
        std::free(r);
    }
    return out == p ? std::string() : out;
}

// --- the hooks in place ------------------------------------------------------

// Where each hook goes: a module attribute that holds the original function,
// and the attributes earlier-imported modules copied it to.
struct HookSite {
    const char* module;
    const char* attribute;
    VfsOp op;
    bool required;  // the module is always imported (os, io, builtins)
};

constexpr HookSite kSites[] = {
    {"os", "stat", VfsOp::Stat, true},
    {"os", "lstat", VfsOp::Lstat, true},
    {"os", "access", VfsOp::Access, true},
    {"os", "listdir", VfsOp::Listdir, true},
    {"os", "scandir", VfsOp::Scandir, true},
    {"os", "open", VfsOp::OsOpen, true},
    {"os", "listxattr", VfsOp::Listxattr, true},  // shutil.copystat
    {"os", "getxattr", VfsOp::Getxattr, true},
    {"builtins", "open", VfsOp::Open, true},
    {"io", "open", VfsOp::Open, true},
    {"io", "open_code", VfsOp::OpenCode, true},
    // Copies made at import time by modules that may be imported already.
    {"tokenize", "_builtin_open", VfsOp::Open, false},
    {"tarfile", "bltn_open", VfsOp::Open, false},
};

// pathlib before 3.11 calls the os functions through the class attributes of
// _NormalAccessor, bound when pathlib was imported.
constexpr const char* kPathlibAccessor[] = {"stat", "lstat", "listdir", "scandir", "open"};

// Replaces target.name (currently `current`) with `hook`, recording how to
// put it back in st->vfs_patches.
bool patch(State* st, PyObject* target, const char* name, PyObject* current, PyObject* hook) {
    Ref n(PyUnicode_InternFromString(name));
    if (!n) return false;
    Ref rec(PyTuple_Pack(4, target, n.get(), current, hook));
    if (!rec || PyList_Append(st->vfs_patches, rec.get()) < 0) return false;
    return PyObject_SetAttr(target, n.get(), hook) == 0;
}

bool activate(PyObject* module) {
    State* st = state_of(module);
    if (PyList_GET_SIZE(st->vfs_patches) != 0) return true;  // already in place
    PyObject* modules = PySys_GetObject("modules");        // borrowed
    if (modules == nullptr) return true;
    // One hook per original function object: `io.open is builtins.open`
    // stays true.
    std::unordered_map<PyObject*, Ref> hooks;
    std::unordered_map<PyObject*, VfsOp> ops;
    for (const HookSite& s : kSites) {
        if (!s.required) continue;
        Ref mod(PyImport_ImportModule(s.module));
        if (!mod) return false;
        Ref current(PyObject_GetAttrString(mod.get(), s.attribute));
        if (!current) {
            PyErr_Clear();
            continue;
        }
        if (!hooks.count(current.get())) {
            Ref h(make_vfs_hook(module, current.get(), s.op));
            if (!h) return false;
            hooks.emplace(current.get(), std::move(h));
            ops.emplace(current.get(), s.op);
        }
        if (!patch(st, mod.get(), s.attribute, current.get(), hooks[current.get()].get())) return false;
    }
    // Earlier copies: patched only where they still hold an original.
    auto patch_copy = [&](PyObject* target, const char* attr) -> bool {
        Ref current(PyObject_GetAttrString(target, attr));
        if (!current) {
            PyErr_Clear();
            return true;
        }
        auto it = hooks.find(current.get());
        return it == hooks.end() || patch(st, target, attr, current.get(), it->second.get());
    };
    for (const HookSite& s : kSites) {
        if (s.required) continue;
        PyObject* mod = PyDict_GetItemString(modules, s.module);  // borrowed; not imported: nothing to do
        if (mod != nullptr && !patch_copy(mod, s.attribute)) return false;
    }
    if (PyObject* pathlib = PyDict_GetItemString(modules, "pathlib")) {
        Ref accessor(PyObject_GetAttrString(pathlib, "_NormalAccessor"));
        if (!accessor) PyErr_Clear();
        else
            for (const char* attr : kPathlibAccessor)
                if (!patch_copy(accessor.get(), attr)) return false;
    }
    return true;
}

// Puts every original back where the attribute still holds our hook.
void deactivate(State* st) {
    PyObject* patches = st->vfs_patches;
    if (patches == nullptr) return;
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    for (Py_ssize_t i = PyList_GET_SIZE(patches) - 1; i >= 0; --i) {
        PyObject* rec = PyList_GET_ITEM(patches, i);
        PyObject* target = PyTuple_GET_ITEM(rec, 0);
        PyObject* name = PyTuple_GET_ITEM(rec, 1);
        Ref now(PyObject_GetAttr(target, name));
        if (now && now.get() == PyTuple_GET_ITEM(rec, 3)) {
            if (PyObject_SetAttr(target, name, PyTuple_GET_ITEM(rec, 2)) < 0) PyErr_Clear();
        } else {
            PyErr_Clear();  // someone replaced our hook since: theirs stays
        }
    }
    PyList_SetSlice(patches, 0, PyList_GET_SIZE(patches), nullptr);
    PyErr_Restore(type, value, tb);
}

// The cache directory of this blob's materialized files
// ("files/<header checksum>"), created on first use; files are written
// through "files/.tmp", so the tree itself only ever holds whole files.
format::Result<std::string> blob_cache_dir(BlobContext& ctx) {
    auto base = private_cache_base();
    if (!base) return base.error();
    std::string rel = "files/" + hex16(ctx.blob.header().header_checksum);
    if (auto r = make_private_dirs(*base, rel); !r) return r.error();
    if (auto r = make_private_dirs(*base, "files/.tmp"); !r) return r.error();
    return *base + "/" + rel;
}

// Writes the file `rel` (entry `entry`) of the blob under `dir`; false with
// BlobError set.
bool write_cached(FinderObject* f, const std::string& dir, const std::string& rel, uint32_t entry) {
    State* st = state_of(f);
    auto e = f->ctx->blob.entry(entry);
    if (!e) {
        raise_format_error(st, e.error(), Py_None, f->path);
        return false;
    }
    format::Payload p;
    if (!read_payload(f, *e, Py_None, p)) return false;
    size_t slash = rel.rfind('/');
    if (slash != std::string::npos) {
        if (auto r = make_private_dirs(dir, rel.substr(0, slash)); !r) {
            raise_format_error(st, r.error(), Py_None, f->path);
            return false;
        }
    }
    format::Result<void> r;
    Py_BEGIN_ALLOW_THREADS
    r = materialize(dir + "/" + rel, p.bytes(), 0644, dir.substr(0, dir.rfind('/')) + "/.tmp");
    Py_END_ALLOW_THREADS
    if (!r) {
        raise_format_error(st, r.error(), Py_None, f->path);
        return false;
    }
    return true;
}

// Writes every file below `rel` (a directory, or one file) under `dir`,
// unless a marker says an earlier process (or call) did: the tree of a
// blob's materialized files never changes, its name holds the blob's header
// checksum. false with the exception set.
bool write_tree(FinderObject* f, const std::string& dir, const std::string& rel, const std::string& marker_name) {
    State* st = state_of(f);
    std::string marker = dir + "/.oxpack-complete/" + marker_name;
    if (::access(marker.c_str(), F_OK) == 0) return true;
    const PathIndex* idx = f->ctx->path_index(st);
    if (idx == nullptr) return false;
    if (auto e = idx->find_file(rel)) {
        if (!write_cached(f, dir, rel, *e)) return false;
    } else {
        for (const auto& [path, entry] : idx->files_below(rel))
            if (!write_cached(f, dir, path, entry)) return false;
    }
    if (auto made = make_private_dirs(dir, ".oxpack-complete"); !made) {
        raise_format_error(st, made.error(), Py_None, f->path);
        return false;
    }
    if (auto r = materialize(marker, {}, 0644, dir.substr(0, dir.rfind('/')) + "/.tmp"); !r) {
        raise_format_error(st, r.error(), Py_None, f->path);
        return false;
    }
    return true;
}

}  // namespace

bool vfs_materialize_top_level(FinderObject* f, std::string_view key) {
    BlobContext& ctx = *f->ctx;
    if (ctx.origin != format::OriginMode::Blob || ctx.info.materialize.empty()) return true;
    std::string_view top = key.substr(0, key.find('.'));
    if (ctx.materialized.find(top) != ctx.materialized.end()) return true;
    std::string name(top);
    bool wanted = false;
    for (const auto& g : ctx.info.materialize) wanted = wanted || ::fnmatch(g.c_str(), name.c_str(), 0) == 0;
    std::string dir;
    if (wanted) {
        auto choice = resolve_module(ctx.blob, name, ctx.optimize);
        if (!choice) {
            raise_format_error(state_of(f), choice.error(), Py_None, f->path);
            return false;
        }
        const format::Entry* oe = *choice ? (*choice)->origin_entry() : nullptr;
        if (oe != nullptr) {
            auto base = blob_cache_dir(ctx);
            if (!base) {
                raise_format_error(state_of(f), base.error(), Py_None, f->path);
                return false;
            }
            std::string rel((*choice)->package ? module_dir(oe->path) : oe->path);
            if (!write_tree(f, *base, rel, name)) return false;
            dir = *base;
        }
    }
    ctx.materialized.emplace(std::move(name), std::move(dir));
    return true;
}

bool vfs_mount(PyObject* module, FinderObject* finder) {
    State* st = state_of(module);
    BlobContext& ctx = *finder->ctx;
    if (!ctx.serves_files()) return true;
    Vfs* vfs = vfs_of(st);
    auto add = [&](const std::string& prefix, uint32_t root, bool is_dir, bool fallthrough, bool absent = false) {
        vfs->mounts.add({prefix, finder, root, is_dir, fallthrough, absent});
        std::string real = absent ? std::string() : real_path_if_other(prefix);
        if (!real.empty()) vfs->mounts.add({real, finder, root, is_dir, fallthrough, absent});
    };
    if (ctx.origin == format::OriginMode::Blob) add(ctx.path, PathIndex::kAnyRoot, false, false);
    for (uint32_t i = 0; ctx.files == BlobContext::Files::Blob && i < ctx.info.roots.size(); ++i) {
        if (ctx.unchanged_directory_root(i)) add(ctx.info.roots[i].path, i, true, true);
    }
    // What the freeze found absent and is absent still (one lstat each, here
    // rather than one per probe later): "no such file", at and below it.
    for (const std::string& a : ctx.info.absent)
        if (!a.empty() && a[0] == '/' && absent_on_disk(a)) add(a, 0, true, true, true);
    if (!vfs_prepare_finder(module, finder)) return false;
    return activate(module);
}

void vfs_unmount(State* st, FinderObject* finder) {
    if (st == nullptr || st->vfs == nullptr) return;
    st->vfs->mounts.remove_owner(finder);
    if (st->vfs->mounts.empty()) deactivate(st);
}

void vfs_note_written(State* st, const VfsNode& node) {
    if (st->vfs != nullptr && node.fallthrough) st->vfs->written.insert(node.where);
}

void vfs_free(State* st) {
    // Only at teardown: while the hooks sit in os, io and builtins they keep
    // this module alive, so its state is cleared only when those modules go
    // too (interpreter or sub-interpreter shutdown). Nothing is restored
    // then: the modules holding the hooks may be half torn down already.
    // A hook left behind finds no Vfs and calls its original.
    delete st->vfs;
    st->vfs = nullptr;
}

// vfs_resolve() for a path inside mount `hit` of finder `f`'s blob.
static int resolve_in_blob(State* st, Vfs* vfs, FinderObject* f, const MountHit& hit_ref, VfsNode& node) {
    const MountHit* hit = &hit_ref;
    node.finder = f;
    node.root = hit->mount->root;
    node.fallthrough = hit->mount->fallthrough;
    node.rel = hit->rel;
    if (node.fallthrough) {
        node.where = hit->mount->prefix;
        if (!node.rel.empty()) node.where += "/" + node.rel;
        if (vfs->written.count(node.where)) return 0;
    }
    if (hit->mount->absent) {  // absent when frozen and at install: nothing here or below
        node.kind = VfsNode::Missing;
        return 1;
    }
    const PathIndex* idx = f->ctx->path_index(st);
    if (idx == nullptr) return -1;
    if (auto e = idx->find_file(node.rel, node.root); e && !hit->trailing_slash) {
        node.kind = VfsNode::File;
        node.entry = *e;
    } else if (idx->is_dir(node.rel, node.root)) {
        node.kind = VfsNode::Directory;
    } else if (hit->trailing_slash && idx->find_file(node.rel, node.root)) {
        node.kind = VfsNode::NotADirectory;  // "file/": only a directory matches
    } else {
        node.kind = VfsNode::Missing;
        // "file/below": the kernel says ENOTDIR for a path through a file.
        for (size_t slash = node.rel.rfind('/'); slash != std::string::npos; slash = node.rel.rfind('/', slash - 1)) {
            if (idx->find_file(std::string_view(node.rel).substr(0, slash), node.root)) {
                node.kind = VfsNode::NotADirectory;
                break;
            }
            if (slash == 0) break;
        }
        // Under a frozen root, a directory the blob holds is the snapshot the
        // freeze took: a name it lacks is not there (botocore probes
        // "service-2.json" before "service-2.json.gz"; no disk call for
        // that), except in __pycache__, whose stale bytecode the freeze
        // leaves out. A directory the blob does not hold is the disk's.
        if (node.fallthrough && node.kind == VfsNode::Missing) {
            size_t slash = node.rel.rfind('/');
            std::string_view parent = std::string_view(node.rel).substr(0, slash == std::string::npos ? 0 : slash);
            bool snapshot = idx->is_dir(parent, node.root) && node.rel.find("__pycache__") == std::string::npos;
            if (!snapshot) return 0;
        }
    }
    return 1;
}


int vfs_resolve(State* st, PyObject* path_arg, VfsNode& node) {
    Vfs* vfs = st->vfs;
    if (vfs == nullptr || vfs->mounts.empty()) return 0;
    std::string_view path;
    Ref holder;  // keeps an fspath()/encoded result alive while `path` points into it
    if (PyUnicode_Check(path_arg)) {
        Py_ssize_t n = 0;
        const char* p = PyUnicode_AsUTF8AndSize(path_arg, &n);  // no copy for ASCII str
        if (p == nullptr) {
            PyErr_Clear();  // lone surrogates: the file-system encoding decides
            holder = Ref(PyUnicode_EncodeFSDefault(path_arg));
            if (!holder) return -1;
            path = std::string_view(PyBytes_AS_STRING(holder.get()), static_cast<size_t>(PyBytes_GET_SIZE(holder.get())));
        } else {
            path = std::string_view(p, static_cast<size_t>(n));
        }
    } else if (PyBytes_Check(path_arg)) {
        path = std::string_view(PyBytes_AS_STRING(path_arg), static_cast<size_t>(PyBytes_GET_SIZE(path_arg)));
    } else if (PyLong_Check(path_arg) || path_arg == Py_None) {
        return 0;  // a descriptor, or the working directory
    } else {
        holder = Ref(PyOS_FSPath(path_arg));
        if (!holder) {
            PyErr_Clear();  // not a path: the original function reports it
            return 0;
        }
        return vfs_resolve(st, holder.get(), node);
    }
    auto hit = vfs->mounts.find(path, working_dir);
    if (!hit) return 0;
    auto* f = static_cast<FinderObject*>(const_cast<void*>(hit->mount->owner));
    if (!blob_intact(st, *f->ctx, f->path)) return -1;
    // The answer stands only if the blob stayed intact while it was read: a
    // page lost to a truncation reads as zeros (building the path index, or
    // a name compared in it) and would make a file of the blob "missing"
    // and send the call to the disk. So the check is made again after.
    const int r = resolve_in_blob(st, vfs, f, *hit, node);
    if (r >= 0 && !blob_intact(st, *f->ctx, f->path)) return -1;
    return r;
}

PyObject* vfs_materialize(PyObject* module, PyObject* what) {
    State* st = state_of(module);
    VfsNode node;
    int r = vfs_resolve(st, what, node);
    if (r < 0) return nullptr;
    if (r == 0 && PyUnicode_Check(what)) {
        // A module or package name: its file or directory in blob mode.
        PyObject* installed = st->installed;
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(installed) && r == 0; ++i) {
            auto* f = reinterpret_cast<FinderObject*>(PyList_GET_ITEM(installed, i));
            std::string_view name;
            if (!py::utf8(what, name, "name")) return nullptr;
            auto choice = resolve_module(f->ctx->blob, name, f->ctx->optimize);
            if (!choice || !*choice || (*choice)->origin_entry() == nullptr) continue;
            const format::Entry* oe = (*choice)->origin_entry();
            std::string_view target = (*choice)->package ? module_dir(oe->path) : oe->path;
            Ref p = py::str(f->ctx->path + "/" + std::string(target));
            if (!p) return nullptr;
            r = vfs_resolve(st, p.get(), node);
            if (r < 0) return nullptr;
        }
    }
    if (r == 0 || node.kind == VfsNode::Missing) {
        PyErr_Format(PyExc_ValueError, "materialize(): %R is not a file, directory or module inside an installed blob",
                     what);
        return nullptr;
    }
    BlobContext& ctx = *node.finder->ctx;
    auto dir = blob_cache_dir(ctx);
    if (!dir) {
        raise_format_error(st, dir.error(), Py_None, node.finder->path);
        return nullptr;
    }
    const PathIndex* idx = ctx.path_index(st);
    if (idx == nullptr) return nullptr;
    if (node.kind == VfsNode::File) {
        if (!write_cached(node.finder, *dir, node.rel, node.entry)) return nullptr;
    } else {
        for (const auto& [rel, entry] : idx->files_below(node.rel, node.root))
            if (!write_cached(node.finder, *dir, rel, entry)) return nullptr;
        if (auto made = make_private_dirs(*dir, node.rel); !made) {
            raise_format_error(st, made.error(), Py_None, node.finder->path);
            return nullptr;
        }
    }
    return py::str(node.rel.empty() ? *dir : *dir + "/" + node.rel).release();
}

}  // namespace oxpack::runtime
