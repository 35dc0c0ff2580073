"""Shared helpers and fixtures for the scan/freeze/diff CLI tests (kept out
of conftest.py, which another test file set owns).

OXPACK_BUILD_DIR: the build directory (default <repo>/build).
OXPACK_FIXTURE_ENV: `oxpack freeze -o` of python3's whole sys.path (stdlib,
lib-dynload, site-packages), built once per test run by scripts/test; when
unset, the `env_blob` fixture builds it.
"""
import json
import os
import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("OXPACK_BUILD_DIR", REPO / "build"))
OXPACK = str(BUILD / "oxpack")
PYTHON_VIEW = str(pathlib.Path(__file__).with_name("python_view.py"))
WHEEL_DIR = "/usr/share/python-wheels"


def oxpack(*args, env=None, check=None, **kw):
    """Runs oxpack; returns the CompletedProcess (text mode)."""
    full_env = dict(os.environ, **(env or {}))
    r = subprocess.run([OXPACK, *map(str, args)], capture_output=True, text=True, errors="replace",
                       env=full_env, **kw)
    if check is not None:
        assert r.returncode == check, f"oxpack {' '.join(map(str, args))} -> {r.returncode}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r


def oxpack_json(*args, check=0):
    return json.loads(oxpack(*args, check=check).stdout)


def python_info(python):
    code = ("import json, sys, site, importlib.util as u, importlib.machinery as m;"
            "json.dump({'site': site.getsitepackages(), 'magic': u.MAGIC_NUMBER.hex(),"
            "'ext': m.EXTENSION_SUFFIXES, 'tag': sys.implementation.cache_tag,"
            "'version': '%d.%d.%d' % sys.version_info[:3], 'hexversion': sys.hexversion,"
            "'stdlib': __import__('sysconfig').get_paths()['stdlib']}, sys.stdout)")
    return json.loads(subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout)


def site_packages(python="python3"):
    return python_info(python)["site"][0]


def python_view(python, *roots):
    """The target interpreter's own view (see python_view.py)."""
    out = subprocess.run([python, PYTHON_VIEW, *roots], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def oxpack_modules(scan):
    """Module name -> {kind, origin} from `oxpack scan --json`, in python_view's shape."""
    roots = [r["path"] for r in scan["roots"]]
    mods = {}
    for it in scan["items"]:
        if it["space"] != "module" or it.get("excluded"):
            continue
        origin = roots[it["root"]] + "/" + it["path"]
        if it["kind"] == "namespace":
            mods[it["name"]] = {"kind": "namespace", "origin": origin}
        elif it["kind"] in ("source", "extension") or (it["kind"] == "bytecode" and it["name"] not in mods):
            kind = "package" if "package" in it["flags"] else "module"
            mods[it["name"]] = {"kind": kind, "origin": origin}
    return mods


def oxpack_distributions(scan):
    dists = set()
    for it in scan["items"]:
        if it["space"] == "distribution" and not it.get("excluded"):
            dists.add((it["name"].split("/")[0], it["distribution"], it["version"]))
    return dists


def assert_same_modules(ours, theirs):
    only_python = sorted(set(theirs) - set(ours))
    only_oxpack = sorted(set(ours) - set(theirs))
    differ = sorted(k for k in set(ours) & set(theirs) if ours[k] != theirs[k])
    assert not only_python and not only_oxpack and not differ, (
        f"only Python: {only_python[:20]}\nonly oxpack: {only_oxpack[:20]}\n"
        f"differ: {[(k, theirs[k], ours[k]) for k in differ[:10]]}")


@pytest.fixture(scope="session")
def env_blob(tmp_path_factory):
    """python3's whole environment frozen once (scripts/test builds it)."""
    path = os.environ.get("OXPACK_FIXTURE_ENV")
    if path and os.path.exists(path):
        return path
    out = tmp_path_factory.mktemp("fixture") / "env.oxr"
    r = oxpack("freeze", "-o", out, "--compress", "zstd:3")
    assert r.returncode in (0, 5), r.stderr
    return str(out)
