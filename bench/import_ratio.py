"""Import time: the file-system importer, oxpack blobs and the limit, side by
side in one run.

    python3 bench/import_ratio.py [--rounds N] [--python PY] [--env-blob PATH]
        [--compare-runtime LABEL=DIR] [--phases DIR] [--cold] [--json]

Freezes the interpreter's whole sys.path with `oxpack freeze` (stored, and
zstd:3) unless --env-blob is given, then runs each workload in fresh
processes, modes interleaved in a shuffled order every round:
  fs          the file-system importer (bytecode in __pycache__, warm cache)
  blob        oxpack_runtime.install(env.oxr), original mode
  blob-zstd   the same with zstd-compressed payloads
  blob@LABEL  (--compare-runtime LABEL=DIR[,BLOB]) the stored blob (or BLOB)
              served by the oxpack_runtime built in DIR, e.g. main's, for
              before/after
  limit       every module of an fs run served from memory by a minimal
              meta-path finder: the time of marshal.loads + exec of each
              module's code, or of loading an extension module from its
              file, less the imports its body makes, summed
              (bench/limit_loader.py, as bench/import_driver.py). No loader
              can go under it; module set-up and the workload's non-import
              work are outside it.
Workloads: /work/shared/workloads/real-set.py (the large real set) and
stdlib-modules.txt (every top-level stdlib module that imports).

Per mode: median and min-max of the import time (inside the process, after
install), median CPU time, the process wall time, and "2nd pass": the
workload run again in the same process, all modules loaded (what the
workload does besides importing: boto3's Session().client() reads JSON).
Ratios are fs / mode; "vs limit" is mode / limit. strace counts syscalls of
one run per mode: all of them, file-system ones, and file-system ones
between the workload's start and end ("fs calls": window/all); for the blob
modes, with stack traces, the ones the runtime itself made (loading
extension modules, or anything else) as against those of CPython's
PathFinder for names the blob does not hold and of the modules' own code.

--phases DIR: also run the stored blob with a runtime built with
-DOXPACK_RUNTIME_PROFILE=ON in DIR (phase timers; not in the ratios) and
report where its import time goes:
    cmake -S . -B build-prof -G Ninja -DOXPACK_RUNTIME_PROFILE=ON \\
        -DOXPACK_BUILD_TESTS=OFF -DOXPACK_BUILD_TOOLS=OFF -DOXPACK_BUILD_BENCH=OFF
    cmake --build build-prof -j2 --target oxpack_runtime_all
    python3 bench/import_ratio.py --phases build-prof/python/cpython-311

--cold evicts the page cache of every file under the frozen roots and of
the blobs (posix_fadvise DONTNEED, no root needed) before each run: data
read from disk, file-system metadata still cached. --drop-caches (root)
drops every cache before each run: the interpreter's own files, directory
entries and inodes are read from disk too (a cold boot's start-up).
--extra-blob LABEL=PATH adds a blob to compare (e.g. frozen with --profile).

--callgrind also counts, under valgrind, the user-space instructions of each
workload's first pass in each mode (the limit aside), and those one import of an
empty module costs (2,000 of them in 40 packages, frozen into a blob):
the file-system importer against each runtime, split into the runtime's
find_spec, create_module, exec_module (less unmarshal) and unmarshal; the
rest is CPython's import machinery. Instruction counts repeat to within
0.1% on a noisy machine where times do not.
"""
import argparse
import json
import os
import pickle
import random
import statistics
import subprocess
import sys
import tempfile
import time

import benchfn
from benchfn import BUILD, HERE, WORKLOADS, runtime_in, stats

FILE_CALLS = {"openat", "open", "newfstatat", "fstatat64", "stat", "lstat", "statx", "access", "faccessat",
              "faccessat2", "getdents64", "readlink", "readlinkat", "getcwd"}
MARK = "/oxpack-import-ratio-mark"
VERIFY = None  # install(verify=...) for blob modes (--verify)

