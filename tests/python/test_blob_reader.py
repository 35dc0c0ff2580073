"""oxpack_runtime.open_blob: the reader type the `oxpack` package's
oxpack.open() is built on (lib/runtime/python/blob_reader.cpp), under every
interpreter: entries, lookups, info, verify, payloads as zero-copy buffers,
errors as BlobError, and the mapping kept alive by payloads after close()."""
import os

import blobtools
from blobtools import run_json

VECTORS = os.path.join(blobtools.REPO, "format-spec", "vectors")


def test_entries_info_and_zero_copy_payloads(tree):
    tree.files({"pkg/__init__.py": "X = 1\n", "pkg/data.txt": "hello data\n", "mod.py": "print('mod')\n"})
    blob = tree.build()
    r = run_json("""
        import json, sys, oxpack_runtime as rt
        b = rt.open_blob(sys.argv[1])
        es = b.entries()
        by_key = {(e[1], e[2], e[3]): e for e in es}
        src = by_key[("module", "source", "mod")]
        p = b.read(src[0])
        m = memoryview(p)
        out = {"len": len(b), "n": len(es), "fields": len(es[0]), "mod": bytes(m).decode(),
               "readonly": m.readonly, "zero_copy": p.zero_copy, "payload_len": len(p),
               "find": b.find("module", "mod"), "find_none": b.find("module", "nope"),
               "res": bytes(memoryview(b.read(b.find("resource", "pkg/data.txt")[0]))).decode(),
               "entry": list(b.entry(src[0])) == list(src), "last": b.entry(-1)[0] == len(es) - 1,
               "info_tag": b.info()["cache_tag"], "roots": [x["path"] for x in b.info()["roots"]],
               "verify": b.verify(), "repr": repr(b).startswith("<oxpack_runtime.BlobReader")}
        b.close()
        out["closed"] = b.closed
        out["after_close"] = bytes(m).decode()      # the payload keeps the mapping
        try:
            b.entries()
        except ValueError as e:
            out["closed_error"] = "closed" in str(e)
        print(json.dumps(out))
    """, blob)
    assert r["len"] == r["n"] and r["fields"] == 13
    assert r["mod"] == "print('mod')\n" and r["after_close"] == r["mod"]
    assert r["readonly"] is True and r["zero_copy"] is True and r["payload_len"] == len(r["mod"])
    assert len(r["find"]) >= 1 and r["find_none"] == []
    assert r["res"] == "hello data\n"
    assert r["entry"] and r["last"] and r["verify"] == [] and r["repr"]
    assert r["info_tag"] == blobtools.target()["cache_tag"] and r["roots"] == [tree.root]
    assert r["closed"] is True and r["closed_error"] is True


def test_compressed_payloads_and_the_spec_vectors():
    r = run_json("""
        import json, sys, oxpack_runtime as rt
        b = rt.open_blob(sys.argv[1])
        out = []
        for i in range(len(b)):
            e = b.entry(i)
            p = b.read(i)
            out.append([e[3], e[8], e[10], len(memoryview(p)), p.zero_copy])
        print(json.dumps(out))
    """, os.path.join(VECTORS, "compressed.oxr"))
    assert r, r
    for key, compression, raw_size, length, zero_copy in r:
        assert length == raw_size
        assert zero_copy == (compression == "none")
    assert any(c == "zstd" for _, c, _, _, _ in r)


def test_damage_is_a_blob_error_naming_the_file_and_entry():
    r = run_json("""
        import json, sys, oxpack_runtime as rt
        out = {}
        for name in ("payload-flip.oxr", "index-checksum.oxr", "bad-magic.oxr", "missing.oxr"):
            path = sys.argv[1] + "/" + name
            try:
                b = rt.open_blob(path)
                for i in range(len(b)):
                    b.read(i)
                out[name] = "ok"
            except rt.BlobError as e:
                out[name] = [str(e), e.path, e.name, isinstance(e, ImportError)]
        try:
            rt.BlobReader()
        except TypeError as e:
            out["new"] = str(e)
        b = rt.open_blob(sys.argv[1] + "/index-checksum.oxr", verify=False)
        out["unverified"] = len(b) > 0
        try:
            b.read(len(b))
        except IndexError:
            out["index_error"] = True
        print(json.dumps(out))
    """, VECTORS)
    flip = r["payload-flip.oxr"]
    assert flip[1].endswith("payload-flip.oxr") and flip[2] and flip[3] is True and "checksum" in flip[0]
    for name in ("index-checksum.oxr", "bad-magic.oxr", "missing.oxr"):
        assert r[name][1].endswith(name) and name in r[name][0], r[name]
    assert "open_blob" in r["new"]
    assert r["unverified"] and r["index_error"]
