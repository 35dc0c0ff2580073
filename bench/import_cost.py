"""Per-module import cost, by kind of module, of three importers side by side
in one run: what CPython's import machinery costs with any meta-path finder,
and what the oxpack runtime adds to it.

    python3 bench/import_cost.py [--python PY] [--blob PATH] [--workload FILE]
        [--rounds N] [--runtime LABEL=DIR]... [--json]

Every run imports the workload (default: every stdlib module of
/work/shared/workloads/stdlib-modules.txt) in a fresh `python -I -X importtime`
process; a module's cost is its "self" time as -X importtime reports it (the
whole import of that module, nested imports left out: CPython's
_find_and_load with module locks, the finders asked, module creation,
_init_module_attrs, the loader, the body). Modes, interleaved in a shuffled
order every round:
  fs       the file-system importer (bytecode in __pycache__, warm cache)
  dict     a minimal pure-Python meta-path finder first in sys.meta_path,
           serving each Python module's .pyc bytes from a dict filled before
           the clock starts: CPython's import machinery plus marshal.loads +
           exec and a few Python-level calls, no file access. Its loader
           sums marshal.loads + exec of each module less that of the modules
           its body imports ("limit": no importer can go under it; a nested
           import's machinery stays in its parent's share, so it is a little
           above the true one)
  blob     oxpack_runtime.install(BLOB) (default: the interpreter's whole
           sys.path frozen stored into build/bench/env-<tag>.oxr), runtime
           of build/python/<tag> (or each --runtime LABEL=DIR: blob@LABEL)
Kinds: py (source or bytecode modules, namespace packages), ext (extension
modules: dlopen + PyInit, identical work in every mode), other (builtin and
frozen modules: CPython's own importers in every mode).

Report: per kind, the median over rounds of the summed self times, in us per
module; "over limit" is py us/module less the limit us/module.
"""
import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile

import benchfn
from benchfn import BUILD, HERE, WORKLOADS

# Both child scripts load the children's shared harness (bench_child.py:
# the runtime, the workload: a script, or a file of module names imported
# one by one) before their clock starts.
BENCH_CHILD = """sys.path.insert(0, %r)
import bench_child as bench
del sys.path[0], sys.modules['bench_child']
""" % HERE

CHILD = r"""
import sys, time
mode, ext, blob, workload, table = sys.argv[1:6]
{BENCH_CHILD}execs = {}
if mode == 'blob':
    rt = bench.load_runtime(ext)
    rt.install(blob, stale='ignore')
elif mode == 'dict':
    import marshal, pickle, importlib.machinery as machinery
    with open(table, 'rb') as f:
        codes = pickle.load(f)
    perf = time.perf_counter_ns

    class Loader:
        def __init__(self, pyc):
            self.pyc = pyc

        def create_module(self, spec):
            return None

        def exec_module(self, module):
            t0 = perf()
            code = marshal.loads(memoryview(self.pyc)[16:])
            exec(code, module.__dict__)
            execs[module.__name__] = perf() - t0  # nested imports included: taken out by the parent process

    class Finder:
        @staticmethod
        def find_spec(name, path=None, target=None):
            r = codes.get(name)
            if r is None:
                return None
            pyc, origin, package = r
            spec = machinery.ModuleSpec(name, Loader(pyc), origin=origin, is_package=package)
            spec.has_location = True
            if package:
                spec.submodule_search_locations = [origin.rpartition('/')[0]]
            return spec

    sys.meta_path.insert(0, Finder)
import warnings
warnings.simplefilter('ignore')
before = set(sys.modules)
bench.run_workload(workload)
kinds = {}
for n, mod in list(sys.modules.items()):
    if n in before:
        continue
    f = getattr(mod, '__file__', None) or ''
    spec = getattr(mod, '__spec__', None)
    if f.endswith(('.py', '.pyc')) or (spec is not None and spec.origin is None and hasattr(mod, '__path__')):
        kinds[n] = 'py'
    elif f:
        kinds[n] = 'ext'
    else:
        kinds[n] = 'other'
import json
print(json.dumps({'kinds': kinds, 'execs': execs}))
"""

RECORD = r"""
import sys, pickle, warnings
warnings.simplefilter('ignore')
workload, out = sys.argv[1:3]
{BENCH_CHILD}bench.run_workload(workload)
table = {}
for n, mod in list(sys.modules.items()):
    spec = getattr(mod, '__spec__', None)
    if spec is None or not spec.origin or not spec.origin.endswith('.py') or not spec.cached:
        continue
    try:
        with open(spec.cached, 'rb') as f:
            table[n] = (f.read(), spec.origin, spec.submodule_search_locations is not None)
    except OSError:
        pass
with open(out, 'wb') as f:
    pickle.dump(table, f)
"""
CHILD, RECORD = (text.replace("{BENCH_CHILD}", BENCH_CHILD) for text in (CHILD, RECORD))

