// oxpack_runtime.open_blob(path) -> BlobReader: a blob opened as a library,
// for tools rather than imports (the `oxpack` package's oxpack.open() is
// built on it). It lists entries, decodes the meta section, and hands out
// payloads as read-only buffers: memoryview(reader.read(i)) points straight
// into the mapping when the payload is stored uncompressed (after its
// checksum is checked), and into one owned buffer when it had to be
// decompressed. Nothing is copied into bytes objects.
//
// A payload keeps the mapping alive on its own: reader.close() (or leaving a
// `with` block) drops the reader's hold, and the file is unmapped when the
// last payload exported from it is gone. Every failure of the blob is a
// BlobError naming the file (and the entry, when there is one).
#include <memory>
#include <new>

#include "runtime/python/blob_reader.hpp"
#include "runtime/python/blob_context.hpp"
#include "runtime/python/compat.hpp"

namespace oxpack::runtime {
namespace {

using py::Ref;

struct ReaderObject {
    PyObject_HEAD
    PyObject* module;        // oxpack_runtime, for BlobError
    PyObject* path;          // str
    PyTypeObject* payload_type;
    std::shared_ptr<const format::Blob> blob;  // empty once closed
};

struct PayloadObject {
    PyObject_HEAD
    std::shared_ptr<const format::Blob> blob;  // keeps the mapping a view points into
    format::Payload payload;
};

ReaderObject* as_reader(PyObject* o) { return reinterpret_cast<ReaderObject*>(o); }
PayloadObject* as_payload(PyObject* o) { return reinterpret_cast<PayloadObject*>(o); }

// The open blob, or nullptr with ValueError set when the reader was closed.
const format::Blob* blob_of(ReaderObject* r) {
    if (!r->blob) PyErr_Format(PyExc_ValueError, "%U: the blob reader is closed", r->path);
    return r->blob.get();
}

void raise_error(ReaderObject* r, const std::string& message, PyObject* name = Py_None) {
    raise_blob_error(state_of(r->module), message, name, r->path);
}

// Entry index from a Python int, IndexError when out of range.
bool index_arg(const format::Blob& blob, PyObject* arg, uint32_t& out) {
    Py_ssize_t i = PyNumber_AsSsize_t(arg, PyExc_IndexError);
    if (i == -1 && PyErr_Occurred()) return false;
    if (i < 0) i += static_cast<Py_ssize_t>(blob.entry_count());
    if (i < 0 || i >= static_cast<Py_ssize_t>(blob.entry_count())) {
        PyErr_SetString(PyExc_IndexError, "entry index out of range");
        return false;
    }
    out = static_cast<uint32_t>(i);
    return true;
}

std::string kind_text(uint8_t kind) {
    if (kind >= 1 && kind <= format::kMaxKnownKind) return std::string(format::to_string(static_cast<format::Kind>(kind)));
    return "unknown(" + std::to_string(kind) + ")";
}

std::string space_text(uint8_t space) {
    if (space >= 1 && space <= 4) return std::string(format::to_string(static_cast<format::Space>(space)));
    return "unknown(" + std::to_string(space) + ")";
}

// (index, space, kind, key, path, root, is_package, is_namespace, compression,
//  stored_size, raw_size, checksum, payload_offset): the order of oxpack.Entry.
PyObject* entry_tuple(const format::Entry& e) {
    Ref key = py::str(e.key), path = py::str(e.path);
    if (!key || !path) return nullptr;
    std::string compression = e.compression == 0 ? "none" : e.compression == 1 ? "zstd"
                                                          : "unknown(" + std::to_string(e.compression) + ")";
    Ref root = e.root == format::kNoRoot ? Ref::borrow(Py_None) : Ref(PyLong_FromLong(e.root));
    if (!root) return nullptr;
    return Py_BuildValue("(IssOOOOOsKKKK)", e.index, space_text(e.space).c_str(), kind_text(e.kind).c_str(),
                         key.get(), path.get(), root.get(), e.is_package() ? Py_True : Py_False,
                         e.is_namespace() ? Py_True : Py_False, compression.c_str(),
                         static_cast<unsigned long long>(e.stored_size), static_cast<unsigned long long>(e.raw_size),
                         static_cast<unsigned long long>(e.checksum), static_cast<unsigned long long>(e.payload_offset));
}

// --- BlobReader ------------------------------------------------------------

PyObject* reader_entry(PyObject* self, PyObject* arg) {
    ReaderObject* r = as_reader(self);
    const format::Blob* blob = blob_of(r);
    uint32_t i = 0;
    if (blob == nullptr || !index_arg(*blob, arg, i)) return nullptr;
    auto e = blob->entry(i);
    if (!e) {
        raise_error(r, e.error().message);
        return nullptr;
    }
    return entry_tuple(*e);
}

PyObject* reader_entries(PyObject* self, PyObject*) {
    ReaderObject* r = as_reader(self);
    const format::Blob* blob = blob_of(r);
    if (blob == nullptr) return nullptr;
    Ref out(PyList_New(blob->entry_count()));
    if (!out) return nullptr;
    for (uint32_t i = 0; i < blob->entry_count(); ++i) {
        auto e = blob->entry(i);
        if (!e) {
            raise_error(r, e.error().message);
            return nullptr;
        }
        PyObject* t = entry_tuple(*e);
        if (t == nullptr) return nullptr;
        PyList_SET_ITEM(out.get(), i, t);
    }
    return out.release();
}

// find(space, key) -> list of entry indices (the key group; empty when absent).
PyObject* reader_find(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    ReaderObject* r = as_reader(self);
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "find(space, key) takes 2 arguments");
        return nullptr;
    }
    std::string_view space_name, key;
    if (!py::utf8(args[0], space_name, "space") || !py::utf8(args[1], key, "key")) return nullptr;
    format::Space space;
    if (space_name == "module") space = format::Space::Module;
    else if (space_name == "resource") space = format::Space::Resource;
    else if (space_name == "distribution") space = format::Space::Distribution;
    else if (space_name == "file") space = format::Space::File;
    else {
        PyErr_Format(PyExc_ValueError, "space must be 'module', 'resource', 'distribution' or 'file', not %R", args[0]);
        return nullptr;
    }
    const format::Blob* blob = blob_of(r);
    if (blob == nullptr) return nullptr;
    auto g = blob->find(space, key);
    if (!g) {
        raise_error(r, g.error().message);
        return nullptr;
    }
    Ref out(PyList_New(g->count));
    if (!out) return nullptr;
    for (uint32_t k = 0; k < g->count; ++k) {
        PyObject* n = PyLong_FromUnsignedLong(g->first + k);
        if (n == nullptr) return nullptr;
        PyList_SET_ITEM(out.get(), k, n);
    }
    return out.release();
}

