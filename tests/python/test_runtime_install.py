"""install(): opening, version check, damaged blobs, registration order,
several blobs, the stale policy, silence."""
import os
import shutil
import sys

import pytest

import blobtools
from blobtools import run_py, run_json


def test_install_registers_before_pathfinder_builtin_and_frozen_keep_precedence(tree):
    # The finder goes ahead of the builtin and frozen importers (it saves two
    # Python-level find_spec calls per import) but steps aside for their
    # modules: a blob holding modules named like a builtin (itertools) and a
    # frozen one (zipimport, frozen on every version) does not shadow them.
    blob = tree.files({"hello.py": "X = 1\n", "itertools.py": "FROM_BLOB = 1\n",
                       "zipimport.py": "FROM_BLOB = 1\n"}).build()
    r = run_json("""
        import sys, json, oxpack_runtime, importlib.machinery as m
        before = list(sys.meta_path)
        f = oxpack_runtime.install(sys.argv[1])
        names = [getattr(x, '__name__', type(x).__name__) for x in sys.meta_path]
        import hello, itertools
        del sys.modules['zipimport']
        import zipimport
        print(json.dumps({"order": names, "f_index": sys.meta_path.index(f),
                          "bi_index": sys.meta_path.index(m.BuiltinImporter),
                          "fr_index": sys.meta_path.index(m.FrozenImporter),
                          "pf_index": sys.meta_path.index(m.PathFinder),
                          "others_in_order": [x for x in sys.meta_path if x is not f] == before,
                          "first_non_builtin_before_f": all(x in (m.BuiltinImporter, m.FrozenImporter) or
                                                            sys.meta_path.index(x) < sys.meta_path.index(f)
                                                            for x in before[:before.index(m.PathFinder)]),
                          "itertools": itertools.__spec__.origin, "it_blob": hasattr(itertools, "FROM_BLOB"),
                          "zipimport": zipimport.__spec__.origin, "zi_blob": hasattr(zipimport, "FROM_BLOB"),
                          "hello": type(hello.__loader__).__name__,
                          "hook0": sys.path_hooks[0] == f.path_hook, "loader": type(hello.__loader__).__name__,
                          "same": oxpack_runtime.install(sys.argv[1]) is f, "installed": len(oxpack_runtime.installed())}))
    """, blob)
    assert r["f_index"] < r["bi_index"] < r["pf_index"] and r["f_index"] < r["fr_index"] < r["pf_index"]
    assert r["others_in_order"] and r["first_non_builtin_before_f"]
    assert r["itertools"] == "built-in" and not r["it_blob"]
    assert r["zipimport"] == "frozen" and not r["zi_blob"]
    assert r["hook0"] and r["loader"] == "Loader"
    assert r["same"] and r["installed"] == 1


def test_install_stays_behind_other_finders(tree):
    # Finders someone placed before PathFinder keep precedence over the blob,
    # wherever they sit; blobs installed later go after blobs installed earlier.
    blob = tree.files({"hello.py": "X = 1\n"}).build()
    other = tree.files({"other.py": "Y = 1\n"}).build(name="other.oxr")
    r = run_json("""
        import sys, json, oxpack_runtime, importlib.machinery as m
        class Front:
            @staticmethod
            def find_spec(name, path=None, target=None):
                return None
        class Middle(Front):
            pass
        sys.meta_path.insert(0, Front)
        sys.meta_path.insert(sys.meta_path.index(m.PathFinder), Middle)
        f = oxpack_runtime.install(sys.argv[1])
        g = oxpack_runtime.install(sys.argv[2])
        mp = sys.meta_path
        print(json.dumps({"front": mp.index(Front), "middle": mp.index(Middle), "f": mp.index(f), "g": mp.index(g),
                          "pf": mp.index(m.PathFinder)}))
    """, blob, other)
    assert r["front"] < r["middle"] < r["f"] < r["g"] < r["pf"]


def test_install_prints_nothing(tree):
    blob = tree.files({"quiet.py": "V = 2\n", "pkg/__init__.py": "", "pkg/m.py": "W = 3\n"}).build()
    r = run_py("""
        import sys, oxpack_runtime
        oxpack_runtime.install(sys.argv[1])
        import quiet, pkg.m
        assert quiet.V == 2 and pkg.m.W == 3
    """, blob)
    assert r.stdout == "" and r.stderr == ""


