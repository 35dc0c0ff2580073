"""The virtual file layer (vfs.cpp): in blob mode the paths under a blob are
a read-only directory tree for Python code, answering as the original tree
on disk does; every other path goes to the real functions untouched; with
files='blob' the frozen roots' files come from the blob in original mode."""
import json
import os
import sys
import textwrap

import pytest

from blobtools import run_json, run_py

TREE = {
    "pkg/__init__.py": "import os\nHERE = os.path.dirname(__file__)\n",
    "pkg/mod.py": "X = 1\n",
    "pkg/data/conf.json": '{"a": 1, "b": [1, 2]}\n',
    "pkg/data/crlf.txt": b"line1\r\nline2\nline3\r\n",
    "pkg/data/latin1.txt": "caf\u00e9 cr\u00e8me\n".encode("latin-1"),
    "pkg/data/bin.dat": bytes(range(256)) * 40,
    "pkg/data/sub/deep.txt": "deep\n",
    "pkg/data/sub/deeper/leaf.cfg": "[a]\nb = 1\n",
    "pkg/data/empty.txt": "",
    "pkg/templates/page.html": "<p>{{ x }}</p>\n",
    "pkg/sub/__init__.py": "",
    "pkg/sub/thing.txt": "thing\n",
    "caf\u00e9/__init__.py": "",
    "caf\u00e9/donn\u00e9es.txt": "donn\u00e9es\n",
    "top.py": "T = 1\n",
}

# Walks a tree with the file functions and reports what it sees, relative to
# the start: the same script runs on the disk tree and on the blob.
SURVEY = r"""
import os, sys, json, glob, pathlib, stat
base = sys.argv[1]
def rel(p):
    p = os.fsdecode(p)
    return os.path.relpath(p, base)
out = {'walk': [], 'stat': {}, 'scandir': {}, 'glob': [], 'rglob': [], 'read': {}, 'lines': {}}
for d, dirs, files in os.walk(base):
    dirs.sort()
    out['walk'].append([rel(d), sorted(dirs), sorted(files)])
    for name in files + dirs:
        p = os.path.join(d, name)
        st = os.stat(p)
        out['stat'][rel(p)] = [stat.S_ISDIR(st.st_mode), stat.S_ISREG(st.st_mode),
                              st.st_size if stat.S_ISREG(st.st_mode) else None,
                              os.path.isdir(p), os.path.isfile(p), os.path.exists(p), os.path.islink(p),
                              os.path.getsize(p) if os.path.isfile(p) else None,
                              os.access(p, os.R_OK), os.path.lexists(p)]
    with os.scandir(d) as it:
        out['scandir'][rel(d)] = sorted([e.name, e.is_dir(), e.is_file(), e.is_symlink(),
                                        e.stat().st_size if e.is_file() else None, rel(e.path)] for e in it)
    for name in files:
        p = os.path.join(d, name)
        with open(p, 'rb') as f:
            data = f.read()
        out['read'][rel(p)] = data.hex()
        with open(p, encoding='latin-1', newline='') as f:
            out['lines'][rel(p)] = f.read().splitlines(True)
# Package directories (the blob's top level itself is "<blob>/": pathlib and
# glob drop the trailing '/', and "<blob>" is the blob file).
out['glob'] = sorted(rel(p) for top in ('pkg', 'caf\u00e9')
                     for p in glob.glob(os.path.join(base, top, '**', '*.txt'), recursive=True))
out['rglob'] = sorted(rel(p) for p in pathlib.Path(base, 'pkg').rglob('*.json'))
out['listdir_bytes'] = sorted(os.fsdecode(n) for n in os.listdir(os.fsencode(os.path.join(base, 'pkg', 'data'))))
out['iterdir'] = sorted(p.name for p in pathlib.Path(base, 'pkg').iterdir())
out['realpath'] = rel(os.path.realpath(os.path.join(base, 'pkg', 'data', '..', 'data', 'conf.json')))
print(json.dumps(out))
"""

BLOB_SETUP = """
import sys, oxpack_runtime
finder = oxpack_runtime.install(sys.argv[1], origin='blob')
sys.argv[1] = finder.path + '/'  # the blob's top level ("<blob>" itself stays the blob file)
"""