// read(i) -> BlobPayload (a read-only buffer; memoryview() it).
PyObject* reader_read(PyObject* self, PyObject* arg) {
    ReaderObject* r = as_reader(self);
    const format::Blob* blob = blob_of(r);
    uint32_t i = 0;
    if (blob == nullptr || !index_arg(*blob, arg, i)) return nullptr;
    auto e = blob->entry(i);
    if (!e) {
        raise_error(r, e.error().message);
        return nullptr;
    }
    // Checksum and decompression of a large payload without the GIL; the
    // shared_ptr keeps the mapping even if another thread closes the reader.
    std::shared_ptr<const format::Blob> keep = r->blob;
    format::Result<format::Payload> p = format::Error{format::ErrorCode::Io, ""};
    if (e->stored_size >= (1u << 20)) {
        Py_BEGIN_ALLOW_THREADS
        p = keep->payload(*e);
        Py_END_ALLOW_THREADS
    } else {
        p = keep->payload(*e);
    }
    if (!p) {
        Ref key = py::str(e->key);
        raise_error(r, p.error().message, key ? key.get() : Py_None);
        return nullptr;
    }
    auto* out = PyObject_New(PayloadObject, r->payload_type);
    if (out == nullptr) return nullptr;
    new (&out->blob) std::shared_ptr<const format::Blob>(std::move(keep));
    new (&out->payload) format::Payload(std::move(*p));
    return reinterpret_cast<PyObject*>(out);
}

