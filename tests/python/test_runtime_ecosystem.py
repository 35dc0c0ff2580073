"""What other code reaches the blob through: multiprocessing children of a
process that called install() (spawn, forkserver: no hook, no file
written), pkg_resources (setuptools', or pip's vendored copy),
importlib.metadata with explicit paths, the importlib_metadata backport."""
import json
import os
import subprocess
import sys

import pytest

import blobtools
from blobtools import run_json

APP = {
    "only_in_blob/__init__.py": "VALUE = 'from the blob'\n",
    "only_in_blob/data.txt": "payload\n",
    "only_in_blob/sub/__init__.py": "",
    "only_in_blob/sub/more.txt": "more\n",
    "Only_In_Blob-2.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: only-in-blob\nVersion: 2.0\n",
    "Only_In_Blob-2.0.dist-info/RECORD": "only_in_blob/__init__.py,,\n",
    "Only_In_Blob-2.0.dist-info/entry_points.txt": "[oxpack.test]\nthing = only_in_blob:VALUE\n",
    "Only_In_Blob-2.0.dist-info/top_level.txt": "only_in_blob\n",
}

MAIN = r"""
import json, os, sys, multiprocessing as mp

def where(_):
    import only_in_blob
    return [only_in_blob.VALUE, type(only_in_blob.__loader__).__module__, open(os.path.join(
        os.path.dirname(only_in_blob.__file__), 'data.txt')).read()]

if __name__ == '__main__':
    import oxpack_runtime
    oxpack_runtime.install(sys.argv[1], origin=sys.argv[2])  # inside __main__: children do not re-run it
    out = {}
    for method in ('spawn', 'forkserver', 'fork'):
        with mp.get_context(method).Pool(2) as pool:
            out[method] = pool.map(where, [0, 1])
    print(json.dumps(out))
"""


@pytest.fixture
def app(tree):
    tree.files(APP)
    return tree


