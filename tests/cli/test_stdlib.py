"""Real data: the machine's stdlib directory (with pyenv, its site-packages
too: tens of thousands of files) frozen, verified, listed and extracted back
byte for byte."""
import json
import os
from pathlib import Path

from conftest import stdlib_dir


def test_stdlib_round_trip(oxpack, stdlib_blob, tmp_path):
    blob, _ = stdlib_blob
    root = stdlib_dir()

    # What the scanner classified in that directory: every one must be in the blob.
    scan = oxpack("scan", root, "--json")
    assert scan.returncode in (0, 5), scan.stderr[-2000:]
    items = json.loads(scan.stdout)["items"]
    # Packed by default: not excluded (the stdlib's test suite is), bytecode at
    # optimisation level 0 only.
    scanned = {i["path"] for i in items
               if "excluded" not in i and i["kind"] not in ("namespace", "bytecode-opt1", "bytecode-opt2")}
    assert len(scanned) > 1500
    assert any(i.get("excluded") for i in items)

    v = oxpack("verify", "--json", blob)
    assert v.returncode == 0, v.stdout
    assert json.loads(v.stdout)["ok"] is True

    ls = json.loads(oxpack("ls", "--json", blob).stdout)
    listed = {e["path"] for e in ls if e["kind"] != "namespace"}
    assert scanned <= listed
    # Anything else in the blob is bytecode compiled at freeze time.
    assert all("__pycache__/" in p and p.endswith(".pyc") for p in listed - scanned)

    out = tmp_path / "out"
    r = oxpack("extract", blob, "-o", out)
    assert r.returncode == 0, r.stderr[-2000:]
    extracted = set()
    for dirpath, _, names in os.walk(out):
        for n in names:
            extracted.add((Path(dirpath) / n).relative_to(out).as_posix())
    assert extracted == listed
    # Every file that came from disk comes back byte for byte.
    mismatched = [rel for rel in sorted(scanned) if (root / rel).read_bytes() != (out / rel).read_bytes()]
    assert mismatched == []