CHILD = r"""
import sys, time
mode, ext, blob, workload, table = sys.argv[1:6]
sys.path.insert(0, HERE)  # bench_child.py: the children's shared harness (bench_child.py says why dropped)
import bench_child as bench
del sys.path[0], sys.modules['bench_child']
rt = None
if mode not in ('fs', 'limit', 'record'):
    rt = bench.load_runtime(ext)
    import os
    verify = os.environ.get('OXPACK_BENCH_VERIFY')
    rt.install(blob, stale='ignore', **({'verify': verify} if verify else {}))
import warnings
warnings.simplefilter('ignore')

def run_workload():
    bench.run_workload(workload)

def mark(what):
    bench.mark(MARK, what)

out = {}
if mode in ('limit', 'record'):
    # bench/limit_loader.py: the limit's definition, shared with
    # bench/import_driver.py (imported before the measurement).
    limit_loader = bench.limit_loader()
if mode == 'limit':
    totals = limit_loader.install(table)
    c0 = time.process_time()
    t0 = time.perf_counter()
    run_workload()
    t1 = time.perf_counter()
    c1 = time.process_time()
    out.update(limit_s=totals['limit'], unmarshal_s=totals['unmarshal'], replayed=totals['loaded'])
else:
    before = len(sys.modules)
    mark('start')
    c0 = time.process_time()
    t0 = time.perf_counter()
    run_workload()
    t1 = time.perf_counter()
    c1 = time.process_time()
    mark('end')
    out['new_modules'] = len(sys.modules) - before
    import os
    if not os.environ.get('OXPACK_BENCH_ONE_PASS'):
        run_workload()
        out['second_s'] = time.perf_counter() - t1
    if rt is not None and hasattr(rt, '_phases'):
        out['phases'] = rt._phases()
if mode == 'record':
    limit_loader.record(table)
out.update(import_s=t1 - t0, cpu_s=c1 - c0, modules=len(sys.modules))
try:  # bytes this process made the kernel read from storage (cold runs)
    with open('/proc/self/io') as f:
        out['read_bytes'] = int(dict(l.split(': ') for l in f.read().splitlines())['read_bytes'])
except (OSError, KeyError, ValueError):
    pass
sys.stdout.write(repr(out) + '\n')
""".replace("MARK", repr(MARK)).replace("HERE", repr(HERE))


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


def drop_caches():
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


def freeze(python, out, compress):
    if os.path.exists(out):
        return out
    cmd = [os.path.join(BUILD, "oxpack"), "freeze", "--python", python, "-o", out, "--compress", compress]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    if r.returncode not in (0, 5):
        sys.exit("freeze failed: " + r.stderr)
    return out


def child(python, mode, ext, blob, workload, table="", wrap=()):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "OXPACK_"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if VERIFY:
        env["OXPACK_BENCH_VERIFY"] = VERIFY
    run = benchfn.run_child([*wrap, python, "-c", CHILD, mode, ext, blob, workload, table], "%s/%s" % (mode, workload),
                            env=env, cwd=tempfile.gettempdir(), parse=lambda line: eval(line, {"__builtins__": {}}))
    run.out["wall_s"] = run.wall_s
    return run.out


def strace_counts(python, mode, ext, blob, workload, table):
    """strace of one run: (all syscalls, file-system ones, file-system ones
    between the workload's start and end marks, and of those the ones the
    runtime made (a call whose innermost oxpack_runtime stack frame is not a
    module body's exec: loading an extension module, whose dlopen() opens
    and reads the file, or anything else the loader does), split into
    extension loading and the rest, and the modules the workload added)."""
    with tempfile.NamedTemporaryFile("r", suffix=".strace") as f:
        opts = ["-k"] if mode != "fs" else []
        out = child(python, mode, ext, blob, workload, table, wrap=("strace", "-f", "-qq", *opts, "-o", f.name))
        text = f.read()
    total = files = window = runtime = runtime_ext = 0
    inside = False
    calls = []
    for line in text.splitlines():
        if line.startswith(" > "):
            if calls:
                calls[-1][1].append(line)
        else:
            calls.append((line, []))
    for line, stack in calls:
        if MARK + "-start" in line:
            inside = True
        elif MARK + "-end" in line:
            inside = False
        name = line.split("(", 1)[0].split()[-1] if "(" in line else ""
        if not name or line.startswith("+++") or "resumed>" in line.split("(", 1)[0]:
            continue
        total += 1
        if name not in FILE_CALLS and name not in ("read", "pread64", "fstat", "lseek"):
            continue
        files += 1
        if not inside or MARK in line:
            continue
        window += 1
        frames = [fr for fr in stack if "oxpack_runtime" in fr]
        if not frames:
            continue
        fn = frames[0].split(".so(", 1)[-1]
        if "loader_exec_module" in fn.split("(anonymous namespace)::")[-1].split("(")[0]:
            continue  # the module's own code
        runtime += 1
        if any("create_extension" in fr or "load_from" in fr for fr in frames):
            runtime_ext += 1
    return {"syscalls": total, "file_syscalls": files, "file_syscalls_workload": window,
            "runtime_file_syscalls": runtime, "runtime_ext_file_syscalls": runtime_ext,
            "new_modules": out.get("new_modules", 0)}


