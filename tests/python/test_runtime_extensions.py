"""Extension modules: from the original path (original mode), from memory
via memfd (blob mode), and from the private cache directory when the object
needs neighbours ($ORIGIN search paths, *.libs/). Real extension modules
built here with the system C compiler for the running interpreter."""
import os
import shutil
import stat
import subprocess
import sysconfig

import pytest

from blobtools import EXT_SUFFIXES, run_json

SUFFIX = EXT_SUFFIXES[0]

SINGLE = r"""
#include <Python.h>
static int counter = 0;
static PyObject* bump(PyObject* self, PyObject* args) { return PyLong_FromLong(++counter); }
static PyMethodDef methods[] = {{"bump", bump, METH_NOARGS, ""}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "_single", NULL, -1, methods};
PyMODINIT_FUNC PyInit__single(void) { counter = 100; return PyModule_Create(&def); }
"""

MULTI = r"""
#include <Python.h>
static int exec_mod(PyObject* m) { return PyModule_AddIntConstant(m, "ANSWER", 42); }
static PyModuleDef_Slot slots[] = {{Py_mod_exec, exec_mod}, {0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "_multi", NULL, 0, NULL, slots};
PyMODINIT_FUNC PyInit__multi(void) { return PyModuleDef_Init(&def); }
"""

HELPER = "int helper_value(void) { return 7; }\n"

NEEDS = r"""
#include <Python.h>
int helper_value(void);
static PyObject* value(PyObject* self, PyObject* args) { return PyLong_FromLong(helper_value()); }
static PyMethodDef methods[] = {{"value", value, METH_NOARGS, ""}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "_needs", NULL, -1, methods};
PyMODINIT_FUNC PyInit__needs(void) { return PyModule_Create(&def); }
"""


def cc(out, source, *extra):
    src = out + ".c"
    with open(src, "w") as f:
        f.write(source)
    cmd = ["gcc", "-shared", "-fPIC", "-O1", "-I" + sysconfig.get_paths()["include"], "-o", out, src, *extra]
    subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.unlink(src)


@pytest.fixture(scope="module")
def ext_tree(tmp_path_factory):
    if shutil.which("gcc") is None:
        pytest.fail("gcc is needed to build the test extension modules")
    base = tmp_path_factory.mktemp("ext")
    root = base / "src"
    (root / "extpkg").mkdir(parents=True)
    (root / "extpkg.libs").mkdir()
    (root / "extpkg" / "__init__.py").write_text("from . import _single, _multi\n")
    cc(str(root / "extpkg" / ("_single" + SUFFIX)), SINGLE)
    cc(str(root / "extpkg" / ("_multi" + SUFFIX)), MULTI)
    cc(str(root / "extpkg.libs" / "libhelper-1a2b.so"), HELPER, "-Wl,-soname,libhelper-1a2b.so")
    cc(str(root / "extpkg" / ("_needs" + SUFFIX)), NEEDS, "-L" + str(root / "extpkg.libs"), "-l:libhelper-1a2b.so",
       "-Wl,-rpath,$ORIGIN/../extpkg.libs")
    return base, str(root)


PROBE = """
import sys, json, os, oxpack_runtime
oxpack_runtime.install(sys.argv[1], origin=sys.argv[2])
import extpkg, extpkg._needs
def backing(mod):
    # which file backs the loaded object, per /proc/self/maps
    name = os.path.basename(mod.__file__)
    with open('/proc/self/maps') as f:
        for line in f:
            parts = line.split(None, 5)
            if len(parts) == 6 and ('oxpack:' + mod.__name__ in parts[5] or parts[5].strip().endswith(name)):
                return parts[5].strip()
    return None
print(json.dumps({
    'single': [extpkg._single.bump(), extpkg._single.__file__, type(extpkg._single.__loader__).__name__],
    'multi': [extpkg._multi.ANSWER, extpkg._multi.__file__],
    'needs': [extpkg._needs.value(), extpkg._needs.__file__],
    'backing': {m.__name__: backing(m) for m in (extpkg._single, extpkg._multi, extpkg._needs)},
}))
"""


