// The virtual file layer: paths under a blob's mounts (runtime/core/
// mount_table.hpp) behave as a read-only directory tree for Python code.
//
// While any installed blob has a mount, these module attributes are
// replaced by hooks (C++ functions with the original's name, docstring and
// signature): os.stat, os.lstat, os.access, os.listdir, os.scandir, os.open,
// os.listxattr, os.getxattr, builtins.open / io.open, io.open_code; and
// references to them that
// modules imported earlier captured (tokenize._builtin_open,
// tarfile.bltn_open, pathlib._NormalAccessor on 3.8-3.10). Everything that
// reaches files through those follows: os.path.*, os.walk, glob, pathlib,
// shutil, gzip, zipfile, linecache, json.load(open(...))...
//
// A hook decides in C++ whether its path is one of ours (a prefix compare;
// str paths are not copied) and otherwise calls the original with the
// arguments unchanged. Ours are served from the blob: stat results built
// from the blob file's own (mode 0644 / 0755, the entry's size), listings
// from its path index, files opened as sealed memory files (a real
// descriptor: fileno(), mmap, sendfile work) whose `name` is the path.
// Opening for writing gives OSError(EROFS) inside a blob. Under a frozen root
// (files='blob'), a directory the blob holds is served as the freeze saw it
// (a name it lacks is not there, but in __pycache__); one it does not hold,
// and any path the process opens for writing (the write goes to the disk),
// is the disk's.
// Not covered: C code opening paths itself (fopen, dlopen, ctypes), other
// processes, os.open on a directory; for those, materialize().
#pragma once

#include <string>

#include "runtime/python/objects.hpp"

namespace oxpack::runtime {

class Vfs;

// What a path names inside the mounts.
struct VfsNode {
    FinderObject* finder = nullptr;  // the blob serving it (borrowed)
    std::string rel;                 // relative to the mount, normalised
    uint32_t root = 0;               // PathIndex root filter of the mount
    enum Kind { Missing, File, Directory, NotADirectory } kind = Missing;  // NotADirectory: through a file
    uint32_t entry = 0;              // File: the entry index
    bool fallthrough = false;        // a frozen root: writes go to the disk
    std::string where;               // fall-through only: the absolute path
};

// Serves `finder`'s mounts (its BlobContext says which: the blob path in
// blob mode, the frozen directory roots with files='blob'), activating the
// hooks on the first mount. false with an exception set.
bool vfs_mount(PyObject* module, FinderObject* finder);
// Drops `finder`'s mounts; the hooks go when the last mount does (only
// where an attribute still holds our hook). Never fails.
void vfs_unmount(State* st, FinderObject* finder);
// A path under a fall-through mount was opened for writing (the write goes
// to the disk): from now on the disk answers for it.
void vfs_note_written(State* st, const VfsNode& node);

// Frees the layer's state at module teardown (the hooks stay: the modules
// holding them are going too; a hook without state calls its original).
void vfs_free(State* st);

// Resolves a path argument (str, bytes or os.PathLike): 1 and `node` set
// when a mount holds it (or, for a fall-through mount, when the blob holds
// it), 0 when it is not ours, -1 with an exception set.
int vfs_resolve(State* st, PyObject* path, VfsNode& node);

// Blob mode with freeze --materialize globs: when `key`'s top-level name
// matches one, that module's or package's files are written to the private
// cache (once per machine and blob) and its locations point there
// (BlobContext::module_location). false with an exception set.
bool vfs_materialize_top_level(FinderObject* f, std::string_view key);

// The real path of `path` (virtual, or a package name) written to the
// private cache: every file below it, once per machine and blob, atomically.
// materialize(path_or_package) -> str.
PyObject* vfs_materialize(PyObject* module, PyObject* what);

}  // namespace oxpack::runtime
