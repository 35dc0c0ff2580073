"""oxpack extract: round trip, escaping paths refused, existing files kept."""
import os
from pathlib import Path

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
