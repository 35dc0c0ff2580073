"""oxpack freeze: real environments, several targets, reproducibility,
options, and bad input reported once each without losing the rest."""
import hashlib
import json
import os
import pathlib
import shutil
import tempfile
import subprocess
import zipfile

import pytest

from scan_helpers import OXPACK, env_blob, oxpack, oxpack_json, python_info, site_packages  # noqa: F401 (fixture)

PYENV = os.path.expanduser("~/.pyenv/versions")


def ls(blob):
    return oxpack_json("ls", blob, "--json")


def kinds(blob):
    out = {}
    for e in ls(blob):
        out.setdefault(e["key"], set()).add(e["kind"])
    return out


def test_whole_environment_fixture_verifies(env_blob):
    oxpack("verify", env_blob, check=0)
    info = oxpack_json("info", env_blob, "--json")
    sp = site_packages()
    roots = {r["path"]: r for r in info["roots"]}
    assert sp in roots and roots[sp]["mtime_ns"] > 0 and roots[sp]["type"] == "directory"
    assert info["entries"] > 30000
    k = kinds(env_blob)
    assert {"source", "bytecode"} <= k["json.decoder"]
    assert "extension" in k["_ssl"]
    assert "resource" in k["certifi/cacert.pem"]
    assert "metadata" in k[next(key for key in k if key.startswith("boto3-") and key.endswith("/METADATA"))]
    assert "test.support" not in k  # the stdlib test suite is left out


@pytest.mark.parametrize("version", ["3.8.18/bin/python3.8", "3.13.0/bin/python3.13"])
def test_stdlib_freeze_records_each_targets_magic_and_suffixes(tmp_path, version):
    python = os.path.join(PYENV, version)
    if not os.path.exists(python):
        pytest.skip(f"{python} is not installed")
    want = python_info(python)
    out = tmp_path / "stdlib.oxr"
    oxpack("freeze", want["stdlib"], "--python", python, "-o", out, "--compress", "zstd:1", check=0)
    oxpack("verify", out, check=0)
    info = oxpack_json("info", out, "--json")
    t = info["target"]
    assert t["pyc_magic"] == want["magic"]
    assert t["extension_suffixes"] == want["ext"]
    assert t["cache_tag"] == want["tag"]
    assert t["version"] == want["version"] and t["hexversion"] == want["hexversion"]
    pyc = subprocess.run([OXPACK, "cat", out, "json.decoder", "--kind", "bytecode"], capture_output=True, check=True).stdout
    assert pyc[:4].hex() == want["magic"]


def make_tree(root):
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text('"""pkg doc"""\nassert True\n')
    (root / "pkg" / "mod.py").write_text("def f():\n    'doc'\n    return 1\n")
    (root / "pkg" / "data.txt").write_text("data")
    (root / "pkg" / "tests").mkdir()
    (root / "pkg" / "tests" / "__init__.py").write_text("")
    (root / "top.py").write_text("X = 1\n")
    return root


def test_reproducible_bytes_and_source_date_epoch(tmp_path):
    src = make_tree(tmp_path / "src")
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    a, b = tmp_path / "a.oxr", tmp_path / "b.oxr"
    oxpack("freeze", src, "-o", a, "--compress", "zstd", env=env, check=0)
    os.utime(src / "top.py", (1, 1))  # mtimes of sources do not matter to compiled bytecode
    oxpack("freeze", src, "-o", b, "--compress", "zstd", "-j", "1", env=env, check=0)
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
    assert oxpack_json("info", a, "--json")["created"] == 1700000000
    oxpack("diff", a, b, check=0)


def test_optimize_levels_and_dropped_sources(tmp_path):
    src = make_tree(tmp_path / "src")
    out = tmp_path / "o.oxr"
    oxpack("freeze", src, "-o", out, "--optimize", "0,2", "--sources", "drop", check=0)
    k = kinds(out)
    assert k["pkg.mod"] == {"bytecode", "bytecode-opt2"}
    assert k["pkg"] == {"bytecode", "bytecode-opt2"}
    assert k["pkg/data.txt"] == {"resource"}
    keep = tmp_path / "k.oxr"
    oxpack("freeze", src, "-o", keep, "--optimize", "1", check=0)
    assert kinds(keep)["pkg.mod"] == {"source", "bytecode-opt1"}


def test_include_and_exclude_globs(tmp_path):
    src = make_tree(tmp_path / "src")
    out = tmp_path / "o.oxr"
    oxpack("freeze", src, "-o", out, "--exclude", "*.tests", check=0)
    k = kinds(out)
    assert "pkg.tests" not in k and "pkg.mod" in k
    oxpack("freeze", src, "-o", out, "--include", "pkg*", check=0)
    k = kinds(out)
    assert "top" not in k and "pkg.mod" in k and "pkg.tests" in k


def test_syntax_error_reported_with_file_and_line_strict_fails(tmp_path):
    src = make_tree(tmp_path / "src")
    (src / "broken.py").write_text("x = 1\ndef f(:\n    pass\n")
    out = tmp_path / "o.oxr"
    r = oxpack("freeze", src, "-o", out, check=5)
    assert len([l for l in r.stderr.splitlines() if "broken.py" in l]) == 1
    assert f"{src}/broken.py:2:" in r.stderr and "SyntaxError" in r.stderr
    assert kinds(out)["broken"] == {"source"}  # importing it raises the same error
    out.write_bytes(b"previous")
    r = oxpack("freeze", src, "-o", out, "--strict", check=3)
    assert "broken.py:2" in r.stderr
    assert out.read_bytes() == b"previous"  # atomic: the old output is untouched