PyObject* reader_info(PyObject* self, PyObject*) {
    ReaderObject* r = as_reader(self);
    const format::Blob* blob = blob_of(r);
    if (blob == nullptr) return nullptr;
    auto info = blob->info();
    if (!info) {
        raise_error(r, info.error().message);
        return nullptr;
    }
    const format::Header& h = blob->header();
    const format::Target& t = info->target;
    auto strings = [](const std::vector<std::string>& v) -> PyObject* {
        Ref l(PyList_New(static_cast<Py_ssize_t>(v.size())));
        if (!l) return nullptr;
        for (size_t i = 0; i < v.size(); ++i) {
            Ref s = py::str(v[i]);
            if (!s) return nullptr;
            PyList_SET_ITEM(l.get(), static_cast<Py_ssize_t>(i), s.release());
        }
        return l.release();
    };
    Ref roots(PyList_New(0));
    if (!roots) return nullptr;
    for (const auto& root : info->roots) {
        const char* type = root.type == format::RootType::Directory ? "directory"
                           : root.type == format::RootType::Wheel   ? "wheel"
                           : root.type == format::RootType::Zip     ? "zip"
                                                                    : "unknown";
        Ref p = py::str(root.path);
        if (!p) return nullptr;
        Ref d(Py_BuildValue("{sOsKsKss}", "path", p.get(), "mtime_ns", static_cast<unsigned long long>(root.mtime_ns),
                            "size", static_cast<unsigned long long>(root.size), "type", type));
        if (!d || PyList_Append(roots.get(), d.get()) < 0) return nullptr;
    }
    Ref src(strings(t.source_suffixes)), bc(strings(t.bytecode_suffixes)), ext(strings(t.extension_suffixes));
    if (!src || !bc || !ext) return nullptr;
    Ref created = info->created ? Ref(PyLong_FromUnsignedLongLong(*info->created)) : Ref::borrow(Py_None);
    Ref d(PyDict_New());
    if (!created || !d) return nullptr;
    std::string version = std::to_string(h.version_major) + "." + std::to_string(h.version_minor);
    // Strings from the file go through py::str (surrogateescape): a damaged
    // name never makes info() fail.
    struct Item {
        const char* name;
        Ref value;
    } items[] = {
        {"path", Ref::borrow(r->path)},
        {"format_version", py::str(version)},
        {"file_size", Ref(PyLong_FromUnsignedLongLong(h.file_size))},
        {"entries", Ref(PyLong_FromUnsignedLong(h.entry_count))},
        {"implementation", py::str(t.implementation)},
        {"python_version", py::str(t.python_version)},
        {"cache_tag", py::str(t.cache_tag)},
        {"platform", py::str(t.platform)},
        {"hexversion", Ref(PyLong_FromUnsignedLong(h.hexversion))},
        {"pyc_magic", Ref(PyLong_FromUnsignedLong(h.pyc_magic))},
        {"source_suffixes", src},
        {"bytecode_suffixes", bc},
        {"extension_suffixes", ext},
        {"oxpack_version", py::str(info->oxpack_version)},
        {"origin", py::str(info->origin == format::OriginMode::Blob ? "blob" : "original")},
        {"created", created},
        {"roots", roots},
    };
    for (auto& it : items)
        if (!it.value || PyDict_SetItemString(d.get(), it.name, it.value.get()) < 0) return nullptr;
    return d.release();
}

