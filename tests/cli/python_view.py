"""What the target interpreter itself finds on a search path, for the
agreement tests: run as `PYTHON python_view.py ROOT...` (no ROOT: its sys.path).

Modules and packages come from pkgutil.iter_modules (the finders' own
listing), walked through packages without importing them; every name is
then resolved with importlib.machinery.PathFinder's _get_spec, which gives
its origin (and PathFinder's first-match-wins rule). Namespace packages are
directories PathFinder resolves to a namespace spec and under which this
walk finds something importable. Distributions come from importlib.metadata.
Prints one JSON object.
"""
import importlib.machinery as machinery
import json
import os
import pkgutil
import sys


def find_spec(fullname, locations):
    """PathFinder's own resolution along `locations`, without importing the
    parent (PathFinder.find_spec would wrap a namespace path around the
    parent module, which is never imported here)."""
    return machinery.PathFinder._get_spec(fullname, locations)


ROOTS = set()  # the search path's own entries: a directory that is one is not a namespace portion of another


def walk(prefix, locations, out):
    """Records every module under `locations` (a package's __path__); returns
    True when anything importable was found."""
    found = False
    seen = set()
    for info in pkgutil.iter_modules(locations):
        name = info.name
        if "." in name or name in seen:  # FileFinder's rule: any name without a dot
            continue
        seen.add(name)
        full = prefix + name
        spec = find_spec(full, locations)
        if spec is None or spec.loader is None:
            continue
        found = True
        if spec.submodule_search_locations is not None:
            out[full] = {"kind": "package", "origin": spec.origin}
            walk(full + ".", list(spec.submodule_search_locations), out)
        else:
            out[full] = {"kind": "module", "origin": spec.origin}
    # Namespace packages: directories without __init__ that hold importable content.
    candidates = []
    for loc in locations:
        try:
            entries = sorted(os.listdir(loc))
        except OSError:
            continue
        for entry in entries:
            if os.path.join(loc, entry) in ROOTS:
                continue  # lib-dynload inside the stdlib directory: served as the root it is
            if "." not in entry and entry != "__pycache__" and entry not in seen \
                    and os.path.isdir(os.path.join(loc, entry)) and entry not in candidates:
                candidates.append(entry)
    for name in candidates:
        full = prefix + name
        spec = find_spec(full, locations)
        if spec is None or spec.loader is not None:
            continue
        sub = {}
        if walk(full + ".", list(spec.submodule_search_locations), sub):
            found = True
            out[full] = {"kind": "namespace", "origin": list(spec.submodule_search_locations)[0]}
            out.update(sub)
    return found


def main():
    # No ROOT: the interpreter's sys.path, less this script's own directory.
    roots = [os.path.abspath(p) for p in sys.argv[1:]] or [os.path.abspath(p) for p in sys.path[1:] if p]
    roots = [r for r in roots if os.path.exists(r)]
    ROOTS.update(roots)
    modules = {}
    walk("", roots, modules)
    try:
        from importlib import metadata
    except ImportError:  # pragma: no cover - 3.8 has it
        metadata = None
    dists = []
    for d in metadata.distributions(path=roots):
        path = getattr(d, "_path", None)
        dists.append({"dir": os.path.basename(str(path)) if path else None,
                      "name": d.metadata["Name"], "version": d.version})
    json.dump({"modules": modules, "distributions": dists,
               "extension_suffixes": machinery.EXTENSION_SUFFIXES,
               "source_suffixes": machinery.SOURCE_SUFFIXES,
               "bytecode_suffixes": machinery.BYTECODE_SUFFIXES,
               "magic": __import__("importlib.util").util.MAGIC_NUMBER.hex()}, sys.stdout)


if __name__ == "__main__":
    main()
