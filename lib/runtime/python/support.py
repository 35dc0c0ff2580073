# oxpack_runtime's Python half, compiled from a string inside the extension
# the first time it is needed (never on the import hot path):
# importlib.resources readers and Traversables, and importlib.metadata
# distributions, over an installed blob. The finder's private methods
# (_read_path, _list_dir, _path_kind, _read, _dist_dirs, _anchor) do the
# lookups in C++; this file only adapts them to the importlib protocols.
import errno as _errno
import io as _io
import os as _os
import posixpath as _pp
import re as _re
import sys as _sys

_SPACE_DISTRIBUTION = 3  # format::Space::Distribution

# What Finder._path_kind() returns: support_bridge.cpp's PathKind (the
# runtime checks that these agree when it loads this file).
PATH_MISSING, PATH_FILE, PATH_DIR = 0, 1, 2


def _traversable_base():
    for modname in ("importlib.resources.abc", "importlib.abc"):
        try:
            mod = __import__(modname, fromlist=["Traversable"])
        except ImportError:
            continue
        base = getattr(mod, "Traversable", None)
        if base is not None:
            return base
    return object  # Python 3.8: no Traversable protocol yet


def _join(rel, *parts):
    """Joins '/'-separated parts onto rel, resolving '.' and '..'."""
    out = [p for p in rel.split("/") if p]
    for part in parts:
        for piece in _os.fspath(part).replace("\\", "/").split("/"):
            if piece in ("", "."):
                continue
            if piece == "..":
                if out:
                    out.pop()
                continue
            out.append(piece)
    return "/".join(out)


class BlobPath(_traversable_base()):
    """A file or directory inside a blob, for importlib.resources (a
    Traversable) and importlib.metadata (Distribution.locate_file). str() is
    '<blob path>/<relative path>', the form blob-mode __file__ takes."""

    def __init__(self, finder, rel=""):
        self._finder = finder
        self._rel = _join(rel)

    @property
    def name(self):
        return _pp.basename(self._rel) if self._rel else _pp.basename(self._finder.path)

    @property
    def parent(self):
        return BlobPath(self._finder, _pp.dirname(self._rel))

    @property
    def suffix(self):
        return _pp.splitext(self.name)[1]

    @property
    def stem(self):
        return _pp.splitext(self.name)[0]

    def _kind(self):
        return self._finder._path_kind(self._rel)

    def exists(self):
        return self._kind() != PATH_MISSING

    def is_dir(self):
        return self._kind() == PATH_DIR

    def is_file(self):
        return self._kind() == PATH_FILE

    def iterdir(self):
        kids = self._finder._list_dir(self._rel)
        if kids is None:
            code = _errno.ENOTDIR if self.is_file() else _errno.ENOENT
            raise OSError(code, _os.strerror(code), str(self))
        return iter([BlobPath(self._finder, _join(self._rel, name)) for name, _ in kids])

    def joinpath(self, *descendants):
        return BlobPath(self._finder, _join(self._rel, *descendants))

    def __truediv__(self, child):
        return self.joinpath(child)

    def read_bytes(self):
        data = self._finder._read_path(self._rel)
        if data is None:
            code = _errno.EISDIR if self.is_dir() else _errno.ENOENT
            raise OSError(code, _os.strerror(code), str(self))
        return data

    def read_text(self, encoding=None, errors=None):
        with self.open("r", encoding=encoding, errors=errors) as f:
            return f.read()

    def open(self, mode="r", *args, **kwargs):
        if mode not in ("r", "rb", "rt"):
            raise ValueError("a blob is read-only: invalid mode %r" % (mode,))
        stream = _io.BytesIO(self.read_bytes())
        if mode == "rb":
            return stream
        return _io.TextIOWrapper(stream, *args, **kwargs)

    def __str__(self):
        return self._finder.path + ("/" + self._rel if self._rel else "")

    def __fspath__(self):
        # Deliberately absent from the protocol set: the path is not on disk.
        raise TypeError("%s is inside a blob, not on disk: use importlib.resources.as_file()" % (self,))

    def __repr__(self):
        return "BlobPath(%r)" % (str(self),)

    def __eq__(self, other):
        return isinstance(other, BlobPath) and (self._finder.path, self._rel) == (other._finder.path, other._rel)

    def __hash__(self):
        return hash((self._finder.path, self._rel))


# __fspath__ must not exist at all, or os.fspath() would be attempted.
del BlobPath.__fspath__


class BlobReader:
    """importlib.resources reader of a package (or, from 3.10, a module's
    directory) served from the blob (blob mode)."""

    def __init__(self, finder, rel_dir):
        self._root = BlobPath(finder, rel_dir)

    def files(self):
        return self._root

    def open_resource(self, resource):
        return self._root.joinpath(resource).open("rb")

    def resource_path(self, resource):
        raise FileNotFoundError(resource)  # not on disk: importlib.resources makes a temporary copy

    def is_resource(self, path):
        return self._root.joinpath(path).is_file()

    def contents(self):
        return iter([p.name for p in self._root.iterdir()])


