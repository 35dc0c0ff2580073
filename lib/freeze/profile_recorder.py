# oxpack freeze --profile: records what this run imports and opens.
# Written as sitecustomize.py into a private directory put first on
# PYTHONPATH for one run (lib/freeze/profile.cpp); appends "import NAME" and
# "open PATH" lines to $OXPACK_PROFILE_OUT. Python 3.8+.
#
# With $OXPACK_PROFILE_LAZY=1 (freeze --lazy auto) it also records what the
# choice of a lazy set needs (lib/freeze/lazy_choice.hpp), for every module
# whose body runs from a file during the run:
#   ran NAME MICROSECONDS      its body finished (the time includes the
#                              imports it made)
#   failed NAME                its body raised
#   touched NAME ATTR BY       first use after its import: attribute ATTR
#                              read by code of module BY (a lazy body would
#                              have run there)
#   effect NAME WHAT           its import changed something outside itself
#                              (WHAT says what); such a body must run when
#                              it is imported, never later
import os
import sys


def _oxpack_record():
    out = os.environ.get("OXPACK_PROFILE_OUT")
    here = os.path.dirname(os.path.abspath(__file__))
    # The application sees its usual sys.path.
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    if not out:
        return
    fd = os.open(out, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    seen = set()
    write = os.write
    fsdecode = os.fsdecode
    abspath = os.path.abspath
    busy = [False]

    def emit(kind, name):
        if (kind, name) in seen or "\n" in name:
            return
        seen.add((kind, name))
        try:
            write(fd, ("%s %s\n" % (kind, name)).encode("utf-8", "surrogateescape"))
        except OSError:
            pass

    for name in list(sys.modules):  # loaded before this point (start-up, site, .pth files), in that order
        emit("import", name)

    watch = _lazy_analysis(emit) if os.environ.get("OXPACK_PROFILE_LAZY") == "1" else None

    class OxpackProfileObserver:
        @staticmethod
        def find_spec(name, path=None, target=None):
            emit("import", name)
            return watch(name, path, target) if watch is not None else None

        @staticmethod
        def invalidate_caches():
            pass

    sys.meta_path.insert(0, OxpackProfileObserver)

    def audit(event, args):
        if event != "open" or busy[0] or not args or not isinstance(args[0], (str, bytes)):
            return
        mode = args[1] if len(args) > 1 else None
        flags = args[2] if len(args) > 2 else 0
        if isinstance(mode, str):
            if any(c in mode for c in "wax+"):
                return
        elif isinstance(flags, int) and flags & 3 != os.O_RDONLY:
            return
        busy[0] = True
        try:
            path = fsdecode(args[0])
            if not path.endswith(".pyc"):  # a module's own code: recorded as its import
                emit("open", abspath(path))
        except Exception:
            pass
        finally:
            busy[0] = False

    sys.addaudithook(audit)


# --- lazy analysis (freeze --lazy auto) ----------------------------------------
# A body may be deferred when nothing uses its module after its import and
# its import changes nothing outside the module. The run is watched like
# this:
# - every module finder's spec is found here (the rest of sys.meta_path,
#   in order, as the import system would) and, for a module with a file
#   body, its loader's exec_module is wrapped for that one call: the body's
#   start and end, with a snapshot of global state before and after;
# - a module whose body ran is given a module subclass that notes the first
#   read of an attribute other than the import system's own (the rule
#   oxpack_runtime's lazy modules follow to run a body), and writes to it;
#   after that first use only writes are watched;
# - registrations that leave no trace in the snapshot (codecs, signals,
#   ABC registration of other modules' classes, setattr on other modules'
#   classes, classes made by other modules' metaclasses, functions the body
#   defines that something else keeps a reference to) are noted as they
#   happen.
# Effects count for every import in progress in the thread (a body that
# imports a module with effects has them too), except changes a package
# makes to itself or below.

def _lazy_analysis(emit):
    import _thread
    import builtins
    import gc
    import time

    ModuleType = type(sys)
    module_getattribute = ModuleType.__getattribute__
    module_setattr = ModuleType.__setattr__
    bootstrap = sys.modules["_frozen_importlib"]
    FunctionType = type(_lazy_analysis)
    # As oxpack_runtime's support.py: reading these runs no lazy body.
    # (__path__ is a use: importing a submodule runs a lazy package's body.)
    IMPORT_ATTRS = frozenset(("__spec__", "__name__", "__loader__", "__package__", "__file__", "__cached__",
                              "__class__"))
    IMPORTLIB = frozenset(("importlib._bootstrap", "importlib._bootstrap_external", "_frozen_importlib",
                           "_frozen_importlib_external"))
    # Metaclasses whose classes register nowhere that matters here.
    PLAIN_METACLASSES = {type}
    stacks = {}       # thread -> [[name, snapshot, start time], ...]: bodies running
    finding = set()   # (thread, name): our own _find_spec call, not to be watched again
    looked_up = set()  # names the import system looked up
    init_keys = {}    # name -> the attributes set before its body ran
    wrapped = {}      # loader class -> its watching subclass (or None)
    ran = {}          # name -> module, for the check at exit

    def stack():
        return stacks.setdefault(_thread.get_ident(), [])

    def effect(what, owner=None):
        """An effect of every import in progress in this thread, except
        those it is internal to: a change to module `owner` (or to what it
        defines) is internal to owner's package and, while owner's body
        runs, to every import that caused it."""
        st = stack()
        first = 0
        if owner:
            for i, frame in enumerate(st):
                if frame[0] == owner:
                    first = i + 1
        for frame in st[first:]:
            name = frame[0]
            if owner and (owner == name or owner.startswith(name + ".")):
                continue
            emit("effect", "%s %s" % (name, what))

    def caller():
        f = sys._getframe(2)  # the code reading the attribute
        while f is not None and f.f_globals.get("__name__") in IMPORTLIB:
            f = f.f_back
        return (f.f_globals.get("__name__") or "-") if f is not None else "-"

    class Watched(ModuleType):
        """A module whose attributes other imports may write."""

        def __setattr__(self, attr, value):
            wrote(self, attr, value)
            module_setattr(self, attr, value)

        def __delattr__(self, attr):
            wrote(self, attr, None)
            ModuleType.__delattr__(self, attr)

    class Tracked(Watched):
        """A module imported in this run and not used since."""

        def __getattribute__(self, attr):
            d = module_getattribute(self, "__dict__")
            name = d.get("__name__")
            if not (attr in IMPORT_ATTRS and attr in init_keys.get(name, ())) and \
                    not any(frame[0] == name for frame in stack()):
                try:
                    by = caller()
                except ValueError:
                    by = "-"
                emit("touched", "%s %s %s" % (name, attr, by))
                ran.pop(name, None)
                module_setattr(self, "__class__", Watched)
            return module_getattribute(self, attr)

    def wrote(module, attr, value):
        if not stack():
            return
        target = module_getattribute(module, "__dict__").get("__name__")
        if not isinstance(target, str):
            return
        if isinstance(value, ModuleType):  # the import system binding a submodule to its parent
            try:
                if module_getattribute(value, "__name__") == target + "." + attr:
                    return
            except AttributeError:
                pass
        effect("sets %s.%s" % (target, attr), owner=target)

    def attr(module, name, default=None):
        """A module's attribute, read without counting as a use."""
        return module_getattribute(module, "__dict__").get(name, default) if module is not None else default

    def snapshot():
        w = sys.modules.get("warnings")
        cr = sys.modules.get("copyreg")
        lg = sys.modules.get("logging")
        ax = sys.modules.get("atexit")
        root = attr(lg, "root")
        try:
            cwd = os.getcwd()
        except OSError:
            cwd = None
        return {
            "changes sys.meta_path": tuple(sys.meta_path),
            "changes sys.path_hooks": tuple(sys.path_hooks),
            "changes sys.path": tuple(sys.path),
            "replaces a sys hook": (sys.excepthook, sys.displayhook, getattr(sys, "breakpointhook", None),
                                    getattr(sys, "unraisablehook", None)),
            "replaces sys.stdin, sys.stdout or sys.stderr": (sys.stdin, sys.stdout, sys.stderr),
            "sets a trace or profile function": (sys.gettrace(), sys.getprofile()),
            "registers an atexit function": attr(ax, "_ncallbacks", lambda: 0)(),
            # None: the module is not loaded (yet); its own import is no change.
            "changes the warnings filters": tuple(attr(w, "filters", ())) if w is not None else None,
            "registers a pickle reducer": ((len(attr(cr, "dispatch_table", ())), len(attr(cr, "_extension_registry", ())))
                                           if cr is not None else None),
            "configures logging": ((tuple(root.handlers), root.level, root.manager.disable)
                                   if root is not None and hasattr(root, "manager") else None),
            "changes os.environ": dict(os.environ),
            "changes the working directory": cwd,
            "changes builtins": {k: id(v) for k, v in builtins.__dict__.items()},
            "starts a thread": _thread._count(),
            "changes interpreter settings": (sys.getrecursionlimit(), sys.getswitchinterval(), gc.isenabled(),
                                             gc.get_threshold()),
            "sys.modules": dict(sys.modules),
        }

    def differences(before, after):
        for what, value in before.items():
            if what == "sys.modules":
                continue
            if value is not None and value != after[what]:
                yield what
        b, a = before["sys.modules"], after["sys.modules"]
        for name, module in a.items():
            if name not in b:
                # (an extension module's own submodules, pyexpat.errors, are part of its import)
                if name not in looked_up and name.rpartition(".")[0] not in looked_up:
                    yield "puts %s in sys.modules" % name
            elif b[name] is not module:
                yield "replaces %s in sys.modules" % name
        for name in b:
            if name not in a:
                yield "removes %s from sys.modules" % name

    def kept_functions(name, d):
        """Functions the body defined that something besides the module
        keeps: a registry (a decorator that records), a handler list. A
        function's references are counted against those the module itself
        holds: its bindings, its containers, its classes' and functions'
        attributes, defaults and closures."""
        mine = {}
        for value in d.values():
            if type(value) is FunctionType and getattr(value, "__module__", None) == name:
                mine[id(value)] = 0
        if not mine:
            return

        def count(items):
            for item in items:
                if id(item) in mine:
                    mine[id(item)] += 1

        def holders(value):
            t = type(value)
            if t is dict:
                count(value.keys())
                count(value.values())
            elif t in (list, tuple, set, frozenset):
                count(value)
            elif t in (staticmethod, classmethod):
                count((value.__func__,))
            elif t is property:
                count((value.fget, value.fset, value.fdel))

        for value in d.values():
            if id(value) in mine:
                mine[id(value)] += 1
            holders(value)
            if isinstance(value, type) and value.__dict__.get("__module__") == name:
                for item in value.__dict__.values():
                    if id(item) in mine:
                        mine[id(item)] += 1
                    holders(item)
            elif type(value) is FunctionType:
                holders(value.__defaults__)
                holders(value.__kwdefaults__)
                holders(getattr(value, "__dict__", None))
                for cell in value.__closure__ or ():
                    try:
                        if id(cell.cell_contents) in mine:
                            mine[id(cell.cell_contents)] += 1
                    except ValueError:
                        pass
        for value in list(d.values()):
            n = mine.get(id(value))
            # Besides the module's: this loop's variable, getrefcount's
            # argument, the list's item.
            if n is not None and sys.getrefcount(value) > n + 3:
                mine.pop(id(value))
                yield value.__qualname__

    def begin(name, module):
        d = module_getattribute(module, "__dict__")
        init_keys[name] = frozenset(d)
        if type(module) is ModuleType or type(module) is Watched:
            module_setattr(module, "__class__", Tracked)
        else:
            emit("effect", "%s has its own module class %s" % (name, type(module).__qualname__))
        stack().append([name, snapshot(), time.perf_counter()])

    def end(name, module, ok):
        frame = stack().pop()  # first: the stack stays right whatever follows
        micros = int((time.perf_counter() - frame[2]) * 1e6)
        for what in differences(frame[1], snapshot()):
            emit("effect", "%s %s" % (name, what))
        if sys.modules.get(name) is not module:
            emit("effect", "%s replaces itself in sys.modules" % name)
        if ok:
            ran[name] = module
            emit("ran", "%s %d" % (name, micros))
        else:
            emit("failed", name)

    def exec_module(self, module):
        base = type(self).__mro__[1]
        module_setattr_loader(self, base)  # the loader is its own class again for the body and after
        name = module_getattribute(module, "__dict__").get("__name__")
        try:
            begin(name, module)
        except Exception:  # never the application's problem: the module is not a candidate
            emit("effect", "%s could not be watched" % name)
            return base.exec_module(self, module)
        ok = False
        try:
            base.exec_module(self, module)
            ok = True
        finally:
            try:
                end(name, module, ok)
            except Exception:
                emit("effect", "%s could not be watched" % name)

    def module_setattr_loader(loader, cls):
        object.__setattr__(loader, "__class__", cls)

    def find_spec(name, path, target):
        """The import system's answer for `name` (the rest of sys.meta_path,
        in order), with the loader watched for the one exec_module call."""
        looked_up.add(name)
        key = (_thread.get_ident(), name)
        if key in finding:
            return None
        finding.add(key)
        try:
            spec = bootstrap._find_spec(name, path, target)
        finally:
            finding.discard(key)
        loader = getattr(spec, "loader", None)
        origin = getattr(spec, "origin", None)
        if loader is None or isinstance(loader, type) or not isinstance(origin, str) or \
                not origin.endswith((".py", ".pyc")):
            return spec
        cls = type(loader)
        sub = wrapped.get(cls, 0)
        if sub == 0:
            try:
                sub = type(cls.__name__, (cls,), {"exec_module": exec_module, "__module__": cls.__module__,
                                                  "__qualname__": cls.__qualname__})
            except TypeError:
                sub = None
            wrapped[cls] = sub
        if sub is not None:
            try:
                module_setattr_loader(loader, sub)
            except TypeError:
                pass
        return spec

    def at_exit():
        """Modules never used: does anything keep a function they defined?
        (Checked at the end: until then `from X import f` would count.)"""
        for name, module in list(ran.items()):
            try:
                for qualname in kept_functions(name, module_getattribute(module, "__dict__")):
                    emit("effect", "%s something else keeps its function %s" % (name, qualname))
            except Exception:
                emit("effect", "%s could not be watched" % name)

    import atexit
    atexit.register(at_exit)  # first registered, last run

    # Modules already loaded: writes to them are watched (not sys's:
    # importlib makes new modules with type(sys)(name); the snapshot
    # watches sys and builtins).
    for module in list(sys.modules.values()):
        if type(module) is ModuleType and module is not sys and module is not builtins:
            try:
                module_setattr(module, "__class__", Watched)
            except TypeError:
                pass

    # Registrations the snapshot cannot see.
    def note(what, owner=None):
        if stack():
            effect(what, owner)

    def wrap(module, attr, what):
        original = getattr(module, attr, None)
        if original is None:
            return

        def registering(*args, **kwargs):
            note(what)
            return original(*args, **kwargs)

        registering.__name__ = getattr(original, "__name__", attr)
        registering.__doc__ = getattr(original, "__doc__", None)
        module_setattr(module, attr, registering)

    import codecs
    import signal
    wrap(codecs, "register", "registers a codec search function")
    wrap(codecs, "register_error", "registers a codec error handler")
    wrap(signal, "signal", "sets a signal handler")
    wrap(signal, "set_wakeup_fd", "sets the signal wakeup fd")
    import faulthandler
    wrap(faulthandler, "enable", "enables faulthandler")
    wrap(faulthandler, "register", "registers a faulthandler signal")

    import abc
    abc_register = abc.ABCMeta.register

    def register(cls, subclass):
        if stack():
            # Internal to the import defining the class registered, if it
            # is running (its instances need it), else to the ABC's module.
            running = [frame[0] for frame in stack()]
            mine = getattr(subclass, "__module__", None)
            owner = mine if mine in running else getattr(cls, "__module__", None)
            effect("registers %s.%s with %s.%s" % (mine, getattr(subclass, "__qualname__", "?"),
                                                   getattr(cls, "__module__", "?"), getattr(cls, "__qualname__", "?")),
                   owner=owner if isinstance(owner, str) else None)
        return abc_register(cls, subclass)

    abc.ABCMeta.register = register

    builtin_setattr = builtins.setattr
    builtin_delattr = builtins.delattr

    def on_class(obj, attr):
        if stack() and isinstance(obj, type):
            owner = obj.__dict__.get("__module__")
            if isinstance(owner, str):
                effect("sets %s.%s.%s" % (owner, obj.__qualname__, attr), owner=owner)

    def setattr(obj, name, value, /):
        on_class(obj, name)
        return builtin_setattr(obj, name, value)

    def delattr(obj, name, /):
        on_class(obj, name)
        return builtin_delattr(obj, name)

    builtins.setattr = setattr
    builtins.delattr = delattr

    build_class = builtins.__build_class__

    def __build_class__(func, name, *bases, **kwargs):
        cls = build_class(func, name, *bases, **kwargs)
        if stack() and isinstance(cls, type):
            meta = type(cls)
            owner = cls.__dict__.get("__module__")
            if meta not in PLAIN_METACLASSES and not _stdlib(meta.__module__) and \
                    ("__init__" in meta.__dict__ or "__new__" in meta.__dict__):
                effect("makes class %s with metaclass %s.%s" % (name, meta.__module__, meta.__qualname__),
                       owner=meta.__module__)
            for base in cls.__mro__[1:]:
                if "__init_subclass__" in base.__dict__ and not _stdlib(base.__module__) and \
                        base.__module__ != owner:
                    effect("subclasses %s.%s, which has __init_subclass__" % (base.__module__, base.__qualname__),
                           owner=base.__module__)
                    break
        return cls

    builtins.__build_class__ = __build_class__
    return find_spec


def _stdlib(module_name):
    top = (module_name or "").partition(".")[0]
    names = getattr(sys, "stdlib_module_names", None)  # 3.10+
    if names is not None:
        return top in names or top == "builtins"
    return top in ("builtins", "abc", "enum", "typing", "collections", "_collections_abc", "ctypes", "_ctypes",
                   "types", "functools", "dataclasses", "numbers", "io", "_io", "weakref", "_weakrefset",
                   "contextlib", "string", "re", "ast", "email", "json", "logging", "unittest", "argparse")


_oxpack_record()
del _oxpack_record

# The environment's own sitecustomize, if any, runs as it would have: found
# on sys.path (without this directory) and put in sys.modules in this one's
# place, which the import system then returns.
def _oxpack_chain():
    bootstrap = sys.modules["_frozen_importlib"]
    spec = sys.modules["_frozen_importlib_external"].PathFinder.find_spec("sitecustomize", sys.path)
    if spec is None or spec.loader is None:
        return
    module = bootstrap.module_from_spec(spec)
    sys.modules["sitecustomize"] = module
    spec.loader.exec_module(module)


_oxpack_chain()
