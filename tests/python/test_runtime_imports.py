"""Import semantics: what the blob gives matches the file-system importer
(module attributes in both __file__ modes, packages, namespace packages,
relative and circular imports), tracebacks and source, bytecode choices."""
import json
import os
import sys

import pytest

import blobtools
from blobtools import run_py, run_json

PROJECT = {
    "app/__init__.py": "from . import util\nfrom .sub import deep\nNAME = __name__\n",
    "app/util.py": "from .sub.deep import VALUE as DEEP\nHELPER = 'helper'\n",
    "app/sub/__init__.py": "",
    "app/sub/deep.py": "VALUE = 42\nfrom .. import util as _u  # circular: app.util imports us\n",
    "app/circ_a.py": "import app.circ_b\nA = 'a'\ndef get_b():\n    return app.circ_b.B\n",
    "app/circ_b.py": "import app.circ_a\nB = 'b'\ndef get_a():\n    return app.circ_a.A\n",
    "app/__main__.py": "import sys\nprint('main of', __name__, __package__, sys.argv[1:])\n",
    "app/cli.py": "import sys\nif __name__ == '__main__':\n    print('cli', __spec__.name, sys.argv[1:])\n",
    "app/data/info.txt": "some data\n",
    "nsp/one/mod.py": "X = 'ns'\n",
    "nsp/two/__init__.py": "Y = 'regular inside namespace'\n",
    "top.py": "import app\nT = app.util.HELPER\n",
    "boom.py": "def fail():\n    x = 1\n    raise RuntimeError('boom from blob')\n",
    "bad_syntax.py": "x = 1\ndef broken(:\n    pass\n",
    "body_raises.py": "A = 1\nraise KeyError('in module body')\n",
}

SNAPSHOT = """
import sys, json
def plain(v):
    if v is None or isinstance(v, (str, bool, int)):
        return v
    try:
        return list(v)  # submodule_search_locations: list or _NamespacePath
    except TypeError:
        return type(v).__name__
def snap(names):
    out = {}
    for n in names:
        m = sys.modules.get(n)
        if m is None:
            out[n] = None
            continue
        p = getattr(m, '__path__', None)
        out[n] = {'name': m.__name__, 'package': m.__package__, 'path': list(p) if p is not None else None,
                  'file': getattr(m, '__file__', 'MISSING'), 'cached': getattr(m, '__cached__', 'MISSING'),
                  'spec_name': m.__spec__.name, 'parent': m.__spec__.parent,
                  'has_location': m.__spec__.has_location, 'origin': m.__spec__.origin,
                  # spec.cpp builds specs and modules directly: the attributes, their order
                  # and values (the loader aside) must be importlib's own, on every version.
                  'spec_vars': [[k, plain(v)] for k, v in vars(m.__spec__).items() if k != 'loader'],
                  'module_keys': list(vars(m))}
    return out
"""

IMPORTS = """
import app, app.circ_a, top, nsp.one.mod, nsp.two
from app.sub import deep
assert app.sub.deep is deep and app.util.DEEP == 42 and app.circ_a.get_b() == 'b' and app.circ_b.get_a() == 'a'
assert nsp.one.mod.X == 'ns' and nsp.two.Y.startswith('regular')
names = ['app', 'app.util', 'app.sub', 'app.sub.deep', 'app.circ_a', 'app.circ_b', 'top', 'nsp', 'nsp.one',
         'nsp.one.mod', 'nsp.two']
"""


def snapshot_fs(root):
    return run_json(SNAPSHOT + "sys.path.insert(0, sys.argv[1])\n" + IMPORTS + "print(json.dumps(snap(names)))", root)


def snapshot_blob(blob, origin):
    return run_json(SNAPSHOT + "import oxpack_runtime\noxpack_runtime.install(sys.argv[1], origin=sys.argv[2])\n" +
                    IMPORTS + "print(json.dumps(snap(names)))", blob, origin)


def test_original_mode_matches_file_system_importer(tree):
    blob = tree.files(PROJECT).build()
    fs = snapshot_fs(tree.root)
    ox = snapshot_blob(blob, "original")
    assert fs.keys() == ox.keys()
    for name in fs:
        assert ox[name] == fs[name], name


def test_blob_mode_files_are_inside_the_blob(tree):
    blob = tree.files(PROJECT).build()
    fs = snapshot_fs(tree.root)
    os.rename(tree.root, tree.root + ".moved")  # blob mode needs nothing on disk
    ox = snapshot_blob(blob, "blob")

    def mapped(value):
        if isinstance(value, str) and value.startswith(tree.root + "/"):
            return blob + value[len(tree.root):]
        if isinstance(value, list):
            return [mapped(v) for v in value]
        return value

    for name in fs:
        expect = {k: mapped(v) for k, v in fs[name].items()}
        assert ox[name] == expect, name
    assert ox["app.util"]["file"] == blob + "/app/util.py"
    assert ox["nsp"]["file"] is None and ox["nsp"]["path"] == [blob + "/nsp"]


