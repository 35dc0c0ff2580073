#include "runtime/python/lookup.hpp"

#include "runtime/python/loader.hpp"
#include "runtime/python/spec.hpp"
#include "runtime/python/vfs.hpp"

namespace oxpack::runtime {
namespace {

using py::Ref;

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

void raise_not_found(FinderObject* f, PyObject* key) {
    Ref msg(PyUnicode_FromFormat("no module named %R in %U", key, f->path));
    if (msg) PyErr_SetImportErrorSubclass(PyExc_ModuleNotFoundError, msg.get(), key, f->path);
}

}  // namespace

bool resolve_or_raise(FinderObject* f, PyObject* key, ModuleChoice& out) {
    std::string_view k;
    if (!py::utf8(key, k, "fullname")) return false;
    auto r = resolve_module(f->ctx->blob, k, f->ctx->optimize);
    if (!r) {
        raise_format_error(state_of(f), r.error(), key, f->path);
        return false;
    }
    if (!*r) {
        raise_not_found(f, key);
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
    if (!blob_intact(st, ctx, f->path)) return nullptr;  // what the index said is from the installed blob
    if (!r) {
        raise_format_error(st, r.error(), name, f->path);
        return nullptr;
    }
    if (!*r) return py::none();
    const ModuleChoice& c = **r;

    if (!vfs_materialize_top_level(f, k)) return nullptr;  // freeze --materialize: files on disk
    const format::Entry* oe = c.origin_entry();
    const format::Entry& where = oe ? *oe : c.portions.front();
    // A submodule is served only when it lives in its parent's __path__, as
    // PathFinder would have found it (a package shadowed by another blob or
    // loaded from elsewhere keeps its own submodules).
    if (search_path != nullptr && search_path != Py_None) {
        std::string_view own = oe ? module_dir(where.path) : where.path;  // the package's own directory
        std::string_view pd = c.package ? parent_dir(own) : own;
        std::string dir = pd.empty() ? ctx.prefix(where.root) : ctx.module_location(k, where.root, pd);
        int in = path_contains(search_path, dir);
        if (in < 0) return nullptr;
        if (in == 0) return index_trusted(st, ctx, f->path) ? py::none() : nullptr;
    }

    Ref origin = oe ? py::str(ctx.module_location(k, oe->root, oe->path)) : Ref::borrow(Py_None);
    if (!origin) return nullptr;
    Ref loader(new_loader(f, name, key, origin.get(), c));
    if (!loader) return nullptr;
    Ref locations;
    if (c.package) {
        locations = Ref(PyList_New(0));
        if (!locations) return nullptr;
        auto add = [&](uint16_t root, std::string_view dir) {
            Ref s = py::str(ctx.module_location(k, root, dir));
            if (!s) return false;
            int dup = PySequence_Contains(locations.get(), s.get());  // blob mode: roots share one tree
            return dup == 1 || (dup == 0 && PyList_Append(locations.get(), s.get()) == 0);
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

PyObject* loader_for(FinderObject* f, PyObject* fullname) {
    Ref spec(make_spec(f, fullname, fullname, nullptr));
    if (!spec) return nullptr;
    if (spec.get() == Py_None) {
        raise_not_found(f, fullname);
        return nullptr;
    }
    return PyObject_GetAttr(spec.get(), state_of(f)->s_loader);
}

PyObject* module_children(FinderObject* f, std::string_view package, PyObject* prefix) {
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

}  // namespace oxpack::runtime