// verify(max_problems=100) -> list of str: every checksum and structure; empty when intact.
PyObject* reader_verify(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    ReaderObject* r = as_reader(self);
    Py_ssize_t max_problems = 100;
    if (nargs > 1) {
        PyErr_SetString(PyExc_TypeError, "verify(max_problems=100)");
        return nullptr;
    }
    if (nargs == 1 && ((max_problems = PyNumber_AsSsize_t(args[0], PyExc_OverflowError)) == -1 && PyErr_Occurred()))
        return nullptr;
    const format::Blob* blob = blob_of(r);
    if (blob == nullptr) return nullptr;
    std::shared_ptr<const format::Blob> keep = r->blob;
    std::vector<format::Error> problems;
    Py_BEGIN_ALLOW_THREADS
    problems = keep->verify(static_cast<size_t>(max_problems > 0 ? max_problems : 1));
    Py_END_ALLOW_THREADS
    Ref out(PyList_New(0));
    if (!out) return nullptr;
    for (const auto& p : problems) {
        Ref s = py::str(p.message);
        if (!s || PyList_Append(out.get(), s.get()) < 0) return nullptr;
    }
    return out.release();
}

PyObject* reader_close(PyObject* self, PyObject*) {
    as_reader(self)->blob.reset();
    return py::none();
}

PyObject* reader_enter(PyObject* self, PyObject*) {
    if (blob_of(as_reader(self)) == nullptr) return nullptr;
    return py::new_ref(self);
}

PyObject* reader_exit(PyObject* self, PyObject*) {
    as_reader(self)->blob.reset();
    return py::none();
}

PyObject* reader_get_path(PyObject* self, void*) { return py::new_ref(as_reader(self)->path); }
PyObject* reader_get_closed(PyObject* self, void*) { return PyBool_FromLong(!as_reader(self)->blob); }

Py_ssize_t reader_len(PyObject* self) {
    const format::Blob* blob = blob_of(as_reader(self));
    return blob == nullptr ? -1 : static_cast<Py_ssize_t>(blob->entry_count());
}

PyObject* reader_repr(PyObject* self) {
    ReaderObject* r = as_reader(self);
    if (!r->blob) return PyUnicode_FromFormat("<oxpack_runtime.BlobReader %R (closed)>", r->path);
    return PyUnicode_FromFormat("<oxpack_runtime.BlobReader %R, %u entries>", r->path, r->blob->entry_count());
}

int reader_traverse(PyObject* self, visitproc visit, void* arg) {
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(as_reader(self)->module);
    Py_VISIT(reinterpret_cast<PyObject*>(as_reader(self)->payload_type));
    return 0;
}

int reader_clear(PyObject* self) {
    ReaderObject* r = as_reader(self);
    Py_CLEAR(r->module);
    Py_CLEAR(r->payload_type);
    return 0;
}

void reader_dealloc(PyObject* self) {
    PyTypeObject* tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    reader_clear(self);
    Py_CLEAR(as_reader(self)->path);
    as_reader(self)->blob.~shared_ptr();
    tp->tp_free(self);
    Py_DECREF(tp);
}

PyObject* reader_new(PyTypeObject*, PyObject*, PyObject*) {
    PyErr_SetString(PyExc_TypeError, "BlobReaders are made by oxpack_runtime.open_blob(path)");
    return nullptr;
}

