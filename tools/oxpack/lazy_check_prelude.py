# oxpack freeze --lazy check: the sitecustomize.py every Python process of
# the profiled command runs (tools/oxpack/lazy_check.cpp puts it first on
# PYTHONPATH): installs the blob being checked, from $OXPACK_BLOB with
# $OXPACK_LAZY as oxpack_runtime.activate_from_env() reads them, with the
# oxpack_runtime extension at $OXPACK_CHECK_RUNTIME; then the environment's
# own sitecustomize, if any, runs as it would have. Each process that
# installed the blob appends a line to $OXPACK_CHECK_STAMP. Python 3.8+.
import os
import sys


def _oxpack_check():
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    ext = os.environ.get("OXPACK_CHECK_RUNTIME")
    if not ext:
        return
    bootstrap = sys.modules["_frozen_importlib"]
    external = sys.modules["_frozen_importlib_external"]
    loader = external.ExtensionFileLoader("oxpack_runtime", ext)
    spec = bootstrap.spec_from_loader("oxpack_runtime", loader, origin=ext)
    runtime = bootstrap.module_from_spec(spec)
    sys.modules["oxpack_runtime"] = runtime
    loader.exec_module(runtime)
    if runtime.activate_from_env():
        stamp = os.environ.get("OXPACK_CHECK_STAMP")
        if stamp:  # the check learns the blob was installed here
            fd = os.open(stamp, os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
            os.write(fd, b"installed\n")
            os.close(fd)

    spec = external.PathFinder.find_spec("sitecustomize", sys.path)
    if spec is not None and spec.loader is not None:
        module = bootstrap.module_from_spec(spec)
        sys.modules["sitecustomize"] = module
        spec.loader.exec_module(module)


_oxpack_check()
