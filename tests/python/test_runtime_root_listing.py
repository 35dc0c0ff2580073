"""A frozen root's directory listing, trusted (root_listing.cpp): the path
finder's FileFinder for a directory root the blob froze, unchanged since,
takes its listing once and keeps it until importlib.invalidate_caches()
instead of a stat of the directory per lookup. What it finds, and how, is
FileFinder's own."""
import os

from blobtools import run_json

PROGRAM = """
    import importlib, importlib.machinery, json, os, pkgutil, sys, warnings
    import oxpack_runtime
    blob, root, prime = sys.argv[1], sys.argv[2], sys.argv[3] == "prime"
    sys.path.insert(0, root)
    if prime:  # the path finder made its FileFinder for root before the install
        importlib.machinery.PathFinder.find_spec("absent_before_install")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        oxpack_runtime.install(blob)
    out = {"warned": [str(w.message) for w in caught]}
    import served                       # from the blob
    import on_disk                      # in root, not in the blob: FileFinder finds it
    f = sys.path_importer_cache[root]
    out["finder"] = type(f).__name__
    out["is_file_finder"] = isinstance(f, importlib.machinery.FileFinder)
    out["on_disk"] = [on_disk.__file__, type(on_disk.__spec__.loader).__name__]
    out["served"] = served.__spec__.loader is not None and served.V
    import pkgd                         # a package from the blob; a submodule nobody has
    try:
        import pkgd.nothere
    except ModuleNotFoundError:
        pass
    out["package_finder"] = type(sys.path_importer_cache[os.path.join(root, "pkgd")]).__name__
    try:
        import absent
        out["absent"] = "found"
    except ModuleNotFoundError:
        out["absent"] = "missing"
    # A module written while the process runs: the documented contract is
    # importlib.invalidate_caches() before importing it.
    with open(os.path.join(root, "late.py"), "w") as w:
        w.write("L = 3\\n")
    try:
        import late
        out["late_before"] = late.L
    except ModuleNotFoundError:
        out["late_before"] = "missing"
    importlib.invalidate_caches()
    import late
    out["late_after"] = late.L
    out["iter_modules"] = sorted(n for _, n, _ in pkgutil.iter_modules([root]))
    print(json.dumps(out))
"""


def _tree_with_a_module_the_blob_lacks(tree):
    """A blob of root with served.py; then on_disk.py written into root, the
    root's mtime put back, so the root is 'unchanged since the freeze' while
    holding a module the blob does not (as an --exclude would leave it)."""
    blob = tree.files({"served.py": "V = 1\n", "pkgd/__init__.py": ""}).build()
    st = os.stat(tree.root)
    tree.write("on_disk.py", "W = 2\n")
    os.utime(tree.root, ns=(st.st_atime_ns, st.st_mtime_ns))
    return blob


def test_unchanged_root_gets_a_trusting_file_finder(tree):
    blob = _tree_with_a_module_the_blob_lacks(tree)
    st = os.stat(tree.root)
    for prime in ("prime", "fresh"):  # the finder made before the install, or by the path hook after it
        r = run_json(PROGRAM, blob, tree.root, prime)
        os.unlink(os.path.join(tree.root, "late.py"))  # the root as frozen again for the next run
        os.utime(tree.root, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert r["warned"] == []
        assert r["finder"] == "RootListingFinder" and r["is_file_finder"], (prime, r)
        assert r["package_finder"] == "RootListingFinder"  # a directory below the root: the same
        assert r["served"] == 1
        assert r["on_disk"] == [os.path.join(tree.root, "on_disk.py"), "SourceFileLoader"]
        assert r["absent"] == "missing"
        # The listing is trusted until invalidate_caches(); a plain FileFinder
        # would have seen the directory's new mtime.
        assert r["late_before"] == "missing" and r["late_after"] == 3
        assert {"served", "on_disk", "late"} <= set(r["iter_modules"])


def test_changed_root_keeps_the_plain_file_finder(tree):
    blob = tree.files({"served.py": "V = 1\n", "pkgd/__init__.py": ""}).build()
    tree.write("on_disk.py", "W = 2\n")
    os.utime(tree.root, ns=(1, 1))  # changed after the freeze: stale, FileFinder rechecks as always
    for prime in ("prime", "fresh"):
        r = run_json(PROGRAM, blob, tree.root, prime)
        os.unlink(os.path.join(tree.root, "late.py"))
        assert any("changed after the freeze" in w for w in r["warned"])
        assert r["finder"] == "FileFinder" and r["package_finder"] == "FileFinder", (prime, r)
        assert r["late_before"] == 3 and r["late_after"] == 3
        assert r["absent"] == "missing"
