#include "runtime/python/vfs_ops.hpp"  // Python.h first: structmember.h needs it

#include <structmember.h>  // PyMemberDef (os.stat_result's hidden fields)
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <mutex>

#include "runtime/core/file_cache.hpp"
#include "runtime/python/heap_type.hpp"
#include "runtime/python/payload.hpp"

namespace oxpack::runtime {
namespace {

using py::Ref;

// --- arguments -----------------------------------------------------------------

// Argument `pos` (positional) or `name` (keyword); borrowed, nullptr if absent.
PyObject* arg(PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames, Py_ssize_t pos, const char* name) {
    if (pos < nargs) return args[pos];
    if (kwnames == nullptr) return nullptr;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(kwnames); ++i)
        if (PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, i), name) == 0) return args[nargs + i];
    return nullptr;
}

// A dir_fd other than None: the path is relative to that directory, which
// the mounts cannot be (descriptors of virtual directories do not exist).
bool has_dir_fd(PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    PyObject* d = arg(args, nargs, kwnames, PY_SSIZE_T_MAX, "dir_fd");
    return d != nullptr && d != Py_None;
}

struct Hook {
    PyObject* original;
    State* st;
};

Hook hook_of(PyObject* self) {
    return {PyTuple_GET_ITEM(self, 0), state_of(PyTuple_GET_ITEM(self, 1))};
}

PyObject* pass(const Hook& h, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    return compat::vectorcall_kw(h.original, args, static_cast<size_t>(nargs), kwnames);
}

// Resolves the path argument: 1 ours (node set), 0 not ours, -1 error.
int resolve_arg(const Hook& h, PyObject* path, VfsNode& node) {
    if (path == nullptr || h.st == nullptr || h.st->vfs == nullptr) return 0;
    return vfs_resolve(h.st, path, node);
}

// --- errors --------------------------------------------------------------------

PyObject* missing(const VfsNode& node, PyObject* path) {
    return raise_errno(node.kind == VfsNode::NotADirectory ? ENOTDIR : ENOENT, path);
}

// --- files -----------------------------------------------------------------------

// A sealed memory file holding the node's bytes; -1 with the exception set.
int open_memory_file(const VfsNode& node) {
    FinderObject* f = node.finder;
    auto e = f->ctx->blob.entry(node.entry);
    if (!e) {
        raise_format_error(state_of(f), e.error(), Py_None, f->path);
        return -1;
    }
    format::Payload p;
    if (!read_payload(f, *e, Py_None, p)) return -1;
    std::string name = "oxpack:" + node.rel;
    if (name.size() > 240) name.erase(0, name.size() - 240);
    format::Result<int> fd = format::Error{format::ErrorCode::Io, ""};
    Py_BEGIN_ALLOW_THREADS
    fd = memory_file(name, p.bytes());
    Py_END_ALLOW_THREADS
    if (!fd) {
        if (errno == 0) errno = EIO;
        PyErr_SetFromErrno(PyExc_OSError);
        return -1;
    }
    ::lseek(*fd, 0, SEEK_SET);  // filled by write(): read from the start
    ::fchmod(*fd, 0444);
    return *fd;
}

// Modes that only read. Anything that writes is refused with EROFS; a mode
// that is not a mode at all is left to the original open() to reject.
enum class ModeCheck { Read, Write, Invalid };
ModeCheck check_mode(PyObject* mode) {
    if (mode == nullptr) return ModeCheck::Read;
    if (!PyUnicode_Check(mode)) return ModeCheck::Invalid;
    const char* m = PyUnicode_AsUTF8(mode);
    if (m == nullptr) {
        PyErr_Clear();
        return ModeCheck::Invalid;
    }
    bool read = false;
    for (const char* c = m; *c; ++c) {
        switch (*c) {
            case 'w': case 'a': case 'x': case '+': return ModeCheck::Write;
            case 'r': read = true; break;
            case 'b': case 't': case 'U': break;
            default: return ModeCheck::Invalid;
        }
    }
    return read ? ModeCheck::Read : ModeCheck::Invalid;
}

