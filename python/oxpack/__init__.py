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
from typing import TYPE_CHECKING, Any

from oxpack._cli import OxpackError, binary
from oxpack._commands import Diff, DiffEntry, FreezeResult, Problem, Scan, ScanItem, ScanRoot, diff, freeze, scan

if TYPE_CHECKING:
    from oxpack._blob import Blob, BlobError, BlobInfo, Entry
    from oxpack._blob import open_blob as open  # noqa: A001

_BLOB_NAMES = {"open": "open_blob", "open_blob": "open_blob", "Blob": "Blob", "BlobError": "BlobError",
               "BlobInfo": "BlobInfo", "Entry": "Entry"}


def __getattr__(name: str) -> Any:
    # oxpack.open and its types load oxpack_runtime on first use, so that the
    # `oxpack` command (which only execs the binary) never needs it.
    if name in _BLOB_NAMES:
        from oxpack import _blob
        return getattr(_blob, _BLOB_NAMES[name])
    raise AttributeError("module 'oxpack' has no attribute %r" % name)

try:
    from oxpack._version import __version__
except ImportError:  # a source checkout that was never built
    __version__ = "0+unknown"

__all__ = ["scan", "freeze", "open", "diff", "binary", "Scan", "ScanItem", "ScanRoot", "Problem", "FreezeResult",
           "Diff", "DiffEntry", "Blob", "BlobInfo", "Entry", "BlobError", "OxpackError", "__version__"]
