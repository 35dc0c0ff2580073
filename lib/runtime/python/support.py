# oxpack_runtime's Python half, compiled from a string inside the extension
# the first time it is needed (never on the import hot path):
# importlib.resources readers and Traversables, importlib.metadata
# distributions, the adjustments other modules need once imported
# (pkg_resources' provider, multiprocessing's children, 3.9's files()), and
# lazy execution (install(lazy=...): a module's body run on first use).
# The finder's private methods (_spec, _read, _dist_dirs, _anchor) do the
# lookups in C++; blob-mode paths are read through the virtual file layer
# (vfs.cpp), so a blob path works with open(), os and pathlib like a file's.
# The runtime module itself is `_runtime` (set once this file has run).
import errno as _errno
import io as _io
import os as _os
import posixpath as _pp
import re as _re
import sys as _sys
import _thread
import _weakref

_SPACE_DISTRIBUTION = 3  # format::Space::Distribution

_runtime = None  # the oxpack_runtime module: set by the runtime once this file has run


def _blob_path_class():
    """BlobPath: a pathlib.PosixPath for a path inside a blob (blob mode).
    Every pathlib method works on it through the virtual file layer;
    importlib.resources.as_file() gives its materialized copy, a real file
    that stays valid for the life of the process."""
    global BlobPath
    if BlobPath is not None:
        return BlobPath
    import pathlib

    class BlobPath(pathlib.PosixPath):
        __slots__ = ()

        def __repr__(self):
            return "BlobPath(%r)" % (str(self),)

    for modname in ("importlib.resources.abc", "importlib.abc"):
        try:
            abc = __import__(modname, fromlist=["Traversable"])
        except ImportError:
            continue
        traversable = getattr(abc, "Traversable", None)
        if traversable is not None:
            try:
                traversable.register(BlobPath)
            except Exception:
                pass
            break
    _register_as_file(BlobPath)
    return BlobPath


BlobPath = None


def _register_as_file(cls):
    """importlib.resources.as_file (3.9+, a singledispatch function) gives
    BlobPaths as their materialized copies, never deleted."""
    import contextlib

    try:
        import importlib.resources as resources
    except ImportError:
        return
    as_file = getattr(resources, "as_file", None)
    register = getattr(as_file, "register", None)
    if register is None:
        return

    @contextlib.contextmanager
    def _as_file(path):
        import pathlib
        yield pathlib.Path(_runtime.materialize(str(path)))

    register(cls)(_as_file)


class BlobReader:
    """importlib.resources reader of a package (or, from 3.10, a module's
    directory) served from the blob (blob mode): its files are BlobPaths."""

    def __init__(self, finder, rel_dir):
        self._dir = finder.path + ("/" + rel_dir if rel_dir else "")

    def files(self):
        return _blob_path_class()(self._dir)

    def open_resource(self, resource):
        return open(_os.path.join(self._dir, resource), "rb")

    def resource_path(self, resource):
        path = _os.path.join(self._dir, resource)
        if not _os.path.isfile(path):
            raise FileNotFoundError(path)
        return _runtime.materialize(path)  # a real file: importlib.resources.path() keeps it

    def is_resource(self, path):
        return _os.path.isfile(_os.path.join(self._dir, path))

    def contents(self):
        return iter(_os.listdir(self._dir))


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


_distribution_classes = {}  # importlib.metadata module (stdlib or the backport) -> its BlobDistribution


def _metadata_module(context):
    """The importlib.metadata that asked: the stdlib's, or the
    importlib_metadata backport's (whose distributions() wants its own
    Distribution subclasses)."""
    module = type(context).__module__ if context is not None else ""
    if module.startswith("importlib_metadata"):
        import importlib_metadata as md
    else:
        import importlib.metadata as md
    return md


