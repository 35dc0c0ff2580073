"""The limit of the import benchmarks, shared by their child processes
(bench/import_driver.py, bench/import_ratio.py).

record(path) stores the code of every module a run loaded; install(path)
then serves those modules from memory through a minimal meta-path finder
and times, per module, marshal.loads + exec of its code, or for an
extension module its loading from its file (dlopen and the init function),
each less the imports it makes (measured from the nested find_spec to the
end of the nested exec). The sum is the time no loader can go under.

Kept compatible with every Python from 3.8 on.
"""
import sys
import time


def record(path):
    """Writes {name: {kind, origin, path, pyc}} for every module in
    sys.modules that has a location: kind 'py' with its __pycache__ bytes,
    or 'ext'. Returns how many."""
    import importlib.util
    import pickle

    table = {}
    for name, mod in list(sys.modules.items()):
        spec = getattr(mod, "__spec__", None)
        origin = getattr(spec, "origin", None)
        if spec is None or not origin or not getattr(spec, "has_location", False) or name == __name__:
            continue
        locations = spec.submodule_search_locations
        locations = list(locations) if locations is not None else None
        if origin.endswith(".py"):
            try:
                with open(importlib.util.cache_from_source(origin), "rb") as f:
                    pyc = f.read()
            except OSError:
                continue
            table[name] = {"kind": "py", "origin": origin, "path": locations, "pyc": pyc}
        elif origin.endswith(".so"):
            table[name] = {"kind": "ext", "origin": origin, "path": locations}
    with open(path, "wb") as f:
        pickle.dump(table, f)
    return len(table)


def install(path):
    """Puts the finder first on sys.meta_path. Returns its running totals:
    limit (s), unmarshal (s), loaded (modules), and outermost (s): the time
    spent loading outermost modules, find_spec to the end of exec_module,
    so that a workload's time outside module loading is its total less it."""
    import marshal
    import pickle
    import importlib.machinery as machinery

    with open(path, "rb") as f:
        table = pickle.load(f)
    perf = time.perf_counter
    totals = {"limit": 0.0, "unmarshal": 0.0, "loaded": 0, "outermost": 0.0}
    starts = {}
    stack = [0.0]  # nested time to subtract, one slot per active load; [0]: outermost loads

    class Loader:
        def __init__(self, name, rec):
            self.name, self.rec = name, rec
            self.ext = machinery.ExtensionFileLoader(name, rec["origin"]) if rec["kind"] == "ext" else None
            self.t0 = 0.0

        def create_module(self, spec):
            if self.ext is None:
                return None
            # An extension's floor is loading it from its file: timed from
            # here to the end of exec_module.
            stack.append(0.0)
            self.t0 = perf()
            try:
                return self.ext.create_module(spec)
            except BaseException:
                stack.pop()
                raise

        def exec_module(self, module):
            if self.ext is not None:
                try:
                    self.ext.exec_module(module)
                finally:
                    totals["limit"] += perf() - self.t0 - stack.pop()
                    totals["loaded"] += 1
            else:
                stack.append(0.0)
                t0 = perf()
                code = marshal.loads(memoryview(self.rec["pyc"])[16:])
                t1 = perf()
                try:
                    exec(code, module.__dict__)
                finally:
                    totals["limit"] += perf() - t0 - stack.pop()
                    totals["unmarshal"] += t1 - t0
                    totals["loaded"] += 1
            start = starts.pop(self.name, None)
            if start is not None:
                stack[-1] += perf() - start
                totals["outermost"] = stack[0]

    class Finder:
        @staticmethod
        def find_spec(name, path=None, target=None):
            rec = table.get(name)
            if rec is None:
                return None
            starts[name] = perf()
            spec = machinery.ModuleSpec(name, Loader(name, rec), origin=rec["origin"],
                                        is_package=rec["path"] is not None)
            if rec["path"] is not None:
                spec.submodule_search_locations = list(rec["path"])
            spec.has_location = True
            return spec

    sys.meta_path.insert(0, Finder)
    return totals