def in_blob(code):
    """`code` (indented or not) run with the blob installed in blob mode;
    sys.argv[1] is then the blob's top level."""
    return BLOB_SETUP + textwrap.dedent(code)


@pytest.fixture
def blob_tree(tree):
    tree.files(TREE)
    blob = tree.build(bytecode="none")  # no __pycache__ in the blob: listings then match the tree
    return tree, blob


def test_the_tree_inside_the_blob_answers_as_the_tree_on_disk(blob_tree):
    tree, blob = blob_tree
    fs = run_json(SURVEY, tree.root)
    os.rename(tree.root, tree.root + ".moved")  # nothing left on disk to fall back on
    ox = run_json(in_blob(SURVEY), blob)
    assert ox == fs
    assert ["pkg/data", ["sub"], ["bin.dat", "conf.json", "crlf.txt", "empty.txt", "latin1.txt"]] in fs["walk"]
    assert fs["stat"]["pkg/data/bin.dat"][2] == 256 * 40


def test_stat_fields_and_file_objects(blob_tree):
    tree, blob = blob_tree
    os.rename(tree.root, tree.root + ".moved")
    r = run_json(in_blob(r"""
        import os, io, json, stat, mmap, gzip, zipfile, shutil, tempfile
        d = os.path.join(sys.argv[1], 'pkg', 'data')
        blob_st = os.stat(finder.path)
        st = os.stat(d + '/conf.json')
        dst = os.stat(d)
        out = {'file_mode': oct(st.st_mode), 'dir_mode': oct(dst.st_mode), 'nlink': [st.st_nlink, dst.st_nlink],
               'size': st.st_size, 'blocks': st.st_blocks, 'dev_is_blob_dev': st.st_dev == blob_st.st_dev,
               'mtime_is_blob_mtime': st.st_mtime_ns == blob_st.st_mtime_ns,
               'same_ino_twice': os.stat(d + '/conf.json').st_ino == os.stat(d + '/../data/conf.json').st_ino,
               'distinct_ino': st.st_ino != os.stat(d + '/crlf.txt').st_ino,
               'lstat_equal': tuple(os.lstat(d + '/conf.json')) == tuple(st),
               'samefile': os.path.samefile(d + '/conf.json', d + '/./conf.json')}
        with open(d + '/crlf.txt', newline='') as f:
            out['text_newline'] = f.read()
            out['name'] = f.name
            out['mode'] = f.mode
            out['fstat_size'] = os.fstat(f.fileno()).st_size
        out['universal'] = open(d + '/crlf.txt').read()
        out['encoding'] = open(d + '/latin1.txt', encoding='latin-1').read()
        with open(d + '/bin.dat', 'rb') as f:
            out['seek'] = [f.seek(256), f.read(3).hex(), f.tell()]
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
                out['mmap'] = m[:4].hex()
        with open(d + '/bin.dat', 'rb', buffering=0) as f:
            out['raw'] = [type(f).__name__, f.read(2).hex()]
        out['io_open'] = io.open(d + '/conf.json').read()
        out['open_code'] = io.open_code(d + '/conf.json').read().decode()
        fd = os.open(d + '/conf.json', os.O_RDONLY)
        out['os_open'] = os.read(fd, 4).decode()
        os.close(fd)
        out['empty'] = open(d + '/empty.txt').read()
        tmp = tempfile.mkdtemp()
        shutil.copy(d + '/bin.dat', tmp)
        out['copied_same'] = open(tmp + '/bin.dat', 'rb').read() == open(d + '/bin.dat', 'rb').read()
        shutil.copytree(d, tmp + '/tree')
        out['copytree'] = sorted(os.path.relpath(os.path.join(p, n), tmp + '/tree')
                                 for p, _, ns in os.walk(tmp + '/tree') for n in ns)
        with gzip.open(tmp + '/x.gz', 'wb') as g:
            g.write(b'gz')
        with zipfile.ZipFile(tmp + '/z.zip', 'w') as z:
            z.write(d + '/conf.json', 'conf.json')
        out['zip_of_blob_file'] = zipfile.ZipFile(tmp + '/z.zip').read('conf.json').decode()
        print(json.dumps(out))
    """), blob)
    assert r["file_mode"] == oct(0o100644) and r["dir_mode"] == oct(0o40755)
    assert r["nlink"] == [1, 2] and r["size"] == len(TREE["pkg/data/conf.json"]) and r["blocks"] == 1
    assert r["dev_is_blob_dev"] and r["mtime_is_blob_mtime"] and r["same_ino_twice"] and r["distinct_ino"]
    assert r["lstat_equal"] and r["samefile"]
    assert r["text_newline"] == "line1\r\nline2\nline3\r\n" and r["universal"] == "line1\nline2\nline3\n"
    assert r["name"].endswith("/pkg/data/crlf.txt") and r["name"].startswith(blob) and r["mode"] == "r"
    assert r["fstat_size"] == len(TREE["pkg/data/crlf.txt"])
    assert r["encoding"] == "caf\u00e9 cr\u00e8me\n"
    assert r["seek"] == [256, "000102", 259] and r["mmap"] == "00010203" and r["raw"] == ["FileIO", "0001"]
    assert r["io_open"] == r["open_code"] == TREE["pkg/data/conf.json"] and r["os_open"] == '{"a"'
    assert r["empty"] == "" and r["copied_same"]
    assert r["copytree"] == ["bin.dat", "conf.json", "crlf.txt", "empty.txt", "latin1.txt", "sub/deep.txt",
                             "sub/deeper/leaf.cfg"]
    assert r["zip_of_blob_file"] == TREE["pkg/data/conf.json"]


