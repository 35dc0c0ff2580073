"""Real inputs: this interpreter's whole stdlib from a blob, and (for the
machine's default Python) its whole site-packages frozen by `oxpack freeze`
with the large real import set. sys.modules and every module's __name__,
__package__, __path__ and __file__ (per origin mode) must match a run with
the file-system importer, and strace must show no per-module file-system
calls for modules the blob serves."""
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig

import pytest

import blobtools
from blobtools import run_json

STDLIB = sysconfig.get_paths()["stdlib"]
WORKLOADS = os.environ.get("OXPACK_WORKLOADS", "/work/shared/workloads")
SKIP_PARTS = {"test", "tests", "idlelib", "turtledemo", "__main__", "antigravity", "this", "__phello__", "__hello__",
              "_bundled", "_pyrepl"}

SNAPSHOT = r"""
def snapshot():
    import sys
    out = {}
    for name, m in list(sys.modules.items()):
        p = getattr(m, '__path__', None)
        try:
            p = list(p) if p is not None else None
        except Exception:
            p = 'unlistable'
        loader = getattr(getattr(m, '__spec__', None), 'loader', None)
        out[name] = {'name': getattr(m, '__name__', None), 'package': getattr(m, '__package__', None),
                     'path': p, 'file': getattr(m, '__file__', None),
                     'ours': type(loader).__module__ == 'oxpack_runtime'}
    return out
"""


def stdlib_module_names():
    """Every module of the stdlib tree (as the blob holds it), minus test
    suites and modules that start programs when imported."""
    m = blobtools.tree_manifest([STDLIB], exclude={"site-packages", "lib-dynload"}, bytecode="none")
    dyn = os.path.join(STDLIB, "lib-dynload")
    names = {e["key"] for e in m["entries"] if e["space"] == "module"}
    if os.path.isdir(dyn):
        names |= {e["key"] for e in blobtools.tree_manifest([dyn], bytecode="none")["entries"] if e["space"] == "module"}
    return sorted(n for n in names if not (set(n.split(".")) & SKIP_PARTS))


IMPORT_ALL = r"""
import sys, json, io, contextlib, warnings, os
warnings.simplefilter('ignore')
{setup}
names = json.load(open(sys.argv[1]))
ok, failed = [], []
for n in names:
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            __import__(n)
        ok.append(n)
    except BaseException as e:
        failed.append([n, type(e).__name__])
print(json.dumps({{'ok': ok, 'failed': failed, 'mods': snapshot()}}))
"""


def compare(fs, ox, mapping=None):
    """Every module of the file-system run is in the blob run with the same
    attributes (paths mapped for blob mode); nothing extra but the runtime."""
    extra = set(ox) - set(fs) - {"oxpack_runtime"}
    missing = set(fs) - set(ox)
    assert not missing and not extra, (sorted(missing)[:20], sorted(extra)[:20])
    bad = []
    for name, want in fs.items():
        got = dict(ox[name])
        ours = got.pop("ours")
        want = dict(want)
        want.pop("ours")
        mapped = {k: mapping(v) for k, v in want.items()} if mapping else want
        if mapping and ours:
            want = mapped
        # A module our loader did not create can still name the blob: importlib
        # sets _bootstrap.__file__ from its own, cryptography swaps modules for
        # forwarding proxies (whose __spec__ is None).
        if got != want and got != mapped:
            bad.append((name, want, got))
    assert not bad, "\n".join(map(repr, bad[:5]))
    return sum(1 for v in ox.values() if v["ours"])


@pytest.fixture(scope="module")
def stdlib_names(tmp_path_factory):
    path = tmp_path_factory.mktemp("names") / "stdlib.json"
    path.write_text(json.dumps(stdlib_module_names()))
    return str(path)


def test_whole_stdlib_original_mode(stdlib_blob, stdlib_names):
    fs = run_json(SNAPSHOT + IMPORT_ALL.format(setup=""), stdlib_names, flags=["-S"])
    ox = run_json(SNAPSHOT + IMPORT_ALL.format(setup="import oxpack_runtime; oxpack_runtime.install(sys.argv[2])"),
                  stdlib_names, stdlib_blob, flags=["-S"])
    assert ox["ok"] == fs["ok"] and ox["failed"] == fs["failed"]
    assert len(fs["ok"]) > 500  # the stdlib imports normally, apart from platform-specific modules
    served = compare(fs["mods"], ox["mods"])
    assert served > 0.9 * len(fs["ok"])


