"""oxpack diff: added/removed/changed entries and exit codes for pipelines."""
import json

from scan_helpers import oxpack


def test_diff_reports_changes_and_exits_1(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.py").write_text("A = 1\n")
    (src / "gone.py").write_text("")
    one, two = tmp_path / "1.oxr", tmp_path / "2.oxr"
    oxpack("freeze", src, "-o", one, check=0)
    oxpack("diff", one, one, check=0)
    (src / "a.py").write_text("A = 2\n")
    (src / "gone.py").unlink()
    (src / "new.py").write_text("")
    oxpack("freeze", src, "-o", two, "--compress", "zstd", check=0)
    r = oxpack("diff", one, two, check=1)
    assert "~ module a (source): content" in r.stdout
    assert "- module gone (source)" in r.stdout
    assert "+ module new (source)" in r.stdout
    d = json.loads(oxpack("diff", one, two, "--json", check=1).stdout)
    assert d["differ"] is True
    assert {(c["key"], c["kind"]) for c in d["changed"]} == {("a", "source"), ("a", "bytecode")}
    assert {a["key"] for a in d["added"]} == {"new"}
    assert {a["key"] for a in d["removed"]} == {"gone"}
    assert oxpack("diff", "-q", one, two, check=1).stdout == ""


def test_diff_refuses_a_corrupt_blob(tmp_path):
    bad = tmp_path / "bad.oxr"
    bad.write_bytes(b"not a blob")
    r = oxpack("diff", bad, bad, check=3)
    assert "bad.oxr" in r.stderr