ERRORS = r"""
import os, sys, json, errno, pathlib
d = os.path.join(sys.argv[1], 'pkg', 'data')
cases = {
    'open_missing': lambda: open(d + '/nope.txt'),
    'open_dir': lambda: open(d),
    'open_write': lambda: open(d + '/conf.json', 'w'),
    'open_append': lambda: open(d + '/conf.json', 'a'),
    'open_create': lambda: open(d + '/new.txt', 'x'),
    'open_plus': lambda: open(d + '/conf.json', 'r+'),
    'stat_missing': lambda: os.stat(d + '/nope'),
    'stat_through_file': lambda: os.stat(d + '/conf.json/x'),
    'stat_file_slash': lambda: os.stat(d + '/conf.json/'),
    'listdir_file': lambda: os.listdir(d + '/conf.json'),
    'listdir_missing': lambda: os.listdir(d + '/nope'),
    'scandir_missing': lambda: os.scandir(d + '/nope'),
    'os_open_write': lambda: os.open(d + '/conf.json', os.O_WRONLY),
    'os_open_creat': lambda: os.open(d + '/new', os.O_RDONLY | os.O_CREAT),
    'path_read_missing': lambda: pathlib.Path(d, 'nope').read_text(),
    'bytes_missing': lambda: open(os.fsencode(d + '/nope.txt')),
}
out = {}
for name, fn in cases.items():
    try:
        fn()
        out[name] = 'no error'
    except OSError as e:
        out[name] = [type(e).__name__, errno.errorcode[e.errno],
                     os.fsdecode(e.filename).replace(sys.argv[1].rstrip('/'), '<root>')]
print(json.dumps(out))
"""


def test_errors_have_the_errno_and_filename_the_disk_gives(blob_tree):
    tree, blob = blob_tree
    fs = run_json(ERRORS, tree.root)
    os.rename(tree.root, tree.root + ".moved")
    ox = run_json(in_blob(ERRORS), blob)
    writes = {"open_write", "open_append", "open_create", "open_plus", "os_open_write", "os_open_creat"}
    for name in fs:
        if name in writes:  # the disk lets us write; the blob is a read-only file system
            assert ox[name][:2] == ["OSError", "EROFS"], name
            assert ox[name][2] == fs[name][2] if fs[name] != "no error" else True, name
        else:
            assert ox[name] == fs[name], name
    assert fs["stat_through_file"][:2] == ["NotADirectoryError", "ENOTDIR"]
    assert fs["open_dir"][:2] == ["IsADirectoryError", "EISDIR"]