def test_whole_stdlib_blob_mode(stdlib_blob, stdlib_names):
    fs = run_json(SNAPSHOT + IMPORT_ALL.format(setup=""), stdlib_names, flags=["-S"])
    ox = run_json(SNAPSHOT + IMPORT_ALL.format(setup="import oxpack_runtime; oxpack_runtime.install(sys.argv[2], origin='blob')"),
                  stdlib_names, stdlib_blob, flags=["-S"])
    assert ox["ok"] == fs["ok"]
    roots = [os.path.join(STDLIB, "lib-dynload"), STDLIB]

    def mapping(v):
        if isinstance(v, list):
            return [mapping(x) for x in v]
        if isinstance(v, str):
            for r in roots:
                if v.startswith(r + "/"):
                    return stdlib_blob + v[len(r):]
        return v

    compare(fs["mods"], ox["mods"], mapping)
    # extension modules came from memory: nothing on disk has those names
    exts = [n for n, m in ox["mods"].items() if m["ours"] and m["file"] and m["file"].endswith(".so")]
    assert len(exts) > 10


# --- the machine's default Python and its site-packages --------------------------

def default_python():
    exe = shutil.which("python3")
    if exe is None:
        return None
    return subprocess.run([exe, "-c", "import sys; print(sys.executable)"], stdout=subprocess.PIPE,
                          universal_newlines=True).stdout.strip()


needs_default = pytest.mark.skipif(
    not default_python() or os.path.realpath(default_python()) != os.path.realpath(sys.executable),
    reason="site-packages is frozen for the machine's default python3 only")


