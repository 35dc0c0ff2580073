"""importlib.resources and importlib.metadata over a blob, in both origin
modes, against the file-system importer's answers for the same tree."""
import json
import os
import sys

import pytest

from blobtools import run_json

TREE = {
    "rpkg/__init__.py": "",
    "rpkg/res.txt": "resource text\n",
    "rpkg/bin.dat": b"\x00\x01\x02binary",
    "rpkg/data/x.json": '{"x": 1}\n',
    "rpkg/data/deeper/y.txt": "y\n",
    "rpkg/sub/__init__.py": "",
    "rpkg/sub/s.txt": "in sub\n",
    "rpkg/plain.py": "",
    "Demo_Pkg-1.2.3.dist-info/METADATA": ("Metadata-Version: 2.1\nName: Demo-Pkg\nVersion: 1.2.3\n"
                                          "Summary: a demo\nRequires-Dist: six (>=1.0)\n"
                                          "Requires-Dist: attrs ; extra == 'x'\n\nLong description.\n"),
    "Demo_Pkg-1.2.3.dist-info/RECORD": ("rpkg/__init__.py,,\nrpkg/res.txt,,\n"
                                        "Demo_Pkg-1.2.3.dist-info/METADATA,,\n"),
    "Demo_Pkg-1.2.3.dist-info/entry_points.txt": "[console_scripts]\ndemo = rpkg:main\n[demo.plugins]\nfirst = rpkg.sub:thing\n",
    "Demo_Pkg-1.2.3.dist-info/top_level.txt": "rpkg\n",
    "legacy_thing.egg-info": "Metadata-Version: 1.1\nName: legacy-thing\nVersion: 0.9\n",
}

RESOURCES = """
import sys, json, warnings, importlib, importlib.resources as r
warnings.simplefilter("ignore", DeprecationWarning)
{setup}
out = {{}}
out['read_text'] = r.read_text('rpkg', 'res.txt')
out['read_binary'] = list(r.read_binary('rpkg', 'bin.dat'))
out['open_text'] = r.open_text('rpkg', 'res.txt').read()
out['is_resource'] = [r.is_resource('rpkg', 'res.txt'), r.is_resource('rpkg', 'data'), r.is_resource('rpkg', 'nope')]
out['contents'] = sorted(r.contents('rpkg'))
with r.path('rpkg', 'res.txt') as p:
    out['path'] = open(p).read()
if hasattr(r, 'files'):
    f = r.files('rpkg')
    out['files_read'] = (f / 'data' / 'x.json').read_text()
    out['joinpath'] = f.joinpath('data', 'deeper', 'y.txt').read_bytes().decode() if sys.version_info >= (3, 11) \\
        else f.joinpath('data').joinpath('deeper').joinpath('y.txt').read_bytes().decode()
    out['iterdir'] = sorted((x.name, x.is_dir(), x.is_file()) for x in f.iterdir())
    out['sub_iterdir'] = sorted(x.name for x in (f / 'data').iterdir())
    with r.as_file(f / 'data' / 'x.json') as p:
        out['as_file'] = open(p).read()
    if sys.version_info >= (3, 12):
        with r.as_file(f / 'data') as d:
            import os
            out['as_file_dir'] = sorted(os.listdir(d))
    out['files_sub'] = (r.files('rpkg.sub') / 's.txt').read_text()
    if sys.version_info >= (3, 12):
        out['module_anchor'] = (r.files('rpkg.plain') / 'res.txt').read_text()
if sys.version_info >= (3, 13):
    out['functional'] = r.read_text('rpkg', 'data', 'deeper', 'y.txt', encoding='utf-8')
print(json.dumps(out))
"""