def test_traceback_shows_blob_source_lines(tree):
    blob = tree.files(PROJECT).build()
    os.rename(tree.root, tree.root + ".moved")
    r = run_py("""
        import sys, oxpack_runtime, traceback
        oxpack_runtime.install(sys.argv[1], origin="blob")
        import boom
        try:
            boom.fail()
        except RuntimeError:
            traceback.print_exc()
        import inspect
        print(inspect.getsource(boom.fail))
        print(boom.fail.__code__.co_filename)
        import linecache
        print(repr(linecache.getline(boom.__file__, 3, boom.__dict__)))
    """, blob)
    assert 'File "%s/boom.py", line 3, in fail' % blob in r.stderr
    assert "raise RuntimeError('boom from blob')" in r.stderr
    assert "def fail():\n    x = 1\n" in r.stdout
    assert blob + "/boom.py" in r.stdout
    assert "raise RuntimeError('boom from blob')\\n" in r.stdout


def test_exception_in_module_body_has_source_lines_and_no_importlib_frames(tree):
    blob = tree.files(PROJECT).build()
    fs = run_py("import sys; sys.path.insert(0, sys.argv[1]); import body_raises", tree.root, check=False)
    os.rename(tree.root, tree.root + ".moved")
    ox = run_py("""
        import sys, oxpack_runtime
        oxpack_runtime.install(sys.argv[1], origin="blob")
        import body_raises
    """, blob, check=False)
    assert ox.returncode == fs.returncode == 1
    assert 'File "%s/body_raises.py", line 2, in <module>' % blob in ox.stderr
    assert "raise KeyError('in module body')" in ox.stderr
    assert "importlib._bootstrap" not in ox.stderr and "importlib._bootstrap" not in fs.stderr
    # the same frames as the file-system importer's traceback
    def frames(text):
        return [line.split(",", 1)[1] for line in text.splitlines()
                if line.startswith("  File ") and "<string>" not in line]
    assert frames(ox.stderr) == frames(fs.stderr)


def test_syntax_error_names_file_and_line(tree):
    tree.files(PROJECT)
    blob = tree.build(bytecode="compile")  # no bytecode can exist for bad_syntax: compiled at import
    for origin, prefix in (("original", tree.root), ("blob", blob)):
        r = run_json("""
            import sys, json, oxpack_runtime
            oxpack_runtime.install(sys.argv[1], origin=sys.argv[2])
            try:
                import bad_syntax
            except SyntaxError as e:
                print(json.dumps({"file": e.filename, "line": e.lineno, "type": type(e).__name__}))
        """, blob, origin)
        assert r == {"file": prefix + "/bad_syntax.py", "line": 2, "type": "SyntaxError"}


def test_source_only_modules_compile_at_import(tree):
    blob = tree.files(PROJECT).build(bytecode="none")
    r = run_json(SNAPSHOT + """
        import oxpack_runtime
        f = oxpack_runtime.install(sys.argv[1])
        import app.util
        code = f.get_code('app.util')
        print(json.dumps([app.util.DEEP, code.co_filename, app.util.__file__]))
    """.replace("\n        ", "\n"), blob)
    assert r == [42, tree.root + "/app/util.py", tree.root + "/app/util.py"]


def test_bytecode_used_when_valid_else_source(tree, tmp_path):
    # The bytecode entry says X = 'bytecode', the source X = 'source': which one ran shows the choice.
    src_text = b"X = 'source'\n"
    path = tree.write("choice.py", src_text)
    same_size = b"X = 'bytecod'\n"[: len(src_text)]
    good = blobtools.pyc(b"X = 'bytecode'", path)
    good = good[:12] + len(src_text).to_bytes(4, "little") + good[16:]     # matches the source's size
    stale = blobtools.pyc(b"X = 'bytecode'", path)                       # records another size: stale
    foreign = blobtools.pyc(b"X = 'bytecode'", path, magic=b"\x00\x00\r\n")  # another interpreter
    results = {}
    for name, data in (("good", good), ("stale", stale), ("foreign", foreign)):
        pycfile = tmp_path / (name + ".pyc")
        pycfile.write_bytes(data)
        blob = blobtools.make_blob({"roots": [{"path": tree.root}], "entries": [
            {"kind": "source", "key": "choice", "path": "choice.py", "file": path},
            {"kind": "bytecode", "key": "choice", "path": "__pycache__/choice.pyc", "file": str(pycfile)}]},
            tmp_path / (name + ".oxr"))
        results[name] = run_json("""
            import sys, json, oxpack_runtime
            oxpack_runtime.install(sys.argv[1])
            import choice
            print(json.dumps(choice.X))
        """, blob)
    assert results == {"good": "bytecode", "stale": "source", "foreign": "source"}
    del same_size


