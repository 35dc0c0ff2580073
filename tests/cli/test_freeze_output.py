"""oxpack freeze: output, determinism, atomic writes and exit codes 0/3/4/5."""
import json
import os
import sys

from conftest import error_lines, limit_file_size


def freeze(oxpack, *args, **kw):
    return oxpack("freeze", *args, **kw)


def test_freeze_writes_a_verified_blob(oxpack, tree, tmp_path):
    root, files = tree
    out = tmp_path / "site.oxr"
    r = freeze(oxpack, root, "-o", out, "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["output"] == str(out)
    assert summary["entries"] == len(files)
    assert summary["bytes"] == out.stat().st_size
    assert summary["skipped"] == 0
    assert oxpack("verify", "-q", out).returncode == 0


def test_freeze_is_deterministic(oxpack, tree, tmp_path):
    root, _ = tree
    a, b = tmp_path / "a.oxr", tmp_path / "b.oxr"
    for out in (a, b):
        assert freeze(oxpack, root, "-o", out, "--compress", "zstd:5").returncode == 0
    assert a.read_bytes() == b.read_bytes()
    # No wall-clock time: Created appears only with SOURCE_DATE_EPOCH.
    info = json.loads(oxpack("info", "--json", a).stdout)
    assert info["created"] is None
    c = tmp_path / "c.oxr"
    assert freeze(oxpack, root, "-o", c, env={"SOURCE_DATE_EPOCH": "1700000000"}).returncode == 0
    assert json.loads(oxpack("info", "--json", c).stdout)["created"] == 1700000000


def test_freeze_compressed_is_smaller_and_reads_back(oxpack, tree, tmp_path):
    root, files = tree
    plain, packed = tmp_path / "plain.oxr", tmp_path / "packed.oxr"
    assert freeze(oxpack, root, "-o", plain).returncode == 0
    assert freeze(oxpack, root, "-o", packed, "--compress", "zstd").returncode == 0
    assert packed.stat().st_size < plain.stat().st_size
    r = oxpack("cat", packed, "big", text=False)
    assert r.returncode == 0
    assert r.stdout == files["big.py"]


def test_missing_input_dir_is_bad_input(oxpack, tmp_path):
    r = freeze(oxpack, tmp_path / "nope", "-o", tmp_path / "x.oxr")
    assert r.returncode == 3
    lines = error_lines(r.stderr)
    assert len(lines) == 1 and "nope" in lines[0]
    assert not (tmp_path / "x.oxr").exists()


def test_missing_interpreter_is_bad_input(oxpack, tree, tmp_path):
    root, _ = tree
    r = freeze(oxpack, root, "-o", tmp_path / "x.oxr", "--python", tmp_path / "no-python")
    assert r.returncode == 3
    assert "no-python" in error_lines(r.stderr)[0]


def test_unwritable_output_is_an_io_error(oxpack, tree, tmp_path):
    root, _ = tree
    out = tmp_path / "no" / "such" / "dir" / "x.oxr"
    r = freeze(oxpack, root, "-o", out)
    assert r.returncode == 4
    lines = error_lines(r.stderr)
    assert len(lines) == 1 and str(out) in lines[0]


def test_failed_write_leaves_the_existing_output_untouched(oxpack, tree, tmp_path):
    root, _ = tree
    out = tmp_path / "out" / "site.oxr"
    out.parent.mkdir()
    out.write_bytes(b"the previous blob")
    # Writes past 4 KiB fail (EFBIG) half-way through the new blob.
    r = freeze(oxpack, root, "-o", out, preexec_fn=limit_file_size(4096))
    assert r.returncode == 4, r.stderr
    lines = error_lines(r.stderr)
    assert len(lines) == 1 and str(out) in lines[0]
    assert out.read_bytes() == b"the previous blob"
    assert sorted(os.listdir(out.parent)) == ["site.oxr"]  # no temporary left


def test_output_replaced_atomically_on_success(oxpack, tree, tmp_path):
    root, _ = tree
    out = tmp_path / "site.oxr"
    out.write_bytes(b"old")
    assert freeze(oxpack, root, "-o", out).returncode == 0
    assert out.read_bytes()[:4] == b"\x89OXR"
    assert sorted(os.listdir(tmp_path)) == ["site", "site.oxr"]


def test_shadowed_modules_are_reported_not_packed(oxpack, tree, tmp_path):
    root, _ = tree
    # Two roots providing module 'mod': the first wins, as in PathFinder; the
    # second is not packed, and shown with -v (not an error: exit 0).
    other = tmp_path / "other"
    other.mkdir()
    (other / "mod.py").write_bytes(b"print('shadowed')\n")
    (other / "fresh.py").write_bytes(b"print('fresh')\n")
    out = tmp_path / "two.oxr"
    r = freeze(oxpack, root, other, "-o", out, "--json", "-v")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["skipped"] == 0 and summary["shadowed"] == 1
    assert f"{other / 'mod.py'}: shadowed by {root / 'mod.py'}" in r.stderr
    assert oxpack("cat", out, "mod").stdout == "print('mod')\n"
    assert oxpack("cat", out, "fresh").stdout == "print('fresh')\n"
    info = json.loads(oxpack("info", "--json", out).stdout)
    assert [r["path"] for r in info["roots"]] == [str(root), str(other)]
