"""Thread safety and fork: many threads importing overlapping modules from
a blob (stored and zstd-compressed, with payloads large enough for the GIL
to be released while they are checked), and imports in a forked child."""
import os

import pytest

import blobtools
from blobtools import run_json

N_PACKAGES = 12
N_MODULES = 20


def write_tree(tree):
    tree.write("counter.py", "import threading\nlock = threading.Lock()\nhits = {}\n"
               "def hit(name):\n    with lock:\n        hits[name] = hits.get(name, 0) + 1\n")
    for p in range(N_PACKAGES):
        tree.write("p%d/__init__.py" % p, "import counter, time\ncounter.hit(__name__)\ntime.sleep(0)\n")
        for m in range(N_MODULES):
            deps = "import p%d.m%d\n" % ((p + 1) % N_PACKAGES, (m + 3) % N_MODULES) if m % 4 == 0 else ""
            tree.write("p%d/m%d.py" % (p, m),
                       "import counter, time\ncounter.hit(__name__)\n%stime.sleep(0.0005)\nVALUE = %d\n" % (deps, m))
    # A big module: its bytecode is large enough for the checksum to run without the GIL.
    tree.write("big.py", "import counter\ncounter.hit(__name__)\nDATA = [\n" +
               "".join("    %d,\n" % i for i in range(60000)) + "]\n")


THREADS = """
import sys, json, random, threading, oxpack_runtime
oxpack_runtime.install(sys.argv[1])
names = ['big'] + ['p%d.m%d' % (p, m) for p in range({P}) for m in range({M})]
errors = []
barrier = threading.Barrier(16)
def work(seed):
    order = names[:]
    random.Random(seed).shuffle(order)
    barrier.wait()
    try:
        for n in order:
            mod = __import__(n, fromlist=['_'])
            assert n == 'big' or mod.VALUE == int(n.rsplit('m', 1)[1])
    except BaseException as e:
        errors.append(repr(e))
threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
for t in threads: t.start()
for t in threads: t.join()
import counter
print(json.dumps({{"errors": errors, "hits": counter.hits, "big": len(sys.modules['big'].DATA)}}))
""".format(P=N_PACKAGES, M=N_MODULES)


@pytest.mark.parametrize("compress", ["none", "zstd"])
def test_threads_import_overlapping_modules(tree, tmp_path, compress):
    write_tree(tree)
    m = blobtools.tree_manifest([tree.root], bytecode="compile")
    m["compress"] = compress
    for i, e in enumerate(m["entries"]):
        data = e.pop("blob", None)
        if data is not None:
            (tmp_path / ("%d.pyc" % i)).write_bytes(data)
            e["file"] = str(tmp_path / ("%d.pyc" % i))
    blob = blobtools.make_blob(m, tmp_path / "c.oxr")
    r = run_json(THREADS, blob)
    assert r["errors"] == []
    expected = {"big"} | {"p%d" % p for p in range(N_PACKAGES)} | {
        "p%d.m%d" % (p, m) for p in range(N_PACKAGES) for m in range(N_MODULES)}
    assert set(r["hits"]) == expected
    assert set(r["hits"].values()) == {1}  # every module executed exactly once
    assert r["big"] == 60000


def test_threads_import_the_stdlib_from_a_blob(stdlib_blob):
    r = run_json("""
        import sys, random, threading, warnings, oxpack_runtime
        warnings.simplefilter('ignore')
        oxpack_runtime.install(sys.argv[1])  # before anything below is imported
        names = ['json', 'email.mime.text', 'xml.dom.minidom', 'http.client', 'logging.handlers', 'decimal',
                 'argparse', 'csv', 'sqlite3', 'unittest.mock', 'asyncio', 'concurrent.futures', 'urllib.request',
                 'difflib', 'pickle', 'tarfile', 'zipfile', 'statistics', 'fractions', 'calendar']
        errors = []
        def work(seed):
            order = names[:]
            random.Random(seed).shuffle(order)
            try:
                for n in order:
                    __import__(n)
            except BaseException as e:
                errors.append(repr(e))
        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for t in threads: t.start()
        for t in threads: t.join()
        import json
        served = sorted(n for n in names if type(sys.modules[n].__spec__.loader).__name__ == 'Loader')
        print(json.dumps({"errors": errors, "served": served}))
    """, stdlib_blob, flags=["-S"])  # -S: no site-packages .pth imports json etc. before the blob is installed
    assert r["errors"] == []
    assert "json" in r["served"] and "asyncio" in r["served"] and len(r["served"]) >= 15


def test_fork_then_import_in_the_child(tree, tmp_path):
    write_tree(tree)
    blob = tree.build()
    r = run_json("""
        import sys, os, json, threading, oxpack_runtime
        oxpack_runtime.install(sys.argv[1])
        import p0.m1
        # another thread importing while we fork
        t = threading.Thread(target=lambda: __import__('p5.m5'))
        t.start()
        rfd, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                import p1.m2, p3, big
                os.write(wfd, json.dumps([p1.m2.VALUE, len(big.DATA), p1.m2.__file__]).encode())
                os._exit(0)
            except BaseException as e:
                os.write(wfd, json.dumps(repr(e)).encode())
                os._exit(1)
        os.close(wfd)
        data = os.read(rfd, 65536)
        _, status = os.waitpid(pid, 0)
        t.join()
        import p2.m3
        print(json.dumps({"child": json.loads(data), "status": status, "parent": p2.m3.VALUE}))
    """, blob)
    assert r["status"] == 0 and r["parent"] == 3
    assert r["child"] == [2, 60000, tree.root + "/p1/m2.py"]
