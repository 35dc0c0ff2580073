# oxpack freeze --profile: records what this run imports and opens.
# Written as sitecustomize.py into a private directory put first on
# PYTHONPATH for one run (lib/freeze/profile.cpp); appends "import NAME" and
# "open PATH" lines to $OXPACK_PROFILE_OUT. Python 3.8+.
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

    class OxpackProfileObserver:
        @staticmethod
        def find_spec(name, path=None, target=None):
            emit("import", name)
            return None

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


_oxpack_record()
del _oxpack_record

# The environment's own sitecustomize, if any, runs as it would have.
del sys.modules["sitecustomize"]
try:
    import sitecustomize  # noqa: F401
except ImportError as e:
    if e.name != "sitecustomize":
        raise
