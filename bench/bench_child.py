"""What every benchmark child process does besides the measured imports:
load the runtime, run a workload, mark the strace window, load the limit.

A child imports this before its clock starts, then drops it from
sys.modules (so module counts stay the workload's):

    sys.path.insert(0, BENCH_DIR); import bench_child as bench
    del sys.path[0], sys.modules['bench_child']

It imports nothing at its top beyond what every start-up has (os, sys): a
module imported here would be free for the workload that follows.
Kept compatible with every Python from 3.8 on.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def load_runtime(ext):
    """oxpack_runtime from the extension file `ext`, in sys.modules."""
    import importlib.machinery as m

    loader = m.ExtensionFileLoader("oxpack_runtime", ext)
    rt = loader.create_module(m.ModuleSpec("oxpack_runtime", loader, origin=ext))
    loader.exec_module(rt)
    sys.modules["oxpack_runtime"] = rt
    return rt


def import_all(names):
    """Each module of `names` imported in turn, failures ignored."""
    for name in names:
        try:
            __import__(name)
        except Exception:
            pass


def run_script(path, run_name="__workload__"):
    """A workload script, run as module `run_name`."""
    with open(path) as f:
        code = compile(f.read(), path, "exec")
    exec(code, {"__name__": run_name})


def run_workload(workload):
    """A workload file: a script (.py), run as __bench__, or module names
    imported one by one (failures ignored; antigravity and this skipped)."""
    if workload.endswith(".py"):
        run_script(workload, "__bench__")
    else:
        with open(workload) as f:
            import_all(n for n in f.read().split() if n not in ("antigravity", "this"))


def mark(prefix, what):
    """A stat() of PREFIX-WHAT, which the strace readers look for."""
    try:
        os.stat("%s-%s" % (prefix, what))
    except OSError:
        pass


def limit_loader():
    """bench/limit_loader.py: the limit's definition (marshal + exec)."""
    sys.path.insert(0, HERE)
    import limit_loader

    del sys.path[0]
    return limit_loader
