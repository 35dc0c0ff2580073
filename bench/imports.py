#!/usr/bin/env python3
"""The import benchmark: CPython's default importer against zipimport,
oxidized_importer 0.6 and oxpack, on the workloads in ../shared/workloads,
measured side by side in one run.

    bench/imports.py [--rounds N] [--quick] [--json OUT.json]

Every measurement is one fresh child process (bench/import_driver.py) that
sets up one importer and runs one workload; variants are interleaved round by
round (the machine is shared and noisy) and reported as medians with min-max.
Also measured: filesystem system calls per imported module (strace), a slow
filesystem simulated by delaying every filesystem system call (strace fault
injection), the cost of oxpack_runtime.install() and the peak RSS it adds.
"""
import argparse
import json
import os
import pickle
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import benchfn

REPO = Path(__file__).resolve().parents[1]
BUILD = Path(os.environ.get("OXPACK_BUILD_DIR", REPO / "build"))
OXPACK = BUILD / "oxpack"
DRIVER = REPO / "bench" / "import_driver.py"
WORKLOADS = Path(os.environ.get("OXPACK_WORKLOADS", REPO.parent / "shared" / "workloads"))
WORK = BUILD / "bench"
PYENV = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"

# Filesystem system calls: what strace counts per module and what the
# slow-storage run delays.
FS_CALLS = "%file,read,pread64,getdents64,fstat,lseek"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, **kw):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise SystemExit(f"failed ({r.returncode}): {' '.join(map(str, cmd))}\n{r.stderr[-3000:]}")
    return r


class Python:
    """One target interpreter and everything built for it."""

    def __init__(self, exe):
        self.exe = str(exe)
        info = json.loads(run([exe, "-c", "import sys,json,sysconfig;print(json.dumps("
                               "[sys.implementation.cache_tag,'%d.%d'%sys.version_info[:2],sysconfig.get_paths()['stdlib']]))"]).stdout)
        self.tag, self.version, self.stdlib = info
        self.work = WORK / self.tag
        self.work.mkdir(parents=True, exist_ok=True)
        self.runtime_dir = BUILD / "python" / self.tag
        self.prefix = str(Path(self.stdlib).parent.parent)

    def blob(self, compress):
        """The target's whole sys.path frozen by oxpack, once per run."""
        out = self.work / f"env-{compress.replace(':', '')}.oxr"
        if not out.exists():
            r = subprocess.run([str(OXPACK), "freeze", "--python", self.exe, "--compress", compress, "-o", str(out),
                                "--no-progress"], capture_output=True, text=True)
            if r.returncode not in (0, 5):
                raise SystemExit(f"oxpack freeze for {self.exe} failed: {r.stderr[-2000:]}")
        return out


def stdlib_modules():
    return [l.strip() for l in (WORKLOADS / "stdlib-modules.txt").read_text().splitlines() if l.strip()]


def driver(py, cfg, strace=None):
    cmd = [py.exe, "-I", "-W", "ignore", str(DRIVER), repr(cfg)]
    if strace:
        cmd = strace + cmd
    # The environment is read at start-up (site's .pth files), before the
    # driver runs: pass it to the process.
    env = dict(os.environ, **cfg.get("environ", {}))
    run = benchfn.run_child(cmd, f"{cfg['mode']} on {py.tag}", env=env)
    run.out["wall_s"] = run.wall_s
    return run.out


def workload_cfg(name):
    if name == "stdlib":
        # `import distutils` is the stdlib's own distutils, not setuptools'
        # shim (its .pth redirects it to setuptools, whose pkg_resources
        # then lists every distribution in site-packages: not stdlib work).
        return {"workload": "stdlib", "modules": stdlib_modules(), "environ": {"SETUPTOOLS_USE_DISTUTILS": "stdlib"}}
    return {"workload": "real", "script": str(WORKLOADS / "real-set.py")}


# ---------------------------------------------------------------- artifacts

