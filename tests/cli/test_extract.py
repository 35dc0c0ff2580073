"""oxpack extract: round trip, escaping paths refused, existing files kept,
bytecode compiled during freeze written where Python looks for it, damaged
entries named with their checksum error."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import error_lines


def tree_files(root: Path):
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_extract_round_trip(oxpack, tree, tmp_path):
    root, files = tree
    blob = tmp_path / "site.oxr"
    assert oxpack("freeze", root, "-o", blob, "--compress", "zstd").returncode == 0
    out = tmp_path / "out"
    r = oxpack("extract", blob, "-o", out)
    assert r.returncode == 0, r.stderr
    assert tree_files(out) == files


def test_extract_keeps_existing_files_unless_overwrite(oxpack, tree, tmp_path):
    root, files = tree
    blob = tmp_path / "site.oxr"
    assert oxpack("freeze", root, "-o", blob).returncode == 0
    out = tmp_path / "out"
    (out / "pkg").mkdir(parents=True)
    (out / "pkg" / "sub.py").write_bytes(b"mine")
    r = oxpack("extract", blob, "-o", out)
    assert r.returncode == 5
    assert "already exists" in r.stderr
    assert (out / "pkg" / "sub.py").read_bytes() == b"mine"
    assert oxpack("extract", blob, "-o", out, "--overwrite").returncode == 0
    assert tree_files(out) == files


def test_extract_refuses_paths_that_escape(oxpack, vectors, tmp_path):
    outside = Path("/tmp/oxpack-vector-absolute.txt")
    if outside.exists():
        outside.unlink()
    work = tmp_path / "work"
    out = work / "out"
    work.mkdir()
    r = oxpack("extract", vectors / "escaping-paths.oxr", "-o", out)
    assert r.returncode == 5, r.stderr
    assert "../oxpack-vector-escape.txt" in r.stderr
    assert "/tmp/oxpack-vector-absolute.txt" in r.stderr
    assert tree_files(out) == {"inside/ok.txt": b"inside\n"}
    assert not (work / "oxpack-vector-escape.txt").exists()
    assert not outside.exists()


def test_extract_does_not_write_through_a_symlinked_directory(oxpack, tree, tmp_path):
    root, files = tree
    blob = tmp_path / "site.oxr"
    assert oxpack("freeze", root, "-o", blob).returncode == 0
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    os.symlink(elsewhere, out / "pkg")
    r = oxpack("extract", blob, "-o", out)
    assert r.returncode == 5
    assert "symbolic link" in r.stderr
    assert list(elsewhere.iterdir()) == []


def test_extract_damaged_blob(oxpack, vectors, tmp_path):
    r = oxpack("extract", vectors / "payload-flip.oxr", "-o", tmp_path / "out")
    assert r.returncode == 3
    assert len(error_lines(r.stderr)) == 1 and "payload checksum mismatch" in r.stderr


def test_extract_unwritable_output(oxpack, vectors, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_bytes(b"not a directory")
    r = oxpack("extract", vectors / "one-module.oxr", "-o", blocker / "out")
    assert r.returncode == 4
    assert str(blocker / "out") in error_lines(r.stderr)[0]


def plain_tree(root: Path):
    """Sources without bytecode beside them: freeze compiles it (#10 item 6)."""
    files = {"mod.py": b"X = 'mod'\n", "pkg/__init__.py": b"from .sub import Y\n", "pkg/sub.py": b"Y = 'sub'\n",
             "pkg/data.txt": b"data\n"}
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return files


def imported_from(directory: Path, *modules):
    """Imports `modules` with `directory` first on sys.path (no bytecode
    written); returns python -v's 'code object from' lines."""
    code = "import " + ", ".join(modules)
    r = subprocess.run([sys.executable, "-B", "-v", "-c", code], cwd=directory, capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(directory)})
    assert r.returncode == 0, r.stderr
    return [line for line in r.stderr.splitlines() if line.startswith("# code object from") and str(directory) in line]


