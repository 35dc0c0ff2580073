"""oxpack.open: a blob's entries and payloads, through the runtime's reader
(oxpack_runtime.open_blob): one mmap, O(1) lookups, payloads as memoryviews
that point into the mapping when stored uncompressed."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Union

import oxpack_runtime

from oxpack._cli import PathLike

BlobError = oxpack_runtime.BlobError


class Entry(NamedTuple):
    """One index entry. ``key`` is the dotted module name (space 'module'),
    'package/resource' ('resource'), 'name-1.0.dist-info/FILE'
    ('distribution') or a root-relative path ('file'); ``path`` is the
    file's path relative to root ``root`` when it was frozen."""
    index: int
    space: str
    kind: str
    key: str
    path: str
    root: Optional[int]
    is_package: bool
    is_namespace: bool
    compression: str
    stored_size: int
    raw_size: int
    checksum: int
    payload_offset: int      # where its payload sits in the payload region (the layout)


@dataclass(frozen=True)
class BlobInfo:
    """The header and meta section: what interpreter the blob is for and where it came from."""
    path: str
    format_version: str
    file_size: int
    entries: int
    implementation: str
    python_version: str
    cache_tag: str
    platform: str
    oxpack_version: str
    origin: str                          # default __file__ mode: 'original' or 'blob'
    created: Optional[int]               # SOURCE_DATE_EPOCH at freeze, if set
    roots: List[Dict[str, Any]]          # {'path', 'type', 'mtime_ns', 'size'}
    extension_suffixes: List[str]


_SEARCH_ORDER = ("module", "resource", "distribution", "file")


class Blob:
    """An open blob. Use as a context manager, or call :meth:`close`;
    memoryviews already handed out stay valid after it."""

    def __init__(self, path: PathLike, verify: bool = True) -> None:
        self._reader = oxpack_runtime.open_blob(os.fspath(path), verify=verify)
        self._entries: Optional[List[Entry]] = None
        self.path = self._reader.path

    def __enter__(self) -> "Blob":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self._reader.close()

    def __repr__(self) -> str:
        return "<oxpack.Blob %r>" % (self.path,)

    @property
    def info(self) -> BlobInfo:
        d = self._reader.info()
        return BlobInfo(**{k: d[k] for k in BlobInfo.__dataclass_fields__})

    def entries(self) -> List[Entry]:
        """Every entry, in the index's order (space, key, kind)."""
        if self._entries is None:
            self._entries = [Entry._make(t) for t in self._reader.entries()]
        return self._entries

    def __len__(self) -> int:
        return len(self._reader)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries())

    def find(self, name: str, kind: Optional[str] = None, space: Optional[str] = None) -> Optional[Entry]:
        """The entry for ``name`` as ``oxpack cat`` resolves it: a module
        (its source, else bytecode, else extension: the first in the index,
        unless ``kind`` says which), a 'package/resource', a metadata key,
        or a root-relative file; None when absent. O(1): the hash index."""
        for sp in ((space,) if space else _SEARCH_ORDER):
            for i in self._reader.find(sp, name):
                e = Entry._make(self._reader.entry(i))
                if e.kind == "namespace":
                    continue
                if kind is None or e.kind == kind:
                    return e
        return None

    def read(self, entry: Union[Entry, int, str], kind: Optional[str] = None) -> memoryview:
        """An entry's payload (checksum-checked, decompressed when stored
        compressed) as a read-only memoryview. ``entry`` is an Entry, an
        index, or a name for :meth:`find`. Raises KeyError for an unknown
        name, BlobError for a damaged payload."""
        if isinstance(entry, str):
            found = self.find(entry, kind)
            if found is None:
                raise KeyError("%s: no entry named %r" % (self.path, entry))
            index = found.index
        elif isinstance(entry, Entry):
            index = entry.index
        else:
            index = int(entry)
        return memoryview(self._reader.read(index))

    def verify(self, max_problems: int = 100) -> List[str]:
        """Every checksum and structure; the problems found (empty: intact)."""
        return self._reader.verify(max_problems)


def open_blob(blob: PathLike, verify: bool = True) -> Blob:
    """Open ``blob`` for reading (``verify``: check the index checksum now;
    payloads are checked when read either way). Raises BlobError naming the
    file when it is missing or damaged."""
    return Blob(blob, verify=verify)