def build_zip(py, deflated):
    """The stdlib's modules as sourceless .pyc in a zip, for zipimport."""
    out = py.work / ("stdlib-deflated.zip" if deflated else "stdlib-stored.zip")
    if out.exists():
        return out
    root = Path(py.stdlib)
    skip = {"site-packages", "lib-dynload", "test", "idlelib", "tkinter", "turtledemo", "__pycache__"}
    tmp = out.with_suffix(".tmp")
    comp = zipfile.ZIP_DEFLATED if deflated else zipfile.ZIP_STORED
    with zipfile.ZipFile(tmp, "w", comp) as z:
        for src in sorted(root.rglob("*.py")):
            rel = src.relative_to(root)
            if rel.parts[0] in skip or any(p.startswith("config-") or p in ("tests", "__pycache__") for p in rel.parts):
                continue
            cached = src.parent / "__pycache__" / f"{src.stem}.{py.tag}.pyc"
            if cached.is_file():
                z.writestr(str(rel.with_suffix(".pyc")), cached.read_bytes())
    tmp.rename(out)
    return out


def build_oxidized(py):
    """oxidized_importer 0.6 (PyPI wheels for CPython 3.8-3.10) and its packed
    resources for the stdlib, all in memory. None where it does not install."""
    target = py.work / "oxidized_importer"
    packed = py.work / "oxidized-stdlib.bin"
    if not target.exists():
        r = subprocess.run([py.exe, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--target",
                            str(target), "oxidized_importer==0.6.0"], capture_output=True, text=True)
        if r.returncode != 0:
            shutil.rmtree(target, ignore_errors=True)
            return None
    if not packed.exists():
        code = (
            "import sys, oxidized_importer as oi\n"
            "c = oi.OxidizedResourceCollector(allowed_locations=['in-memory'])\n"
            "kinds = (oi.PythonModuleSource, oi.PythonModuleBytecode, oi.PythonPackageResource)\n"
            "for r in oi.find_resources_in_path(sys.argv[1]):\n"
            "    if not isinstance(r, kinds): continue\n"
            "    owner = getattr(r, 'module', None) or r.package\n"
            "    if not owner.startswith(('test.', 'site-packages', 'lib-dynload')):\n"
            "        try: c.add_in_memory(r)\n"
            "        except Exception: pass\n"
            "res, _ = c.oxidize()\n"
            "f = oi.OxidizedFinder(); f.add_resources(res)\n"
            "open(sys.argv[2], 'wb').write(f.serialize_indexed_resources())\n")
        env = dict(os.environ, PYTHONPATH=str(target))
        r = subprocess.run([py.exe, "-c", code, py.stdlib, str(packed)], capture_output=True, text=True, env=env)
        if r.returncode != 0:
            log(f"oxidized_importer: packing failed on {py.tag}: {r.stderr[-500:]}")
            return None
    return target, packed


def record_limit(py, workload):
    """One default-importer run that records every module's code: the input
    of the 'limit' variant (marshal.loads + exec from memory, summed)."""
    table = py.work / f"limit-{workload}.pickle"
    if not table.exists():
        cfg = dict(workload_cfg(workload), mode="default", record=str(table))
        driver(py, cfg)
    return table


# ---------------------------------------------------------------- variants

def variants(py, workload, quick):
    v = {"default": {"mode": "default"}}
    if workload == "stdlib":
        v["zipimport (stored)"] = {"mode": "zip", "zip": str(build_zip(py, False))}
        v["zipimport (deflated)"] = {"mode": "zip", "zip": str(build_zip(py, True))}
        ox = build_oxidized(py)
        if ox:
            v["oxidized_importer 0.6"] = {"mode": "oxidized", "oxidized_dir": str(ox[0]), "packed": str(ox[1])}
    compressions = ["none"] if quick else ["none", "zstd:3"]
    for c in compressions:
        for origin in ("original", "blob"):  # blob mode serves botocore's data files by path too
            v[f"oxpack {c} {origin}"] = {"mode": "oxpack", "runtime_dir": str(py.runtime_dir),
                                         "blob": str(py.blob(c)), "install": {"origin": origin}}
    v.update(files_blob_variant(py))
    v["limit"] = {"mode": "limit", "table": str(record_limit(py, workload))}
    return v


