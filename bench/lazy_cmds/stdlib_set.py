"""bench/run lazy's stdlib command: imports every module named in the
workload file given (../shared/workloads/stdlib-modules.txt) in order,
ignoring failures, warnings silenced (as bench_child.run_workload does;
antigravity and this skipped: they open a browser and print), and prints
how many imported."""
import sys
import warnings

warnings.simplefilter("ignore")
ok = 0
with open(sys.argv[1]) as f:
    for name in f.read().split():
        if name in ("antigravity", "this"):
            continue
        try:
            __import__(name)
            ok += 1
        except Exception:
            pass
print("imported", ok)