LINE = re.compile(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|( *)(\S+)")


def run(python, mode, ext, blob, workload, table):
    """One run: summed -X importtime self times (ns) and counts by kind, and
    (dict mode) the limit: each module's marshal.loads + exec less the
    cumulative import time of the modules its body imported (its children
    in the -X importtime tree)."""
    r = benchfn.run_child([python, "-I", "-X", "importtime", "-c", CHILD, mode, ext, blob, workload, table],
                          "%s run" % mode, cwd=tempfile.gettempdir())
    out = r.out
    sums = {"py": [0, 0], "ext": [0, 0], "other": [0, 0]}
    pending = {}  # depth -> cumulative us of the completed imports at that depth not yet claimed by a parent
    limit = 0
    for line in r.stderr.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        own, cum, depth, name = int(m.group(1)), int(m.group(2)), len(m.group(3)) // 2, m.group(4)
        children = pending.pop(depth + 1, 0)
        pending[depth] = pending.get(depth, 0) + cum
        if name in out["execs"]:
            limit += out["execs"][name] - children * 1000
        if name in out["kinds"]:
            k = sums[out["kinds"][name]]
            k[0] += own * 1000
            k[1] += 1
    sums["limit"] = limit
    return sums


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--python", default="python3")
    ap.add_argument("--blob", help="a blob of the interpreter's sys.path (default: freeze one, stored)")
    ap.add_argument("--workload", default=os.path.join(WORKLOADS, "stdlib-modules.txt"),
                    help="a list of module names, or a .py file to exec")
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--runtime", action="append", default=[], metavar="LABEL=DIR",
                    help="also serve the blob with the oxpack_runtime built in DIR (repeatable)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    python, tag = json.loads(subprocess.run(
        [args.python, "-c", "import sys, json; print(json.dumps([sys.executable, sys.implementation.cache_tag]))"],
        stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout)
    runtime_in = benchfn.runtime_in
    exts = {"blob": runtime_in(os.path.join(BUILD, "python", tag))}
    for spec in args.runtime:
        label, _, d = spec.partition("=")
        exts["blob@" + label] = runtime_in(d)
    blob = os.path.abspath(args.blob) if args.blob else os.path.join(BUILD, "bench", "env-%s.oxr" % tag)
    if not os.path.exists(blob):
        os.makedirs(os.path.dirname(blob), exist_ok=True)
        r = subprocess.run([os.path.join(BUILD, "oxpack"), "freeze", "--python", python, "--compress", "none",
                            "-o", blob, "--no-progress"], stderr=subprocess.PIPE, universal_newlines=True)
        if r.returncode not in (0, 5):
            sys.exit("oxpack freeze failed: " + r.stderr[-2000:])
    modes = ["fs", "dict"] + list(exts)
    with tempfile.TemporaryDirectory() as tmp:
        table = os.path.join(tmp, "pyc.pickle")
        subprocess.run([python, "-I", "-c", RECORD, args.workload, table], check=True, cwd=tempfile.gettempdir())
        res = {m: [] for m in modes}
        for m in modes:  # warm the page cache, check every mode runs
            run(python, m, exts.get(m, ""), blob, args.workload, table)
        rng = random.Random(7)
        for _ in range(args.rounds):
            order = modes[:]
            rng.shuffle(order)
            for m in order:
                res[m].append(run(python, m, exts.get(m, ""), blob, args.workload, table))
    report = {"python": python, "rounds": args.rounds, "workload": args.workload, "modes": {}}
    for m in modes:
        rs = res[m]
        row = {"total_ms": statistics.median(sum(r[k][0] for k in ("py", "ext", "other")) for r in rs) / 1e6}
        for k in ("py", "ext", "other"):
            n = rs[-1][k][1]
            row[k] = {"n": n, "us": statistics.median(r[k][0] for r in rs) / 1e3 / max(1, n)}
        if m == "dict":
            row["limit_us"] = statistics.median(r["limit"] for r in rs) / 1e3 / max(1, rs[-1]["py"][1])
        report["modes"][m] = row
    limit = report["modes"]["dict"]["limit_us"]
    for row in report["modes"].values():
        row["py_over_limit_us"] = row["py"]["us"] - limit
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print("%s, %s: -X importtime self time per module, median of %d rounds (fresh process each run, modes "
          "interleaved)" % (python, os.path.basename(args.workload), args.rounds))
    print("  %-12s %9s %16s %12s %16s %16s" % ("mode", "total ms", "py us/mod (n)", "over limit", "ext us/mod (n)",
                                               "other us/mod (n)"))
    for m, r in report["modes"].items():
        print("  %-12s %9.1f %10.1f (%3d) %12.1f %10.1f (%3d) %10.1f (%3d)" % (
            m, r["total_ms"], r["py"]["us"], r["py"]["n"], r["py_over_limit_us"], r["ext"]["us"], r["ext"]["n"],
            r["other"]["us"], r["other"]["n"]))
    print("  limit (dict mode's marshal.loads + exec, nested modules' left out): %.1f us per py module" % limit)


if __name__ == "__main__":
    main()