class DiskReader:
    """importlib.resources reader in original mode: the package directory
    on disk, exactly as the file-system importer's reader gives it."""

    def __init__(self, paths):
        self._paths = paths

    def files(self):
        import pathlib

        if len(self._paths) > 1:
            try:
                from importlib.readers import MultiplexedPath

                return MultiplexedPath(*[p for p in self._paths if _os.path.isdir(p)])
            except (ImportError, NotADirectoryError):
                pass
        return pathlib.Path(self._paths[0])

    def open_resource(self, resource):
        return open(_os.path.join(self._paths[0], resource), "rb")

    def resource_path(self, resource):
        path = _os.path.join(self._paths[0], resource)
        if not _os.path.isfile(path):
            raise FileNotFoundError(path)
        return path

    def is_resource(self, path):
        return _os.path.isfile(_os.path.join(self._paths[0], path))

    def contents(self):
        return iter(_os.listdir(self._paths[0]))


def resource_reader(finder, key):
    anchor = finder._anchor(key)
    if anchor is None:
        return None
    root, is_package, dirs = anchor
    if not is_package and _sys.version_info < (3, 10):
        return None  # as SourceLoader before 3.10: only packages have resources
    if finder.origin == "original" and 0 <= root < len(finder.roots):
        base = finder.roots[root]
        return DiskReader([_os.path.join(base, d) if d else base for d in dirs])
    return BlobReader(finder, dirs[0])


def loader_files(finder, key):
    reader = resource_reader(finder, key)
    if reader is None:
        raise AttributeError("files")  # importlib.resources falls back to the spec's origin
    return reader.files()


# --- importlib.metadata ------------------------------------------------------

def _normalize(name):
    return _re.sub(r"[-_.]+", "-", name).lower().replace("-", "_")


def _name_from_dir(dirname):
    stem, ext = _pp.splitext(dirname)
    if ext not in (".dist-info", ".egg-info"):
        return None
    return stem.partition("-")[0]


_distribution_class = None


def _distribution_type():
    global _distribution_class
    if _distribution_class is not None:
        return _distribution_class
    import importlib.metadata as md
    import pathlib

    class BlobDistribution(md.Distribution):
        """A distribution whose metadata directory is in the blob."""

        def __init__(self, finder, dirname, root):
            self._finder = finder
            self._dir = dirname
            self._root = root

        def read_text(self, filename):
            data = self._finder._read(_SPACE_DISTRIBUTION, self._dir + "/" + filename)
            return None if data is None else data.decode("utf-8")

        read_text.__doc__ = md.Distribution.read_text.__doc__

        def locate_file(self, path):
            if self._finder.origin == "original" and 0 <= self._root < len(self._finder.roots):
                return pathlib.Path(self._finder.roots[self._root], str(path))
            return BlobPath(self._finder, str(path))

        @property
        def _normalized_name(self):
            stem = _name_from_dir(self._dir)
            return _normalize(stem) if stem else _normalize(self.name)

        def __repr__(self):
            return "<BlobDistribution %r in %r>" % (self._dir, self._finder.path)

    _distribution_class = BlobDistribution
    return BlobDistribution


def find_distributions(finder, context=None):
    import importlib.metadata as md

    if context is None:
        context = md.DistributionFinder.Context()
    name = getattr(context, "name", None)
    wanted = _normalize(name) if name else None
    search = getattr(context, "path", None)
    search = set(search) if search is not None else set()
    cls = _distribution_type()
    found = []
    for dirname, root in finder._dist_dirs():
        stem = _name_from_dir(dirname)
        if wanted is not None and (stem is None or _normalize(stem) != wanted):
            continue
        if 0 <= root < len(finder.roots):
            base = finder.roots[root]
            # PathFinder lists this one from disk already: no duplicate.
            if base in search and _os.path.exists(_os.path.join(base, dirname)):
                continue
        found.append(cls(finder, dirname, root))
    return iter(found)


# --- Python 3.9: importlib.resources.files() ignores the loader --------------
# 3.9's importlib._common.from_package() only looks at spec.origin (or a zip
# archive), so files() of a blob-mode package would name a path that is not
# on disk. When importlib._common is imported with a blob installed, its
# from_package learns to ask our loaders (loader.files()); other loaders keep
# the original behaviour.

def patch_common(module):
    original = getattr(module, "from_package", None)
    if original is None or getattr(original, "_oxpack", False):
        return

    def from_package(package):
        loader = getattr(getattr(package, "__spec__", None), "loader", None)
        if type(loader).__module__ == "oxpack_runtime" and type(loader).__name__ == "Loader":
            try:
                return loader.files()
            except AttributeError:
                pass
        return original(package)

    from_package._oxpack = True
    from_package.__doc__ = original.__doc__
    module.from_package = from_package


def find_spec_39(finder, fullname, path, target):
    spec = finder._spec(fullname, path)
    if spec is not None:
        return spec  # our loader patches after executing it
    meta = _sys.meta_path
    start = meta.index(finder) + 1 if finder in meta else len(meta)
    for other in list(meta[start:]):
        find = getattr(other, "find_spec", None)
        spec = find(fullname, path, target) if find is not None else None
        if spec is not None:
            break
    loader = getattr(spec, "loader", None)
    if loader is None or not hasattr(loader, "exec_module"):
        return spec
    exec_original = loader.exec_module

    def exec_module(module):
        exec_original(module)
        patch_common(module)

    try:
        loader.exec_module = exec_module
    except AttributeError:
        pass
    return spec
