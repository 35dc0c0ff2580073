"""The `oxpack` Python package from the source tree (python/oxpack) under
every interpreter: scan, freeze, open, diff against the built binary
(OXPACK_BINARY) and this interpreter's oxpack_runtime. tests/packaging runs
the same round trip from an installed wheel."""
import os

import blobtools
from blobtools import run_json

PYTHON_DIR = os.path.join(blobtools.REPO, "python")


def api_env():
    return {"OXPACK_BINARY": blobtools.OXPACK,
            "PYTHONPATH": PYTHON_DIR + os.pathsep + blobtools.RUNTIME_DIR}


def test_round_trip(tree, tmp_path):
    tree.files({"app/__init__.py": "VALUE = 1\n", "app/data.txt": "payload\n", "tool.py": "x = 2\n"})
    r = run_json("""
        import json, os, sys, oxpack
        root, out, out2 = sys.argv[1:4]
        s = oxpack.scan(root, python=sys.executable)
        f = oxpack.freeze(out, root, python=sys.executable, compress="zstd")
        with oxpack.open(out) as blob:
            keys = sorted(e.key for e in blob if e.space == "module")
            src = blob.read("app")                # a module: its source first
            data = blob.read("app/data.txt")
            entry = blob.find("tool", kind="bytecode")
            info = blob.info
        same = oxpack.diff(out, out)
        with open(root + "/tool.py", "w") as fh:
            fh.write("x = 3\\n")
        oxpack.freeze(out2, root, python=sys.executable)
        d = oxpack.diff(out, out2)
        try:
            oxpack.freeze(root + "/no/such/dir/x.oxr", root + "/missing", python=sys.executable)
        except oxpack.OxpackError as e:
            err = [e.exit_code, e.message]
        try:
            oxpack.open(root + "/tool.py")
        except oxpack.BlobError as e:
            blob_err = str(e)
        print(json.dumps({
            "items": sorted(i.name for i in s.items if i.space == "module"), "tag": s.cache_tag,
            "entries": f.entries, "bytes": f.bytes == os.path.getsize(out), "exit": f.exit_code,
            "keys": keys, "src": bytes(src).decode(), "data": bytes(data).decode(),
            "memoryview": isinstance(src, memoryview), "entry_kind": entry.kind, "py": info.python_version,
            "same": bool(same), "changed": [c.key for c in d.changed], "differ": bool(d),
            "err": err, "blob_err": blob_err, "version": oxpack.__version__}))
    """, tree.root, str(tmp_path / "a.oxr"), str(tmp_path / "b.oxr"), env=api_env())
    assert {"app", "tool"} <= set(r["items"]) and r["tag"] == blobtools.target()["cache_tag"]
    assert r["entries"] > 0 and r["bytes"] and r["exit"] == 0
    assert {"app", "tool"} <= set(r["keys"])
    assert r["src"] == "VALUE = 1\n" and r["data"] == "payload\n" and r["memoryview"]
    assert r["entry_kind"] == "bytecode" and r["py"].startswith("%d.%d." % __import__("sys").version_info[:2])
    assert r["same"] is False and r["differ"] is True and "tool" in r["changed"]
    assert r["err"][0] == 3 and "missing" in r["err"][1]
    assert "tool.py" in r["blob_err"]