def oxpack_variants(py):
    """The stored blob in both origin modes, and original mode with the
    frozen roots' files served from the blob (files='blob')."""
    blob = str(py.blob("none"))
    v = {f"oxpack none {origin}": {"mode": "oxpack", "runtime_dir": str(py.runtime_dir), "blob": blob,
                                   "install": {"origin": origin}} for origin in ("original", "blob")}
    v.update(files_blob_variant(py))
    return v


def files_blob_variant(py):
    return {"oxpack none original files=blob": {"mode": "oxpack", "runtime_dir": str(py.runtime_dir),
                                                "blob": str(py.blob("none")),
                                                "install": {"origin": "original", "files": "blob", "stale": "ignore"}}}


def measure_imports(py, workload, rounds, quick):
    vs = variants(py, workload, quick)
    base = workload_cfg(workload)
    for name, cfg in vs.items():  # warm-up: page cache, __pycache__
        driver(py, dict(base, **cfg))
    samples = {name: [] for name in vs}
    limits, modules = [], {}
    for i in range(rounds):
        order = list(vs)
        random.Random(i).shuffle(order)
        for name in order:
            out = driver(py, dict(base, **vs[name]))
            samples[name].append(out["import_s"])
            modules[name] = out["modules"]
            if "limit_s" in out:
                limits.append(out["limit_s"] + out["outside_loads_s"])
        log(f"  {py.tag} {workload}: round {i + 1}/{rounds}")
    res = {name: dict(benchfn.stats(xs), modules=modules[name]) for name, xs in samples.items()}
    res["limit (marshal+exec, extension loads, own work)"] = dict(benchfn.stats(limits), modules=modules["limit"])
    return res


# ---------------------------------------------------------------- syscalls

MARK = "/oxpack-bench-mark"


def count_fs_calls(py, workload, cfg, delay_us=None):
    """strace the workload (-y: fds annotated with their paths); return the
    driver's output plus the filesystem calls between its start/end marks as
    (call, path) pairs."""
    with tempfile.NamedTemporaryFile("r", suffix=".strace") as f:
        strace = ["strace", "-f", "--seccomp-bpf", "-qq", "-y", "-e", f"trace={FS_CALLS}", "-o", f.name]
        if delay_us:
            strace += ["-e", f"inject={FS_CALLS}:delay_enter={delay_us}"]
        out = driver(py, dict(workload_cfg(workload), mark=MARK, **cfg), strace=strace)
        lines = f.read().splitlines()
    start = next(i for i, l in enumerate(lines) if MARK + "-start" in l)
    end = next(i for i, l in enumerate(lines) if MARK + "-end" in l)
    calls = []
    for line in lines[start + 1:end]:
        m = re.match(r"(?:\d+\s+)?(\w+)\((.*)", line)
        if not m:
            continue
        name, args = m.groups()
        # The path a call touches: its string argument if absolute, else the
        # path strace -y shows for its file descriptor.
        p = re.match(r'(?:\w+<[^>]*>, )?"(/[^"]*)"', args) or re.match(r"\d+<([^>]*)>", args)
        calls.append((name, p.group(1) if p else ""))
    out["calls"] = calls
    return out


def importer_paths(served):
    """Files and directories an importer touches to load the served modules:
    each module's file, its package directory, and __pycache__ beside them."""
    files, dirs = set(), set()
    for m in served:
        origin = m["origin"]
        if origin and origin.startswith("/"):
            files.add(origin)
            dirs.add(os.path.join(os.path.dirname(origin), "__pycache__"))
        for d in m["path"]:
            dirs.add(d)
    return files, dirs


