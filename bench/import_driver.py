"""Child process of the import benchmark: set up one importer, run one workload.

Run as:  python -I -W ignore import_driver.py '<repr of a config dict>'
(a repr, read with eval, so that parsing it imports nothing the workloads
measure; the JSON result is written after the measurement).
Prints one JSON line: seconds spent importing, modules loaded, and (limit
mode) the summed in-process marshal.loads + exec time.

Kept compatible with every Python from 3.8 on.
"""
import sys
import time

cfg = eval(sys.argv[1], {"__builtins__": {}})
mode = cfg["mode"]


def load_limit_finder(path):
    """A finder serving every recorded module from memory, timing marshal+exec."""
    import marshal
    import pickle
    import importlib.machinery as machinery

    with open(path, "rb") as f:
        table = pickle.load(f)
    perf = time.perf_counter
    state = {"limit": 0.0}
    starts = {}
    # Nested time to subtract, one slot per active exec; stack[0] ends up
    # holding the time spent loading outermost modules (find_spec to the end
    # of exec_module), so the workload's time outside them is the rest.
    stack = [0.0]
    state["stack"] = stack

    class Loader:
        def __init__(self, name, rec):
            self.name, self.rec = name, rec

        def create_module(self, spec):
            if self.rec["kind"] == "ext":
                # An extension module's floor is loading it from its file
                # (dlopen, its init function): timed from here to the end
                # of exec_module, nested imports subtracted.
                stack.append(0.0)
                self.t0 = perf()
                try:
                    return self.ext.create_module(spec)
                except BaseException:
                    stack.pop()
                    raise
            return None

        def exec_module(self, module):
            rec = self.rec
            if rec["kind"] == "ext":
                try:
                    self.ext.exec_module(module)
                finally:
                    state["limit"] += perf() - self.t0 - stack.pop()
            else:
                stack.append(0.0)
                t0 = perf()
                code = marshal.loads(memoryview(rec["pyc"])[16:])
                exec(code, module.__dict__)
                own = perf() - t0 - stack.pop()
                state["limit"] += own
            start = starts.pop(self.name, None)
            if start is not None:
                stack[-1] += perf() - start

    class Finder:
        @staticmethod
        def find_spec(name, path=None, target=None):
            rec = table.get(name)
            if rec is None:
                return None
            starts[name] = perf()
            loader = Loader(name, rec)
            if rec["kind"] == "ext":
                loader.ext = machinery.ExtensionFileLoader(name, rec["origin"])
            spec = machinery.ModuleSpec(name, loader, origin=rec["origin"], is_package=rec["path"] is not None)
            if rec["path"] is not None:
                spec.submodule_search_locations = list(rec["path"])
            spec.has_location = True
            return spec

    sys.meta_path.insert(0, Finder)
    return state


limit_state = None
t_setup = time.perf_counter()
if mode == "default":
    pass
elif mode == "zip":
    sys.path.insert(0, cfg["zip"])
elif mode == "oxpack":
    sys.path.insert(0, cfg["runtime_dir"])
    import oxpack_runtime

    del sys.path[0]
    t_install = time.perf_counter()
    oxpack_runtime.install(cfg["blob"], **cfg.get("install", {}))
    install_s = time.perf_counter() - t_install
elif mode == "oxidized":
    sys.path.insert(0, cfg["oxidized_dir"])
    import oxidized_importer

    del sys.path[0]

    finder = oxidized_importer.OxidizedFinder()
    with open(cfg["packed"], "rb") as f:
        finder.index_bytes(f.read())
    sys.meta_path.insert(0, finder)
elif mode == "limit":
    limit_state = load_limit_finder(cfg["table"])
else:
    raise SystemExit("unknown mode " + mode)
setup_s = time.perf_counter() - t_setup

mark = cfg.get("mark")
if mark:
    import os

    try:
        os.stat(mark + "-start")  # a marker the strace reader looks for
    except OSError:
        pass
before = len(sys.modules)
t0 = time.perf_counter()
if cfg["workload"] == "stdlib":
    for name in cfg["modules"]:
        try:
            __import__(name)
        except Exception:
            pass
else:
    with open(cfg["script"]) as f:
        code = compile(f.read(), cfg["script"], "exec")
    exec(code, {"__name__": "__workload__"})
import_s = time.perf_counter() - t0
after = len(sys.modules)
if mark:
    try:
        os.stat(mark + "-end")
    except OSError:
        pass

import resource

out = {"import_s": import_s, "setup_s": setup_s, "modules": after, "new_modules": after - before,
       "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
if mode == "oxpack":
    out["install_s"] = install_s
if cfg.get("served_out"):
    # The files of the modules the blob served (original paths): the strace
    # reader attributes filesystem calls on them to the importer.
    import json

    served = []
    for name, mod in list(sys.modules.items()):
        loader = getattr(mod, "__loader__", None)
        if type(loader).__module__ == "oxpack_runtime":
            spec = mod.__spec__
            served.append({"name": name, "origin": getattr(spec, "origin", None),
                           "path": list(spec.submodule_search_locations or [])})
    with open(cfg["served_out"], "w") as f:
        json.dump(served, f)
if limit_state is not None:
    out["limit_s"] = limit_state["limit"]
    # What the workload does besides loading modules (the stdlib loop and
    # its already-imported checks, a script's own calls such as boto3's
    # Session().client()): part of its floor under any importer.
    out["outside_loads_s"] = import_s - limit_state["stack"][0]
if cfg.get("record"):
    # Record every module's code and location for the limit run.
    import importlib.util
    import pickle

    table = {}
    for name, mod in list(sys.modules.items()):
        spec = getattr(mod, "__spec__", None)
        origin = getattr(spec, "origin", None)
        if spec is None or not origin or not getattr(spec, "has_location", False):
            continue
        path = spec.submodule_search_locations
        path = list(path) if path is not None else None
        if origin.endswith(".py"):
            cached = importlib.util.cache_from_source(origin)
            try:
                with open(cached, "rb") as f:
                    pyc = f.read()
            except OSError:
                continue
            table[name] = {"kind": "py", "origin": origin, "path": path, "pyc": pyc}
        elif origin.endswith(".so"):
            table[name] = {"kind": "ext", "origin": origin, "path": path}
    with open(cfg["record"], "wb") as f:
        pickle.dump(table, f)
    out["recorded"] = len(table)
sys.stdout.write(__import__("json").dumps(out) + "\n")
