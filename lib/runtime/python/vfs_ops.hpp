// The virtual file layer's hooks (vfs_ops.cpp): one C++ function per file
// operation, wrapped as a builtin function that looks like the original
// (name, docstring, signature) and calls it unchanged for paths that are
// not ours. Also the per-blob data they use, and the scandir types
// (vfs_scandir.cpp).
#pragma once

#include "runtime/python/vfs.hpp"

namespace oxpack::runtime {

enum class VfsOp { Stat, Lstat, Access, Listdir, Scandir, OsOpen, Open, OpenCode, Listxattr, Getxattr };

// A hook for `original` (a builtin function) doing `op`; new reference.
PyObject* make_vfs_hook(PyObject* module, PyObject* original, VfsOp op);

// What a finder's nodes need before the first hook runs (the blob file's
// own stat result, the template of theirs). false with an exception set.
bool vfs_prepare_finder(PyObject* module, FinderObject* finder);

// os.stat_result of `node` (File or Directory); new reference.
PyObject* vfs_stat_result(State* st, const VfsNode& node);

// vfs_scandir.cpp: an os.scandir()-like iterator over directory `node`;
// `path` is the argument as given (str, bytes or os.PathLike). New reference.
PyObject* vfs_scandir(PyObject* module, const VfsNode& node, PyObject* path);
extern PyType_Spec vfs_scandir_iterator_spec;
extern PyType_Spec vfs_dir_entry_spec;

// Raises OSError(err) with `filename` (the argument as given).
PyObject* raise_errno(int err, PyObject* filename);

}  // namespace oxpack::runtime
