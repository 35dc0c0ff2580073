"""What the start-up benchmarks share (bench/slow_storage.py,
bench/fuse_shared.py, bench/cold.py): the environment under test, its blob,
the variants, one measured child process, and the per-cause breakdown of
the filesystem calls a process makes.

The environment is a venv of the default python3 with its system
site-packages and oxpack's .pth hook (`oxpack hook install`), the way an
application would use oxpack for a whole process: with $OXPACK_BLOB set,
the hook installs the blob while `site` runs, before the site-packages'
own .pth files (the venv's site-packages comes first), so everything from
there on is served from the blob. Without $OXPACK_BLOB the same venv is
the default importer's baseline. Kept compatible with Python 3.8.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchfn import runtime_in, stats  # noqa: E402,F401  (one harness: stats and the runtime's file for every bench)

REPO = Path(__file__).resolve().parents[1]
BUILD = Path(os.environ.get("OXPACK_BUILD_DIR", REPO / "build"))
OXPACK = BUILD / "oxpack"
CHILD = REPO / "bench" / "startup_child.py"
WORKLOADS = Path(os.environ.get("OXPACK_WORKLOADS", REPO.parent / "shared" / "workloads"))
WORK = Path(os.environ.get("OXPACK_BENCH_WORK", BUILD / "bench"))
MARK = "/oxpack-startup-mark"
# What counts as a filesystem call (bench/imports.py's set): what strace
# counts and what the slow-storage runs delay.
FS_CALLS = "%file,read,pread64,getdents64,fstat,lseek"

VARIANTS = {
    # name: environment for the venv's python (None: no blob)
    "default": {},
    "oxpack original files=blob": {"OXPACK_ORIGIN": "original", "OXPACK_FILES": "blob", "OXPACK_STALE": "ignore"},
    "oxpack blob": {"OXPACK_ORIGIN": "blob"},
}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, ok=(0,), **kw):
    r = subprocess.run([str(c) for c in cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, **kw)
    if r.returncode not in ok:
        raise SystemExit("failed (%d): %s\n%s" % (r.returncode, " ".join(map(str, cmd)), r.stderr[-3000:]))
    return r


def base_python():
    return run(["python3", "-c", "import sys; print(sys.executable)"]).stdout.strip()


class Env:
    """A venv (system site-packages, oxpack's hook) under `root`, and a blob
    of its whole sys.path frozen by `python` (a path to the venv's python,
    possibly seen through another mount: --python decides the roots)."""

    def __init__(self, root, base=None, python=None, blob=None, profile=None):
        self.root = Path(root)
        self.base = base or base_python()
        self.venv = self.root / "venv"
        self.python = str(python or self.venv / "bin" / "python")
        self.blob = str(blob or self.root / ("venv-profiled.oxr" if profile else "venv.oxr"))
        self.profile = profile

    def create(self):
        vpy = self.venv / "bin" / "python"
        if not vpy.exists():
            self.root.mkdir(parents=True, exist_ok=True)
            run([self.base, "-m", "venv", "--system-site-packages", "--without-pip", self.venv])
        run([OXPACK, "hook", "install", "--python", vpy])
        return self

    def freeze(self, force=False):
        if force or not os.path.exists(self.blob):
            args = [OXPACK, "freeze", "--no-progress", "--compress", "none", "--python", self.python, "-o", self.blob]
            if self.profile:
                args += ["--profile", self.profile]
            run(args, ok=(0, 5))  # 5: some inputs skipped, the blob is usable
        return self.blob

    def environ(self, variant, workload):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "OXPACK_"))}
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        if workload == "stdlib":
            env["SETUPTOOLS_USE_DISTUTILS"] = "stdlib"
        extra = VARIANTS[variant]
        if extra:
            env.update(extra, OXPACK_BLOB=self.blob)
        return env


def stdlib_modules():
    return [l.strip() for l in (WORKLOADS / "stdlib-modules.txt").read_text().splitlines() if l.strip()]


def workload_cfg(workload, mark=False):
    cfg = {"mode": "default"}
    if workload == "stdlib":
        cfg.update(workload="stdlib", modules=stdlib_modules())
    else:
        cfg.update(workload=str(WORKLOADS / "real-set.py"))
    if mark:
        cfg["mark"] = MARK
    return cfg


def child_cmd(env, workload, mark=False, python=None):
    return [python or env.python, "-I", "-W", "ignore", str(CHILD), repr(workload_cfg(workload, mark))]


def parse_child(stdout):
    return eval(stdout.strip().splitlines()[-1], {"__builtins__": {}})


def measure(env, variant, workload, wrap=(), python=None, mark=False):
    """One process: its wall time from exec to exit (with `wrap`, e.g. a
    tracer, around it) and the child's own figures."""
    cmd = list(wrap) + child_cmd(env, workload, mark, python)
    t = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                       env=env.environ(variant, workload), cwd=tempfile.gettempdir())
    wall = time.perf_counter() - t
    if r.returncode != 0:
        raise RuntimeError("%s/%s failed (%d): %s" % (variant, workload, r.returncode, r.stderr[-3000:]))
    out = parse_child(r.stdout)
    out["wall_s"] = wall
    return out


# ------------------------------------------------------------- per cause

