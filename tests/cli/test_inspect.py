"""oxpack ls, info, verify and cat: text and JSON output, exit codes 0/1/3."""
import json
import shutil
import sys

import pytest

from conftest import error_lines


@pytest.fixture
def blob(oxpack, tree, tmp_path):
    root, files = tree
    out = tmp_path / "site.oxr"
    assert oxpack("freeze", root, "-o", out, "--compress", "zstd").returncode == 0
    return out, root, files


def test_ls_json_lists_every_entry(oxpack, blob):
    out, root, files = blob
    r = oxpack("ls", "--json", out)
    assert r.returncode == 0
    entries = json.loads(r.stdout)
    assert sorted(e["path"] for e in entries) == sorted(files)
    by_path = {e["path"]: e for e in entries}
    e = by_path["pkg/__init__.py"]
    assert (e["space"], e["kind"], e["key"], e["flags"], e["root"]) == ("module", "source", "pkg", ["package"], 0)
    assert e["raw_size"] == len(files["pkg/__init__.py"])
    big = by_path["big.py"]
    assert big["compression"] == "zstd" and big["stored_size"] < big["raw_size"] == len(files["big.py"])
    assert by_path["pkg/data/table.csv"]["key"] == "pkg/data/table.csv"
    assert by_path["pkg/data/table.csv"]["kind"] == "resource"
    assert by_path["pkg-1.0.dist-info/METADATA"]["space"] == "distribution"
    assert by_path["extra.pth"]["space"] == "file"
    assert by_path[f"pkg/__pycache__/sub.{sys.implementation.cache_tag}.pyc"]["kind"] == "bytecode"
    assert by_path["caf\u00e9/donn\u00e9es.txt"]["key"] == "caf\u00e9/donn\u00e9es.txt"
    # The ordered view: sorted by (space, key, kind).
    order = ["module", "resource", "distribution", "file"]
    keys = [(order.index(e["space"]), e["key"].encode()) for e in entries]
    assert keys == sorted(keys)
    assert [e["index"] for e in entries] == list(range(len(entries)))


def test_ls_text_one_line_per_entry(oxpack, blob):
    out, _, files = blob
    r = oxpack("ls", out)
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert len(lines) == len(files)
    assert any(line.startswith("source") and line.rstrip().endswith("pkg  [package]") for line in lines)


def test_info_json(oxpack, blob):
    out, root, files = blob
    r = oxpack("info", "--json", out)
    assert r.returncode == 0
    info = json.loads(r.stdout)
    assert info["format_version"] == "1.3"  # every blob oxpack writes has an index page table
    assert info["absent"] == []  # no stdlib root: nothing of the installation recorded (format 1.4 otherwise)
    assert info["shared_libraries"] is None  # no extension module: no SharedLibraries record (format 1.5)
    assert info["file_size"] == out.stat().st_size
    assert info["index_pages"]["page_size"] == 4096 and info["index_pages"]["pages"] >= 1
    t = info["target"]
    assert t["implementation"] == sys.implementation.name
    assert t["version"] == "%d.%d.%d" % sys.version_info[:3]
    assert t["hexversion"] == sys.hexversion
    import importlib.util
    import importlib.machinery
    assert t["pyc_magic"] == importlib.util.MAGIC_NUMBER.hex()
    assert t["cache_tag"] == sys.implementation.cache_tag
    assert t["extension_suffixes"] == importlib.machinery.EXTENSION_SUFFIXES
    assert info["roots"][0]["path"] == str(root)
    assert info["roots"][0]["type"] == "directory"
    assert info["origin"] == "original"
    assert info["entries"] == len(files)
    assert info["raw_bytes"] == sum(len(d) for d in files.values())
    kinds = info["kinds"]
    assert kinds["source"]["entries"] == 5  # mod, pkg, pkg.sub, café, big
    assert kinds["resource"]["entries"] == 3
    assert kinds["metadata"]["entries"] == 2
    assert kinds["bytecode"]["entries"] == 5  # one valid .pyc beside each module
    assert kinds["file"]["entries"] == 1
    assert sum(k["entries"] for k in kinds.values()) == info["entries"]


def test_info_text(oxpack, blob):
    out, root, _ = blob
    r = oxpack("info", out)
    assert r.returncode == 0
    assert "format:          oxr 1.3" in r.stdout
    assert "index pages:     1 x 4096 bytes, each checked on first use" in r.stdout
    assert f"root:            {root}" in r.stdout


def test_verify_ok(oxpack, blob):
    out, _, files = blob
    r = oxpack("verify", out)
    assert r.returncode == 0
    assert r.stdout.strip() == f"{out}: OK ({len(files)} entries, {out.stat().st_size} bytes)"
    j = json.loads(oxpack("verify", "--json", out).stdout)
    assert j == {"file": str(out), "ok": True, "entries": len(files), "bytes": out.stat().st_size, "problems": []}