METADATA = """
import sys, json, importlib.metadata as md
{setup}
d = md.distribution('demo_pkg')
eps = md.entry_points()
if hasattr(eps, 'select'):
    plugins = sorted((e.name, e.value) for e in eps.select(group='demo.plugins'))
else:
    plugins = sorted((e.name, e.value) for e in eps.get('demo.plugins', ()))
files = d.files
out = {{
    'version': md.version('Demo-Pkg'), 'name': d.metadata['Name'], 'summary': d.metadata['Summary'],
    'requires': md.requires('demo-pkg'), 'plugins': plugins,
    'ep_dist': [e.value for e in d.entry_points if e.group == 'console_scripts'],
    'files': sorted(str(f) for f in files),
    'record_text': [f for f in files if str(f) == 'rpkg/res.txt'][0].read_text(),
    'legacy': md.version('legacy-thing'),
    'count': len([x for x in md.distributions() if x.metadata['Name'] == 'Demo-Pkg']),
    'missing': None,
}}
try:
    md.version('no-such-dist-anywhere')
except md.PackageNotFoundError:
    out['missing'] = 'PackageNotFoundError'
print(json.dumps(out))
"""

FS_SETUP = "sys.path.insert(0, sys.argv[1])"
BLOB_SETUP = "import oxpack_runtime\noxpack_runtime.install(sys.argv[1], origin=sys.argv[2])"


@pytest.fixture
def rtree(tree):
    tree.files(TREE)
    return tree


@pytest.mark.parametrize("origin", ["original", "blob"])
def test_resources_match_file_system(rtree, origin):
    blob = rtree.build(bytecode="none")  # no __pycache__ in the blob: the listings then match the tree
    fs = run_json(RESOURCES.format(setup=FS_SETUP), rtree.root)
    if origin == "blob":
        os.rename(rtree.root, rtree.root + ".moved")
    ox = run_json(RESOURCES.format(setup=BLOB_SETUP), blob, origin)
    assert ox == fs
    assert fs["read_text"] == "resource text\n" and fs["contents"] == ["__init__.py", "bin.dat", "data", "plain.py",
                                                                         "res.txt", "sub"]


def test_blob_mode_files_are_traversables_inside_the_blob(rtree):
    blob = rtree.build(bytecode="none")
    os.rename(rtree.root, rtree.root + ".moved")
    r = run_json("""
        import sys, json, importlib.resources as r, oxpack_runtime
        oxpack_runtime.install(sys.argv[1], origin="blob")
        if not hasattr(r, 'files'):
            print(json.dumps(None)); raise SystemExit
        f = r.files('rpkg')
        out = [str(f), type(f).__name__, str(f / 'res.txt'), (f / 'nope').exists() if hasattr(f, 'exists') else False]
        try:
            (f / 'nope').read_bytes()
        except FileNotFoundError:
            out.append('FileNotFoundError')
        print(json.dumps(out))
    """, blob)
    if sys.version_info >= (3, 9):
        assert r == [blob + "/rpkg", "BlobPath", blob + "/rpkg/res.txt", False, "FileNotFoundError"]


@pytest.mark.parametrize("origin", ["original", "blob"])
def test_metadata_from_the_blob(rtree, origin):
    blob = rtree.build(bytecode="none")
    fs = run_json(METADATA.format(setup=FS_SETUP), rtree.root)
    on_path = origin == "original"
    if not on_path:
        os.rename(rtree.root, rtree.root + ".moved")
    # original mode with the root on sys.path: PathFinder lists it from disk and the blob's copy is not a duplicate.
    setup = BLOB_SETUP + ("\nsys.path.insert(0, oxpack_runtime.installed()[0].roots[0])" if on_path else "")
    ox = run_json(METADATA.format(setup=setup), blob, origin)
    assert ox == fs
    assert fs["version"] == "1.2.3" and fs["plugins"] == [["first", "rpkg.sub:thing"]] and fs["count"] == 1
    assert fs["requires"] == ["six (>=1.0)", "attrs ; extra == 'x'"] and fs["legacy"] == "0.9"


def test_metadata_served_from_blob_when_not_on_disk(rtree):
    blob = rtree.build(bytecode="none")
    r = run_json("""
        import sys, json, importlib.metadata as md, oxpack_runtime
        oxpack_runtime.install(sys.argv[1])  # original mode, root NOT on sys.path
        d = md.distribution('demo-pkg')
        print(json.dumps([type(d).__name__, md.version('demo-pkg'), str(d.locate_file('rpkg/res.txt'))]))
    """, blob)
    assert r == ["BlobDistribution", "1.2.3", rtree.root + "/rpkg/res.txt"]
