"""scan and freeze on inputs damaged on disk (#10 item 7): an archive member
that fails its CRC is reported with its path and exit 5 by both commands, and
is not packed (in a wheel: nothing of the wheel is, as pip would refuse to
install it); a big file is packed whole but with a warning that gives its
size, and the freeze summary names the largest file."""
import json
import zipfile

from scan_helpers import oxpack, oxpack_json


def stored_zip(path, members, damaged=None):
    """A zip of stored members; the first occurrence of `damaged` gets a bit flipped (a CRC error)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for name, text in members.items():
            z.writestr(name, text)
    if damaged:
        data = bytearray(path.read_bytes())
        data[data.index(damaged.encode())] ^= 0x20
        path.write_bytes(bytes(data))
    return path


DEMO = {
    "demo/__init__.py": "GREETING = 'hello from demo'\n",
    "demo/data.txt": "payload\n",
    "demo-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\n",
    "demo-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n",
    "demo-1.0.dist-info/RECORD": "demo/__init__.py,,\ndemo/data.txt,,\ndemo-1.0.dist-info/WHEEL,,\n"
                                 "demo-1.0.dist-info/METADATA,,\ndemo-1.0.dist-info/RECORD,,\n",
}


def warnings_of(stderr):
    return [line for line in stderr.splitlines() if line.startswith("oxpack: warning:")]


def test_wheel_with_a_bad_crc_is_reported_by_scan_and_not_packed_by_freeze(tmp_path):
    good = stored_zip(tmp_path / "good-1.0-py3-none-any.whl",
                      {k.replace("demo", "good"): v for k, v in DEMO.items()})
    bad = stored_zip(tmp_path / "demo-1.0-py3-none-any.whl", DEMO, damaged="hello from demo")
    member = f"{bad}!demo/__init__.py"

    r = oxpack("scan", good, bad, "--json", check=5)
    scan = json.loads(r.stdout)
    assert [(p["path"], "CRC" in p["what"]) for p in scan["problems"]] == [(member, True)]
    assert {it["name"] for it in scan["items"]} == {
        "good", "good/data.txt", "good-1.0.dist-info/WHEEL", "good-1.0.dist-info/METADATA",
        "good-1.0.dist-info/RECORD"}
    r = oxpack("scan", bad, check=5)
    assert member in r.stdout and "problems (1, inputs skipped)" in r.stdout

    out = tmp_path / "o.oxr"
    r = oxpack("freeze", good, bad, "-o", out, check=5)
    warnings = warnings_of(r.stderr)
    assert any(member in w and "CRC" in w for w in warnings), r.stderr
    assert any(w.endswith(f"{bad}: a member could not be read (see its warning); the wheel is not packed")
               for w in warnings), r.stderr
    keys = {e["key"] for e in oxpack_json("ls", out, "--json")}
    assert not any(k.startswith("demo") for k in keys), keys  # neither its code nor its metadata
    assert {"good", "good-1.0.dist-info/METADATA"} <= keys
    oxpack("verify", out, check=0)


def test_zip_root_loses_only_the_damaged_member(tmp_path):
    z = stored_zip(tmp_path / "lib.zip", {"good.py": "GOOD = 'intact'\n", "bad.py": "BAD = 'damaged'\n"},
                   damaged="damaged")
    r = oxpack("scan", z, "--json", check=5)
    scan = json.loads(r.stdout)
    assert [p["path"] for p in scan["problems"]] == [f"{z}!bad.py"]
    assert {it["name"] for it in scan["items"]} == {"good"}
    out = tmp_path / "o.oxr"
    r = oxpack("freeze", z, "-o", out, check=5)
    assert any(f"{z}!bad.py" in w and "CRC" in w for w in warnings_of(r.stderr)), r.stderr
    assert {e["key"] for e in oxpack_json("ls", out, "--json")} == {"good"}


def test_big_file_packed_whole_with_a_warning_and_in_the_summary(tmp_path):
    src = tmp_path / "src"
    (src / "pkg").mkdir(parents=True)
    (src / "pkg" / "__init__.py").write_text("")
    with open(src / "pkg" / "big.bin", "wb") as f:  # sparse
        f.truncate(3 << 20)
    big = src / "pkg" / "big.bin"
    out = tmp_path / "o.oxr"

    r = oxpack("freeze", src, "-o", out, "--warn-file-size", "1M", check=0)  # nothing skipped: exit 0
    warnings = warnings_of(r.stderr)
    assert warnings == [f"oxpack: warning: {big}: large file: 3145728 bytes (3.0 MiB), packed whole "
                        "(--max-file-size SIZE leaves out bigger files)"], r.stderr
    assert f"the largest file 3.0 MiB ({big})" in r.stderr
    assert oxpack("cat", out, "pkg/big.bin").stdout == "\0" * (3 << 20)

    j = oxpack_json("freeze", src, "-o", out, "--warn-file-size", "1M", "--json")
    assert j["largest_file"] == {"path": str(big), "bytes": 3 << 20}
    assert j["bytes_read"] == (3 << 20) and j["warnings"] == 1 and j["skipped"] == 0

    # Under the default threshold (100M): no warning.
    r = oxpack("freeze", src, "-o", out, check=0)
    assert warnings_of(r.stderr) == [], r.stderr

    scan = oxpack_json("scan", src, "--warn-file-size", "1M", "--json")
    assert [w["path"] for w in scan["warnings"]] == [str(big)] and scan["problems"] == []

    r = oxpack("freeze", src, "-o", out, "--warn-file-size", "99999999999999G")
    assert r.returncode == 2 and "--warn-file-size" in r.stderr