MICRO_CHILD = r"""
import sys
mode, ext, blob, root, count = sys.argv[1:6]
names = ['mpkg%02d.mod%02d' % (p, m) for p in range(40) for m in range(50)][:int(count)]
if mode == 'fs':
    sys.path.insert(0, root)
else:
    import importlib.machinery as m
    loader = m.ExtensionFileLoader('oxpack_runtime', ext)
    rt = loader.create_module(m.ModuleSpec('oxpack_runtime', loader, origin=ext)); loader.exec_module(rt)
    rt.install(blob, stale='ignore')
for n in names:
    __import__(n)
"""


def micro_tree(python):
    """2,000 empty modules in 40 packages, their bytecode, and a blob of them."""
    root = os.path.join(BUILD, "bench", "micro")
    blob = os.path.join(BUILD, "bench", "micro.oxr")
    if not os.path.isdir(root):
        for p in range(40):
            d = os.path.join(root, "mpkg%02d" % p)
            os.makedirs(d)
            for name in ["__init__"] + ["mod%02d" % m for m in range(50)]:
                open(os.path.join(d, name + ".py"), "w").close()
        subprocess.run([python, "-m", "compileall", "-q", root], check=True)
    if os.path.exists(blob):
        os.unlink(blob)
    subprocess.run([os.path.join(BUILD, "oxpack"), "freeze", "--python", python, root, "-o", blob, "--no-progress"],
                   check=True, stderr=subprocess.DEVNULL)
    return root, blob


def callgrind(python, args, out):
    r = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, python, "-c", MICRO_CHILD,
                        *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    if r.returncode != 0:
        sys.exit("callgrind failed: " + r.stderr[-2000:])
    ann = subprocess.run(["callgrind_annotate", "--inclusive=yes", out], stdout=subprocess.PIPE,
                         universal_newlines=True).stdout
    total = 0
    for line in ann.splitlines():
        if "PROGRAM TOTALS" in line:
            total = int(line.split()[0].replace(",", ""))

    def incl(fn):  # inclusive Ir of `fn` (its non-recursive listing: no 'N cycle mark)
        for line in ann.splitlines():
            if fn in line and line.strip()[:1].isdigit() and "'" not in line.split(fn, 1)[1].split(" [")[0]:
                return int(line.split()[0].replace(",", ""))
        return 0
    return total, incl


def workload_instructions(python, workloads, modes, exts, blobs, tables):
    """User-space instructions of each workload's first pass under each mode
    (callgrind), less a run of an empty workload in the same mode."""
    out = {}
    env = dict(os.environ, OXPACK_BENCH_ONE_PASS="1")
    with tempfile.TemporaryDirectory() as tmp:
        empty = os.path.join(tmp, "empty.py")
        open(empty, "w").close()
        for w, path in workloads.items():
            for m in modes:
                counts = []
                for wl in (empty, path):
                    f = os.path.join(tmp, "cg")
                    r = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + f, python, "-c",
                                        CHILD, m, exts.get(m, ""), blobs.get(m, ""), wl, tables[w]],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                                       env=env, cwd=tempfile.gettempdir())
                    if r.returncode != 0:
                        sys.exit("callgrind %s/%s failed: %s" % (m, w, r.stderr[-2000:]))
                    counts.append(int(next(l for l in r.stderr.splitlines() if "I   refs:" in l)
                                      .split(":")[1].replace(",", "")))
                out.setdefault(w, {})[m] = counts[1] - counts[0]
    return out


