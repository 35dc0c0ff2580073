"""Helpers shared by the runtime tests and benchmarks: find the build, build
blobs with exactly chosen entries (through the test-only oxpack_make_blob
tool and the real writer), and run Python in a subprocess with the runtime
importable.

tree_manifest() is a small Python "freeze" for tests: it walks directories
the way FileFinder resolves them (package beats module, extension beats
source, first root wins), emits namespace-package markers, resources and
distribution metadata, and bytecode for the running interpreter (the
existing __pycache__ file when it matches its source, else compiled here).
"""
import importlib.machinery
import importlib.util
import json
import marshal
import os
import subprocess
import sys
import textwrap

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.abspath(os.environ.get("OXPACK_BUILD_DIR") or os.path.join(REPO, "build"))
OXPACK = os.path.join(BUILD, "oxpack")
MAKE_BLOB = os.path.join(BUILD, "oxpack_make_blob")
RUNTIME_DIR = os.path.join(BUILD, "python", sys.implementation.cache_tag)
EXT_SUFFIXES = importlib.machinery.EXTENSION_SUFFIXES


def target(**overrides):
    t = {
        "pyc_magic": int.from_bytes(importlib.util.MAGIC_NUMBER, "little"),
        "hexversion": sys.hexversion,
        "python_version": "%d.%d.%d" % sys.version_info[:3],
        "cache_tag": sys.implementation.cache_tag,
        "implementation": sys.implementation.name,
        "extension_suffixes": EXT_SUFFIXES,
    }
    t.update(overrides)
    return t


def pyc(source, filename, mtime=0, magic=None):
    """A timestamp-based .pyc (whole file) for `source` compiled here."""
    code = compile(source, filename, "exec", dont_inherit=True)
    head = magic if magic is not None else importlib.util.MAGIC_NUMBER
    return (head + (0).to_bytes(4, "little") + (int(mtime) & 0xFFFFFFFF).to_bytes(4, "little")
            + (len(source) & 0xFFFFFFFF).to_bytes(4, "little") + marshal.dumps(code))


