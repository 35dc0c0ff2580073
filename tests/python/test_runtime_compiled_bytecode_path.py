"""Bytecode that `oxpack freeze` compiles (the source had no valid .pyc) is
stored under its source's path ("pkg/mod.py": there is no file of its own),
so the blob holds two entries at that (path, root). Reading the file at the
module's __file__ must give the source, never the bytecode.

Known bug, left to the runtime work (lib/runtime is not this change's to
edit): PathIndex::build (lib/runtime/core/path_index.cpp) sorts records by
(path, root) only, with std::sort, and find_file() returns the first, so in
blob mode loader.get_data(module.__file__) returns the .pyc for some modules
(about 1 in 6 here, on every CPython 3.8-3.13). A fix: order equal (path, root) records by kind so that
the non-bytecode one comes first, or leave out bytecode records whose path
is not a .pyc. Strict xfail: remove the marker with the fix."""
import subprocess
import sys

import pytest

import blobtools


@pytest.mark.xfail(strict=True, reason="PathIndex: equal (path, root) records in unspecified order (see above)")
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
            if m.__loader__.get_data(m.__file__) != ("X = %d\\n" % i).encode():
                wrong.append(m.__name__)
        print(json.dumps(wrong))
    """, str(blob))
    assert wrong == []