// The FileIO under a file object (TextIOWrapper.buffer.raw, Buffered*.raw).
Ref raw_of(PyObject* file) {
    Ref raw = Ref::borrow(file);
    for (const char* attr : {"buffer", "raw"}) {
        if (!PyObject_HasAttrString(raw.get(), attr)) continue;
        Ref next(PyObject_GetAttrString(raw.get(), attr));
        if (!next) return Ref();
        raw = next;
    }
    return raw;
}

// original_open(fd, *rest) with `name` as the file's name. `rest` are the
// open() arguments after the path, closefd and opener left out.
PyObject* open_fd(PyObject* original_open, int fd, PyObject* name, PyObject* mode, PyObject* kwargs_from,
                  PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    struct stat mine;
    ::fstat(fd, &mine);
    Ref fdobj(PyLong_FromLong(fd));
    Ref pos(PyList_New(0));
    Ref kw(PyDict_New());
    if (!fdobj || !pos || !kw || PyList_Append(pos.get(), fdobj.get()) < 0) {
        ::close(fd);
        return nullptr;
    }
    bool ok = true;
    if (kwargs_from != nullptr) {  // open_code(path): open(fd, 'rb')
        ok = PyList_Append(pos.get(), mode) == 0;
    } else {
        for (Py_ssize_t i = 1; i < nargs && i < 6 && ok; ++i) ok = PyList_Append(pos.get(), args[i]) == 0;
        for (Py_ssize_t i = 0; kwnames && i < PyTuple_GET_SIZE(kwnames) && ok; ++i) {
            PyObject* k = PyTuple_GET_ITEM(kwnames, i);
            if (PyUnicode_CompareWithASCIIString(k, "file") == 0 || PyUnicode_CompareWithASCIIString(k, "closefd") == 0 ||
                PyUnicode_CompareWithASCIIString(k, "opener") == 0)
                continue;
            ok = PyDict_SetItem(kw.get(), k, args[nargs + i]) == 0;
        }
    }
    Ref tuple(ok ? PyList_AsTuple(pos.get()) : nullptr);
    Ref file(tuple ? PyObject_Call(original_open, tuple.get(), kw.get()) : nullptr);
    if (!file) {
        // open() may have closed the descriptor (after wrapping it) or not
        // (arguments refused first): close it only if it is still ours.
        struct stat now;
        if (::fstat(fd, &now) == 0 && now.st_ino == mine.st_ino && now.st_dev == mine.st_dev) ::close(fd);
        return nullptr;
    }
    Ref raw = raw_of(file.get());
    if (!raw || PyObject_SetAttrString(raw.get(), "name", name) < 0) return nullptr;
    return file.release();
}

// --- the hooks ---------------------------------------------------------------------

PyObject* hook_stat(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    Hook h = hook_of(self);
    PyObject* path = arg(args, nargs, kwnames, 0, "path");
    VfsNode node;
    int r = has_dir_fd(args, nargs, kwnames) ? 0 : resolve_arg(h, path, node);
    if (r < 0) return nullptr;
    // A frozen root itself is the disk's (the blob holds what is below it):
    // lstat of a root reached through a symlink says symlink, as realpath needs.
    if (r == 0 || (node.fallthrough && node.rel.empty() && node.kind == VfsNode::Directory))
        return pass(h, args, nargs, kwnames);
    if (node.kind == VfsNode::File || node.kind == VfsNode::Directory) return vfs_stat_result(h.st, node);
    return missing(node, path);
}

PyObject* hook_access(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    Hook h = hook_of(self);
    PyObject* path = arg(args, nargs, kwnames, 0, "path");
    PyObject* mode = arg(args, nargs, kwnames, 1, "mode");
    VfsNode node;
    int r = has_dir_fd(args, nargs, kwnames) || mode == nullptr ? 0 : resolve_arg(h, path, node);
    if (r < 0) return nullptr;
    if (r == 0) return pass(h, args, nargs, kwnames);
    long m = PyLong_AsLong(mode);
    if (m == -1 && PyErr_Occurred()) return nullptr;
    bool ok = node.kind == VfsNode::File || node.kind == VfsNode::Directory;
    if (m & W_OK) ok = false;                                     // a read-only file system
    if ((m & X_OK) && node.kind != VfsNode::Directory) ok = false;  // files are 0644
    return PyBool_FromLong(ok);
}