def micro_instructions(python, exts):
    """Instructions per import of an empty module (callgrind: repeatable on a
    noisy machine), fs and each runtime, with the runtime's own share."""
    root, blob = micro_tree(python)
    n = 2040  # 2,000 modules and their 40 packages
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, ext in [("fs", "")] + list(exts.items()):
            mode = "fs" if label == "fs" else "blob"
            base, _ = callgrind(python, [mode, ext, blob, root, "0"], os.path.join(tmp, label + ".base"))
            total, incl = callgrind(python, [mode, ext, blob, root, "2000"], os.path.join(tmp, label + ".cg"))
            row = {"per_import": (total - base) / n}
            if mode == "blob":
                find = incl("finder_find_spec(")
                create = incl("loader_create_module(")
                execm = incl("loader_exec_module(")
                unmarshal = incl("PyMarshal_ReadObjectFromString ")
                row.update(find_spec=find / n, create_module=create / n, exec_module=(execm - unmarshal) / n,
                           unmarshal=unmarshal / n)
                row["cpython"] = row["per_import"] - (find + create + execm) / n
            rows[label] = row
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=11)
    ap.add_argument("--python", default="python3")
    ap.add_argument("--env-blob", help="a blob of the interpreter's sys.path (default: freeze one)")
    ap.add_argument("--no-zstd", action="store_true", help="leave out the zstd blob")
    ap.add_argument("--compare-runtime", action="append", default=[], metavar="LABEL=DIR[,BLOB]",
                    help="also serve the stored blob (or BLOB) with the oxpack_runtime in DIR (repeatable)")
    ap.add_argument("--extra-blob", action="append", default=[], metavar="LABEL=PATH",
                    help="also serve this blob (e.g. one frozen with --profile) as mode blob:LABEL (repeatable)")
    ap.add_argument("--drop-caches", action="store_true",
                    help="echo 3 > /proc/sys/vm/drop_caches before each run (root): everything read from disk, "
                         "file-system metadata included")
    ap.add_argument("--verify", default=None, choices=["index", "once", "header"],
                    help="install(verify=...) for the blob modes (default: the runtime's default)")
    ap.add_argument("--phases", metavar="DIR", help="a profile build's runtime directory: report phase timers")
    ap.add_argument("--workload", action="append", choices=["real-set", "stdlib"], help="default: both")
    ap.add_argument("--no-strace", action="store_true")
    ap.add_argument("--callgrind", action="store_true",
                    help="also count instructions per import of an empty module (valgrind), per runtime")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--cold", action="store_true", help="evict the page cache of roots and blobs before each run")
    args = ap.parse_args()
    global VERIFY
    VERIFY = args.verify

    info = json.loads(subprocess.run([args.python, "-c", "import sys, json; print(json.dumps([sys.executable, "
                                      "sys.implementation.cache_tag, sys.version.split()[0]]))"],
                                     stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout)
    python, tag, version = info
    ext = runtime_in(os.path.join(BUILD, "python", tag))
    work = os.path.join(BUILD, "bench")
    os.makedirs(work, exist_ok=True)
    blobs = {"blob": os.path.abspath(args.env_blob) if args.env_blob else
             freeze(python, os.path.join(work, "env-%s.oxr" % tag), "none")}
    if not args.no_zstd:
        blobs["blob-zstd"] = freeze(python, os.path.join(work, "env-%s-zstd.oxr" % tag), "zstd:3")
    exts = {"blob": ext, "blob-zstd": ext}
    for spec in args.compare_runtime:
        label, _, rest = spec.partition("=")
        directory, _, blob = rest.partition(",")
        exts["blob@" + label] = runtime_in(directory)
        blobs["blob@" + label] = os.path.abspath(blob) if blob else blobs["blob"]
    for spec in args.extra_blob:
        label, _, path = spec.partition("=")
        exts["blob:" + label] = ext
        blobs["blob:" + label] = os.path.abspath(path)
    roots = json.loads(subprocess.run([python, "-c", "import sys, json, importlib.machinery as m\n"
                                       "l = m.ExtensionFileLoader('oxpack_runtime', sys.argv[1])\n"
                                       "s = m.ModuleSpec('oxpack_runtime', l, origin=sys.argv[1])\n"
                                       "r = l.create_module(s); l.exec_module(r)\n"
                                       "print(json.dumps(r.install(sys.argv[2], stale='ignore').roots))",
                                       ext, blobs["blob"]], stdout=subprocess.PIPE, universal_newlines=True,
                                      check=True).stdout)
    if args.rounds == 0:  # --callgrind --rounds 0: the instruction counts only
        if not args.callgrind:
            sys.exit("--rounds 0 only makes sense with --callgrind")
        micro = micro_instructions(python, {m: exts[m] for m in exts if m == "blob" or m.startswith("blob@")})
        print(json.dumps({"micro": micro}, indent=2)) if args.json else print_micro(micro)
        return
    workloads = {"real-set": os.path.join(WORKLOADS, "real-set.py"),
                 "stdlib": os.path.join(WORKLOADS, "stdlib-modules.txt")}
    if args.workload:
        workloads = {w: workloads[w] for w in args.workload}
    modes = ["fs"] + list(blobs) + ["limit"]
    tables = {}
    for w, path in workloads.items():  # the limit's input: one fs run recording every module's code
        tables[w] = os.path.join(work, "limit-%s-%s.pickle" % (tag, w))
        child(python, "record", "", "", path, tables[w])
    results = {w: {m: [] for m in modes} for w in workloads}
    phases = {w: [] for w in workloads}
    for w, path in workloads.items():  # warm the page cache and check every mode runs
        for m in modes:
            child(python, m, exts.get(m, ""), blobs.get(m, ""), path, tables[w])
    rng = random.Random(4)
    for _ in range(args.rounds):
        for w, path in workloads.items():
            order = modes[:]
            rng.shuffle(order)
            for m in order:
                if args.cold:
                    evict(roots + list(set(blobs.values())))
                if args.drop_caches:
                    drop_caches()
                results[w][m].append(child(python, m, exts.get(m, ""), blobs.get(m, ""), path, tables[w]))
            if args.phases:
                if args.cold:
                    evict(roots + list(set(blobs.values())))
                phases[w].append(child(python, "blob-phases", runtime_in(args.phases), blobs["blob"], path, tables[w]))
    report = {"python": python, "version": version, "rounds": args.rounds, "cold": args.cold,
              "drop_caches": args.drop_caches, "workloads": {}}
    for w, path in workloads.items():
        rep = {}
        for m in modes:
            runs = results[w][m]
            r = {"import_s": stats([x["import_s"] for x in runs]), "cpu_s": statistics.median(x["cpu_s"] for x in runs),
                 "wall_s": statistics.median(x["wall_s"] for x in runs), "modules": runs[-1]["modules"],
                 "read_mb": statistics.median(x.get("read_bytes", 0) for x in runs) / 1e6}
            if m == "limit":
                r["limit_s"] = stats([x["limit_s"] for x in runs])
                r["unmarshal_s"] = statistics.median(x["unmarshal_s"] for x in runs)
                r["replayed"] = runs[-1]["replayed"]
            else:
                r["second_s"] = statistics.median(x["second_s"] for x in runs)
            if not args.no_strace and m != "limit":
                r.update(strace_counts(python, m, exts.get(m, ""), blobs.get(m, ""), path, tables[w]))
            rep[m] = r
        fs, limit = rep["fs"]["import_s"]["median"], rep["limit"]["limit_s"]["median"]
        for m in modes:
            if m in ("fs", "limit"):
                continue
            rep[m]["ratio"] = fs / rep[m]["import_s"]["median"]
            rep[m]["ratio_min"] = rep["fs"]["import_s"]["min"] / rep[m]["import_s"]["min"]
            rep[m]["ratio_cpu"] = rep["fs"]["cpu_s"] / rep[m]["cpu_s"]
            rep[m]["vs_limit"] = rep[m]["import_s"]["median"] / limit
        rep["fs"]["vs_limit"] = fs / limit
        if phases[w]:
            names = phases[w][0]["phases"].keys()
            rep["phases"] = {"import_s": statistics.median(x["import_s"] for x in phases[w]),
                             "second_s": statistics.median(x["second_s"] for x in phases[w]),
                             "timers": {n: (statistics.median(x["phases"][n][0] for x in phases[w]),
                                            phases[w][0]["phases"][n][1]) for n in names}}
        report["workloads"][w] = rep
    if args.callgrind:
        runtimes = {m: exts[m] for m in exts if m == "blob" or m.startswith("blob@")}
        report["micro"] = micro_instructions(python, runtimes)
        report["instructions"] = workload_instructions(python, workloads, [m for m in modes if m != "limit"], exts,
                                                       blobs, tables)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print("%s %s, %d rounds, medians [min-max] (fresh process each run, modes interleaved%s)" %
          (python, version, args.rounds, ", page cache of roots and blobs evicted before each run" if args.cold else
           ", all caches dropped before each run" if args.drop_caches else ""))
    for w, rep in report["workloads"].items():
        print("\n%s (%d modules in sys.modules)" % (w, rep["fs"]["modules"]))
        print("  %-12s %24s %7s %7s %8s %7s %8s %9s %8s %8s %9s %9s" % (
            "mode", "import ms [min-max]", "ratio", "min r", "cpu ms", "ratio", "vs limit", "wall ms", "2nd ms",
            "read MB", "syscalls", "fs calls"))
        for m in modes:
            r = rep[m]
            s = r["limit_s"] if m == "limit" else r["import_s"]
            ratio = lambda k: "%.2fx" % r[k] if k in r else ""
            print("  %-12s %8.1f [%6.1f-%6.1f] %7s %7s %8.1f %7s %8s %9.1f %8s %8.1f %9s %9s" % (
                m, s["median"] * 1e3, s["min"] * 1e3, s["max"] * 1e3, ratio("ratio"), ratio("ratio_min"),
                r["cpu_s"] * 1e3, ratio("ratio_cpu"), ratio("vs_limit"), r["wall_s"] * 1e3,
                "%.1f" % (r["second_s"] * 1e3) if "second_s" in r else "", r["read_mb"],
                r.get("syscalls", ""), "%s/%s" % (r["file_syscalls_workload"], r["file_syscalls"])
                if "file_syscalls" in r else ""))
        for m in modes:
            r = rep[m]
            if m.startswith("blob") and "runtime_file_syscalls" in r:
                print("  %-12s file-system calls the runtime made while %d modules loaded: %d (%.3f per module), "
                      "%d of them loading extension modules (dlopen); %d by the rest of the import system and the "
                      "modules' own code" % (m, r["new_modules"], r["runtime_file_syscalls"],
                                             r["runtime_file_syscalls"] / max(1, r["new_modules"]),
                                             r["runtime_ext_file_syscalls"],
                                             r["file_syscalls_workload"] - r["runtime_file_syscalls"]))
        lim = rep["limit"]
        print("  limit = marshal.loads + exec (or extension loading) of %d modules served from memory, each less its nested imports "
              "(unmarshal %.1f ms); that run took %.1f ms in all" % (
                  lim["replayed"], lim["unmarshal_s"] * 1e3, lim["import_s"]["median"] * 1e3))
        if "phases" in rep:  # noqa: E501
            ph = rep["phases"]
            print("  phases of the stored blob (profile build; import %.1f ms, 2nd pass %.1f ms):" % (
                ph["import_s"] * 1e3, ph["second_s"] * 1e3))
            for n, (sec, count) in ph["timers"].items():
                print("    %-16s %8.2f ms %7d calls %7.2f us/call" % (n, sec * 1e3, count, sec * 1e6 / max(count, 1)))
    if "micro" in report:
        print_micro(report["micro"])
    for w, by_mode in report.get("instructions", {}).items():
        print("\n%s: user-space instructions of the workload's first pass (callgrind, less an empty workload)" % w)
        for m, n in by_mode.items():
            print("  %-12s %14d  %6.2fx fewer than fs" % (m, n, by_mode["fs"] / n))


def print_micro(micro):
    print("\ninstructions per import of an empty module (callgrind; 2,000 modules + 40 packages, less a run "
          "importing none)")
    print("  %-12s %10s %10s %10s %10s %10s %12s" % ("mode", "total", "find_spec", "create", "exec", "unmarshal",
                                                  "CPython"))
    for label, r in micro.items():
        cells = [("%10.0f" % r[k]) if k in r else "%10s" % "" for k in
                 ("per_import", "find_spec", "create_module", "exec_module", "unmarshal")]
        print("  %-12s %s %12s" % (label, " ".join(cells), "%.0f" % r["cpython"] if "cpython" in r else ""))


if __name__ == "__main__":
    main()