def test_bad_inputs_each_reported_once_nothing_lost(tmp_path):
    src = make_tree(tmp_path / "src")
    (src / "pkg" / "loop").symlink_to(src / "pkg")
    (src / "dangling.py").symlink_to(src / "missing.py")
    (src / "self").symlink_to("self")
    os.makedirs(os.fsencode(src) + b"/bad\xffdir")
    with open(os.fsencode(src) + b"/odd\xfe.py", "w") as f:
        f.write("")
    (src / "empty.py").write_text("")
    with open(src / "pkg" / "huge.bin", "wb") as f:  # sparse: 3 MiB, over --max-file-size
        f.truncate(3 << 20)
    magic = bytes.fromhex(python_info("python3")["magic"])
    (src / "__pycache__").mkdir()
    (src / "__pycache__" / "top.cpython-311.pyc").write_bytes(b"\x00\x00\x0d\x0a" + bytes(12) + b"junk")
    (src / "sourceless.pyc").write_bytes(b"BAD!" + bytes(12))
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / "corrupt-1.0-py3-none-any.whl").write_bytes(os.urandom(2000))
    real = sorted(p for p in os.listdir("/usr/share/python-wheels") if p.startswith("pip-"))
    if real:
        data = open(os.path.join("/usr/share/python-wheels", real[0]), "rb").read()
        (wheels / "pip-0-py3-none-any.whl").write_bytes(data[: len(data) // 2])
    with zipfile.ZipFile(tmp_path / "escape.zip", "w") as z:
        z.writestr("fine.py", "OK = 1\n")
        z.writestr("../../evil.py", "")
        z.writestr("/abs/evil.py", "")
    out = tmp_path / "o.oxr"
    r = oxpack("freeze", src, *sorted(wheels.iterdir()), tmp_path / "escape.zip", "-o", out,
               "--max-file-size", "1M", check=5)
    warnings = [l.replace(str(tmp_path), "") for l in r.stderr.splitlines() if "warning:" in l]
    expect = {
        "pkg/loop": "symlink loop", "dangling.py": "broken symlink", "/self:": "symlink loop",
        "/bad": "UTF-8", "/odd": "UTF-8", "huge.bin": "larger than the limit",
        "top.cpython-311.pyc": "wrong magic", "sourceless.pyc": "wrong magic",
        "corrupt-1.0": "zip", "../../evil.py": "refused", "/abs/evil.py": "refused",
    }
    if real:
        expect["pip-0-py3"] = "zip"
    for needle, what in expect.items():
        hits = [w for w in warnings if needle in w]
        assert len(hits) == 1, f"{needle}: {hits}\n{r.stderr}"
        assert what in hits[0], hits[0]
    assert len(warnings) == len(expect), r.stderr
    oxpack("verify", out, check=0)
    k = kinds(out)
    assert {"pkg", "pkg.mod", "top", "empty", "fine"} <= set(k)
    assert k["top"] == {"source", "bytecode"}  # compiled afresh, the bad pyc not used


def test_unreadable_files_and_dirs_as_a_non_root_user(tmp_path_factory):
    if not shutil.which("setpriv") or not os.path.exists("/usr/bin/python3"):
        pytest.skip("needs setpriv and /usr/bin/python3 to run as 'nobody'")
    # pytest's own temp root is private to root: use a world-traversable one.
    tmp_path = pathlib.Path(tempfile.mkdtemp(prefix="oxpack-nobody-", dir="/tmp"))
    base = tmp_path / "world"
    base.mkdir()
    os.chmod(tmp_path, 0o755)
    os.chmod(base, 0o755)
    (base / "ok.py").write_text("")
    (base / "secret.py").write_text("")
    (base / "closed").mkdir()
    (base / "closed" / "inside.py").write_text("")
    os.chmod(base / "secret.py", 0)
    os.chmod(base / "closed", 0)
    out_dir = tmp_path / "out"
    out_dir.mkdir(mode=0o777)
    os.chmod(out_dir, 0o777)
    cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", OXPACK, "freeze", str(base),
           "--python", "/usr/bin/python3", "-o", str(out_dir / "o.oxr")]
    r = subprocess.run(cmd, capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"})
    if "cannot run" in r.stderr or "probe failed" in r.stderr:
        pytest.skip(f"cannot run as nobody here: {r.stderr.strip()}")
    assert r.returncode == 5, r.stderr
    warnings = [l for l in r.stderr.splitlines() if "warning:" in l]
    assert len(warnings) == 2, r.stderr
    assert any("secret.py" in w and "Permission denied" in w for w in warnings)
    assert any("closed" in w and "Permission denied" in w for w in warnings)
    assert "ok" in kinds(out_dir / "o.oxr")
    # scan says what freeze skips, each with its path: exit 5, not 0.
    r = subprocess.run(cmd[:4] + [OXPACK, "scan", str(base), "--python", "/usr/bin/python3", "--json"],
                       capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"})
    assert r.returncode == 5, r.stderr
    problems = {p["path"]: p["what"] for p in json.loads(r.stdout)["problems"]}
    assert set(problems) == {str(base / "secret.py"), str(base / "closed")}, problems
    assert all("Permission denied" in w for w in problems.values())
    os.chmod(base / "closed", 0o755)
    shutil.rmtree(tmp_path)


def test_default_freeze_uses_the_targets_sys_path(env_blob):
    info = oxpack_json("info", env_blob, "--json")
    paths = [r["path"] for r in info["roots"]]
    want = python_info("python3")
    assert want["stdlib"] in paths and want["site"][0] in paths
    assert paths.index(want["stdlib"]) < paths.index(want["site"][0])