CAUSES = {
    "interpreter": "interpreter start-up up to site's oxpack hook (exec, dynamic loader, getpath, encodings, "
                   "site listing site-packages)",
    "runtime": "loading oxpack_runtime itself (the hook's import: path search, dlopen)",
    "blob": "the blob itself (open, fstat)",
    "modules": "module files: the path finder (stat, listdir, .py/.pyc, package directories)",
    "extensions": "extension module files (dlopen of the module from its path)",
    "memfd": "memory files (memfd): extension modules loaded from memory, data files served as sealed memory "
             "files; delayed only by the simulation",
    "dt_needed": "dynamic loader: shared libraries extension modules need (DT_NEEDED search, ld.so.cache)",
    "site": "site after the hook (.pth files, pyvenv.cfg)",
    "data": "non-module files under the Python installation (package data, gettext catalogs in share/locale)",
    "cache": "the runtime's file cache (as_file(): certifi's cacert.pem materialized)",
    "bench": "the benchmark's own scripts (child, workload script)",
    "elsewhere": "elsewhere: the workload's own I/O outside the installation (~/.aws, /etc/ssl, /proc, /dev, cwd)",
}


def _prefix_of(python):
    r = run([python, "-c", "import sys, json; print(json.dumps([sys.prefix, sys.base_prefix, sys.path]))"],
            env={k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "OXPACK_"))})
    import json

    return json.loads(r.stdout)


def classify_trace(text, env, python=None):
    """Counts the filesystem calls of one `strace -f -y` run per cause and
    per phase: 'before the hook' (exec until site opens oxpack_runtime.pth:
    the same under any importer installed from Python), 'start-up' (from
    there to the workload), 'window' (the workload), 'exit'."""
    prefix, base_prefix, syspath = _prefix_of(python or env.python)
    roots = sorted({p for p in syspath if p and p.startswith("/")}, key=len, reverse=True)
    blob = env.blob
    ext_re = re.compile(r"\.(cpython-[^/]*|abi3)\.so$")
    phase = "before the hook"
    counts, paths = {}, {}
    total = {"before the hook": 0, "start-up": 0, "window": 0, "exit": 0}
    for line in text.splitlines():
        m = re.match(r"(?:\d+\s+)?(\w+)\((.*)", line)
        if not m:
            continue
        name, args = m.groups()
        if MARK + "-start" in args:
            phase = "window"
            continue
        if MARK + "-end" in args:
            phase = "exit"
            continue
        p = re.match(r"-?\d+<([^>]*)>", args) or re.match(r'(?:AT_FDCWD(?:<[^>]*>)?, )?"([^"]*)"', args)
        path = p.group(1) if p else ""
        if phase == "before the hook":
            cause = "interpreter"
            if path.endswith("/oxpack_runtime.pth") and name in ("openat", "open"):
                phase = "start-up"
        elif blob and path == blob:
            cause = "blob"
        elif "memfd:" in path or path.startswith("/proc/self/fd/"):
            cause = "memfd"
        elif "/oxpack/files/" in path:
            cause = "cache"
        elif path == str(CHILD) or path.startswith(str(WORKLOADS)):
            cause = "bench"
        elif "oxpack_runtime" in path:
            cause = "runtime"
        elif ext_re.search(path) or ("/lib-dynload/" in path and path.endswith(".so")):
            cause = "extensions"
        elif path == "/etc/ld.so.cache" or re.search(r"\.so(\.[0-9.]+)?$", path) or "glibc-hwcaps" in path \
                or re.search(r"/(tls|haswell|x86_64|avx512_1)(/|$)", path):
            cause = "dt_needed"
        elif path.endswith(".pth") or path.endswith("pyvenv.cfg"):
            cause = "site"
        elif any(path == r or path.startswith(r + "/") for r in roots) and (
                path.endswith((".py", ".pyc")) or "__pycache__" in path or os.path.isdir(path)
                or not os.path.exists(path)):
            cause = "modules"
        elif path.startswith((prefix, base_prefix)):
            cause = "data"
        else:
            cause = "elsewhere"
        key = (phase, cause)
        counts[key] = counts.get(key, 0) + 1
        total[phase] += 1
        pk = (phase, cause, name, re.sub(r"memfd:[^ >]*", "memfd:*", path))
        paths[pk] = paths.get(pk, 0) + 1
    by_cause = {}
    for (ph, c), n in counts.items():
        by_cause.setdefault(c, {})[ph] = n
    return {"by_cause": by_cause, "by_phase": total, "total": sum(total.values()),
            "top_paths": ["%d  %s | %s | %s %s" % (n, k[0], k[1], k[2], k[3])
                          for k, n in sorted(paths.items(), key=lambda kv: -kv[1])[:80]]}


def trace_calls(env, variant, workload, python=None):
    """One run under `strace -f -y` (no delay): the calls per cause."""
    with tempfile.NamedTemporaryFile("r", suffix=".strace") as f:
        strace = ["strace", "-f", "--seccomp-bpf", "-qq", "-y", "-e", "trace=" + FS_CALLS, "-o", f.name]
        out = measure(env, variant, workload, wrap=strace, python=python, mark=True)
        text = f.read()
    res = classify_trace(text, env, python)
    res["modules"] = out["modules"]
    return res
