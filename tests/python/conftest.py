"""Fixtures for the oxpack_runtime tests. Every test runs Python code in a
subprocess (isolation: sys.meta_path, sys.modules), under the interpreter
running pytest, with the oxpack_runtime built for it on PYTHONPATH."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blobtools  # noqa: E402


def pytest_report_header(config):
    return "oxpack_runtime under test: %s (%s)" % (blobtools.RUNTIME_DIR, sys.version.split()[0])


@pytest.fixture(scope="session", autouse=True)
def built():
    """The runtime for this interpreter and the test tool must exist: the
    build makes one per CPython it finds, and this suite runs per CPython."""
    missing = [p for p in (blobtools.MAKE_BLOB, blobtools.OXPACK) if not os.path.exists(p)]
    if not os.path.isdir(blobtools.RUNTIME_DIR) or not any(
            n.startswith("oxpack_runtime") for n in os.listdir(blobtools.RUNTIME_DIR)):
        missing.append(blobtools.RUNTIME_DIR + "/oxpack_runtime*")
    if missing:
        pytest.fail("not built: %s (run scripts/setup)" % ", ".join(missing), pytrace=False)


class Tree:
    """A source tree on disk plus the blob of it: write files, then build."""

    def __init__(self, base):
        self.base = str(base)
        self.root = os.path.join(self.base, "src")
        os.makedirs(self.root, exist_ok=True)

    def write(self, rel, text):
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        mode = "wb" if isinstance(text, bytes) else "w"
        with open(path, mode) as f:
            f.write(text)
        return path

    def files(self, mapping):
        for rel, text in mapping.items():
            self.write(rel, text)
        return self

    def build(self, name="app.oxr", bytecode="compile", origin="original", roots=None):
        out = os.path.join(self.base, name)
        return blobtools.build_tree_blob(roots or [self.root], out, bytecode=bytecode, origin=origin)


@pytest.fixture
def tree(tmp_path):
    return Tree(tmp_path)


@pytest.fixture(scope="session")
def stdlib_blob(tmp_path_factory):
    """This interpreter's stdlib and lib-dynload frozen by `oxpack freeze`
    (the import-system-aware scanner; original mode, uncompressed)."""
    import subprocess
    import sysconfig

    stdlib = sysconfig.get_paths()["stdlib"]
    dynload = os.path.join(stdlib, "lib-dynload")
    roots = [stdlib] + ([dynload] if os.path.isdir(dynload) else [])
    out = str(tmp_path_factory.mktemp("stdlib") / ("stdlib-%s.oxr" % sys.implementation.cache_tag))
    r = subprocess.run([blobtools.OXPACK, "freeze", *roots, "--python", sys.executable, "-o", out],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    assert r.returncode in (0, 5), r.stderr  # 5: some files skipped (reported), the blob is complete otherwise
    return out
