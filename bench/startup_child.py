"""Child process of the start-up benchmarks (bench/slow_storage.py,
bench/fuse_shared.py, bench/cold.py): one importer, one workload, one
process, measured from the parent as a whole (python start to exit) and
inside as the import window.

    python -I -W ignore startup_child.py '<repr of a config dict>'

Config: mode 'default' or 'oxpack' (then 'ext': the oxpack_runtime
extension file, loaded by path so that no finder probes for it, 'blob',
'install': install()'s keyword arguments), 'workload' ('stdlib' with
'modules', or a script path), 'mark' (a path prefix the strace reader looks
for around the import window). Prints one line, a repr of a dict: import_s,
install_s, modules. Kept free of imports the workloads measure (repr, not
json, on the way in and out) and compatible with every Python from 3.8 on.
"""
import os
import sys
import time

cfg = eval(sys.argv[1], {"__builtins__": {}})

# bench_child.py, beside this file (-I leaves it off sys.path); dropped from
# sys.modules so that the module counts are the workload's.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_child as bench  # noqa: E402

del sys.path[0], sys.modules["bench_child"]

install_s = 0.0
if cfg["mode"] == "oxpack":
    t = time.perf_counter()
    # loaded by path, so that no finder probes for it
    bench.load_runtime(cfg["ext"]).install(cfg["blob"], **cfg.get("install", {}))
    install_s = time.perf_counter() - t


def mark(what):
    if cfg.get("mark"):
        bench.mark(cfg["mark"], what)


mark("start")
before = len(sys.modules)
t0 = time.perf_counter()
if cfg["workload"] == "stdlib":
    bench.import_all(cfg["modules"])
else:
    bench.run_script(cfg["workload"])
import_s = time.perf_counter() - t0
mark("end")
sys.stdout.write(repr({"import_s": import_s, "install_s": install_s, "modules": len(sys.modules),
                       "new_modules": len(sys.modules) - before}) + "\n")