def test_sourceless_module_and_foreign_bytecode_without_source(tree, tmp_path):
    path = os.path.join(tree.root, "legacy.py")
    good = tmp_path / "good.pyc"
    good.write_bytes(blobtools.pyc(b"L = 'legacy'\n", path))
    bad = tmp_path / "bad.pyc"
    bad.write_bytes(blobtools.pyc(b"L = 1\n", path, magic=b"\x01\x00\r\n"))
    blob = blobtools.make_blob({"roots": [{"path": tree.root}], "entries": [
        {"kind": "bytecode", "key": "legacy", "path": "legacy.pyc", "file": str(good)},
        {"kind": "bytecode", "key": "foreign", "path": "foreign.pyc", "file": str(bad)}]}, tmp_path / "s.oxr")
    r = run_json("""
        import sys, json, oxpack_runtime
        f = oxpack_runtime.install(sys.argv[1])
        import legacy
        try:
            import foreign
            err = None
        except ImportError as e:
            err = str(e)
        print(json.dumps([legacy.L, legacy.__file__, f.get_source('legacy'), err]))
    """, blob)
    assert r[0] == "legacy" and r[1] == tree.root + "/legacy.pyc" and r[2] is None
    assert "another Python" in r[3] and "foreign" in r[3]


def test_loader_protocol_methods(tree):
    blob = tree.files(PROJECT).build()
    r = run_json("""
        import sys, json, oxpack_runtime, importlib.util, pkgutil
        f = oxpack_runtime.install(sys.argv[1])
        spec = importlib.util.find_spec('app.util')
        L = spec.loader
        out = {
            'is_package': [f.is_package('app'), f.is_package('app.util'), L.is_package('app.util')],
            'filename': [f.get_filename('app.util'), L.get_filename()],
            'source': f.get_source('app.sub.deep').splitlines()[0],
            'code': type(f.get_code('top')).__name__,
            'data': f.get_data(f.roots[0] + '/app/data/info.txt').decode(),
            'data_blob': f.get_data(f.path + '/app/data/../data/info.txt').decode(),
            'pkgutil_data': pkgutil.get_data('app', 'data/info.txt').decode(),
            'missing': None, 'top': sorted(n for n, _ in f.iter_modules()),
            'loader_name': L.name, 'invalidate': f.invalidate_caches(),
        }
        try:
            f.get_data(f.path + '/nothing/here')
        except OSError as e:
            out['missing'] = e.errno
        try:
            f.get_code('no.such.module')
        except ImportError as e:
            out['no_module'] = type(e).__name__
        print(json.dumps(out))
    """, blob)
    assert r["is_package"] == [True, False, False]
    assert r["filename"] == [tree.root + "/app/util.py"] * 2
    assert r["source"] == "VALUE = 42" and r["code"] == "code"
    assert r["data"] == r["data_blob"] == r["pkgutil_data"] == "some data\n"
    assert r["missing"] == 2 and r["no_module"] == "ModuleNotFoundError"
    assert r["top"] == ["app", "bad_syntax", "body_raises", "boom", "top"]  # namespace 'nsp' not listed, as pkgutil
    assert r["loader_name"] == "app.util" and r["invalidate"] is None


@pytest.mark.parametrize("origin", ["original", "blob"])
def test_pkgutil_iter_modules_and_walk_packages(tree, origin):
    blob = tree.files(PROJECT).build()
    code = """
        import sys, json, pkgutil
        {setup}
        import app
        print(json.dumps({{"iter": sorted((m.name, m.ispkg) for m in pkgutil.iter_modules(app.__path__)),
                           "walk": sorted(m.name for m in pkgutil.walk_packages(app.__path__, 'app.'))}}))
    """
    fs = run_json(code.format(setup="sys.path.insert(0, sys.argv[1])"), tree.root)
    ox = run_json(code.format(setup="import oxpack_runtime; oxpack_runtime.install(sys.argv[1], origin=sys.argv[2])"),
                  blob, origin)
    assert ox == fs
    assert ["app.__main__", "app.circ_a", "app.circ_b", "app.cli", "app.sub", "app.sub.deep", "app.util"] == ox["walk"]


