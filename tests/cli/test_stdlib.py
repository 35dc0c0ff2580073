"""Real data: the machine's stdlib directory (with pyenv, its site-packages
too: tens of thousands of files) frozen, verified, listed and extracted back
byte for byte."""
import json
import os
import re
import sys
from pathlib import Path

from conftest import stdlib_dir


def expected_files(root: Path):
    """What the by-name freeze packs: every regular file (symlinks to files
    followed, to directories not), except bytecode of other interpreters."""
    tag = sys.implementation.cache_tag
    found = set()
    for dirpath, _, names in os.walk(root):
        for n in names:
            p = Path(dirpath) / n
            if not p.is_file():
                continue
            rel = p.relative_to(root).as_posix()
            if p.parent.name == "__pycache__" and n.endswith(".pyc") and f".{tag}." not in n:
                continue
            found.add(rel)
    return found


def test_stdlib_round_trip(oxpack, stdlib_blob, tmp_path):
    blob, freeze = stdlib_blob
    root = stdlib_dir()
    skipped = set()
    if freeze is not None:
        for line in freeze.stderr.splitlines():
            m = re.match(r"oxpack: warning: (.*): shadowed by an earlier file", line)
            if m:
                skipped.add(Path(m.group(1)).relative_to(root).as_posix())
        assert json.loads(freeze.stdout)["skipped"] == len(skipped)
    expected = expected_files(root) - skipped
    assert len(expected) > 1000

    v = oxpack("verify", "--json", blob)
    assert v.returncode == 0, v.stdout
    assert json.loads(v.stdout)["ok"] is True

    ls = json.loads(oxpack("ls", "--json", blob).stdout)
    assert len(ls) == len(expected)
    assert {e["path"] for e in ls} == expected

    out = tmp_path / "out"
    r = oxpack("extract", blob, "-o", out)
    assert r.returncode == 0, r.stderr[-2000:]
    extracted = set()
    for dirpath, _, names in os.walk(out):
        for n in names:
            extracted.add((Path(dirpath) / n).relative_to(out).as_posix())
    assert extracted == expected
    mismatched = [rel for rel in sorted(expected) if (root / rel).read_bytes() != (out / rel).read_bytes()]
    assert mismatched == []
