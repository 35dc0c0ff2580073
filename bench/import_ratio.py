"""Import time, file-system importer against the blob, side by side in one run.

    python3 bench/import_ratio.py [--rounds N] [--python PY] [--env-blob PATH]

Freezes the interpreter's whole sys.path with `oxpack freeze` (stored, and
zstd:3) unless --env-blob is given, then runs each workload in fresh
processes, modes interleaved in a shuffled order every round:
  fs         the file-system importer (bytecode in __pycache__, warm cache)
  blob       oxpack_runtime.install(env.oxr), original mode
  blob-zstd  the same with zstd-compressed payloads
Workloads: /work/shared/workloads/real-set.py (the large real set) and
stdlib-modules.txt (every top-level stdlib module that imports).
Reports the median and the minimum import time (inside the process, after
install), the median CPU time of the import (steadier on a loaded machine)
and the whole process wall time, the ratios fs/blob, and strace counts of syscalls
(all, and file-system ones) for one run of each mode.

--cold evicts the page cache of every file under the frozen roots and of
the blobs (posix_fadvise DONTNEED, no root needed) before each run: data
read from disk, file-system metadata still cached.
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
BUILD = os.environ.get("OXPACK_BUILD_DIR") or os.path.join(REPO, "build")
WORKLOADS = os.environ.get("OXPACK_WORKLOADS", "/work/shared/workloads")
FILE_CALLS = {"openat", "open", "newfstatat", "fstatat64", "stat", "lstat", "statx", "access", "faccessat",
              "faccessat2", "getdents64", "readlink", "readlinkat", "getcwd"}

CHILD = r"""
import sys, time
mode, ext, blob, workload = sys.argv[1:5]
if mode != 'fs':
    import importlib.machinery as m
    loader = m.ExtensionFileLoader('oxpack_runtime', ext)
    spec = m.ModuleSpec('oxpack_runtime', loader, origin=ext)
    rt = loader.create_module(spec); loader.exec_module(rt)
    sys.modules['oxpack_runtime'] = rt
    rt.install(blob, stale='ignore')
import warnings
warnings.simplefilter('ignore')
t0 = time.perf_counter()
c0 = time.process_time()
if workload.endswith('.py'):
    exec(compile(open(workload).read(), workload, 'exec'), {'__name__': '__bench__'})
else:
    for name in open(workload).read().split():
        if name in ('antigravity', 'this'):
            continue
        try:
            __import__(name)
        except Exception:
            pass