def test_other_paths_are_untouched(blob_tree, tmp_path):
    """Paths outside the blob reach the real functions with the arguments
    as given: same results and same errors as without the runtime, and the
    hooks look like the originals."""
    tree, blob = blob_tree
    real = tmp_path / "real"
    real.mkdir()
    (real / "f.txt").write_text("real\n")
    code = r"""
        import os, io, sys, json, inspect, builtins
        real = sys.argv[2]
        out = {}
        st = os.stat(real + '/f.txt')
        out['stat'] = [st.st_size, st.st_mode, st.st_ino, st.st_mtime_ns]
        out['listdir'] = os.listdir(real)
        out['scandir_type'] = type(os.scandir(real)).__name__
        out['read'] = open(real + '/f.txt').read()
        out['fd_stat'] = os.stat(os.open(real + '/f.txt', os.O_RDONLY)).st_size
        for fn in (lambda: os.stat(real + '/nope'), lambda: open(real), lambda: os.listdir(real + '/f.txt'),
                   lambda: os.stat(real, dir_fd=-5)):
            try:
                fn()
            except (OSError, TypeError, ValueError) as e:
                out.setdefault('errors', []).append([type(e).__name__, str(e).replace(real, '<real>')])
        out['names'] = [os.stat.__name__, os.listdir.__name__, builtins.open.__name__, io.open_code.__name__]
        out['docs'] = [os.stat.__doc__[:30], builtins.open.__doc__[:30]]
        out['sig'] = str(inspect.signature(os.stat))
        out['same_open'] = io.open is builtins.open
        print(json.dumps(out))
    """
    plain = run_json(code, "unused", str(real))
    hooked = run_json(in_blob(code), blob, str(real))
    assert hooked == plain


def test_uninstall_puts_the_originals_back(blob_tree):
    tree, blob = blob_tree
    r = run_json("""
        import sys, os, io, builtins, json, tokenize, oxpack_runtime
        before = [os.stat, os.listdir, builtins.open, io.open, io.open_code, tokenize._builtin_open]
        f = oxpack_runtime.install(sys.argv[1], origin='blob')
        during = [os.stat, os.listdir, builtins.open, io.open, io.open_code, tokenize._builtin_open]
        inside = os.path.isdir(f.path + '/pkg')
        f.uninstall()
        after = [os.stat, os.listdir, builtins.open, io.open, io.open_code, tokenize._builtin_open]
        print(json.dumps([all(a is not b for a, b in zip(before, during)), all(a is b for a, b in zip(before, after)),
                          inside, os.path.isdir(f.path + '/pkg'), during[2] is during[3] is during[5]]))
    """, blob)
    assert r == [True, True, True, False, True]


def test_original_mode_serves_no_paths_unless_asked(blob_tree):
    tree, blob = blob_tree
    r = run_json("""
        import sys, os, json, oxpack_runtime
        f = oxpack_runtime.install(sys.argv[1])  # original mode, files='disk': nothing is intercepted
        print(json.dumps([os.stat.__module__, type(os.stat).__name__, os.path.isdir(f.path + '/pkg'), f.files]))
    """, blob)
    assert r == [os.stat.__module__, "builtin_function_or_method", False, "disk"]
    assert "oxpack" not in run_py("import os, sys, oxpack_runtime\noxpack_runtime.install(sys.argv[1])\n"
                                  "print(os.stat.__self__)", blob).stdout


