"""oxpack: freeze a Python environment into one indexed blob (.oxr), and
serve imports from it.

    import oxpack
    scan = oxpack.scan(python=".venv/bin/python")             # what would be frozen
    result = oxpack.freeze("app.oxr", python=".venv/bin/python", compress="zstd")
    with oxpack.open("app.oxr") as blob:
        source = blob.read("json.decoder")                   # a memoryview, zero-copy
        for entry in blob.entries(): ...
    changes = oxpack.diff("old.oxr", "app.oxr")              # truthy when they differ

scan, freeze and diff run the ``oxpack`` binary shipped in this package and
read its ``--json`` output; open reads the blob through ``oxpack_runtime``.
A failed command raises OxpackError (``exit_code``, ``message``); a missing
or damaged blob raises BlobError (an ImportError, from oxpack_runtime)."""
from oxpack._blob import Blob, BlobError, BlobInfo, Entry, open_blob
from oxpack._cli import OxpackError, binary
from oxpack._commands import Diff, DiffEntry, FreezeResult, Problem, Scan, ScanItem, ScanRoot, diff, freeze, scan

open = open_blob  # noqa: A001 - oxpack.open(blob), like tarfile.open / zipfile

try:
    from oxpack._version import __version__
except ImportError:  # a source checkout that was never built
    __version__ = "0+unknown"

__all__ = ["scan", "freeze", "open", "diff", "binary", "Scan", "ScanItem", "ScanRoot", "Problem", "FreezeResult",
           "Diff", "DiffEntry", "Blob", "BlobInfo", "Entry", "BlobError", "OxpackError", "__version__"]