def test_extract_bytecode_compiled_during_freeze(oxpack, tmp_path):
    root = tmp_path / "site"
    files = plain_tree(root)
    blob = tmp_path / "site.oxr"
    assert oxpack("freeze", root, "-o", blob, "--optimize", "0,2").returncode == 0
    out = tmp_path / "out"
    r = oxpack("extract", blob, "-o", out)
    assert r.returncode == 0, r.stderr
    assert "warning" not in r.stderr and "already exists" not in r.stderr
    got = tree_files(out)
    tag = sys.implementation.cache_tag
    cached = {f"__pycache__/mod.{tag}.pyc", f"__pycache__/mod.{tag}.opt-2.pyc", f"pkg/__pycache__/__init__.{tag}.pyc",
              f"pkg/__pycache__/__init__.{tag}.opt-2.pyc", f"pkg/__pycache__/sub.{tag}.pyc",
              f"pkg/__pycache__/sub.{tag}.opt-2.pyc"}
    assert set(got) == set(files) | cached
    assert {k: v for k, v in got.items() if k in files} == files
    # Each file is the entry's payload, and Python takes it as the module's bytecode.
    pyc = oxpack("cat", blob, "pkg.sub", "--kind", "bytecode", text=False)
    assert pyc.returncode == 0 and got[f"pkg/__pycache__/sub.{tag}.pyc"] == pyc.stdout
    used = imported_from(out, "mod", "pkg")
    assert any(f"__pycache__/mod.{tag}.pyc" in line for line in used), used
    assert any(f"__pycache__/sub.{tag}.pyc" in line for line in used), used


def test_extract_bytecode_with_sources_dropped_is_importable(oxpack, tmp_path):
    root = tmp_path / "site"
    plain_tree(root)
    blob = tmp_path / "site.oxr"
    assert oxpack("freeze", root, "-o", blob, "--sources", "drop").returncode == 0
    out = tmp_path / "out"
    r = oxpack("extract", blob, "-o", out)
    assert r.returncode == 0, r.stderr
    assert set(tree_files(out)) == {"mod.pyc", "pkg/__init__.pyc", "pkg/sub.pyc", "pkg/data.txt"}
    used = imported_from(out, "mod", "pkg")
    assert len(used) == 3, used


def test_extract_twice_reports_each_existing_file(oxpack, tmp_path):
    root = tmp_path / "site"
    plain_tree(root)
    blob = tmp_path / "site.oxr"
    assert oxpack("freeze", root, "-o", blob).returncode == 0
    out = tmp_path / "out"
    assert oxpack("extract", blob, "-o", out).returncode == 0
    r = oxpack("extract", blob, "-o", out)
    assert r.returncode == 5
    assert r.stderr.count("already exists") == 7  # 3 sources, 3 compiled, 1 resource


def flip_payload_of(blob: Path, oxpack, key, kind):
    """Flips one byte inside the payload of entry (key, kind)."""
    entries = json.loads(oxpack("ls", blob, "--json").stdout)
    e = next(e for e in entries if e["key"] == key and e["kind"] == kind)
    data = bytearray(blob.read_bytes())
    payload_region = int.from_bytes(data[96:104], "little")
    data[payload_region + e["payload_offset"]] ^= 0x01
    blob.write_bytes(bytes(data))


@pytest.mark.parametrize("compress", ["none", "zstd"])
def test_extract_damaged_entry_named_with_its_checksum_error(oxpack, tmp_path, compress):
    root = tmp_path / "site"
    files = plain_tree(root)
    blob = tmp_path / "site.oxr"
    assert oxpack("freeze", root, "-o", blob, "--compress", compress).returncode == 0
    flip_payload_of(blob, oxpack, "pkg.sub", "source")
    out = tmp_path / "out"
    r = oxpack("extract", blob, "-o", out)
    assert r.returncode == 3, r.stderr
    errors = error_lines(r.stderr)
    assert len(errors) == 1, r.stderr
    assert str(blob) in errors[0] and "'pkg.sub' (pkg/sub.py)" in errors[0]
    assert "payload checksum mismatch" in errors[0]
    assert "already exists" not in r.stderr
    # Everything intact is extracted; the damaged file is not written at all.
    got = tree_files(out)
    assert "pkg/sub.py" not in got
    assert {k: v for k, v in got.items() if not k.endswith(".pyc")} == {k: v for k, v in files.items()
                                                                          if k != "pkg/sub.py"}