t1 = time.perf_counter()
c1 = time.process_time()
sys.stdout.write('%r %r %d\n' % (t1 - t0, c1 - c0, len(sys.modules)))
"""


def evict(paths):
    """Drops the cached pages of every file under `paths` (files or trees)."""
    for top in paths:
        files = [top] if os.path.isfile(top) else (
            os.path.join(d, f) for d, _, fs in os.walk(top) for f in fs)
        for path in files:
            try:
                fd = os.open(path, os.O_RDONLY)
            except OSError:
                continue
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def freeze(python, out, compress):
    if os.path.exists(out):
        return out
    cmd = [os.path.join(BUILD, "oxpack"), "freeze", "--python", python, "-o", out, "--compress", compress]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    if r.returncode not in (0, 5):
        sys.exit("freeze failed: " + r.stderr)
    return out


def child(python, mode, ext, blob, workload, wrap=()):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "OXPACK_"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    t0 = time.perf_counter()
    r = subprocess.run([*wrap, python, "-c", CHILD, mode, ext, blob, workload], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True, env=env, cwd=tempfile.gettempdir())
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit("%s/%s failed:\n%s" % (mode, workload, r.stderr[-3000:]))
    t, cpu, mods = r.stdout.split()
    return float(t), float(cpu), wall, int(mods)


def strace_counts(python, mode, ext, blob, workload):
    with tempfile.NamedTemporaryFile(suffix=".strace") as f:
        child(python, mode, ext, blob, workload, wrap=("strace", "-f", "-c", "-o", f.name))
        total = files = 0
        for line in open(f.name):
            parts = line.split()
            if len(parts) >= 5 and parts[0][0].isdigit() and parts[-1] != "total":
                calls = int(parts[3])
                total += calls
                if parts[-1] in FILE_CALLS:
                    files += calls
        return total, files


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=11)
    ap.add_argument("--python", default="python3")
    ap.add_argument("--env-blob", help="a blob of the interpreter's sys.path (default: freeze one)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--cold", action="store_true", help="evict the page cache of roots and blobs before each run")
    args = ap.parse_args()

    info = json.loads(subprocess.run([args.python, "-c", "import sys, json; print(json.dumps([sys.executable, "
                                      "sys.implementation.cache_tag, sys.version.split()[0]]))"],
                                     stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout)
    python, tag, version = info
    rt_dir = os.path.join(BUILD, "python", tag)
    ext = [os.path.join(rt_dir, n) for n in os.listdir(rt_dir) if n.startswith("oxpack_runtime")][0]
    work = os.path.join(BUILD, "bench")
    os.makedirs(work, exist_ok=True)
    blobs = {"blob": args.env_blob or freeze(python, os.path.join(work, "env-%s.oxr" % tag), "none"),
             "blob-zstd": freeze(python, os.path.join(work, "env-%s-zstd.oxr" % tag), "zstd:3")}
    roots = json.loads(subprocess.run([python, "-c", "import sys, json, importlib.machinery as m\n"
                                       "l = m.ExtensionFileLoader('oxpack_runtime', sys.argv[1])\n"
                                       "s = m.ModuleSpec('oxpack_runtime', l, origin=sys.argv[1])\n"
                                       "r = l.create_module(s); l.exec_module(r)\n"
                                       "print(json.dumps(r.install(sys.argv[2], stale='ignore').roots))",
                                       ext, blobs["blob"]], stdout=subprocess.PIPE, universal_newlines=True,
                                      check=True).stdout)
    workloads = {"real-set": os.path.join(WORKLOADS, "real-set.py"),
                 "stdlib": os.path.join(WORKLOADS, "stdlib-modules.txt")}
    modes = ["fs", "blob", "blob-zstd"]
    results = {w: {m: [] for m in modes} for w in workloads}
    modules = {}
    for w, path in workloads.items():  # warm the page cache and check every mode runs
        for m in modes:
            child(python, m, ext, blobs.get(m, ""), path)
    rng = random.Random(4)
    for _ in range(args.rounds):
        for w, path in workloads.items():
            order = modes[:]
            rng.shuffle(order)
            for m in order:
                if args.cold:
                    evict(roots + list(blobs.values()))
                t, cpu, wall, mods = child(python, m, ext, blobs.get(m, ""), path)
                results[w][m].append((t, cpu, wall))
                modules[(w, m)] = mods
    report = {"python": python, "version": version, "rounds": args.rounds, "cold": args.cold, "workloads": {}}
    for w, path in workloads.items():
        rep = {}
        for m in modes:
            ts = [t for t, _, _ in results[w][m]]
            cpus = [c for _, c, _ in results[w][m]]
            walls = [x for _, _, x in results[w][m]]
            calls, files = strace_counts(python, m, ext, blobs.get(m, ""), path)
            rep[m] = {"import_s": statistics.median(ts), "import_min_s": min(ts), "cpu_s": statistics.median(cpus),
                      "wall_s": statistics.median(walls),
                      "modules": modules[(w, m)], "syscalls": calls, "file_syscalls": files}
        for m in ("blob", "blob-zstd"):
            rep[m]["ratio_import"] = rep["fs"]["import_s"] / rep[m]["import_s"]
            rep[m]["ratio_cpu"] = rep["fs"]["cpu_s"] / rep[m]["cpu_s"]
            rep[m]["ratio_min"] = rep["fs"]["import_min_s"] / rep[m]["import_min_s"]
            rep[m]["ratio_wall"] = rep["fs"]["wall_s"] / rep[m]["wall_s"]
        report["workloads"][w] = rep
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print("%s %s, %d rounds, medians (fresh process each run, modes interleaved%s)" %
          (python, version, args.rounds, ", page cache of roots and blobs evicted before each run" if args.cold else ""))
    for w, rep in report["workloads"].items():
        print("\n%s (%d modules in sys.modules)" % (w, rep["fs"]["modules"]))
        print("  %-10s %10s %8s %10s %8s %8s %8s %9s %11s %11s" % (
            "mode", "import ms", "ratio", "min ms", "ratio", "cpu ms", "ratio", "wall ms", "syscalls", "file calls"))
        for m in modes:
            r = rep[m]
            ratio = lambda k: "" if m == "fs" else "%.2fx" % r[k]
            print("  %-10s %10.1f %8s %10.1f %8s %8.1f %8s %9.1f %11d %11d" % (
                m, r["import_s"] * 1e3, ratio("ratio_import"), r["import_min_s"] * 1e3, ratio("ratio_min"),
                r["cpu_s"] * 1e3, ratio("ratio_cpu"), r["wall_s"] * 1e3, r["syscalls"], r["file_syscalls"]))


if __name__ == "__main__":
    main()