def call_kind(path, served, prefix):
    """What a filesystem call touched, for the breakdown of what is left."""
    if path.startswith(("/memfd:", "/proc/self/fd/")):
        return "extensions in memory (memfd)"
    if served:
        return "served modules' files"
    if ".so" in os.path.basename(path) or path == "/etc/ld.so.cache":
        return "shared libraries (dynamic loader)"
    if path.startswith(prefix):
        return "the Python installation, not served"
    return "elsewhere (workload's own I/O)"


def measure_syscalls(py, workload):
    vs = dict({"default": {"mode": "default"}}, **oxpack_variants(py))
    served_file = py.work / f"served-{workload}.json"
    driver(py, dict(workload_cfg(workload), served_out=str(served_file), **vs["oxpack none original"]))
    served = json.loads(served_file.read_text())
    files, dirs = importer_paths(served)
    n_ext = sum(1 for m in served if (m["origin"] or "").endswith(".so"))

    def on_served(path):
        return path in files or path in dirs or any(path.startswith(d + "/") for d in dirs if d.endswith("__pycache__"))

    res = {}
    for name, cfg in vs.items():
        out = count_fs_calls(py, workload, cfg)
        mine = [c for c in out["calls"] if on_served(c[1])]
        ext = [c for c in mine if c[1].endswith(".so")]
        kinds = {}
        for c in out["calls"]:
            k = call_kind(c[1], on_served(c[1]), py.prefix)
            kinds[k] = kinds.get(k, 0) + 1
        res[name] = {"fs_calls": len(out["calls"]), "by_kind": kinds, "new_modules": out["new_modules"], "served": len(served),
                     "served_extensions": n_ext, "on_served_files": len(mine), "on_served_extensions": len(ext),
                     "per_module": len(out["calls"]) / max(1, out["new_modules"]),
                     "importer_per_module": len(mine) / max(1, len(served)),
                     "importer_per_python_module": (len(mine) - len(ext)) / max(1, len(served) - n_ext)}
    return res


def measure_slow_storage(py, workload, rounds, delay_us):
    """Import time with every filesystem call delayed, and the number of
    filesystem calls in the workload (which bounds the speed-up)."""
    vs = dict({"default": {"mode": "default"}}, **oxpack_variants(py))
    samples = {n: [] for n in vs}
    calls = {n: [] for n in vs}
    for i in range(rounds):
        for name in (list(vs) if i % 2 == 0 else list(vs)[::-1]):
            out = count_fs_calls(py, workload, vs[name], delay_us=delay_us)
            samples[name].append(out["import_s"])
            calls[name].append(len(out["calls"]))
    return {name: dict(benchfn.stats(xs), fs_calls=statistics.median(calls[name])) for name, xs in samples.items()}


VERIFY_MODES = ("index", "once", "header")


def measure_install_and_rss(py, workload, rounds):
    """install() of the whole environment's blob in a fresh process, per
    verify mode ('once' after a first install recorded the check, as every
    later start sees it), and the peak RSS of the workload with and without
    oxpack."""
    blob = py.blob("none")
    installs, rss = {m: [] for m in VERIFY_MODES}, {"default": [], "oxpack": []}
    nothing = dict(workload="stdlib", modules=[], mode="oxpack", runtime_dir=str(py.runtime_dir), blob=str(blob))
    driver(py, dict(nothing, install={"origin": "original", "verify": "once"}))  # records the check
    for i in range(rounds):
        for m in VERIFY_MODES:
            out = driver(py, dict(nothing, install={"origin": "original", "verify": m}))
            installs[m].append(out["install_s"])
        out = driver(py, dict(workload_cfg(workload), mode="oxpack", runtime_dir=str(py.runtime_dir), blob=str(blob),
                              install={"origin": "original"}))
        rss["oxpack"].append(out["maxrss_kb"])
        rss["default"].append(driver(py, dict(workload_cfg(workload), mode="default"))["maxrss_kb"])
    entries = json.loads(run([OXPACK, "info", "--json", blob]).stdout)["entries"]
    return {"entries": entries, "install_s": {m: benchfn.stats(v) for m, v in installs.items()},
            "maxrss_kb": {k: benchfn.stats(v) for k, v in rss.items()}}