PyMethodDef reader_methods[] = {
    {"entry", reader_entry, METH_O,
     "entry(i) -> (index, space, kind, key, path, root, is_package, is_namespace, compression, stored_size,\n"
     "raw_size, checksum, payload_offset)"},
    {"entries", reader_entries, METH_NOARGS, "entries() -> list of entry tuples (see entry()), in the blob's order"},
    {"find", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(reader_find)), METH_FASTCALL,
     "find(space, key) -> list of entry indices: the hash index's key group ('module', 'resource',\n"
     "'distribution' or 'file'); empty when absent"},
    {"read", reader_read, METH_O,
     "read(i) -> BlobPayload: entry i's payload, checksum-checked and decompressed when needed, as a\n"
     "read-only buffer (memoryview(payload) copies nothing). Raises BlobError on damage."},
    {"info", reader_info, METH_NOARGS, "info() -> dict: format version, target interpreter, origin mode, roots"},
    {"verify", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(reader_verify)), METH_FASTCALL,
     "verify(max_problems=100) -> list of str: every checksum and structure; empty when intact"},
    {"close", reader_close, METH_NOARGS, "Drop the reader's hold on the mapping (payloads keep theirs)"},
    {"__enter__", reader_enter, METH_NOARGS, nullptr},
    {"__exit__", reader_exit, METH_VARARGS, nullptr},
    {nullptr, nullptr, 0, nullptr},
};

