#include "runtime/python/data.hpp"

#include <cerrno>
#include <optional>

#include "runtime/python/paths.hpp"
#include "runtime/python/payload.hpp"

namespace oxpack::runtime {

using py::Ref;

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
        return payload_bytes(f, *e, Py_None);
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

}  // namespace oxpack::runtime
