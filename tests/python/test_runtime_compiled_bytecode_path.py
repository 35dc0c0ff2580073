"""Bytecode that `oxpack freeze` compiles (the source had no valid .pyc) is
stored under its source's path ("pkg/mod.py": there is no file of its own),
so the blob holds two entries at that (path, root). Reading the file at the
module's __file__ must give the source, never the bytecode.

Found by the reliability work: PathIndex::build sorted records by (path,
root) only, and find_file() returned whichever came first, so in blob mode
loader.get_data(module.__file__) returned the .pyc for about 1 module in 6
(every CPython 3.8-3.13). Equal (path, root) records now put the file before
the bytecode (and the virtual file layer reads the same index: open() on
the path is checked too)."""
import subprocess
import sys

import pytest

import blobtools


def test_get_data_of_file_gives_the_source_when_freeze_compiled_the_bytecode(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for i in range(60):
        (src / ("m%d.py" % i)).write_text("X = %d\n" % i)
    blob = tmp_path / "app.oxr"
    r = subprocess.run([blobtools.OXPACK, "freeze", str(src), "--python", sys.executable, "-o", str(blob)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    assert r.returncode == 0, r.stderr
    wrong = blobtools.run_json("""
        import importlib, json, sys
        import oxpack_runtime
        oxpack_runtime.install(sys.argv[1], origin="blob")
        wrong = []
        for i in range(60):
            m = importlib.import_module("m%d" % i)
            want = ("X = %d\\n" % i).encode()
            if m.__loader__.get_data(m.__file__) != want or open(m.__file__, "rb").read() != want:
                wrong.append(m.__name__)
        print(json.dumps(wrong))
    """, str(blob))
    assert wrong == []