PyGetSetDef reader_getset[] = {
    {"path", reader_get_path, nullptr, "The blob's path, as given", nullptr},
    {"closed", reader_get_closed, nullptr, "True after close()", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

PyType_Slot reader_slots[] = {
    {Py_tp_doc, const_cast<char*>("A blob opened for reading: oxpack_runtime.open_blob(path).")},
    {Py_tp_methods, reader_methods},
    {Py_tp_getset, reader_getset},
    {Py_tp_repr, reinterpret_cast<void*>(reader_repr)},
    {Py_sq_length, reinterpret_cast<void*>(reader_len)},
    {Py_tp_traverse, reinterpret_cast<void*>(reader_traverse)},
    {Py_tp_clear, reinterpret_cast<void*>(reader_clear)},
    {Py_tp_dealloc, reinterpret_cast<void*>(reader_dealloc)},
    {Py_tp_new, reinterpret_cast<void*>(reader_new)},
    {0, nullptr},
};

PyType_Spec reader_spec = {"oxpack_runtime.BlobReader", sizeof(ReaderObject), 0,
                           Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC, reader_slots};

// --- BlobPayload ------------------------------------------------------------

int payload_getbuffer(PyObject* self, Py_buffer* view, int flags) {
    PayloadObject* p = as_payload(self);
    void* data = const_cast<unsigned char*>(p->payload.data());
    static unsigned char empty = 0;
    return PyBuffer_FillInfo(view, self, data ? data : &empty, static_cast<Py_ssize_t>(p->payload.size()), 1, flags);
}

Py_ssize_t payload_len(PyObject* self) { return static_cast<Py_ssize_t>(as_payload(self)->payload.size()); }

PyObject* payload_get_zero_copy(PyObject* self, void*) { return PyBool_FromLong(as_payload(self)->payload.is_view()); }

PyObject* payload_repr(PyObject* self) {
    PayloadObject* p = as_payload(self);
    return PyUnicode_FromFormat("<oxpack_runtime.BlobPayload %zd bytes, %s>", static_cast<Py_ssize_t>(p->payload.size()),
                                p->payload.is_view() ? "in the mapping" : "decompressed");
}

void payload_dealloc(PyObject* self) {
    PyTypeObject* tp = Py_TYPE(self);
    PayloadObject* p = as_payload(self);
    p->payload.~Payload();
    p->blob.~shared_ptr();
    tp->tp_free(self);
    Py_DECREF(tp);
}

PyObject* payload_new(PyTypeObject*, PyObject*, PyObject*) {
    PyErr_SetString(PyExc_TypeError, "BlobPayloads are made by BlobReader.read(i)");
    return nullptr;
}

PyGetSetDef payload_getset[] = {
    {"zero_copy", payload_get_zero_copy, nullptr, "True when the bytes are the blob's mapping itself (stored uncompressed)",
     nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

PyType_Slot payload_slots[] = {
    {Py_tp_doc, const_cast<char*>("One payload of a blob, as a read-only buffer: memoryview(payload).")},
    {Py_tp_getset, payload_getset},
    {Py_tp_repr, reinterpret_cast<void*>(payload_repr)},
    {Py_sq_length, reinterpret_cast<void*>(payload_len)},
    {Py_tp_dealloc, reinterpret_cast<void*>(payload_dealloc)},
    {Py_tp_new, reinterpret_cast<void*>(payload_new)},
    OXPACK_COMPAT_GETBUFFER_SLOT(payload_getbuffer)
    {0, nullptr},
};

PyType_Spec payload_spec = {"oxpack_runtime.BlobPayload", sizeof(PayloadObject), 0, Py_TPFLAGS_DEFAULT, payload_slots};

// --- open_blob ----------------------------------------------------------------

// open_blob(path, verify=True): `self` is the module.
PyObject* open_blob(PyObject* module, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    PyObject* parsed[2] = {nullptr, Py_True};
    if (!py::parse_args("open_blob", args, nargs, kwnames, {"path", "verify"}, 1, parsed)) return nullptr;
    int verify = PyObject_IsTrue(parsed[1]);
    if (verify < 0) return nullptr;
    std::string path;
    if (!py::fspath(parsed[0], path)) return nullptr;
    Ref path_str = py::str(path);
    Ref reader_type(PyObject_GetAttrString(module, "BlobReader"));
    Ref payload_type(PyObject_GetAttrString(module, "BlobPayload"));
    if (!path_str || !reader_type || !payload_type) return nullptr;
    if (!PyType_Check(reader_type.get()) || !PyType_Check(payload_type.get())) {
        PyErr_SetString(PyExc_TypeError, "oxpack_runtime.BlobReader / BlobPayload were replaced");
        return nullptr;
    }
    format::Result<format::Blob> opened = format::Error{format::ErrorCode::Io, ""};
    Py_BEGIN_ALLOW_THREADS
    opened = format::Blob::open(path, format::OpenOptions{.check_index = verify != 0});
    Py_END_ALLOW_THREADS
    if (!opened) {
        raise_blob_error(state_of(module), opened.error().message, Py_None, path_str.get());
        return nullptr;
    }
    auto* r = PyObject_GC_New(ReaderObject, reinterpret_cast<PyTypeObject*>(reader_type.get()));
    if (r == nullptr) return nullptr;
    r->module = py::new_ref(module);
    r->path = path_str.release();
    r->payload_type = reinterpret_cast<PyTypeObject*>(payload_type.release());
    new (&r->blob) std::shared_ptr<const format::Blob>(std::make_shared<const format::Blob>(std::move(*opened)));
    PyObject_GC_Track(r);
    return reinterpret_cast<PyObject*>(r);
}

PyMethodDef open_blob_def = {
    "open_blob", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(open_blob)), METH_FASTCALL | METH_KEYWORDS,
    "open_blob(path, verify=True) -> BlobReader\n\n"
    "Open a blob for reading its entries and payloads (not for imports: see install()). verify checks the\n"
    "index checksum at open; payloads are checksummed when read either way. Raises BlobError."};

}  // namespace

bool add_blob_reader(PyObject* module) {
    Ref reader_type(compat::type_from_spec(module, &reader_spec));
    Ref payload_type(compat::type_from_spec(module, &payload_spec));
    if (!reader_type || !payload_type) return false;
    compat::set_getbuffer(payload_type.get(), payload_getbuffer);
    Ref fn(PyCFunction_NewEx(&open_blob_def, module, nullptr));
    if (!fn) return false;
    if (PyModule_AddObject(module, "BlobReader", reader_type.get()) < 0) return false;
    reader_type.release();
    if (PyModule_AddObject(module, "BlobPayload", payload_type.get()) < 0) return false;
    payload_type.release();
    if (PyModule_AddObject(module, "open_blob", fn.get()) < 0) return false;
    fn.release();
    return true;
}

}  // namespace oxpack::runtime
