"""What the cluster tests and bench/cluster.py share: the build, the
application blob (tests/cluster/app frozen with orjson, then its source
deleted), the environment worker processes need, and running a driver.

Workers are separate processes started by the engines: they find the
`oxpack` package (python/) and `oxpack_runtime` (the build's, for this
interpreter) through PYTHONPATH, as an installed wheel would give them."""
import json
import os
import shutil
import subprocess
import sys
import sysconfig

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BUILD = os.path.abspath(os.environ.get("OXPACK_BUILD_DIR") or os.path.join(REPO, "build"))
OXPACK = os.path.join(BUILD, "oxpack")
RUNTIME_DIR = os.path.join(BUILD, "python", sys.implementation.cache_tag)
APP = os.path.join(HERE, "app")
DRIVERS = os.path.join(HERE, "drivers")
DEPENDENCY = "orjson"          # a real dependency with a native extension


def worker_env(extra=None):
    """os.environ with the oxpack package and runtime importable."""
    env = dict(os.environ)
    path = [os.path.join(REPO, "python"), RUNTIME_DIR]
    if env.get("PYTHONPATH"):
        path.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(path)
    env.update(extra or {})
    return env


def freeze_app(workdir, python=None, name="app.oxr", dependency=True, compress=None):
    """Copy the application into workdir, freeze it (and the dependency,
    from the interpreter's site-packages) into workdir/name in blob mode,
    delete the copy, and return the blob's path."""
    python = python or sys.executable
    src = os.path.join(workdir, "src")
    shutil.copytree(APP, src, ignore=shutil.ignore_patterns("__pycache__"))
    roots = [src]
    includes = ["--include", "clusterapp*"]
    if dependency:
        site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout.strip()
        roots.append(site)
        includes += ["--include", DEPENDENCY + "*"]
    out = os.path.join(workdir, name)
    extra = ["--compress", compress] if compress else []
    r = subprocess.run([OXPACK, "freeze", "-q", "--no-progress", "--python", python, "--origin", "blob",
                        *extra, *includes, "-o", out, *roots], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    if r.returncode != 0:
        raise RuntimeError("oxpack freeze failed (%d): %s" % (r.returncode, r.stderr))
    shutil.rmtree(src)
    return out


def run_driver(script, *args, timeout=300, env=None, cwd=None):
    """Run drivers/<script> with python3 (this interpreter); its last line of
    stdout is a JSON result. Returns (result or None, CompletedProcess)."""
    proc = subprocess.run([sys.executable, os.path.join(DRIVERS, script), *map(str, args)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                          timeout=timeout, env=worker_env(env), cwd=cwd)
    # (the last line that is JSON: Ray prints workers' errors on stdout too)
    lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
    result = json.loads(lines[-1]) if proc.returncode == 0 and lines else None
    return result, proc


def site_packages():
    return sysconfig.get_paths()["purelib"]


def sha256(path):
    import hashlib
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def foreign_blob(out, **target):
    """A blob whose clusterapp would do, but frozen for another target."""
    sys.path.insert(0, os.path.join(REPO, "tests", "python"))
    import blobtools
    return blobtools.make_blob({"target": blobtools.target(**target), "origin": "blob", "roots": [{"path": "/nowhere"}],
                                "entries": [{"space": "module", "kind": "source", "key": "clusterapp",
                                             "path": "clusterapp/__init__.py", "package": True,
                                             "data": "def work(x):\n    return x\n"}]}, out)


# Targets a worker here cannot serve (blobs made by oxpack_make_blob).
OTHER_VERSION = {"python_version": "3.99.0", "cache_tag": "cpython-399", "hexversion": 0x036300F0,
                 "pyc_magic": 0x0A0D0001}
OTHER_PLATFORM = {"platform": "aarch64-linux-gnu",
                  "extension_suffixes": [".%s-aarch64-linux-gnu.so" % sys.implementation.cache_tag, ".abi3.so", ".so"]}


def check_results(results, n):
    """The tasks ran the application: its data file read by path, parsed by orjson."""
    assert sorted(r["x"] for r in results) == list(range(n))
    for r in results:
        assert r["value"] == 7 * r["x"] + 3, r


def check_served(where, blob_path):
    """A worker's modules came from the blob at blob_path (its node copy)."""
    assert where["blobs"] == [blob_path], where
    for name, m in where["modules"].items():
        assert m["loader"] == "oxpack_runtime", (name, m)
        assert m["file"].startswith(blob_path + os.sep), (name, m)
    assert where["modules"]["clusterapp"]["file"] == os.path.join(blob_path, "clusterapp", "__init__.py")
    assert where["modules"]["orjson.orjson"]["file"].endswith(".so")