def test_multiprocessing_children_of_install(app, tmp_path):
    """Blob mode, the tree gone: spawn, forkserver and fork children import
    the module and read its data file from the blob; nothing is written."""
    blob = app.build(origin="blob")
    os.rename(app.root, app.root + ".moved")  # the module exists nowhere but in the blob
    script = tmp_path / "main.py"
    script.write_text(MAIN)
    before = set(os.listdir(str(tmp_path)))
    r = subprocess.run([sys.executable, str(script), blob, "blob"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, env=blobtools.env_with_runtime(), timeout=300, cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    want = [["from the blob", "oxpack_runtime", "payload\n"]] * 2
    assert json.loads(r.stdout.strip().splitlines()[-1]) == {"spawn": want, "forkserver": want, "fork": want}
    assert set(os.listdir(str(tmp_path))) == before  # nothing written


def test_multiprocessing_children_original_mode(app, tmp_path):
    """Original mode keeps the files on disk; the children import from the blob."""
    blob = app.build()
    script = tmp_path / "main.py"
    script.write_text(MAIN)
    r = subprocess.run([sys.executable, str(script), blob, "original"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True, env=blobtools.env_with_runtime(), timeout=300)
    assert r.returncode == 0, r.stderr
    want = [["from the blob", "oxpack_runtime", "payload\n"]] * 2
    assert json.loads(r.stdout.strip().splitlines()[-1]) == {"spawn": want, "forkserver": want, "fork": want}


def _pkg_resources_name():
    import importlib.util
    return "pkg_resources" if importlib.util.find_spec("pkg_resources") else "pip._vendor.pkg_resources"


@pytest.mark.parametrize("origin", ["original", "blob"])
@pytest.mark.parametrize("imported", ["before", "after"])
def test_pkg_resources_provider(app, origin, imported):
    blob = app.build(origin=origin, bytecode="none")  # no __pycache__ in the blob: the listing is the tree's
    if origin == "blob":
        os.rename(app.root, app.root + ".moved")
    pr = _pkg_resources_name()
    r = run_json("""
        import sys, os, json, warnings, importlib
        warnings.simplefilter('ignore')
        if sys.argv[3] == 'before':
            pr = importlib.import_module(sys.argv[4])
        import oxpack_runtime
        oxpack_runtime.install(sys.argv[1], origin=sys.argv[2])
        pr = importlib.import_module(sys.argv[4])
        out = {
            'isdir': [pr.resource_isdir('only_in_blob', 'sub'), pr.resource_isdir('only_in_blob', 'data.txt')],
            'exists': [pr.resource_exists('only_in_blob', 'data.txt'), pr.resource_exists('only_in_blob', 'nope')],
            'listdir': sorted(pr.resource_listdir('only_in_blob', '')),
            'string': pr.resource_string('only_in_blob', 'data.txt').decode(),
            'stream': pr.resource_stream('only_in_blob', 'sub/more.txt').read().decode(),
        }
        filename = pr.resource_filename('only_in_blob', 'data.txt')
        out['filename'] = [open(filename).read(), os.path.isfile(filename),
                           not filename.startswith(sys.argv[1] + '/')]
        print(json.dumps(out))
    """, blob, origin, imported, pr)
    assert r["isdir"] == [True, False] and r["exists"] == [True, False]
    assert r["listdir"] == ["__init__.py", "data.txt", "sub"]
    assert r["string"] == "payload\n" and r["stream"] == "more\n"
    assert r["filename"] == ["payload\n", True, True]  # a real file, even in blob mode


def test_pkg_resources_distributions_in_blob_mode(app):
    """With the frozen root on sys.path (hidden: an empty directory in its
    place), pkg_resources' working set finds the blob's distributions
    through the virtual file layer as it finds them on disk; entry points
    load."""
    blob = app.build(origin="blob")
    code = """
        import sys, json, warnings, importlib
        warnings.simplefilter('ignore')
        if sys.argv[1] != '-':
            import oxpack_runtime
            oxpack_runtime.install(sys.argv[1], origin='blob')
        sys.path.insert(0, sys.argv[2])
        pr = importlib.import_module(sys.argv[3])
        d = pr.get_distribution('only-in-blob')
        eps = [(e.name, e.load()) for e in pr.iter_entry_points('oxpack.test')]
        print(json.dumps([d.project_name, d.version, d.location == sys.argv[2], eps]))
    """
    fs = run_json(code, "-", app.root, _pkg_resources_name())
    os.rename(app.root, app.root + ".moved")
    os.makedirs(app.root)
    ox = run_json(code, blob, app.root, _pkg_resources_name())
    assert ox == fs
    assert fs[1:] == ["2.0", True, [["thing", "from the blob"]]]


METADATA_PATHS = """
    import sys, json, importlib.metadata as md
    {setup}
    def names(**kw):
        return sorted(d.metadata['Name'] for d in md.distributions(**kw) if d.metadata['Name'] == 'only-in-blob')
    out = {{'default': names(), 'root': names(path=[sys.argv[2]]), 'elsewhere': names(path=['/nonexistent']),
           'empty': names(path=[]), 'discover': sorted(d.metadata['Name'] for d in md.Distribution.discover(
               path=['/nonexistent']) if d.metadata['Name'] == 'only-in-blob')}}
    print(json.dumps(out))
"""


@pytest.mark.parametrize("origin", ["original", "blob"])
def test_distributions_honour_explicit_paths(app, origin):
    blob = app.build(origin=origin)
    r = run_json(METADATA_PATHS.format(setup="import oxpack_runtime; oxpack_runtime.install(sys.argv[1], "
                                             "origin=%r)" % origin), blob, app.root)
    assert r == {"default": ["only-in-blob"], "root": ["only-in-blob"], "elsewhere": [], "empty": [],
                 "discover": []}
    if origin == "blob":
        r = run_json(METADATA_PATHS.format(setup="import oxpack_runtime; oxpack_runtime.install(sys.argv[1])"),
                     blob, blob)
        assert r["root"] == ["only-in-blob"]  # the blob path itself names its distributions


def test_importlib_metadata_backport_gets_its_own_classes(app):
    pytest.importorskip("importlib_metadata")
    blob = app.build()
    r = run_json("""
        import sys, json, importlib_metadata, oxpack_runtime
        oxpack_runtime.install(sys.argv[1])
        found = [d for d in importlib_metadata.distributions() if d.metadata['Name'] == 'only-in-blob']
        d = importlib_metadata.distribution('only-in-blob')
        print(json.dumps([len(found), isinstance(found[0], importlib_metadata.Distribution),
                          isinstance(d, importlib_metadata.Distribution), d.version,
                          [e.name for e in importlib_metadata.entry_points(group='oxpack.test')]]))
    """, blob)
    assert r == [1, True, True, "2.0", ["thing"]]