PyObject* list_names(const VfsNode& node, PyObject* path) {
    const PathIndex* idx = node.finder->ctx->path_index(state_of(node.finder));
    if (idx == nullptr) return nullptr;
    auto kids = idx->list_dir(node.rel, node.root);
    if (!kids) return missing(node, path);
    const bool as_bytes = PyBytes_Check(path);
    Ref out(PyList_New(0));
    if (!out) return nullptr;
    for (const auto& k : *kids) {
        Ref n(as_bytes ? PyBytes_FromStringAndSize(k.name.data(), static_cast<Py_ssize_t>(k.name.size()))
                       : py::str(k.name).release());
        if (!n || PyList_Append(out.get(), n.get()) < 0) return nullptr;
    }
    return out.release();
}

PyObject* hook_listdir(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    Hook h = hook_of(self);
    PyObject* path = arg(args, nargs, kwnames, 0, "path");
    VfsNode node;
    int r = resolve_arg(h, path, node);
    if (r < 0) return nullptr;
    if (r == 0) return pass(h, args, nargs, kwnames);
    if (node.kind == VfsNode::File) return raise_errno(ENOTDIR, path);
    if (node.kind != VfsNode::Directory) return missing(node, path);
    return list_names(node, path);
}

PyObject* hook_scandir(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    Hook h = hook_of(self);
    PyObject* path = arg(args, nargs, kwnames, 0, "path");
    VfsNode node;
    int r = resolve_arg(h, path, node);
    if (r < 0) return nullptr;
    if (r == 0) return pass(h, args, nargs, kwnames);
    if (node.kind == VfsNode::File) return raise_errno(ENOTDIR, path);
    if (node.kind != VfsNode::Directory) return missing(node, path);
    return vfs_scandir(PyTuple_GET_ITEM(self, 1), node, path);
}

PyObject* hook_os_open(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    Hook h = hook_of(self);
    PyObject* path = arg(args, nargs, kwnames, 0, "path");
    PyObject* flags_arg = arg(args, nargs, kwnames, 1, "flags");
    VfsNode node;
    int r = has_dir_fd(args, nargs, kwnames) || flags_arg == nullptr ? 0 : resolve_arg(h, path, node);
    if (r < 0) return nullptr;
    if (r == 0) return pass(h, args, nargs, kwnames);
    long flags = PyLong_AsLong(flags_arg);
    if (flags == -1 && PyErr_Occurred()) return nullptr;
    bool writes = (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC | O_APPEND)) != 0;
    if (writes && node.fallthrough) {
        vfs_note_written(h.st, node);
        return pass(h, args, nargs, kwnames);
    }
    if (node.kind == VfsNode::Directory) return raise_errno(writes ? EISDIR : EOPNOTSUPP, path);
    if (writes && node.kind != VfsNode::NotADirectory) return raise_errno(EROFS, path);  // creating too
    if (node.kind != VfsNode::File) return missing(node, path);
    int fd = open_memory_file(node);
    return fd < 0 ? nullptr : PyLong_FromLong(fd);
}

