"""Child process of the import benchmark: set up one importer, run one workload.

Run as:  python -I -W ignore import_driver.py '<repr of a config dict>'
(a repr, read with eval, so that parsing it imports nothing the workloads
measure; the JSON result is written after the measurement).
Prints one JSON line: seconds spent importing, modules loaded, and (limit
mode) the summed in-process marshal.loads + exec time.

Kept compatible with every Python from 3.8 on.
"""
import os
import sys
import time

cfg = eval(sys.argv[1], {"__builtins__": {}})
mode = cfg["mode"]

# bench_child.py, beside this file (-I leaves it off sys.path); dropped from
# sys.modules so that the module counts are the workload's.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_child as bench  # noqa: E402

del sys.path[0], sys.modules["bench_child"]

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
    limit_state = bench.limit_loader().install(cfg["table"])
else:
    raise SystemExit("unknown mode " + mode)
setup_s = time.perf_counter() - t_setup

mark = cfg.get("mark")
if mark:
    bench.mark(mark, "start")  # a marker the strace reader looks for
before = len(sys.modules)
t0 = time.perf_counter()
if cfg["workload"] == "stdlib":
    bench.import_all(cfg["modules"])
else:
    bench.run_script(cfg["script"])
import_s = time.perf_counter() - t0
after = len(sys.modules)
if mark:
    bench.mark(mark, "end")

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
    out["outside_loads_s"] = import_s - limit_state["outermost"]
if cfg.get("record"):
    # Record every module's code and location for the limit run.
    out["recorded"] = bench.limit_loader().record(cfg["record"])
sys.stdout.write(__import__("json").dumps(out) + "\n")