def test_original_mode_loads_the_original_files(ext_tree, tmp_path):
    base, root = ext_tree
    from blobtools import build_tree_blob
    blob = build_tree_blob([root], tmp_path / "e.oxr")
    r = run_json(PROBE, blob, "original")
    assert r["single"] == [101, root + "/extpkg/_single" + SUFFIX, "Loader"]
    assert r["multi"] == [42, root + "/extpkg/_multi" + SUFFIX]
    assert r["needs"] == [7, root + "/extpkg/_needs" + SUFFIX]
    assert r["backing"]["extpkg._single"] == root + "/extpkg/_single" + SUFFIX


def test_blob_mode_loads_from_memory_or_private_cache(ext_tree, tmp_path):
    base, root = ext_tree
    from blobtools import build_tree_blob
    blob = build_tree_blob([root], tmp_path / "e.oxr")
    os.rename(root, root + ".hidden")  # blob mode needs nothing on disk
    try:
        cache = tmp_path / "cache"
        r = run_json(PROBE, blob, "blob", env={"OXPACK_CACHE_DIR": str(cache)})
        again = run_json(PROBE, blob, "blob", env={"OXPACK_CACHE_DIR": str(cache)})
    finally:
        os.rename(root + ".hidden", root)
    assert r["single"] == [101, blob + "/extpkg/_single" + SUFFIX, "Loader"]
    assert r["multi"] == [42, blob + "/extpkg/_multi" + SUFFIX]
    assert r["needs"] == [7, blob + "/extpkg/_needs" + SUFFIX]
    # no neighbours: an anonymous memory file
    assert r["backing"]["extpkg._single"].startswith("/memfd:oxpack:extpkg._single")
    assert r["backing"]["extpkg._multi"].startswith("/memfd:oxpack:extpkg._multi")
    # $ORIGIN/../extpkg.libs: extracted with its neighbour into the private cache
    needs = r["backing"]["extpkg._needs"]
    assert needs.startswith(str(cache) + "/ext/") and needs.endswith("/extpkg/_needs" + SUFFIX)
    tree_dir = needs[: -len("/extpkg/_needs" + SUFFIX)]
    assert os.path.isfile(tree_dir + "/extpkg.libs/libhelper-1a2b.so")
    assert not os.path.exists(tree_dir + "/extpkg/__init__.py")  # only shared objects are extracted
    for d in (str(cache), str(cache) + "/ext"):
        assert stat.S_IMODE(os.stat(d).st_mode) == 0o700
    assert again["backing"]["extpkg._needs"] == needs  # content-addressed: reused


def test_cache_dir_owned_by_someone_else_or_open_is_refused(ext_tree, tmp_path):
    base, root = ext_tree
    from blobtools import build_tree_blob
    blob = build_tree_blob([root], tmp_path / "e.oxr")
    cache = tmp_path / "opencache"
    cache.mkdir()
    os.chmod(str(cache), 0o777)
    os.rename(root, root + ".hidden")
    try:
        r = run_json("""
            import sys, json, oxpack_runtime
            oxpack_runtime.install(sys.argv[1], origin="blob")
            import extpkg
            try:
                import extpkg._needs
                print(json.dumps("imported"))
            except ImportError as e:
                print(json.dumps([type(e).__name__, str(e)]))
        """, blob, env={"OXPACK_CACHE_DIR": str(cache)})
    finally:
        os.rename(root + ".hidden", root)
    assert r[0] == "BlobError" and "writable by others" in r[1] and "extpkg._needs" in r[1]


def test_reimport_of_single_phase_extension_reuses_it(ext_tree, tmp_path):
    base, root = ext_tree
    from blobtools import build_tree_blob
    blob = build_tree_blob([root], tmp_path / "e.oxr")
    r = run_json("""
        import sys, json, oxpack_runtime, importlib
        oxpack_runtime.install(sys.argv[1], origin="blob")
        import extpkg._single as s
        first = s.bump()
        del sys.modules['extpkg._single']
        import extpkg._single as s2
        print(json.dumps([first, s2.bump(), s2.__file__ == s.__file__]))
    """, blob)
    # the same object file: CPython's extension cache answers, the init function is not run again
    assert r == [101, 102, True]