PyObject* hook_open(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    Hook h = hook_of(self);
    PyObject* path = arg(args, nargs, kwnames, 0, "file");
    PyObject* mode = arg(args, nargs, kwnames, 1, "mode");
    VfsNode node;
    int r = resolve_arg(h, path, node);
    if (r < 0) return nullptr;
    ModeCheck check = check_mode(mode);
    if (r == 0 || check == ModeCheck::Invalid) return pass(h, args, nargs, kwnames);
    if (check == ModeCheck::Write && node.fallthrough) {  // a frozen root on disk: the write is the disk's
        vfs_note_written(h.st, node);
        return pass(h, args, nargs, kwnames);
    }
    if (check == ModeCheck::Write) {
        if (node.kind == VfsNode::Directory) return raise_errno(EISDIR, path);
        return raise_errno(EROFS, path);
    }
    if (node.kind == VfsNode::Directory) return raise_errno(EISDIR, path);
    if (node.kind != VfsNode::File) return missing(node, path);
    PyObject* closefd = arg(args, nargs, kwnames, 6, "closefd");
    if (closefd != nullptr) {
        int keep = PyObject_IsTrue(closefd);
        if (keep < 0) return nullptr;
        if (!keep) {
            PyErr_SetString(PyExc_ValueError, "Cannot use closefd=False with file name");
            return nullptr;
        }
    }
    Ref name(PyOS_FSPath(path));
    if (!name) return nullptr;
    int fd = open_memory_file(node);
    if (fd < 0) return nullptr;
    return open_fd(h.original, fd, name.get(), mode, nullptr, args, nargs, kwnames);
}

PyObject* hook_open_code(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    Hook h = hook_of(self);
    PyObject* path = arg(args, nargs, kwnames, 0, "path");
    VfsNode node;
    int r = resolve_arg(h, path, node);
    if (r < 0) return nullptr;
    if (r == 0) return pass(h, args, nargs, kwnames);
    if (node.kind == VfsNode::Directory) return raise_errno(EISDIR, path);
    if (node.kind != VfsNode::File) return missing(node, path);
    Ref rb(PyUnicode_FromString("rb"));
    if (!rb) return nullptr;
    int fd = open_memory_file(node);
    if (fd < 0) return nullptr;
    return open_fd(h.st->io_open, fd, path, rb.get(), Py_None, args, 0, nullptr);
}

// Extended attributes (shutil.copystat copies them): a blob's files have none.
PyObject* hook_listxattr(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    Hook h = hook_of(self);
    PyObject* path = arg(args, nargs, kwnames, 0, "path");
    VfsNode node;
    int r = resolve_arg(h, path, node);
    if (r < 0) return nullptr;
    if (r == 0) return pass(h, args, nargs, kwnames);
    if (node.kind != VfsNode::File && node.kind != VfsNode::Directory) return missing(node, path);
    return PyList_New(0);
}

PyObject* hook_getxattr(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    Hook h = hook_of(self);
    PyObject* path = arg(args, nargs, kwnames, 0, "path");
    VfsNode node;
    int r = resolve_arg(h, path, node);
    if (r < 0) return nullptr;
    if (r == 0) return pass(h, args, nargs, kwnames);
    if (node.kind != VfsNode::File && node.kind != VfsNode::Directory) return missing(node, path);
    return raise_errno(ENODATA, path);
}

// --- the hook functions ------------------------------------------------------------

using Handler = PyObject* (*)(PyObject*, PyObject* const*, Py_ssize_t, PyObject*);

struct OpInfo {
    VfsOp op;
    const char* name;
    Handler handler;
};

constexpr OpInfo kOps[] = {
    {VfsOp::Stat, "stat", hook_stat},         {VfsOp::Lstat, "lstat", hook_stat},
    {VfsOp::Access, "access", hook_access},   {VfsOp::Listdir, "listdir", hook_listdir},
    {VfsOp::Scandir, "scandir", hook_scandir}, {VfsOp::OsOpen, "open", hook_os_open},
    {VfsOp::Open, "open", hook_open},         {VfsOp::OpenCode, "open_code", hook_open_code},
    {VfsOp::Listxattr, "listxattr", hook_listxattr}, {VfsOp::Getxattr, "getxattr", hook_getxattr},
};
constexpr size_t kOpCount = sizeof kOps / sizeof kOps[0];