def make_blob(manifest, out):
    """Writes `manifest` (a dict) to a blob at `out` with oxpack_make_blob."""
    manifest = dict(manifest)
    manifest.setdefault("target", target())
    proc = subprocess.run([MAKE_BLOB, "-", str(out)], input=json.dumps(manifest).encode(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        raise RuntimeError("oxpack_make_blob failed: " + proc.stderr.decode(errors="replace"))
    return str(out)


def _ext_stem(name):
    best = None
    for s in EXT_SUFFIXES:
        if name.endswith(s) and (best is None or len(s) > len(best)):
            best = s
    return name[: -len(best)] if best else None


def _module_name(name):
    """FileFinder's rule for a module, package or namespace name: no dot
    (not an identifier rule: mypyc's 81d243bd2c585b0f4821__mypyc is one)."""
    return bool(name) and "." not in name


def _has_python(path, depth=0):
    """True when a directory holds Python modules somewhere below."""
    if depth > 8:
        return False
    try:
        names = os.listdir(path)
    except OSError:
        return False
    for n in names:
        full = os.path.join(path, n)
        if n.endswith(".py") or _ext_stem(n):
            return True
        if _module_name(n) and os.path.isdir(full) and _has_python(full, depth + 1):
            return True
    return False


def _bytecode_for(src_path, source, bytecode):
    """The .pyc bytes for a source file: its __pycache__ file when that
    matches the source, else (bytecode == "compile") compiled here."""
    if bytecode == "none":
        return None
    d, name = os.path.split(src_path)
    cached = os.path.join(d, "__pycache__", name[:-3] + "." + sys.implementation.cache_tag + ".pyc")
    st = os.stat(src_path)
    try:
        with open(cached, "rb") as f:
            data = f.read()
        flags = int.from_bytes(data[4:8], "little")
        if (data[:4] == importlib.util.MAGIC_NUMBER and len(data) > 16 and
                (flags & 1 or (int.from_bytes(data[8:12], "little") == int(st.st_mtime) & 0xFFFFFFFF and
                               int.from_bytes(data[12:16], "little") == len(source) & 0xFFFFFFFF))):
            return data
    except OSError:
        pass
    if bytecode != "compile":
        return None
    try:
        return pyc(source, src_path, st.st_mtime)
    except (SyntaxError, ValueError):
        return None


def _pycache_path(rel):
    d, n = os.path.split(rel)
    return (d + "/" if d else "") + "__pycache__/" + n[:-3] + "." + sys.implementation.cache_tag + ".pyc"


def tree_manifest(roots, exclude=(), bytecode="existing", origin="original"):
    """Entries for the trees under `roots` (a list of directories), as the
    file-system importer would resolve them. bytecode: "existing" (matching
    __pycache__ files only), "compile" (compile what has none) or "none"."""
    entries = []
    claimed = set()
    exclude = set(exclude)

    def add(**e):
        entries.append(e)

    for ri, root in enumerate(roots):
        root = os.path.abspath(root)

        def data_files(full, rel, owner):
            for dirpath, dirnames, filenames in os.walk(full):
                dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
                for fn in sorted(filenames):
                    frel = os.path.relpath(os.path.join(dirpath, fn), root).replace(os.sep, "/")
                    inner = os.path.relpath(os.path.join(dirpath, fn), owner[1]).replace(os.sep, "/")
                    if owner[0]:
                        add(space="resource", kind="resource", key=owner[0] + "/" + inner, path=frel, root=ri,
                            file=os.path.join(dirpath, fn))
                    else:
                        add(space="file", kind="file", key=frel, path=frel, root=ri, file=os.path.join(dirpath, fn))

        def module(key, kind_path, package, full):
            rel = kind_path
            if full.endswith(".py"):
                with open(full, "rb") as f:
                    source = f.read()
                add(space="module", kind="source", key=key, path=rel, root=ri, package=package, file=full)
                data = _bytecode_for(full, source, bytecode)
                if data is not None:
                    add(space="module", kind="bytecode", key=key, path=_pycache_path(rel), root=ri, package=package,
                        blob=data)
            elif full.endswith(".pyc"):
                add(space="module", kind="bytecode", key=key, path=rel, root=ri, package=package, file=full)
            else:
                add(space="module", kind="extension", key=key, path=rel, root=ri, package=package, file=full)

        def walk(rel_dir, pkg):
            full_dir = os.path.join(root, rel_dir) if rel_dir else root
            try:
                names = sorted(os.listdir(full_dir))
            except OSError:
                return
            prefix = pkg + "." if pkg else ""
            files = [n for n in names if os.path.isfile(os.path.join(full_dir, n))]
            dirs = [n for n in names if os.path.isdir(os.path.join(full_dir, n)) and n != "__pycache__"]
            local = set()  # names defined here (package beats module, extension beats source)
            for d in dirs:
                drel = (rel_dir + "/" + d) if rel_dir else d
                dfull = os.path.join(full_dir, d)
                if drel in exclude:
                    continue
                if not pkg and (d.endswith(".dist-info") or d.endswith(".egg-info")):
                    for dirpath, dirnames, filenames in os.walk(dfull):
                        dirnames.sort()
                        for fn in sorted(filenames):
                            inner = os.path.relpath(os.path.join(dirpath, fn), dfull).replace(os.sep, "/")
                            frel = drel + "/" + inner
                            add(space="distribution", kind="metadata", key=d + "/" + inner, path=frel, root=ri,
                                file=os.path.join(dirpath, fn))
                    continue
                init = None
                if _module_name(d):
                    for cand in ["__init__" + s for s in EXT_SUFFIXES] + ["__init__.py", "__init__.pyc"]:
                        if os.path.isfile(os.path.join(dfull, cand)):
                            init = cand
                            break
                key = prefix + d
                if init and key not in claimed:
                    claimed.add(key)
                    local.add(d)
                    module(key, drel + "/" + init, True, os.path.join(dfull, init))
                    walk(drel, key)
                elif _module_name(d) and not init and _has_python(dfull):
                    if key not in claimed:
                        add(space="module", kind="namespace", key=key, path=drel, root=ri, namespace=True)
                        claimed.add(key)
                    walk(drel, key)
                elif not init:
                    data_files(dfull, drel, (pkg, os.path.join(root, rel_dir) if rel_dir else root))
            for n in files:
                frel = (rel_dir + "/" + n) if rel_dir else n
                fpath = os.path.join(full_dir, n)
                stem = _ext_stem(n)
                if stem is None and n.endswith(".py"):
                    stem = n[:-3]
                elif stem is None and n.endswith(".pyc") and n[:-1] not in files:
                    stem = n[:-4]
                if stem is not None and stem == "__init__" and pkg:
                    continue  # the package's own file, added by the parent
                if stem is not None and _module_name(stem) and stem not in local:
                    key = prefix + stem
                    if key not in claimed:
                        claimed.add(key)
                        local.add(stem)
                        module(key, frel, False, fpath)
                    continue
                if stem is not None and stem in local:
                    continue  # shadowed inside this directory
                if not pkg and n.endswith(".egg-info"):  # a single-file egg-info is the PKG-INFO
                    add(space="distribution", kind="metadata", key=n + "/PKG-INFO", path=frel, root=ri, file=fpath)
                elif pkg:
                    add(space="resource", kind="resource", key=pkg + "/" + n, path=frel, root=ri, file=fpath)
                else:
                    add(space="file", kind="file", key=frel, path=frel, root=ri, file=fpath)

        walk("", "")

    # Bytecode made here travels as "blob" bytes: build_tree_blob() writes it
    # to files for the tool (JSON cannot carry binary).
    return {"origin": origin, "roots": [{"path": os.path.abspath(r)} for r in roots], "entries": entries}


def build_tree_blob(roots, out, exclude=(), bytecode="existing", origin="original", workdir=None, absent=()):
    """tree_manifest() then make_blob(); bytecode compiled here is written to
    files under `workdir` (default: beside `out`) for the tool to read.
    `absent`: paths for the Absent record (format 1.4)."""
    m = tree_manifest(roots, exclude=exclude, bytecode=bytecode, origin=origin)
    if absent:
        m["absent"] = list(absent)
    workdir = workdir or (str(out) + ".d")
    os.makedirs(workdir, exist_ok=True)
    for i, e in enumerate(m["entries"]):
        data = e.pop("blob", None)
        if data is not None:
            p = os.path.join(workdir, "%d.pyc" % i)
            with open(p, "wb") as f:
                f.write(data)
            e["file"] = p
    return make_blob(m, out)


def env_with_runtime(extra=None, runtime_dir=RUNTIME_DIR):
    env = dict(os.environ)
    env["PYTHONPATH"] = runtime_dir + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    for k in ("OXPACK_BLOB", "OXPACK_ORIGIN", "OXPACK_STALE", "OXPACK_VERIFY"):
        env.pop(k, None)
    if extra:
        env.update(extra)
    return env


def run_py(code, *args, env=None, python=None, cwd=None, check=True, flags=(), timeout=300, input=None):
    """Runs `code` (dedented) in a fresh interpreter with oxpack_runtime on
    the path. Returns the CompletedProcess (text)."""
    cmd = [python or sys.executable, *flags, "-c", textwrap.dedent(code), *args]
    proc = subprocess.run(cmd, env=env_with_runtime(env), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=timeout, input=input)
    if check and proc.returncode != 0:
        raise AssertionError("python failed (%d)\n--- code\n%s\n--- stdout\n%s\n--- stderr\n%s" %
                             (proc.returncode, textwrap.dedent(code), proc.stdout, proc.stderr))
    return proc


def run_json(code, *args, **kw):
    """run_py() for code that prints one JSON document as its last line."""
    proc = run_py(code, *args, **kw)
    lines = proc.stdout.strip().splitlines()
    assert lines, "no output\n" + proc.stderr
    return json.loads(lines[-1])