def test_files_blob_serves_the_frozen_roots_in_original_mode(blob_tree):
    tree, blob = blob_tree
    # Changed on disk after the freeze, without touching the root's own
    # mtime: the blob's copy is served, and a directory the blob holds is
    # the freeze's snapshot (a file added since is not there). What the
    # process writes goes to the disk and is read back from it.
    conf = os.path.join(tree.root, "pkg", "data", "conf.json")
    st = os.stat(tree.root)
    with open(conf, "w") as f:
        f.write('{"changed": true}\n')
    with open(os.path.join(tree.root, "pkg", "data", "later.txt"), "w") as f:
        f.write("written after the freeze\n")
    os.makedirs(os.path.join(tree.root, "newdir"))
    with open(os.path.join(tree.root, "newdir", "x.txt"), "w") as f:
        f.write("in a directory the blob does not hold\n")
    os.utime(tree.root, ns=(st.st_atime_ns, st.st_mtime_ns))
    r = run_json("""
        import sys, os, json, oxpack_runtime
        f = oxpack_runtime.install(sys.argv[1], files='blob')
        d = os.path.join(f.roots[0], 'pkg', 'data')
        out = [f.origin, f.files, open(d + '/conf.json').read(), os.path.exists(d + '/later.txt'),
               sorted(os.listdir(d)), open(os.path.join(f.roots[0], 'newdir', 'x.txt')).read()]
        with open(d + '/mine.txt', 'w') as w:
            w.write('mine')
        with open(d + '/conf.json', 'w') as w:
            w.write('overwritten')
        out += [open(d + '/mine.txt').read(), open(d + '/conf.json').read(), os.path.exists(d + '/mine.txt')]
        print(json.dumps(out))
    """, blob)
    assert r == ["original", "blob", TREE["pkg/data/conf.json"], False,
                 ["bin.dat", "conf.json", "crlf.txt", "empty.txt", "latin1.txt", "sub"],
                 "in a directory the blob does not hold\n", "mine", "overwritten", True]
    # A root that changed since the freeze is left to the disk.
    os.utime(tree.root, None)
    r = run_py("""
        import sys, os, json, warnings, oxpack_runtime
        warnings.simplefilter('ignore')
        f = oxpack_runtime.install(sys.argv[1], files='blob')
        print(open(os.path.join(f.roots[0], 'pkg', 'data', 'conf.json')).read(), end='')
    """, blob)
    assert r.stdout == 'overwritten'


def test_threads_and_fork(blob_tree):
    tree, blob = blob_tree
    os.rename(tree.root, tree.root + ".moved")
    r = run_json(in_blob(r"""
        import os, json, threading, hashlib
        d = os.path.join(sys.argv[1], 'pkg', 'data')
        names = sorted(n for n in os.listdir(d) if os.path.isfile(os.path.join(d, n)))
        want = {n: hashlib.sha256(open(os.path.join(d, n), 'rb').read()).hexdigest() for n in names}
        bad = []
        def work(i):
            for k in range(200):
                n = names[(i + k) % len(names)]
                with open(os.path.join(d, n), 'rb') as f:
                    if hashlib.sha256(f.read()).hexdigest() != want[n]:
                        bad.append(n)
                os.listdir(d)
                os.stat(os.path.join(d, n))
        threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        f = open(os.path.join(d, 'bin.dat'), 'rb')
        f.read(10)
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            data = f.read(5) + open(os.path.join(d, 'conf.json'), 'rb').read(4)
            os.write(w, data)
            os._exit(0)
        os.waitpid(pid, 0)
        print(json.dumps([bad, os.read(r, 100).hex()]))
    """), blob)
    assert r == [[], bytes(range(10, 15)).hex() + b'{"a"'.hex()]


def test_resources_as_file_and_traversables(blob_tree):
    tree, blob = blob_tree
    os.rename(tree.root, tree.root + ".moved")
    r = run_json(in_blob(r"""
        import os, json, importlib.resources as r
        out = {}
        if hasattr(r, 'files'):
            f = r.files('pkg')
            p = f / 'data' / 'conf.json'
            out['type'] = type(f).__name__
            out['fspath'] = os.fspath(p) == f'{finder.path}/pkg/data/conf.json'
            out['stat'] = p.stat().st_size
            out['glob'] = sorted(x.name for x in (f / 'data').glob('*.txt'))
            out['rglob'] = sorted(str(x.relative_to(f)) for x in f.rglob('*.cfg'))
            out['suffix'] = [p.suffix, p.with_suffix('.yaml').name, p.resolve() == p]
            with r.as_file(p) as real:
                kept = str(real)
            out['as_file_kept'] = open(kept).read()
            out['as_file_real'] = not kept.startswith(finder.path)
            with r.as_file(f / 'data') as real_dir:
                out['as_file_dir'] = sorted(os.listdir(real_dir))
        with r.path('pkg', '__init__.py') as p:
            out['path'] = os.path.exists(p) and not str(p).startswith(finder.path)
        print(json.dumps(out))
    """), blob)
    if sys.version_info >= (3, 9):
        assert r["type"] == "BlobPath" and r["fspath"] and r["stat"] == len(TREE["pkg/data/conf.json"])
        assert r["glob"] == ["crlf.txt", "empty.txt", "latin1.txt"] and r["rglob"] == ["data/sub/deeper/leaf.cfg"]
        assert r["suffix"] == [".json", "conf.yaml", True]
        assert r["as_file_kept"] == TREE["pkg/data/conf.json"] and r["as_file_real"]
        assert r["as_file_dir"] == ["bin.dat", "conf.json", "crlf.txt", "empty.txt", "latin1.txt", "sub"]
    assert r["path"]