// One method definition per operation for the whole process (builtin
// functions keep a pointer to theirs), with the docstring (and so the
// signature) of the first original seen.
PyMethodDef* method_def(VfsOp op, PyObject* original) {
    static PyMethodDef defs[kOpCount];
    static std::once_flag once[kOpCount];
    size_t i = 0;
    while (kOps[i].op != op) ++i;
    std::call_once(once[i], [&] {
        const char* doc = nullptr;
        if (PyCFunction_Check(original)) doc = reinterpret_cast<PyCFunctionObject*>(original)->m_ml->ml_doc;
        defs[i] = {kOps[i].name, heap::fastcall(kOps[i].handler), METH_FASTCALL | METH_KEYWORDS, doc};
    });
    return &defs[i];
}

}  // namespace

PyObject* raise_errno(int err, PyObject* filename) {
    errno = err;
    return PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, filename);
}

PyObject* make_vfs_hook(PyObject* module, PyObject* original, VfsOp op) {
    Ref self(PyTuple_Pack(2, original, module));
    if (!self) return nullptr;
    Ref owner(PyObject_GetAttrString(original, "__module__"));
    if (!owner) PyErr_Clear();
    return PyCFunction_NewEx(method_def(op, original), self.get(), owner ? owner.get() : nullptr);
}

bool vfs_prepare_finder(PyObject* module, FinderObject* f) {
    State* st = state_of(module);
    if (f->file_stat != nullptr) return true;
    Ref os(PyImport_ImportModule("os"));
    if (!os) return false;
    // The real stat of the blob file (the original function: no hook yet, or
    // the hook passes the blob file itself through).
    Ref stat(PyObject_CallMethod(os.get(), "stat", "O", f->path));
    if (!stat) return false;
    if (st->stat_fields == 0) {
        PyTypeObject* tp = Py_TYPE(stat.get());
        Ref n(PyObject_GetAttrString(reinterpret_cast<PyObject*>(tp), "n_fields"));
        if (!n) return false;
        st->stat_fields = static_cast<int>(PyLong_AsLong(n.get()));
        st->stat_blocks_index = -1;
        for (PyMemberDef* m = tp->tp_members; m != nullptr && m->name != nullptr; ++m)
            if (std::string_view(m->name) == "st_blocks")
                st->stat_blocks_index =
                    static_cast<int>((m->offset - offsetof(PyTupleObject, ob_item)) / sizeof(PyObject*));
    }
    f->file_stat = stat.release();
    return true;
}

PyObject* vfs_stat_result(State* st, const VfsNode& node) {
    PyObject* tmpl = node.finder->file_stat;
    Ref out(PyStructSequence_New(Py_TYPE(tmpl)));
    if (!out) return nullptr;
    for (int i = 0; i < st->stat_fields; ++i) {
        PyObject* v = PyStructSequence_GetItem(tmpl, i);
        Py_XINCREF(v);
        PyStructSequence_SetItem(out.get(), i, v);
    }
    const bool dir = node.kind == VfsNode::Directory;
    uint64_t size = 4096;
    if (!dir) {
        auto e = node.finder->ctx->blob.entry(node.entry);
        if (!e) {
            raise_format_error(st, e.error(), Py_None, node.finder->path);
            return nullptr;
        }
        size = e->raw_size;
    }
    std::string id = node.finder->ctx->path + "\n" + std::to_string(node.root) + "\n" + node.rel;
    uint64_t ino = format::checksum(id.data(), id.size()) >> 1;
    auto set = [&](int i, PyObject* v) {
        if (v == nullptr) return false;
        PyObject* old = PyStructSequence_GetItem(out.get(), i);
        PyStructSequence_SetItem(out.get(), i, v);
        Py_XDECREF(old);
        return true;
    };
    if (!set(0, PyLong_FromLong(dir ? (S_IFDIR | 0755) : (S_IFREG | 0644))) ||
        !set(1, PyLong_FromUnsignedLongLong(ino)) || !set(3, PyLong_FromLong(dir ? 2 : 1)) ||
        !set(6, PyLong_FromUnsignedLongLong(size)))
        return nullptr;
    if (st->stat_blocks_index > 0 && !set(st->stat_blocks_index, PyLong_FromUnsignedLongLong((size + 511) / 512)))
        return nullptr;
    return out.release();
}

}  // namespace oxpack::runtime