# ---------------------------------------------------------------- startup

def measure_startup(py, rounds):
    """Whole-process wall time of `python -c pass` and `python -m pip
    --version` in a venv, plain against the same venv whose .pth hook serves
    every import after site from a blob of its whole sys.path ($OXPACK_BLOB)."""
    venv = py.work / "venv"
    vpy = venv / "bin" / "python"
    if not vpy.exists():
        run([py.exe, "-m", "venv", "--system-site-packages", "--without-pip", venv])
    run([OXPACK, "hook", "install", "--python", vpy])
    blob = py.work / "venv.oxr"
    if not blob.exists():
        r = subprocess.run([str(OXPACK), "freeze", "--python", str(vpy), "-o", str(blob), "--no-progress"],
                           capture_output=True, text=True)
        if r.returncode not in (0, 5):
            raise SystemExit(f"freeze of the venv failed: {r.stderr[-2000:]}")
    cmds = {"python -c pass": [str(vpy), "-c", "pass"],
            "pip --version": [str(vpy), "-m", "pip", "--version"]}
    env_plain = {k: v for k, v in os.environ.items() if not k.startswith("OXPACK_")}
    env_blob = dict(env_plain, OXPACK_BLOB=str(blob))
    res = {}
    for label, cmd in cmds.items():
        samples = {"default": [], "oxpack": []}
        for env in (env_plain, env_blob):  # warm-up
            subprocess.run(cmd, env=env, capture_output=True, check=True)
        for i in range(rounds * 3):
            for name, env in (("default", env_plain), ("oxpack", env_blob))[:: 1 if i % 2 == 0 else -1]:
                t = time.perf_counter()
                subprocess.run(cmd, env=env, capture_output=True, check=True)
                samples[name].append(time.perf_counter() - t)
        res[label] = {k: benchfn.stats(v) for k, v in samples.items()}
    return res


# ---------------------------------------------------------------- main

def find_python(version):
    for d in sorted(PYENV.glob(f"{version}.*")):
        exe = d / "bin" / f"python{version}"
        if exe.exists():
            return exe
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="fewer variants and rounds (a smoke run)")
    ap.add_argument("--delay-us", type=int, default=200, help="slow storage: delay per filesystem call")
    ap.add_argument("--json", type=Path, default=WORK / "imports.json")
    args = ap.parse_args()
    if args.quick:
        args.rounds = min(args.rounds, 3)
    # install(verify='once') records its checks here, not in the user's cache.
    os.environ["OXPACK_CACHE_DIR"] = str(WORK / "runtime-cache")

    default = Python(shutil.which("python3") and run(["python3", "-c", "import sys;print(sys.executable)"]).stdout.strip())
    others = [Python(p) for p in (find_python("3.8"), find_python("3.10"), find_python("3.13")) if p]
    results = {"machine": {"cores": os.cpu_count(), "date": time.strftime("%Y-%m-%d")},
               "default_python": default.version, "imports": {}, "syscalls": {}, "slow": {}}

    plan = [(default, "stdlib"), (default, "real")] + [(p, "stdlib") for p in others if p.tag != default.tag]
    for py, workload in plan:
        log(f"imports: {py.tag} {workload}")
        results["imports"][f"{py.version} {workload}"] = measure_imports(py, workload, args.rounds, args.quick)
    for workload in ("stdlib", "real"):
        log(f"syscalls: {workload}")
        results["syscalls"][workload] = measure_syscalls(default, workload)
        log(f"slow storage: {workload}")
        results["slow"][workload] = dict(measure_slow_storage(default, workload, max(3, args.rounds // 2),
                                                              args.delay_us), delay_us=args.delay_us)
    log("startup")
    results["startup"] = measure_startup(default, args.rounds)
    log("install cost and RSS")
    results["install"] = measure_install_and_rss(default, "real", max(3, args.rounds))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    log(f"wrote {args.json}")


if __name__ == "__main__":
    main()