@pytest.fixture(scope="module")
def env_blob(tmp_path_factory):
    """python3's whole sys.path (stdlib, lib-dynload, site-packages) frozen by
    `oxpack freeze`: scripts/test builds it once per run (OXPACK_FIXTURE_ENV,
    zstd-compressed); otherwise it is built here."""
    shared = os.environ.get("OXPACK_FIXTURE_ENV")
    if shared and os.path.exists(shared):
        return shared
    out = str(tmp_path_factory.mktemp("env") / "env.oxr")
    r = subprocess.run([blobtools.OXPACK, "freeze", "--python", sys.executable, "-o", out],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    assert r.returncode in (0, 5), r.stderr
    return out


REAL_SET = r"""
import sys, json, warnings, os
warnings.simplefilter('ignore')
{setup}
try:
    os.stat('/oxpack-test-marker-after-install')
except OSError:
    pass
source = open(sys.argv[1]).read()
if {imports_only}:
    exec(compile("\n".join(l for l in source.splitlines() if l.startswith(("import ", "from "))), sys.argv[1], 'exec'))
    services = None
else:
    # The whole workload: botocore reads its data files by path (from the
    # blob in blob mode: the virtual file layer).
    exec(compile(source, sys.argv[1], 'exec'))
    import boto3
    session = boto3.session.Session(region_name='us-east-1')
    s3 = session.client('s3')
    assert s3.meta.region_name == 'us-east-1'
    services = len(session.get_available_services())
print(json.dumps({{'mods': snapshot(), 'services': services}}))
"""

INSTALL = "import oxpack_runtime\nfor b in sys.argv[2:]: oxpack_runtime.install(b, origin={origin!r})"


@needs_default
@pytest.mark.parametrize("origin", ["original", "blob"])
def test_site_packages_real_set(env_blob, origin):
    real_set = os.path.join(WORKLOADS, "real-set.py")
    fs = run_json(SNAPSHOT + REAL_SET.format(setup="", imports_only=False), real_set)
    ox = run_json(SNAPSHOT + REAL_SET.format(setup=INSTALL.format(origin=origin), imports_only=False), real_set,
                  env_blob)
    assert len(fs["mods"]) > 1000 and ox["services"] == fs["services"]
    assert fs["services"] > 100  # a real boto3 session, S3 client included
    # the roots recorded in the blob, longest first (lib-dynload and site-packages sit inside the stdlib)
    roots = sorted(run_json("import sys, json, oxpack_runtime\n"
                            "print(json.dumps(oxpack_runtime.install(sys.argv[1], stale='ignore').roots))", env_blob),
                   key=len, reverse=True)

    def mapping(v):
        if origin == "original":
            return v
        if isinstance(v, list):
            return [mapping(x) for x in v]
        if isinstance(v, str):
            for r in roots:
                if v.startswith(r + "/"):
                    return env_blob + v[len(r):]
        return v

    served = compare(fs["mods"], ox["mods"], mapping)
    assert served > 1200


def strace_file_calls(args, env):
    log = args[0] + ".strace"
    cmd = ["strace", "-f", "-qq", "-e", "trace=%file,getdents64", "-o", log] + args[1:]
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    with open(log) as f:
        lines = f.read().splitlines()
    for i, line in enumerate(lines):
        if "/oxpack-test-marker-after-install" in line:
            return lines[i + 1:], json.loads(r.stdout.strip().splitlines()[-1])
    raise AssertionError("marker not found in the trace")


@needs_default
def test_strace_blob_served_modules_cost_no_file_system_calls(env_blob, tmp_path):
    if shutil.which("strace") is None:
        pytest.fail("strace is needed (scripts/setup installs it)")
    real_set = os.path.join(WORKLOADS, "real-set.py")
    env = blobtools.env_with_runtime()
    # The imports of the real set (botocore's data-file reads would only add
    # the application's own file access, the same in both runs).
    fs_calls, fs = strace_file_calls([str(tmp_path / "fs"), sys.executable, "-c",
                                      SNAPSHOT + REAL_SET.format(setup="", imports_only=True), real_set], env)
    ox_calls, ox = strace_file_calls([str(tmp_path / "ox"), sys.executable, "-c",
                                      SNAPSHOT + REAL_SET.format(setup=INSTALL.format(origin="original"),
                                                                 imports_only=True),
                                      real_set, env_blob], env)
    served = {n: m for n, m in ox["mods"].items() if m["ours"] and m["file"] and m["file"].endswith(".py")}
    assert len(served) > 1200
    touched = set()
    quoted = re.compile(r'"([^"]*)"')
    for line in ox_calls:
        touched.update(quoted.findall(line))
    # no open/stat of a blob-served module's source or bytecode, nor a listing of its package directory
    files = {m["file"] for m in served.values()}
    pycache = {os.path.join(os.path.dirname(f), "__pycache__") for f in files}
    hit = sorted(touched & (files | pycache))
    assert hit == [], hit[:20]
    # and far fewer file-system calls overall (what is left: imports the blobs
    # do not have going on to PathFinder, extension modules opened at their
    # original path in original mode, data files)
    print("file-system calls after install: fs importer %d, blob %d, modules %d" %
          (len(fs_calls), len(ox_calls), len(ox["mods"])))
    assert len(ox_calls) * 5 < len(fs_calls)


@needs_default
def test_strace_files_blob_serves_data_files_by_path(env_blob, tmp_path):
    """Original mode with files='blob': the real set's data-file reads
    (botocore lists, stats and opens ~8,500 paths under its data directory)
    come from the blob: after install no file-system call touches a file
    under site-packages but extension modules, which load from their files."""
    if shutil.which("strace") is None:
        pytest.fail("strace is needed (scripts/setup installs it)")
    real_set = os.path.join(WORKLOADS, "real-set.py")
    env = blobtools.env_with_runtime()
    setup = "import oxpack_runtime\nfor b in sys.argv[2:]: oxpack_runtime.install(b, stale='ignore', files='blob')"
    fs_calls, fs = strace_file_calls([str(tmp_path / "fs"), sys.executable, "-c",
                                      SNAPSHOT + REAL_SET.format(setup="", imports_only=False), real_set], env)
    ox_calls, ox = strace_file_calls([str(tmp_path / "ox"), sys.executable, "-c",
                                      SNAPSHOT + REAL_SET.format(setup=setup, imports_only=False), real_set, env_blob],
                                     env)
    assert ox["services"] == fs["services"] > 100
    site = sysconfig.get_paths()["purelib"]
    under_site = [line for line in ox_calls if '"' + site + "/" in line]
    data_calls_fs = [line for line in fs_calls if "/botocore/data/" in line]
    data_calls_ox = [line for line in ox_calls if "/botocore/data/" in line]
    print("calls under site-packages after install: fs importer %d, files='blob' %d; botocore data: %d, %d" %
          (len([line for line in fs_calls if '"' + site + "/" in line]), len(under_site), len(data_calls_fs),
           len(data_calls_ox)))
    assert len(data_calls_fs) > 1000 and data_calls_ox == []
    # What is left: extension modules loaded from their files, and PathFinder
    # stat()ing and listing directories for names no blob holds (optional
    # imports that fail): no file under site-packages is opened or looked at.
    left = [line for line in under_site if ".so" not in line and "S_IFDIR" not in line and "O_DIRECTORY" not in line]
    assert left == [], left[:10]


@needs_default
def test_oxpack_run_module_on_the_machines_environment(env_blob, tmp_path):
    e = blobtools.env_with_runtime()
    e.pop("PYTHONPATH", None)
    fs = subprocess.run([sys.executable, "-m", "IPython", "--version"], stdout=subprocess.PIPE, env=e,
                        universal_newlines=True)
    ox = subprocess.run([blobtools.OXPACK, "run", env_blob, "-m", "IPython", "--version"], stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, env=e, universal_newlines=True, cwd=str(tmp_path))
    assert ox.returncode == 0 and ox.stdout == fs.stdout and fs.stdout.strip(), ox.stderr
    code = "import sys, json, sympy, yaml; print(json.dumps([type(sympy.__loader__).__name__, sympy.__file__, " \
           "str(sympy.sympify('x**2 + 2*x').diff()), yaml.safe_dump({'a': 1}).strip()]))"
    ox = subprocess.run([blobtools.OXPACK, "run", env_blob, "-c", code], stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, env=e, universal_newlines=True, cwd=str(tmp_path))
    assert ox.returncode == 0, ox.stderr
    loader, file, derivative, dumped = json.loads(ox.stdout)
    assert loader == "Loader" and file.endswith("/sympy/__init__.py") and derivative == "2*x + 2" and dumped == "a: 1"