def test_blob_path_on_sys_path_works_like_a_zip(tree):
    blob = tree.files(PROJECT).build()
    r = run_json("""
        import sys, json, oxpack_runtime, pkgutil
        f = oxpack_runtime.install(sys.argv[1])
        f.uninstall()  # no meta-path finder: only the path hook
        sys.path_hooks.insert(0, f.path_hook)
        sys.path.insert(0, f.path)
        import top, app.sub.deep
        print(json.dumps([top.T, type(sys.path_importer_cache[f.path]).__name__,
                          sorted(m.name for m in pkgutil.iter_modules([f.path]))]))
    """, blob)
    assert r == ["helper", "PathEntryFinder", ["app", "bad_syntax", "body_raises", "boom", "top"]]


@pytest.mark.parametrize("origin", ["original", "blob"])
def test_run_module_and_runpy(tree, origin):
    blob = tree.files(PROJECT).build()
    r = run_py("""
        import sys, runpy, oxpack_runtime
        oxpack_runtime.install(sys.argv[1], origin=sys.argv[2])
        sys.argv = ['prog', 'x', 'y']
        runpy.run_module('app.cli', run_name='__main__', alter_sys=True)
        runpy.run_module('app', run_name='__main__', alter_sys=True)
        import app.circ_a
        g = runpy.run_module('app.circ_a')
        print('ran', g['A'], g['__file__'] == app.circ_a.__file__)
    """, blob, origin)
    assert r.stdout.splitlines() == ["cli app.cli ['x', 'y']", "main of __main__ app ['x', 'y']", "ran a True"]


def test_submodule_import_errors_are_import_errors(tree):
    blob = tree.files(PROJECT).build()
    r = run_json("""
        import sys, json, oxpack_runtime
        oxpack_runtime.install(sys.argv[1])
        out = []
        for name in ('app.nothing', 'nothing_at_all', 'top.notapackage'):
            try:
                __import__(name)
            except ImportError as e:
                out.append([type(e).__name__, e.name])
        print(json.dumps(out))
    """, blob)
    assert r == [["ModuleNotFoundError", "app.nothing"], ["ModuleNotFoundError", "nothing_at_all"],
                 ["ModuleNotFoundError", "top.notapackage"]]


def test_reload_load_module_and_finder_as_loader(tree):
    blob = tree.files(PROJECT).build()
    r = run_json("""
        import sys, json, importlib, importlib.util, warnings, oxpack_runtime
        f = oxpack_runtime.install(sys.argv[1])
        import app.util
        app.util.HELPER = 'changed'
        again = importlib.reload(app.util)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            legacy = importlib.util.find_spec('top').loader.load_module('top')
        # the finder is a complete loader too
        spec = importlib.util.spec_from_loader('app.sub.deep', f)
        mod = importlib.util.module_from_spec(spec)
        f.exec_module(mod)
        print(json.dumps([again is app.util, app.util.HELPER, legacy.T, mod.VALUE,
                          sys.modules['top'] is legacy]))
    """, blob)
    assert r == [True, "helper", "helper", 42, True]


SPLIT = {"A/nsp/a.py": "A = 'a'\n", "B/nsp/b.py": "B = 'b'\n", "B/nsp/sub/c.py": "C = 'c'\n",
         "A/odd-name.py": "ODD = 1\n", "A/pk/__init__.py": "", "A/pk/__run-x__.py": "RUN = 2\n",
         "A/pk/n3.py": "N = 3\n"}


@pytest.mark.parametrize("origin", ["original", "blob"])
def test_namespace_split_across_roots_and_names_that_are_not_identifiers(tree, origin):
    """A namespace package with a portion in each of two roots keeps both;
    module names are FileFinder's (any name without a dot), not identifiers."""
    tree.files(SPLIT)
    roots = [os.path.join(tree.root, "A"), os.path.join(tree.root, "B")]
    blob = blobtools.build_tree_blob(roots, os.path.join(tree.base, "split.oxr"), bytecode="compile", origin=origin)
    code = """
        import sys, json, importlib
        {setup}
        import nsp.a, nsp.b, nsp.sub.c
        odd = importlib.import_module('odd-name')
        run = importlib.import_module('pk.__run-x__')
        print(json.dumps({{'path': [p.replace(sys.argv[1], '<b>') for p in nsp.__path__], 'values': [nsp.a.A, nsp.b.B,
                           nsp.sub.c.C, odd.ODD, run.RUN], 'ours': type(odd.__spec__.loader).__module__}}))
    """
    fs = run_json(code.format(setup="sys.path[:0] = sys.argv[2:]"), "<none>", *roots)
    ox = run_json(code.format(setup="import oxpack_runtime; oxpack_runtime.install(sys.argv[1], origin=%r)" % origin),
                  blob)
    assert fs["values"] == ox["values"] == ["a", "b", "c", 1, 2]
    assert ox["ours"] == "oxpack_runtime"
    if origin == "original":
        assert ox["path"] == fs["path"] == [r + "/nsp" for r in roots]
    else:
        assert ox["path"] == ["<b>/nsp"]
