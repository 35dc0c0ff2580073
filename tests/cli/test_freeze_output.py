"""oxpack freeze: output, determinism, atomic writes and exit codes 0/3/4/5."""
import json
import os
import signal
import socket
import subprocess
import sys

import pytest

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


# --- what -o may replace (issue: /dev/null turned into a regular file) -------

def _char_device(path):
    """A character device node like /dev/null (1,3), made in the test's own
    directory so that a regression cannot damage the machine's /dev/null."""
    import stat
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        return False
    return True


@pytest.mark.parametrize("kind", ["fifo", "directory", "chardev", "symlink_to_chardev"])
def test_output_that_is_not_a_regular_file_is_refused(oxpack, tree, tmp_path, kind):
    import stat
    root, _ = tree
    out = tmp_path / "out.oxr"
    if kind == "fifo":
        os.mkfifo(out)
    elif kind == "directory":
        out.mkdir()
    elif kind == "chardev":
        if not _char_device(out):
            pytest.skip("mknod needs root (CAP_MKNOD)")
    else:
        if not _char_device(tmp_path / "null"):
            pytest.skip("mknod needs root (CAP_MKNOD)")
        out.symlink_to(tmp_path / "null")
    before = os.lstat(out)
    r = freeze(oxpack, root, "-o", out)
    assert r.returncode == 3, r.stderr
    lines = error_lines(r.stderr)
    assert len(lines) == 1 and str(out) in lines[0] and "not a regular file" in lines[0]
    after = os.lstat(out)
    assert stat.S_IFMT(after.st_mode) == stat.S_IFMT(before.st_mode) and after.st_ino == before.st_ino
    if kind == "symlink_to_chardev":
        assert stat.S_ISCHR(os.stat(tmp_path / "null").st_mode)
    assert not [n for n in os.listdir(tmp_path) if "oxpack-tmp" in n]


def test_output_symlink_is_written_through(oxpack, tree, tmp_path):
    root, _ = tree
    real = tmp_path / "store" / "real.oxr"
    real.parent.mkdir()
    real.write_bytes(b"old")
    link = tmp_path / "app.oxr"
    link.symlink_to(real)
    assert freeze(oxpack, root, "-o", link).returncode == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes()[:4] == b"\x89OXR"
    assert oxpack("verify", "-q", link).returncode == 0


def test_output_dash_writes_the_blob_to_stdout(oxpack, tree, tmp_path):
    root, _ = tree
    env = {"SOURCE_DATE_EPOCH": "0"}
    r = freeze(oxpack, root, "-o", "-", text=False, env=env)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "file.oxr"
    assert freeze(oxpack, root, "-o", out, env=env).returncode == 0
    assert r.stdout == out.read_bytes()  # same bytes as the file
    assert not (tmp_path / "-").exists()
    r = freeze(oxpack, root, "-o", "-", "--json")
    assert r.returncode == 2 and "--json" in error_lines(r.stderr)[0]


def test_output_to_a_full_stdout_is_an_io_error(oxpack, tree):
    root, _ = tree
    with open("/dev/full", "wb") as full:
        r = subprocess.run([str(oxpack.path), "freeze", str(root), "-o", "-"], stdout=full, stderr=subprocess.PIPE,
                           text=True)
    assert r.returncode == 4
    assert "standard output" in error_lines(r.stderr)[0]


# --- signals during the write leave no temporary; the next run cleans --------

def _big_tree(tmp_path):
    """A tree whose blob takes a while to write: 256 MiB of incompressible data."""
    root = tmp_path / "big"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_bytes(b"")
    with open("/dev/urandom", "rb") as rnd:
        for i in range(4):
            (root / "pkg" / f"blob{i}.bin").write_bytes(rnd.read(64 << 20))
    return root


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_during_the_write_removes_the_temporary(oxpack, tmp_path, sig):
    root = _big_tree(tmp_path)
    outdir = tmp_path / "out"
    outdir.mkdir()
    out = outdir / "app.oxr"
    out.write_bytes(b"the previous blob")
    for attempt in range(20):
        # The signal's default action in the child: run as a background job,
        # the tests inherit SIGINT ignored, and oxpack rightly keeps it so.
        p = subprocess.Popen([str(oxpack.path), "freeze", str(root), "-o", str(out), "--no-progress"],
                             stderr=subprocess.PIPE, preexec_fn=lambda: signal.signal(sig, signal.SIG_DFL))
        seen = False
        while p.poll() is None:  # the moment the temporary exists, signal
            if any("oxpack-tmp" in n for n in os.listdir(outdir)):
                p.send_signal(sig)
                seen = True
                break
        p.wait(timeout=60)
        p.stderr.close()
        if seen and p.returncode == -sig:
            break
        out.write_bytes(b"the previous blob")
    else:
        pytest.fail("never caught the freeze while it wrote its temporary")
    assert os.listdir(outdir) == ["app.oxr"]
    assert out.read_bytes() == b"the previous blob"


def test_temporary_of_a_killed_freeze_is_removed_by_the_next(oxpack, tree, tmp_path):
    root, _ = tree
    out = tmp_path / "app.oxr"
    # What SIGKILL leaves: a temporary named for this host and a pid now gone.
    child = subprocess.Popen(["true"])
    child.wait()
    host = "".join(c for c in socket.gethostname() if c.isalnum() or c == "-")[:32]
    stale = tmp_path / f".app.oxr.oxpack-tmp.{host}.{child.pid}.Ab12Cd"
    stale.write_bytes(b"half a blob")
    foreign = tmp_path / ".app.oxr.tmp-Ab12Cd"  # not ours (old name, or another tool): kept
    foreign.write_bytes(b"someone else's")
    assert freeze(oxpack, root, "-o", out).returncode == 0
    assert not stale.exists() and foreign.exists()