def test_materialize_writes_once_and_concurrently(blob_tree, tmp_path):
    tree, blob = blob_tree
    os.rename(tree.root, tree.root + ".moved")
    cache = str(tmp_path / "cache")
    code = in_blob(r"""
        import os, json, oxpack_runtime
        pkg_dir = oxpack_runtime.materialize('pkg')
        one = oxpack_runtime.materialize(os.path.join(finder.path, 'pkg', 'data', 'conf.json'))
        files = sorted(os.path.relpath(os.path.join(p, n), pkg_dir) for p, _, ns in os.walk(pkg_dir) for n in ns)
        try:
            oxpack_runtime.materialize('no_such_module')
        except ValueError as e:
            err = str(e)
        print(json.dumps([pkg_dir, one, files, open(one).read(), err, os.stat(one).st_mtime_ns]))
    """)
    import subprocess
    procs = [subprocess.Popen([sys.executable, "-c", code, blob], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=dict(__import__("blobtools").env_with_runtime({"OXPACK_CACHE_DIR": cache})),
                              universal_newlines=True) for _ in range(4)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    pkg_dir, one, files, text, err, _ = results[0]
    assert [r[:5] for r in results] == [results[0][:5]] * 4
    assert pkg_dir.startswith(cache) and one == os.path.join(pkg_dir, "data", "conf.json")
    assert files == ["__init__.py", "data/bin.dat", "data/conf.json", "data/crlf.txt", "data/empty.txt",
                     "data/latin1.txt", "data/sub/deep.txt", "data/sub/deeper/leaf.cfg", "mod.py",
                     "sub/__init__.py", "sub/thing.txt", "templates/page.html"]
    assert text == TREE["pkg/data/conf.json"] and "no_such_module" in err
    again = run_json(code, blob, env={"OXPACK_CACHE_DIR": cache})
    assert again[5] == results[0][5]  # written once: the second run keeps the file
    assert not [n for n in os.listdir(os.path.dirname(one)) if ".tmp" in n]


def test_linecache_reads_blob_files_by_path(blob_tree):
    tree, blob = blob_tree
    os.rename(tree.root, tree.root + ".moved")
    r = run_json(in_blob("""
import linecache, json, warnings, pkg.mod as m
lines = [linecache.getline(m.__file__, 1), linecache.getline(sys.modules['pkg'].__file__, 2)]
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter('always')
    warnings.warn_explicit('careful', UserWarning, m.__file__, 1)
print(json.dumps(lines + [warnings.formatwarning(w[0].message, w[0].category, w[0].filename, w[0].lineno)]))
"""), blob)
    assert r[0] == "X = 1\n" and r[1] == "HERE = os.path.dirname(__file__)\n"
    assert r[2].endswith("UserWarning: careful\n  X = 1\n")


ABSENT_PROGRAM = """
import gettext, json, os, sys, oxpack_runtime
blob, gone, files = sys.argv[1], sys.argv[2], sys.argv[3]
oxpack_runtime.install(blob, files=files)
mo = os.path.join(gone, "en", "LC_MESSAGES", "messages.mo")
out = {"exists": os.path.exists(gone), "mo": os.path.exists(mo),
       "find": gettext.find("messages", gone, languages=["en_US.UTF-8", "en"])}
try:
    os.stat(mo)
except OSError as e:
    out["errno"] = e.errno
    out["filename"] = e.filename
os.makedirs(os.path.dirname(mo))  # made by this process, behind the record's back
out["after_mkdir"] = os.path.isdir(gone)
with open(mo, "wb") as w:  # a file this process writes is the disk's from then on
    w.write(b"")
out["after_write"] = os.path.exists(mo)
print(json.dumps(out))
"""


def test_absent_paths_are_answered_from_the_record(tree, tmp_path):
    # The Absent record (format 1.4; freeze writes gettext's catalog
    # directory there when the installation has none): with files served
    # from the blob, the path and everything below it are "no such file"
    # without asking the disk, as long as it was absent at install too.
    import errno
    import shutil

    import blobtools

    tree.files({"m.py": "X = 1\n"})
    gone = str(tmp_path / "prefix" / "share" / "locale")
    blob = blobtools.build_tree_blob([tree.root], str(tmp_path / "absent.oxr"), bytecode="compile", absent=[gone])
    r = run_json(ABSENT_PROGRAM, blob, gone, "blob")
    mo = os.path.join(gone, "en", "LC_MESSAGES", "messages.mo")
    assert r["exists"] is False and r["mo"] is False and r["find"] is None
    assert r["errno"] == errno.ENOENT and r["filename"] == mo
    # The directory the process made itself is still answered from the
    # record (the record, not the disk, is asked); the file it wrote is the disk's.
    assert os.path.isdir(gone) and r["after_mkdir"] is False and r["after_write"] is True
    # Present at install: the record is not used, the disk answers.
    r = run_json(ABSENT_PROGRAM.replace("os.makedirs(os.path.dirname(mo))", "pass"), blob, gone, "blob")
    assert r["exists"] is True and r["mo"] is True and r["find"] == mo
    # Files not served from the blob (original mode's default): no answer from the record.
    shutil.rmtree(str(tmp_path / "prefix"))
    r = run_json(ABSENT_PROGRAM, blob, gone, "disk")
    assert r["exists"] is False and r["after_mkdir"] is True and r["after_write"] is True


def test_freeze_records_an_absent_catalog_directory(stdlib_blob):
    # A blob holding the stdlib records <base_prefix>/share/locale when this
    # installation has none; with files served from the blob, gettext's
    # probes there (every argparse message) cost no filesystem call.
    import subprocess

    import blobtools

    info = json.loads(subprocess.run([blobtools.OXPACK, "info", "--json", stdlib_blob], stdout=subprocess.PIPE,
                                     universal_newlines=True, check=True).stdout)
    locale = os.path.join(sys.base_prefix, "share", "locale")
    assert info["absent"] == ([] if os.path.lexists(locale) else [locale])
    assert info["format_version"] == ("1.5" if info["shared_libraries"] else "1.4" if info["absent"] else "1.3")
    r = run_json("""
        import argparse, gettext, json, os, sys, oxpack_runtime
        oxpack_runtime.install(sys.argv[1], files='blob')
        p = argparse.ArgumentParser(prog="x")
        print(json.dumps([p.format_usage(), gettext.find("messages"), p.format_help().splitlines()[-1]]))
    """, stdlib_blob)
    assert r == ["usage: x [-h]\n", None, "  -h, --help  show this help message and exit"]


def test_a_root_reached_through_a_symlink_is_served_under_its_real_path_too(tree, tmp_path):
    # files='blob' mounts a frozen root under the path it was frozen as and
    # under its real path (what os.path.realpath gives), found with an
    # O_PATH open and its /proc/self/fd link, realpath(3) where /proc is missing.
    import blobtools

    tree.files({"m.py": "X = 1\n", "pkg/__init__.py": "", "pkg/data.txt": "frozen\n"})
    link = str(tmp_path / "link")
    os.symlink(tree.root, link)
    blob = blobtools.build_tree_blob([link], str(tmp_path / "link.oxr"), bytecode="compile")
    with open(os.path.join(tree.root, "pkg", "data.txt"), "w") as f:  # the disk changes; the directory's mtime does not
        f.write("disk\n")
    r = run_json("""
        import json, os, sys, oxpack_runtime
        blob, link, real = sys.argv[1:]
        oxpack_runtime.install(blob, files='blob')
        read = lambda p: open(os.path.join(p, 'pkg', 'data.txt')).read()
        print(json.dumps([read(link), read(real), os.path.realpath(link) == real]))
    """, blob, link, os.path.realpath(tree.root))
    assert r == ["frozen\n", "frozen\n", True]
