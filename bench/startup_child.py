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
import sys
import time

cfg = eval(sys.argv[1], {"__builtins__": {}})
install_s = 0.0
if cfg["mode"] == "oxpack":
    import importlib.machinery as machinery

    t = time.perf_counter()
    loader = machinery.ExtensionFileLoader("oxpack_runtime", cfg["ext"])
    spec = machinery.ModuleSpec("oxpack_runtime", loader, origin=cfg["ext"])
    rt = loader.create_module(spec)
    loader.exec_module(rt)
    sys.modules["oxpack_runtime"] = rt
    rt.install(cfg["blob"], **cfg.get("install", {}))
    install_s = time.perf_counter() - t


def mark(what):
    if cfg.get("mark"):
        import os

        try:
            os.stat(cfg["mark"] + "-" + what)
        except OSError:
            pass


mark("start")
before = len(sys.modules)
t0 = time.perf_counter()
if cfg["workload"] == "stdlib":
    for name in cfg["modules"]:
        try:
            __import__(name)
        except Exception:
            pass
else:
    with open(cfg["workload"]) as f:
        code = compile(f.read(), cfg["workload"], "exec")
    exec(code, {"__name__": "__workload__"})
import_s = time.perf_counter() - t0
mark("end")
sys.stdout.write(repr({"import_s": import_s, "install_s": install_s, "modules": len(sys.modules),
                       "new_modules": len(sys.modules) - before}) + "\n")