def _distribution_type(md):
    cls = _distribution_classes.get(md)
    if cls is not None:
        return cls
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
            return _blob_path_class()(self._finder.path + "/" + str(path))

        @property
        def _path(self):
            # The metadata directory, as PathDistribution has it (pip reads it).
            return self.locate_file(self._dir)

        @property
        def _normalized_name(self):
            stem = _name_from_dir(self._dir)
            return _normalize(stem) if stem else _normalize(self.name)

        def __repr__(self):
            return "<BlobDistribution %r in %r>" % (self._dir, self._finder.path)

    _distribution_classes[md] = BlobDistribution
    return BlobDistribution


def find_distributions(finder, context=None):
    """The blob's distributions that `context` asks for: by name, and where
    the context names paths explicitly (distributions(path=[...])), only
    those whose frozen root (or, in blob mode, the blob) is among them.
    Without explicit paths every distribution of the blob is found, except
    those PathFinder lists from the same place already."""
    md = _metadata_module(context)
    if context is None:
        context = md.DistributionFinder.Context()
    name = getattr(context, "name", None)
    wanted = _normalize(name) if name else None
    explicit = "path" in vars(context)
    search = getattr(context, "path", None)
    search = set(search) if search is not None else set()
    cls = _distribution_type(md)
    found = []
    for dirname, root in finder._dist_dirs():
        stem = _name_from_dir(dirname)
        if wanted is not None and (stem is None or _normalize(stem) != wanted):
            continue
        base = finder.roots[root] if 0 <= root < len(finder.roots) else None
        if explicit and base not in search and not (finder.origin == "blob" and finder.path in search):
            continue
        # PathFinder lists this one from disk (or the virtual file layer)
        # already: no duplicate.
        if base is not None and base in search and _os.path.exists(_os.path.join(base, dirname)):
            continue
        found.append(cls(finder, dirname, root))
    return iter(found)


# --- modules adjusted once imported --------------------------------------------
# A few modules need a word from the runtime once they are imported, by
# whichever importer: the runtime calls after_import(module) when one named
# in ADJUSTED has been executed (support_bridge.cpp keeps the same names and
# checks they agree), and at install() for those imported already.

def after_import(module):
    adjust = ADJUSTED.get(getattr(module, "__name__", None))
    if adjust is not None:
        adjust(module)


def find_spec_then_adjust(finder, fullname, path, target):
    """find_spec for a name in ADJUSTED: the blob's spec (our loader calls
    after_import), or the next finders' with their loader's exec_module
    wrapped to call it."""
    spec = finder._spec(fullname, path)
    if spec is not None:
        return spec
    meta = _sys.meta_path
    start = meta.index(finder) + 1 if finder in meta else len(meta)
    for other in list(meta[start:]):
        find = getattr(other, "find_spec", None)
        spec = find(fullname, path, target) if find is not None else None
        if spec is not None:
            break
    loader = getattr(spec, "loader", None)
    if loader is None or isinstance(loader, type) or not hasattr(loader, "exec_module"):
        return spec  # a class (BuiltinImporter...) is shared: never patched
    exec_original = loader.exec_module

    def exec_module(module):
        exec_original(module)
        after_import(module)

    try:
        loader.exec_module = exec_module
    except AttributeError:
        pass
    return spec


def _wrap(module, name, make):
    """module.<name> replaced by make(original), once."""
    original = getattr(module, name, None)
    if original is None or getattr(original, "_oxpack", False):
        return
    wrapper = make(original)
    wrapper._oxpack = True
    wrapper.__wrapped__ = original
    wrapper.__doc__ = original.__doc__
    wrapper.__name__ = getattr(original, "__name__", name)
    setattr(module, name, wrapper)


# pkg_resources (setuptools' and pip's vendored copy): a provider for modules
# our loaders serve. Their files are read through the os functions, which
# the virtual file layer serves in blob mode; resource_filename() gives a
# real file (the materialized copy) for a path inside a blob.

def _inside_a_blob(path):
    return any(path.startswith(f.path + "/") for f in _runtime.installed())