def test_verify_catches_a_flipped_payload_byte(oxpack, blob, tmp_path):
    out, _, _ = blob
    data = bytearray(out.read_bytes())
    data[-40] ^= 0x10  # in the payload region
    bad = tmp_path / "bad.oxr"
    bad.write_bytes(bytes(data))
    r = oxpack("verify", bad)
    assert r.returncode == 1
    assert "FAILED" in r.stdout
    j = json.loads(oxpack("verify", "--json", bad).stdout)
    assert j["ok"] is False
    assert any("payload region checksum mismatch" in p for p in j["problems"])
    assert oxpack("verify", "-q", bad).returncode == 1
    assert oxpack("verify", "-q", bad).stdout == ""


@pytest.mark.parametrize("name,code,message", [
    ("payload-flip.oxr", 1, "payload checksum mismatch"),
    ("truncated.oxr", 1, "truncated"),
    ("text-mode-crlf.oxr", 1, "text-mode"),
    ("header-checksum.oxr", 1, "header checksum mismatch"),
    ("slot-missing-entry.oxr", 1, "names a missing entry"),
    ("zstd-bomb.oxr", 1, "implausible raw size"),
    ("bad-magic.oxr", 3, "bad magic number"),
    ("unknown-major.oxr", 3, "format version 2.0"),
    ("unknown-required-feature.oxr", 3, "required features"),
    ("future-minor-version.oxr", 0, ""),
    ("future-kind-space.oxr", 0, ""),
])
def test_verify_vectors(oxpack, vectors, name, code, message):
    r = oxpack("verify", vectors / name)
    assert r.returncode == code, (r.stdout, r.stderr)
    assert message in r.stderr
    if code == 3:
        assert len(error_lines(r.stderr)) == 1 and name in error_lines(r.stderr)[0]


@pytest.mark.parametrize("cmd", [["ls"], ["info"], ["verify"], ["cat", "{}", "mod"], ["extract", "{}", "-o", "x"]])
def test_missing_blob_is_bad_input_with_one_error_line(oxpack, tmp_path, cmd):
    missing = tmp_path / "missing.oxr"
    args = [a.replace("{}", str(missing)) for a in cmd]
    if "{}" not in cmd:
        args.append(str(missing))
    r = oxpack(*args, cwd=tmp_path)
    assert r.returncode == 3
    lines = error_lines(r.stderr)
    assert len(lines) == 1
    assert str(missing) in lines[0] and "No such file" in lines[0]
    assert r.stderr.count("\n") == 1


@pytest.mark.parametrize("cmd", ["ls", "info"])
def test_damaged_blob_is_refused_by_readers(oxpack, vectors, cmd):
    r = oxpack(cmd, vectors / "index-checksum.oxr")
    assert r.returncode == 3
    assert error_lines(r.stderr) == [f"oxpack: error: {vectors / 'index-checksum.oxr'}: index checksum mismatch"]


def test_cat(oxpack, blob):
    out, _, files = blob
    def cat(*args):
        return oxpack("cat", out, *args, text=False)
    assert cat("pkg.sub").stdout == files["pkg/sub.py"]
    assert cat("pkg").stdout == files["pkg/__init__.py"]
    assert cat("pkg.sub", "--kind", "bytecode").stdout == files[f"pkg/__pycache__/sub.{sys.implementation.cache_tag}.pyc"]
    assert cat("pkg/data/bin.dat").stdout == files["pkg/data/bin.dat"]
    assert cat("pkg-1.0.dist-info/METADATA").stdout == files["pkg-1.0.dist-info/METADATA"]
    assert cat("extra.pth").stdout == files["extra.pth"]
    assert cat("big.py").stdout == files["big.py"]  # by original path
    r = cat("no.such.module")
    assert r.returncode == 3
    assert b"no entry named 'no.such.module'" in r.stderr


def test_cat_vector_payload_damage_fails(oxpack, vectors):
    r = oxpack("cat", vectors / "payload-flip.oxr", "hello")
    assert r.returncode == 3
    assert "payload checksum mismatch" in r.stderr
    assert r.stdout == ""
    ok = oxpack("cat", vectors / "one-module.oxr", "hello")
    assert ok.returncode == 0 and ok.stdout == "print('hello, world')\n"


@pytest.mark.parametrize("args", [["ls", "{blob}"], ["ls", "--json", "{blob}"], ["info", "{blob}"],
                                  ["info", "--json", "{blob}"], ["verify", "{blob}"], ["cat", "{blob}", "big"],
                                  ["diff", "{blob}", "{blob}", "--json"], ["scan", "{root}"],
                                  ["scan", "{root}", "--json"], ["--help"], ["ls", "--help"]])
def test_an_output_that_cannot_be_written_is_exit_4(oxpack, blob, args):
    """Output to a full device: exit 4 and one line naming standard output,
    never a silent 0 (README promises 4 for I/O errors writing output)."""
    import subprocess
    out, root, _ = blob
    argv = [a.format(blob=out, root=root) for a in args]
    with open("/dev/full", "wb") as full:
        r = subprocess.run([str(oxpack.path), *argv], stdout=full, stderr=subprocess.PIPE, text=True)
    assert r.returncode == 4, (argv, r.returncode, r.stderr)
    lines = error_lines(r.stderr)
    assert len(lines) == 1 and "standard output" in lines[0] and "No space left" in lines[0]
