// os.scandir() for directories inside a blob: an iterator (a context
// manager with close(), as os.scandir's) of entries that answer like
// os.DirEntry: name, path, is_dir(), is_file(), is_symlink(), is_junction(),
// stat(), inode(), __fspath__(). isinstance(entry, os.DirEntry) is false:
// os.DirEntry cannot be created from outside the os module.
#include "runtime/python/heap_type.hpp"
#include "runtime/python/vfs_ops.hpp"

namespace oxpack::runtime {
namespace {

using py::Ref;

struct DirEntryObject {
    PyObject_HEAD
    PyObject* name;         // str or bytes, as the scandir() argument
    PyObject* path;         // the argument joined with name
    FinderObject* finder;   // the blob
    PyObject* rel;          // str: the entry's path inside the mount
    uint32_t root;          // the mount's root filter
    uint32_t entry;         // the file's entry (files only)
    bool is_dir;
};

struct ScandirObject {
    PyObject_HEAD
    PyObject* entries;      // list of DirEntryObject, or nullptr once closed
    Py_ssize_t next;
};

DirEntryObject* as_entry(PyObject* o) { return reinterpret_cast<DirEntryObject*>(o); }
ScandirObject* as_scandir(PyObject* o) { return reinterpret_cast<ScandirObject*>(o); }

VfsNode node_of(DirEntryObject* d) {
    VfsNode n;
    n.finder = d->finder;
    Py_ssize_t len = 0;
    const char* p = PyUnicode_AsUTF8AndSize(d->rel, &len);
    n.rel.assign(p ? p : "", p ? static_cast<size_t>(len) : 0);
    n.root = d->root;
    n.kind = d->is_dir ? VfsNode::Directory : VfsNode::File;
    n.entry = d->entry;
    return n;
}

// --- DirEntry ------------------------------------------------------------------

// The keyword-only follow_symlinks every DirEntry method accepts (no link
// exists inside a blob: it changes nothing).
bool only_follow_symlinks(const char* fn, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    PyObject* a[1] = {Py_True};
    if (nargs != 0) {
        PyErr_Format(PyExc_TypeError, "%s() takes no positional arguments", fn);
        return false;
    }
    return py::parse_args(fn, args, 0, kwnames, {"follow_symlinks"}, 0, a);
}

PyObject* entry_is_dir(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    if (!only_follow_symlinks("is_dir", args, nargs, kwnames)) return nullptr;
    return PyBool_FromLong(as_entry(self)->is_dir);
}

PyObject* entry_is_file(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    if (!only_follow_symlinks("is_file", args, nargs, kwnames)) return nullptr;
    return PyBool_FromLong(!as_entry(self)->is_dir);
}

PyObject* entry_no(PyObject*, PyObject*) { Py_RETURN_FALSE; }

PyObject* entry_stat(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    if (!only_follow_symlinks("stat", args, nargs, kwnames)) return nullptr;
    DirEntryObject* d = as_entry(self);
    return vfs_stat_result(state_of(d->finder), node_of(d));
}

PyObject* entry_inode(PyObject* self, PyObject*) {
    DirEntryObject* d = as_entry(self);
    Ref st(vfs_stat_result(state_of(d->finder), node_of(d)));
    if (!st) return nullptr;
    return PyObject_GetAttrString(st.get(), "st_ino");
}

PyObject* entry_fspath(PyObject* self, PyObject*) { return py::new_ref(as_entry(self)->path); }

PyObject* entry_repr(PyObject* self) { return PyUnicode_FromFormat("<DirEntry %R>", as_entry(self)->name); }

PyMethodDef entry_methods[] = {
    {"is_dir", heap::fastcall(entry_is_dir), METH_FASTCALL | METH_KEYWORDS, "True for a directory"},
    {"is_file", heap::fastcall(entry_is_file), METH_FASTCALL | METH_KEYWORDS, "True for a file"},
    {"is_symlink", entry_no, METH_NOARGS, "Always False: a blob holds no symlinks"},
    {"is_junction", entry_no, METH_NOARGS, "Always False"},
    {"stat", heap::fastcall(entry_stat), METH_FASTCALL | METH_KEYWORDS, "The entry's os.stat_result"},
    {"inode", entry_inode, METH_NOARGS, "The entry's inode number, as stat() gives it"},
    {"__fspath__", entry_fspath, METH_NOARGS, "The entry's path"},
    {nullptr, nullptr, 0, nullptr},
};

PyObject* entry_get_name(PyObject* self, void*) { return py::new_ref(as_entry(self)->name); }
PyObject* entry_get_path(PyObject* self, void*) { return py::new_ref(as_entry(self)->path); }

PyGetSetDef entry_getset[] = {
    {"name", entry_get_name, nullptr, "The entry's file name", nullptr},
    {"path", entry_get_path, nullptr, "The scandir() path joined with the name", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

int entry_traverse(PyObject* self, visitproc visit, void* arg) {
    return heap::traverse<DirEntryObject, &DirEntryObject::finder>(self, visit, arg);
}

int entry_clear(PyObject* self) {
    heap::clear_members<DirEntryObject, &DirEntryObject::finder>(as_entry(self));
    return 0;
}

void entry_release(DirEntryObject* d) {
    heap::clear_members<DirEntryObject, &DirEntryObject::finder, &DirEntryObject::name, &DirEntryObject::path,
                        &DirEntryObject::rel>(d);
}

constexpr char kEntryNew[] = "DirEntry objects are made by os.scandir()";

PyType_Slot entry_slots[] = {
    {Py_tp_doc, const_cast<char*>("An entry of os.scandir() inside a blob (answers like os.DirEntry).")},
    {Py_tp_methods, entry_methods},
    {Py_tp_getset, entry_getset},
    {Py_tp_repr, reinterpret_cast<void*>(entry_repr)},
    {Py_tp_traverse, reinterpret_cast<void*>(entry_traverse)},
    {Py_tp_clear, reinterpret_cast<void*>(entry_clear)},
    {Py_tp_dealloc, reinterpret_cast<void*>(heap::dealloc<DirEntryObject, entry_release>)},
    {Py_tp_new, reinterpret_cast<void*>(heap::refuse_new<kEntryNew>)},
    {0, nullptr},
};

// --- the iterator ----------------------------------------------------------------

PyObject* scandir_next(PyObject* self) {
    ScandirObject* s = as_scandir(self);
    if (s->entries == nullptr || s->next >= PyList_GET_SIZE(s->entries)) return nullptr;  // StopIteration
    return py::new_ref(PyList_GET_ITEM(s->entries, s->next++));
}

PyObject* scandir_close(PyObject* self, PyObject*) {
    Py_CLEAR(as_scandir(self)->entries);
    return py::none();
}

PyObject* scandir_enter(PyObject* self, PyObject*) { return py::new_ref(self); }

PyObject* scandir_exit(PyObject* self, PyObject* const*, Py_ssize_t) { return scandir_close(self, nullptr); }

PyMethodDef scandir_methods[] = {
    {"close", scandir_close, METH_NOARGS, "Stop the iteration"},
    {"__enter__", scandir_enter, METH_NOARGS, nullptr},
    {"__exit__", heap::fastcall(scandir_exit), METH_FASTCALL, nullptr},
    {nullptr, nullptr, 0, nullptr},
};

int scandir_traverse(PyObject* self, visitproc visit, void* arg) {
    return heap::traverse<ScandirObject, &ScandirObject::entries>(self, visit, arg);
}

int scandir_clear(PyObject* self) {
    heap::clear_members<ScandirObject, &ScandirObject::entries>(as_scandir(self));
    return 0;
}

void scandir_release(ScandirObject* s) { heap::clear_members<ScandirObject, &ScandirObject::entries>(s); }

constexpr char kScandirNew[] = "use os.scandir()";

PyType_Slot scandir_slots[] = {
    {Py_tp_doc, const_cast<char*>("os.scandir() iterator over a directory inside a blob.")},
    {Py_tp_methods, scandir_methods},
    {Py_tp_iter, reinterpret_cast<void*>(PyObject_SelfIter)},
    {Py_tp_iternext, reinterpret_cast<void*>(scandir_next)},
    {Py_tp_traverse, reinterpret_cast<void*>(scandir_traverse)},
    {Py_tp_clear, reinterpret_cast<void*>(scandir_clear)},
    {Py_tp_dealloc, reinterpret_cast<void*>(heap::dealloc<ScandirObject, scandir_release>)},
    {Py_tp_new, reinterpret_cast<void*>(heap::refuse_new<kScandirNew>)},
    {0, nullptr},
};

}  // namespace

PyType_Spec vfs_dir_entry_spec = {"oxpack_runtime.DirEntry", sizeof(DirEntryObject), 0,
                                  Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC, entry_slots};
PyType_Spec vfs_scandir_iterator_spec = {"oxpack_runtime.ScandirIterator", sizeof(ScandirObject), 0,
                                         Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC, scandir_slots};

PyObject* vfs_scandir(PyObject* module, const VfsNode& node, PyObject* path) {
    State* st = state_of(module);
    const PathIndex* idx = node.finder->ctx->path_index(st);
    if (idx == nullptr) return nullptr;
    auto kids = idx->list_dir(node.rel, node.root);
    if (!kids) return raise_errno(ENOENT, path);
    Ref base(PyOS_FSPath(path));
    if (!base) return nullptr;
    const bool as_bytes = PyBytes_Check(base.get());
    std::string prefix = as_bytes ? std::string(PyBytes_AS_STRING(base.get()), PyBytes_GET_SIZE(base.get()))
                                  : std::string(PyUnicode_AsUTF8(base.get()));
    if (!prefix.empty() && prefix.back() != '/') prefix += '/';
    Ref entries(PyList_New(0));
    if (!entries) return nullptr;
    for (const auto& k : *kids) {
        std::string rel = node.rel.empty() ? k.name : node.rel + "/" + k.name;
        std::string full = prefix + k.name;
        auto text = [&](const std::string& s) -> PyObject* {
            return as_bytes ? PyBytes_FromStringAndSize(s.data(), static_cast<Py_ssize_t>(s.size()))
                            : py::str(s).release();
        };
        Ref name(text(k.name)), p(text(full)), r(py::str(rel).release());
        if (!name || !p || !r) return nullptr;
        uint32_t entry = 0;
        if (!k.is_dir) {
            auto e = idx->find_file(rel, node.root);
            if (!e) continue;  // listed, but not a file of this root: skip rather than lie
            entry = *e;
        }
        auto* d = PyObject_GC_New(DirEntryObject, st->vfs_dir_entry_type);
        if (d == nullptr) return nullptr;
        d->name = name.release();
        d->path = p.release();
        d->finder = reinterpret_cast<FinderObject*>(py::new_ref(reinterpret_cast<PyObject*>(node.finder)));
        d->rel = r.release();
        d->root = node.root;
        d->entry = entry;
        d->is_dir = k.is_dir;
        PyObject_GC_Track(d);
        Ref obj(reinterpret_cast<PyObject*>(d));
        if (PyList_Append(entries.get(), obj.get()) < 0) return nullptr;
    }
    auto* s = PyObject_GC_New(ScandirObject, st->vfs_scandir_type);
    if (s == nullptr) return nullptr;
    s->entries = entries.release();
    s->next = 0;
    PyObject_GC_Track(s);
    return reinterpret_cast<PyObject*>(s);
}

}  // namespace oxpack::runtime