def _adjust_pkg_resources(pr):
    if getattr(pr, "_oxpack_provider", None) is not None:
        return

    class BlobProvider(pr.DefaultProvider):
        """pkg_resources' provider for modules served by oxpack_runtime."""

        def get_resource_filename(self, manager, resource_name):
            path = self._fn(self.module_path, resource_name)
            return _runtime.materialize(path) if _inside_a_blob(path) else path

    pr.register_loader_type(_runtime.Loader, BlobProvider)
    pr._oxpack_provider = BlobProvider


# multiprocessing: children started by spawn or forkserver run
# `python -c "from multiprocessing.spawn import spawn_main; ..."` (or the
# forkserver's main). They install the parent's blobs first: the -c program
# gets a prelude that loads this runtime from its file and installs them
# (no file is written; the fork start method needs nothing).

_CHILD_PROGRAMS = ("from multiprocessing.spawn import", "from multiprocessing.forkserver import")


def child_prelude(finders):
    blobs = [(f.path, f.origin, f.files, list(f.lazy) or False) for f in finders]
    return ("import importlib.util as _u, sys as _s\n"
            "_m = _s.modules.get('oxpack_runtime')\n"
            "if _m is None:\n"
            "    _p = _u.spec_from_file_location('oxpack_runtime', %r)\n"
            "    _m = _u.module_from_spec(_p); _s.modules['oxpack_runtime'] = _m; _p.loader.exec_module(_m)\n"
            "for _b, _o, _f, _l in %r:\n"
            "    _m.install(_b, origin=_o, stale='ignore', verify='once', files=_f, lazy=_l)\n"
            "del _u, _s, _m\n" % (_runtime.__file__, blobs))


def child_args(args):
    finders = _runtime.installed()
    args = list(args)
    if not finders or "-c" not in args:
        return args
    i = args.index("-c")
    if i + 1 < len(args) and isinstance(args[i + 1], str) and args[i + 1].startswith(_CHILD_PROGRAMS):
        args[i + 1] = child_prelude(finders) + args[i + 1]
    return args


def _adjust_multiprocessing(util):
    def make(original):
        def spawnv_passfds(path, args, passfds):
            return original(path, child_args(args), passfds)
        return spawnv_passfds

    _wrap(util, "spawnv_passfds", make)


# Python 3.9: importlib.resources.files() ignores the loader. 3.9's
# importlib._common.from_package() only looks at spec.origin (or a zip
# archive), so files() of a blob-mode package would name the module file.
# Its from_package learns to ask our loaders (loader.files()); other loaders
# keep the original behaviour.

def _adjust_resources_common(module):
    def make(original):
        def from_package(package):
            loader = getattr(getattr(package, "__spec__", None), "loader", None)
            if isinstance(loader, _runtime.Loader):
                try:
                    return loader.files()
                except AttributeError:
                    pass
            return original(package)
        return from_package

    _wrap(module, "from_package", make)


# --- lazy execution ------------------------------------------------------------
# install(lazy=...): the loader's exec_module hands a module in the lazy set to
# defer(), which leaves it created, initialised and bound (sys.modules, its
# parent) but with its body not run, and turns it into a _LazyModule. The
# first read of an attribute other than the import system's own, or a
# delete, runs the body (importlib.util.LazyLoader's model), once, under the
# module's import lock; then the module is a plain module again, at no cost
# per access. Attributes other code set before that first use (importlib
# binding a submodule, a test patching) win over the body's, as they would
# have had the body run first.

_ModuleType = type(_sys)
_module_getattribute = _ModuleType.__getattribute__  # with PEP 562's module __getattr__
_bootstrap = _sys.modules["_frozen_importlib"]

# What importlib, the import statement and repr() read from a module being
# imported: reading them runs nothing. Not __path__: importing a submodule
# reads it, and a package's body often prepares what its submodules assume
# (mpmath.functions imports the modules that register mpmath's functions
# into a class a sibling module reads), so importing anything below a lazy
# package runs the package's body first, as an eager import would have.
_IMPORT_ATTRS = frozenset(("__spec__", "__name__", "__loader__", "__package__", "__file__", "__cached__",
                           "__class__"))

# module -> [loader, thread running its body or None, its dict when deferred]
_deferred = {}
# Names whose deferred body has run (or is running).
_ran_lazily = set()


