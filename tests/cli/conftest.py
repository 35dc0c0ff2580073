"""Fixtures for the oxpack command-line tests: the binary, the test vectors,
small input trees, and one frozen stdlib blob shared by the whole run.

The binary is $OXPACK_BUILD_DIR/oxpack (default: <repo>/build/oxpack)."""
import importlib.util
import os
import py_compile
import signal
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD_DIR = Path(os.environ.get("OXPACK_BUILD_DIR", REPO / "build"))
OXPACK = BUILD_DIR / "oxpack"
VECTORS = REPO / "format-spec" / "vectors"


class Oxpack:
    """Runs the oxpack binary and returns the CompletedProcess (bytes or text)."""

    path = OXPACK

    def __call__(self, *args, text=True, env=None, preexec_fn=None, input=None, cwd=None):
        full_env = dict(os.environ)
        full_env.pop("SOURCE_DATE_EPOCH", None)
        if env:
            full_env.update(env)
        return subprocess.run([str(OXPACK), *map(str, args)], capture_output=True, text=text, env=full_env,
                              preexec_fn=preexec_fn, input=input, cwd=cwd, timeout=600)


@pytest.fixture(scope="session")
def oxpack():
    if not OXPACK.is_file():
        pytest.fail(f"{OXPACK} is missing: build first (scripts/setup) or set OXPACK_BUILD_DIR")
    return Oxpack()


@pytest.fixture(scope="session")
def vectors():
    return VECTORS


def error_lines(stderr):
    return [line for line in stderr.splitlines() if line.startswith("oxpack: error:")]


def limit_file_size(limit):
    """A preexec_fn making writes past `limit` bytes fail with EFBIG (not SIGXFSZ)."""
    def apply():
        import resource
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def make_tree(root: Path):
    """A small site-packages-like tree; returns {relative path: bytes}."""
    files = {
        "mod.py": b"print('mod')\n",
        "pkg/__init__.py": b"from .sub import x\n",
        "pkg/sub.py": b"x = 1\n",
        "pkg/data/table.csv": b"a,b\r\n1,2\r\n",
        "pkg/data/bin.dat": bytes(range(256)) * 8,
        "pkg-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n",
        "pkg-1.0.dist-info/RECORD": b"pkg/__init__.py,,\n",
        "extra.pth": b"./somewhere\n",
        "caf\u00e9/__init__.py": "# caf\u00e9\n".encode(),
        "caf\u00e9/donn\u00e9es.txt": "donn\u00e9es\n".encode(),
        "big.py": b"".join(b"def f%d(): return %d\n" % (i, i) for i in range(3000)),
    }
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    # Valid bytecode beside every module (the freeze reuses it, so the blob
    # holds exactly these files and extract gives back exactly the tree).
    for rel in [r for r in files if r.endswith(".py")]:
        src = root / rel
        cached = Path(importlib.util.cache_from_source(str(src)))
        py_compile.compile(str(src), cfile=str(cached), doraise=True)
        files[cached.relative_to(root).as_posix()] = cached.read_bytes()
    return files


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "site"
    files = make_tree(root)
    return root, files


def stdlib_dir():
    return Path(sysconfig.get_paths()["stdlib"])


@pytest.fixture(scope="session")
def stdlib_blob(oxpack, tmp_path_factory):
    """The machine's stdlib directory frozen once per run: (blob path, freeze result).
    scripts/test may hand one in through OXPACK_STDLIB_BLOB."""
    given = os.environ.get("OXPACK_STDLIB_BLOB")
    if given and Path(given).is_file():
        return Path(given), None
    out = tmp_path_factory.mktemp("stdlib") / "stdlib.oxr"
    r = oxpack("freeze", stdlib_dir(), "-o", out, "--json")
    assert r.returncode in (0, 5), r.stderr
    return out, r