def test_version_mismatch_names_blob_and_both_versions(tree, tmp_path):
    src = tree.write("m.py", "A = 1\n")
    other = blobtools.target(pyc_magic=0x0A0D0D00 | 3413, hexversion=0x030800F0, python_version="3.8.0",
                             cache_tag="cpython-38")
    if sys.version_info[:2] == (3, 8):
        other = blobtools.target(pyc_magic=0x0A0D0D00 | 3495, hexversion=0x030B07F0, python_version="3.11.7",
                                 cache_tag="cpython-311")
    blob = blobtools.make_blob({"target": other, "roots": [{"path": tree.root}],
                                "entries": [{"kind": "source", "key": "m", "path": "m.py", "file": src}]},
                               tmp_path / "old.oxr")
    r = run_json("""
        import sys, json, oxpack_runtime
        try:
            oxpack_runtime.install(sys.argv[1])
        except oxpack_runtime.BlobVersionError as e:
            print(json.dumps({"msg": str(e), "path": e.path, "is_import_error": isinstance(e, ImportError),
                              "meta_path": len([f for f in sys.meta_path if type(f).__name__ == 'Finder'])}))
    """, blob)
    here = "%d.%d.%d" % sys.version_info[:3]
    assert blob in r["msg"] and other["python_version"] in r["msg"] and here in r["msg"]
    assert r["path"] == blob and r["is_import_error"] and r["meta_path"] == 0