def _raw_dict(module):
    return _module_getattribute(module, "__dict__")


class _LazyModule(_ModuleType):
    """A module whose body runs on first use (oxpack_runtime, lazy=...)."""

    def __getattribute__(self, attr):
        # The import system's own attributes are served as they are; one the
        # body itself would set (six sets __path__ to become a package) runs
        # the body first.
        if attr not in _IMPORT_ATTRS or attr not in _raw_dict(self):
            _run_deferred(self)
        return _module_getattribute(self, attr)

    def __delattr__(self, attr):
        _run_deferred(self)
        _ModuleType.__delattr__(self, attr)


def defer(module, loader):
    """exec_module's question for a module in the lazy set: True when its
    body is deferred, False to run it now (a reload runs now)."""
    spec = _raw_dict(module).get("__spec__")
    if not getattr(spec, "_initializing", False):  # importlib.reload(): not an import
        if _deferred.pop(id(module), None) is not None:
            module.__class__ = _ModuleType
        return False
    _deferred[id(module)] = [loader, None, dict(_raw_dict(module)), _weakref.ref(module, _forget_deferred)]
    module.__class__ = _LazyModule
    return True


def _forget_deferred(ref):
    for key, job in list(_deferred.items()):
        if job[3] is ref:
            del _deferred[key]


def _run_deferred(module):
    job = _deferred.get(id(module))
    if job is None or job[1] == _thread.get_ident():
        return  # run already, or running in this thread (a circular use sees the partial module, as eagerly)
    name = _raw_dict(module).get("__name__")
    lock = _bootstrap._ModuleLockManager(name)
    try:
        lock.__enter__()
    except _bootstrap._DeadlockError:
        return  # another thread runs this body and waits for this one: the partial module, as eagerly
    try:
        job = _deferred.get(id(module))
        if job is None:
            return  # another thread ran it meanwhile
        loader, _, before, _ = job
        job[1] = _thread.get_ident()
        _ran_lazily.add(name)
        d = _raw_dict(module)
        written = {k: v for k, v in d.items() if k not in before or before[k] is not v}
        try:
            loader._exec_deferred(module)
        except BaseException:
            del _deferred[id(module)]
            module.__class__ = _ModuleType
            _unbind(module, name)
            raise
        d.update(written)
        del _deferred[id(module)]
        module.__class__ = _ModuleType
    finally:
        lock.__exit__(None, None, None)


class _ImportedMeanwhile:
    """The loader for a module a lazy package's body imported while the
    import system, asking for that same module, read the package's
    __path__: the import gets the module that body made (importing it a
    second time would make a second module)."""

    @staticmethod
    def create_module(spec):
        return _sys.modules[spec.name]

    @staticmethod
    def exec_module(module):
        pass


def imported_meanwhile(name):
    """The finder's answer for a name already in sys.modules (lazy=... only):
    a module a lazy parent's deferred body imported, else None."""
    module = _sys.modules.get(name)
    if module is None or name.rpartition(".")[0] not in _ran_lazily:
        return None
    spec = getattr(module, "__spec__", None)  # served as it is by a lazy module
    return _bootstrap.ModuleSpec(name, _ImportedMeanwhile, origin=getattr(spec, "origin", None))


def _unbind(module, name):
    """After a deferred body failed: gone from sys.modules and from its
    parent, as a failed eager import leaves it."""
    if _sys.modules.get(name) is module:
        del _sys.modules[name]
    parent, _, child = name.rpartition(".")
    parent_module = _sys.modules.get(parent) if parent else None
    if parent_module is not None:
        pd = _raw_dict(parent_module)
        if pd.get(child) is module:
            del pd[child]


ADJUSTED = {
    "pkg_resources": _adjust_pkg_resources,
    "pip._vendor.pkg_resources": _adjust_pkg_resources,
    "multiprocessing.util": _adjust_multiprocessing,
    "importlib._common": _adjust_resources_common,  # 3.9 only: the runtime asks for it there alone
}