def test_damaged_blobs_are_refused_cleanly(tree, tmp_path):
    blob = tree.files({"m.py": "A = 1\n"}).build()
    data = open(blob, "rb").read()
    cases = {
        "truncated": data[: len(data) // 2],
        "text-mode": data.replace(b"\r\n", b"\n", 1),
        "not-a-blob": b"hello world, this is not a blob" * 10,
        "index-flip": data[:140] + bytes([data[140] ^ 0xFF]) + data[141:],
        "empty": b"",
    }
    paths = []
    for name, content in cases.items():
        p = tmp_path / (name + ".oxr")
        p.write_bytes(content)
        paths.append(str(p))
    paths.append(str(tmp_path / "missing.oxr"))
    r = run_json("""
        import sys, json, oxpack_runtime
        out = {}
        for p in sys.argv[1:]:
            try:
                oxpack_runtime.install(p)
                out[p] = "installed"
            except oxpack_runtime.BlobError as e:
                out[p] = str(e)
        print(json.dumps(out))
    """, *paths)
    for p in paths:
        assert r[p] != "installed" and p in r[p], (p, r[p])
    assert "text-mode" in r[paths[1]] or "newline" in r[paths[1]]
    assert "not an oxpack blob" in r[paths[2]]
    assert "checksum" in r[paths[3]]


def test_verify_modes(tree, tmp_path):
    """install(verify=): 'index' checks the index checksum every time, 'once'
    the first time a file (as it is now) is installed, 'header' never; a
    file changed after passing is checked again."""
    blob = tree.files({"m.py": "A = 1\n", "pkg/__init__.py": "", "pkg/sub.py": "B = 2\n"}).build()
    data = open(blob, "rb").read()
    damaged = tmp_path / "damaged.oxr"
    damaged.write_bytes(data[:140] + bytes([data[140] ^ 0xFF]) + data[141:])
    cache = tmp_path / "cache"
    code = """
        import sys, json, oxpack_runtime
        try:
            f = oxpack_runtime.install(sys.argv[1], verify=sys.argv[2])
        except oxpack_runtime.BlobError as e:
            print(json.dumps({"refused": str(e)}))
            sys.exit()
        out = {"installed": True}
        try:
            import m, pkg.sub
            out["imported"] = [m.A, pkg.sub.B]
        except ImportError as e:
            out["import_error"] = repr(e)
        print(json.dumps(out))
    """
    env = {"OXPACK_CACHE_DIR": str(cache)}
    records = lambda: sorted(os.listdir(cache / "verified")) if (cache / "verified").exists() else []

    for mode in ("index", "once"):
        r = run_json(code, str(damaged), mode, env=env)
        assert "index checksum" in r.get("refused", "") and str(damaged) in r["refused"], (mode, r)
    assert records() == []  # a failed check is never remembered
    r = run_json(code, str(damaged), "header", env=env)  # no index check: bounds checks only
    assert r.get("installed") and ("imported" in r or "import_error" in r)

    assert run_json(code, blob, "once", env=env) == {"installed": True, "imported": [1, 2]}
    first = records()
    assert len(first) == 1
    assert run_json(code, blob, "once", env=env) == {"installed": True, "imported": [1, 2]}
    assert records() == first
    # Damage in place, modification time put back: the change time moved,
    # so the record no longer matches and the check runs (and refuses).
    st = os.stat(blob)
    with open(blob, "r+b") as f:
        f.seek(140)
        f.write(bytes([data[140] ^ 0xFF]))
    os.utime(blob, ns=(st.st_atime_ns, st.st_mtime_ns))
    r = run_json(code, blob, "once", env=env)
    assert "index checksum" in r.get("refused", ""), r
    # From the environment (the .pth hook, oxpack run).
    r = run_py("""
        import oxpack_runtime
        print(len(oxpack_runtime.activate_from_env()))
    """, env=dict(env, OXPACK_BLOB=blob, OXPACK_VERIFY="index"))
    assert r.stdout.strip() == "0" and "index checksum" in r.stderr
    r = run_py("""
        import oxpack_runtime
        oxpack_runtime.install(__import__('sys').argv[1], verify='sometimes')
    """, blob, check=False)
    assert r.returncode != 0 and "verify must be" in r.stderr


def test_payload_checksum_failure_raises_import_error_naming_blob_and_entry(tree, tmp_path):
    src = tree.write("bad.py", "A = 1\n")
    good = tree.write("good.py", "B = 2\n")
    blob = blobtools.make_blob({"roots": [{"path": tree.root}], "entries": [
        {"kind": "source", "key": "bad", "path": "bad.py", "file": src, "corrupt": True},
        {"kind": "source", "key": "good", "path": "good.py", "file": good}]}, tmp_path / "c.oxr")
    r = run_json("""
        import sys, json, oxpack_runtime
        oxpack_runtime.install(sys.argv[1])
        import good
        try:
            import bad
            print(json.dumps({"imported": True}))
        except ImportError as e:
            print(json.dumps({"type": type(e).__name__, "msg": str(e), "name": e.name, "good": good.B}))
    """, blob)
    assert r["type"] == "BlobError" and r["name"] == "bad" and r["good"] == 2
    assert blob in r["msg"] and "'bad'" in r["msg"] and "checksum" in r["msg"]


def test_first_installed_blob_wins_and_shadows_its_packages(tree, tmp_path):
    a = tree.files({"shared.py": "WHO = 'a'\n", "pkg/__init__.py": "WHO = 'a'\n", "pkg/only_a.py": ""}).build("a.oxr")
    b_root = tmp_path / "b"
    for rel, text in {"shared.py": "WHO = 'b'\n", "pkg/__init__.py": "WHO = 'b'\n", "pkg/only_b.py": "",
                      "bonly.py": "WHO = 'b'\n"}.items():
        (b_root / rel).parent.mkdir(parents=True, exist_ok=True)
        (b_root / rel).write_text(text)
    b = blobtools.build_tree_blob([str(b_root)], tmp_path / "b.oxr", bytecode="compile")
    r = run_json("""
        import sys, json, oxpack_runtime
        oxpack_runtime.install(sys.argv[1]); oxpack_runtime.install(sys.argv[2])
        import shared, pkg, bonly, pkg.only_a
        try:
            import pkg.only_b
            only_b = "imported"
        except ImportError:
            only_b = "missing"
        print(json.dumps([shared.WHO, pkg.WHO, bonly.WHO, only_b, pkg.__file__]))
    """, a, b)
    # pkg comes from a; its __path__ is a's directory, so b's pkg.only_b is not a submodule of it.
    assert r[:4] == ["a", "a", "b", "missing"]
    assert r[4] == os.path.join(tree.root, "pkg", "__init__.py")


def test_stale_policy(tree):
    blob = tree.files({"m.py": "A = 1\n"}).build()
    os.utime(tree.root, ns=(1, 1))  # the root changed after the freeze
    r = run_py("""
        import sys, oxpack_runtime
        oxpack_runtime.install(sys.argv[1])
        import m
    """, blob)
    assert "StaleBlobWarning" in r.stderr and tree.root in r.stderr and "changed after the freeze" in r.stderr
    r = run_json("""
        import sys, json, oxpack_runtime
        try:
            oxpack_runtime.install(sys.argv[1], stale="error")
            print(json.dumps("installed"))
        except oxpack_runtime.StaleBlobError as e:
            print(json.dumps(str(e)))
    """, blob)
    assert r != "installed" and tree.root in r
    r = run_py("""
        import sys, oxpack_runtime
        oxpack_runtime.install(sys.argv[1], stale="ignore")
        import m
        oxpack_runtime.uninstall(oxpack_runtime.installed()[0])
        # blob mode does not depend on the environment: no check
        oxpack_runtime.install(sys.argv[1], origin="blob")
    """, blob)
    assert r.stderr == ""
    shutil.rmtree(tree.root)
    r = run_py("""
        import sys, oxpack_runtime
        oxpack_runtime.install(sys.argv[1])
    """, blob)
    assert "missing" in r.stderr


def test_bad_arguments(tree):
    blob = tree.files({"m.py": ""}).build()
    r = run_json("""
        import sys, json, oxpack_runtime
        out = []
        for kw in ({"origin": "elsewhere"}, {"stale": "sometimes"}):
            try:
                oxpack_runtime.install(sys.argv[1], **kw)
            except ValueError as e:
                out.append(str(e))
        try:
            oxpack_runtime.Finder()
        except TypeError as e:
            out.append(str(e))
        print(json.dumps(out))
    """, blob)
    assert len(r) == 3 and "origin" in r[0] and "stale" in r[1]


@pytest.mark.parametrize("verify", ["index", "header"])
def test_random_damage_never_crashes(tree, tmp_path, verify):
    """Bytes flipped anywhere in a blob: install refuses it or the damaged
    payload raises BlobError when used; the interpreter never crashes. With
    verify='header' (no index checksum) damaged index records may also make
    imports fail otherwise or serve wrong names, never crash."""
    import random
    files = {"m%d.py" % i: "VALUE = %d\n" % i + "# padding\n" * i for i in range(30)}
    files.update({"pkg/__init__.py": "", "pkg/data.txt": "resource\n"})
    blob = tree.files(files).build()
    data = open(blob, "rb").read()
    rng = random.Random(1234)
    paths = []
    for i in range(150):
        damaged = bytearray(data)
        for _ in range(rng.choice([1, 1, 2, 8])):
            pos = rng.randrange(len(damaged)) if i % 3 else rng.randrange(min(len(damaged), 4096))
            damaged[pos] ^= 1 << rng.randrange(8)
        p = tmp_path / ("d%d.oxr" % i)
        p.write_bytes(bytes(damaged))
        paths.append(str(p))
    r = run_json("""
        import sys, json, importlib, importlib.resources, oxpack_runtime
        outcome = {"refused": 0, "import_errors": 0, "clean": 0, "other": []}
        VERIFY = sys.argv[1]
        for p in sys.argv[2:]:
            try:
                f = oxpack_runtime.install(p, verify=VERIFY)
            except oxpack_runtime.BlobError:
                outcome["refused"] += 1
                continue
            failed = False
            for name in ["m%d" % i for i in range(30)] + ["pkg"]:
                sys.modules.pop(name, None)
                try:
                    importlib.import_module(name)
                except ImportError as e:
                    failed = True
                    if not isinstance(e, oxpack_runtime.BlobError) and VERIFY == "index":
                        outcome["other"].append(repr(e))
                except Exception as e:  # a flipped byte inside a valid-checksum payload cannot happen
                    if VERIFY == "index":
                        outcome["other"].append(repr(e))
                    failed = True
            try:
                f.get_data(f.path + "/pkg/data.txt")
            except (ImportError, OSError) if VERIFY == "header" else ImportError:
                failed = True
            outcome["import_errors" if failed else "clean"] += 1
            f.uninstall()
        print(json.dumps(outcome))
    """, verify, *paths)
    assert r["other"] == []
    assert r["refused"] + r["import_errors"] + r["clean"] == len(paths)
    assert r["refused"] > 0 and r["import_errors"] > 0


def test_header_verify_never_hands_a_damaged_name_to_the_disk(tree, tmp_path):
    """#10 item 8. verify='header' skips the index checksum at install; a bit
    flipped anywhere in the index (entries, slots, strings) must still not
    make an import in original mode fall through to the (different) file on
    disk: each import gives the blob's module or raises. A lookup checks the
    slots and entries it meets; an answer that would hand a name the blob
    holds to another finder checks the index checksum first."""
    files = {"hp/__init__.py": "VALUE = 'blob'\n"}
    files.update({"hp/m%d.py" % i: "VALUE = 'blob'\n" for i in range(3)})
    files["top.py"] = "VALUE = 'blob'\n"
    blob = tree.files(files).build()
    for rel in files:  # the disk now differs from the blob
        tree.write(rel, "VALUE = 'disk'\n")
    r = run_json("""
        import json, os, struct, sys, oxpack_runtime
        blob, src, work = sys.argv[1:4]
        data = open(blob, 'rb').read()
        index_end = struct.unpack_from('<Q', data, 80)[0]  # meta_offset: entries, slots and strings before it
        names = ['top', 'hp'] + ['hp.m%d' % i for i in range(3)]
        counts = {'refused': 0, 'served': 0, 'raised': 0}
        leaks = []
        sys.path.insert(0, src)
        for bit in range(128 * 8, index_end * 8):
            damaged = bytearray(data)
            damaged[bit // 8] ^= 1 << (bit % 8)
            path = os.path.join(work, 'case-%d.oxr' % bit)
            with open(path, 'wb') as f:
                f.write(damaged)
            try:
                finder = oxpack_runtime.install(path, verify='header', stale='ignore')
            except oxpack_runtime.BlobError:
                counts['refused'] += 1
                os.unlink(path)
                continue
            try:
                for n in names:
                    try:
                        value = __import__(n, fromlist=['VALUE']).VALUE
                    except Exception:
                        counts['raised'] += 1
                        continue
                    counts['served'] += 1
                    if value != 'blob':
                        leaks.append('bit %d: %s from %s' % (bit, n, sys.modules[n].__file__))
            finally:
                finder.uninstall()
                for k in [k for k in sys.modules if k in names]:
                    del sys.modules[k]
                os.unlink(path)
        print(json.dumps({'counts': counts, 'leaks': leaks[:10], 'cases': index_end * 8 - 1024}))
    """, blob, tree.root, str(tmp_path))
    assert r["leaks"] == []
    c = r["counts"]
    # Many flips hit bytes imports never read (reserved, a bytecode entry's
    # path): those serve the blob's modules; the rest must raise.
    assert c["served"] > 0 and c["raised"] + c["refused"] > 0
    assert c["refused"] + (c["served"] + c["raised"]) // 5 == r["cases"]


def test_pages_verify_refuses_every_damaged_index_page_it_reads(tree, tmp_path):
    """#13 item 5. verify='pages' (the default) checks at install only the
    header, the page-checksum table (format 1.3) and the meta section's
    pages; every other index page is checked the first time a lookup reads
    it. A bit flipped in any page must be refused (at install, or by the
    first lookup that reads the page: BlobError), never served nor sent to
    the disk. Looking every module up reads every page of this blob (each
    slot page, entry, key and path), so every flip before the table's end is
    found; flips in the padding after the table are read by nobody."""
    names = ["t%03d" % i for i in range(150)]
    blob = tree.files({n + ".py": "VALUE = 'blob'\n" for n in names}).build()
    for n in names[:3]:  # the disk now differs from the blob
        tree.write(n + ".py", "VALUE = 'disk'\n")
    r = run_json("""
        import json, os, struct, sys, oxpack_runtime
        blob, src, work, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(',')
        data = open(blob, 'rb').read()
        assert struct.unpack_from('<H', data, 10)[0] == 3  # format 1.3: the blob has a page table
        payload = struct.unpack_from('<Q', data, 96)[0]
        meta, meta_size = struct.unpack_from('<QQ', data, 80)
        # The IndexPages record (tag 14): page size, page count, table offset.
        pos, table_end = meta, None
        while pos < meta + meta_size:
            tag, _, length = struct.unpack_from('<HHI', data, pos)
            if tag == 14:
                size, count, table = struct.unpack_from('<IIQ', data, pos + 8)
                table_end = table + 8 * (count + 1)
            pos += 8 + length
        assert table_end and count >= 4, (table_end, count)
        sys.path.insert(0, src)
        out = {'refused': 0, 'caught': 0, 'served': 0, 'missed': [], 'leaks': [], 'pages': count}
        for bit in range(128 * 8, payload * 8, 29):
            damaged = bytearray(data)
            damaged[bit // 8] ^= 1 << (bit % 8)
            path = os.path.join(work, 'case-%d.oxr' % bit)
            with open(path, 'wb') as f:
                f.write(damaged)
            try:
                finder = oxpack_runtime.install(path, stale='ignore')  # the default: verify='pages'
            except oxpack_runtime.BlobError:
                out['refused'] += 1
                os.unlink(path)
                continue
            caught = False
            try:
                for n in names:
                    try:
                        spec = finder.find_spec(n, None)
                    except oxpack_runtime.BlobError:
                        caught = True
                        continue
                    if spec is None:
                        out['leaks'].append('bit %d: %s sent to the disk' % (bit, n))
                for n in names[:3]:
                    try:
                        value = __import__(n).VALUE
                    except oxpack_runtime.BlobError:
                        caught = True
                        continue
                    if value != 'blob':
                        out['leaks'].append('bit %d: %s from %s' % (bit, n, sys.modules[n].__file__))
            finally:
                finder.uninstall()
                for n in names[:3]:
                    sys.modules.pop(n, None)
                os.unlink(path)
            if caught:
                out['caught'] += 1
            elif bit // 8 < table_end:
                out['missed'].append(bit)
            else:
                out['served'] += 1
        out['missed'] = out['missed'][:10]
        out['leaks'] = out['leaks'][:10]
        print(json.dumps(out))
    """, blob, tree.root, str(tmp_path), ",".join(names))
    assert r["leaks"] == [] and r["missed"] == [], r
    # Most pages are checked on first use, not at install; every flip in one is caught there.
    assert r["caught"] > r["refused"] > 0, r


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_pages_verify_across_fork(tree, tmp_path):
    """The pages that passed are bits in the process's memory: a forked
    child keeps what its parent checked and checks the rest itself; a
    damaged page is refused in the child and, afterwards, in the parent
    (a failing page is never marked as passed)."""
    names = ["f%03d" % i for i in range(150)]
    blob = tree.files({n + ".py": "VALUE = 'blob'\n" for n in names}).build()
    data = bytearray(open(blob, "rb").read())
    damaged = tmp_path / "damaged.oxr"
    data[6000] ^= 0x20  # an entry record in the second 4 KiB page (entries run from 128 to 9728)
    damaged.write_bytes(bytes(data))
    r = run_json("""
        import json, os, sys, oxpack_runtime
        names = sys.argv[3].split(',')
        def lookups(finder, some):
            got = {'served': 0, 'refused': 0}
            for n in some:
                try:
                    spec = finder.find_spec(n, None)
                except oxpack_runtime.BlobError:
                    got['refused'] += 1
                    continue
                key = 'served' if spec is not None else 'missing'  # missing: sent to the next finder
                got[key] = got.get(key, 0) + 1
            return got
        out = {}
        for label, path in (('intact', sys.argv[1]), ('damaged', sys.argv[2])):
            f = oxpack_runtime.install(path, stale='ignore')
            before = lookups(f, names[:10])
            rd, wr = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.write(wr, json.dumps(lookups(f, names)).encode())
                os._exit(0)
            os.close(wr)
            child = json.loads(os.read(rd, 4096))
            os.waitpid(pid, 0)
            out[label] = {'before': before, 'child': child, 'parent': lookups(f, names)}
            f.uninstall()
        print(json.dumps(out))
    """, blob, str(damaged), ",".join(names))
    assert r["intact"] == {"before": {"served": 10, "refused": 0}, "child": {"served": 150, "refused": 0},
                           "parent": {"served": 150, "refused": 0}}, r
    d = r["damaged"]
    assert d["child"]["refused"] > 0 and d["child"] == d["parent"] and "missing" not in d["child"], r
    assert d["child"]["served"] + d["child"]["refused"] == 150, r


def test_pages_verify_checks_an_old_blob_whole_at_install(tmp_path):
    """A blob without a page table (format 1.0-1.2, here the spec's vector)
    gets today's whole index check at install with the default verify."""
    vector = os.path.join(blobtools.REPO, "format-spec", "vectors", "package.oxr")
    data = open(vector, "rb").read()
    assert data[10] < 3  # written before format 1.3
    entries_end = 128 + 64 * int.from_bytes(data[40:44], "little")
    damaged = tmp_path / "old.oxr"
    damaged.write_bytes(data[:entries_end - 33] + bytes([data[entries_end - 33] ^ 0x10]) + data[entries_end - 32:])
    r = run_json("""
        import sys, json, oxpack_runtime
        out = {}
        for path in sys.argv[1:]:
            try:
                oxpack_runtime.install(path, stale='ignore').uninstall()
                out[path] = 'installed'
            except oxpack_runtime.BlobVersionError:
                out[path] = 'other python'  # opened and checked, then refused for its target
            except oxpack_runtime.BlobError as e:
                out[path] = str(e)
        print(json.dumps(out))
    """, vector, str(damaged))
    assert r[vector] in ("installed", "other python")
    assert r[str(damaged)].endswith("old.oxr: index checksum mismatch"), r  # the whole check, not a page
