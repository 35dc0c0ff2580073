"""oxpack.scan, oxpack.freeze and oxpack.diff: the command line's --json
output as typed objects. Nothing here knows the blob format; the binary does
the work."""
from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from oxpack._cli import PathLike, run_json, warnings_of

Paths = Union[None, PathLike, Sequence[PathLike]]


def _paths(paths: Paths) -> List[str]:
    if paths is None:
        return []
    if isinstance(paths, (str, bytes)) or hasattr(paths, "__fspath__"):
        return [os.fspath(paths)]  # type: ignore[arg-type]
    return [os.fspath(p) for p in paths]  # type: ignore[union-attr]


def _repeat(option: str, values: Union[None, str, Iterable[str]]) -> List[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    out: List[str] = []
    for v in values:
        out += [option, v]
    return out


@dataclass(frozen=True)
class ScanItem:
    """One classified file (or namespace package) as the target's import system sees it."""
    kind: str                 # source, bytecode, bytecode-opt1, bytecode-opt2, extension, resource, metadata, namespace, file
    space: str                # module, resource, distribution, file
    name: str                 # dotted module name, 'package/resource', 'dist-info/FILE' or root-relative path
    path: str                 # relative to its root
    root: int                 # index into Scan.roots
    size: int
    flags: Tuple[str, ...] = ()
    package: Optional[str] = None
    distribution: Optional[str] = None
    version: Optional[str] = None
    excluded: Optional[str] = None   # why a filter left it out (it is then not frozen)


@dataclass(frozen=True)
class ScanRoot:
    index: int
    path: str
    type: str                 # directory, wheel, zip
    added_by: str
    stdlib: bool
    items: int
    bytes: int


@dataclass(frozen=True)
class Problem:
    path: str
    what: str


@dataclass
class Scan:
    """What ``oxpack scan --json`` reports."""
    python: str
    python_version: str
    cache_tag: str
    roots: List[ScanRoot]
    items: List[ScanItem]
    problems: List[Problem]          # inputs skipped (exit code 5)
    notes: List[Problem]
    shadowed: List[Dict[str, str]]
    exit_code: int

    @property
    def partial(self) -> bool:
        """True when some inputs were skipped (see ``problems``)."""
        return self.exit_code == 5


def scan(paths: Paths = None, python: Optional[PathLike] = None, *, include: Union[None, str, Iterable[str]] = None,
         exclude: Union[None, str, Iterable[str]] = None, include_tests: bool = False) -> Scan:
    """Classify an environment as ``python`` (default: ``python3`` on PATH)
    would import it: ``paths`` are sys.path entries (directories, wheels,
    zips); none means the interpreter's whole sys.path. Raises OxpackError."""
    args: List[Any] = ["scan", "--json", *_paths(paths)]
    if python is not None:
        args += ["--python", os.fspath(python)]
    args += _repeat("--include", include) + _repeat("--exclude", exclude)
    if include_tests:
        args.append("--include-tests")
    data, proc = run_json(args, ok=(0, 5))
    known = set(ScanItem.__dataclass_fields__)
    items = [ScanItem(**{**{k: v for k, v in it.items() if k in known}, "flags": tuple(it.get("flags", ()))})
             for it in data["items"]]
    roots = [ScanRoot(index=r["index"], path=r["path"], type=r["type"], added_by=r["added_by"], stdlib=r["stdlib"],
                      items=r["items"], bytes=r["bytes"]) for r in data["roots"]]
    t = data["target"]
    return Scan(python=t["python"], python_version=t["version"], cache_tag=t["cache_tag"], roots=roots, items=items,
                problems=[Problem(**p) for p in data["problems"]], notes=[Problem(**p) for p in data["notes"]],
                shadowed=data["shadowed"], exit_code=proc.returncode)


@dataclass
class FreezeResult:
    """What ``oxpack freeze --json`` reports, plus the warnings it printed."""
    output: str
    target: str                       # the target's Python version
    roots: List[str]
    entries: int
    bytes: int
    bytecode_reused: int
    bytecode_compiled: int
    compile_errors: int
    profiled_entries: int
    skipped: int                      # inputs skipped (each in `warnings`); exit code 5
    excluded: int
    total_seconds: float
    exit_code: int
    warnings: List[str] = field(default_factory=list)
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)   # the whole --json object


def freeze(output: PathLike, paths: Paths = None, python: Optional[PathLike] = None, *,
           origin: Optional[str] = None, compress: Optional[str] = None, optimize: Union[None, int, str] = None,
           sources: Optional[str] = None, profile: Union[None, str, Sequence[str]] = None,
           profile_script: Optional[PathLike] = None, profile_from: Optional[PathLike] = None,
           profile_out: Optional[PathLike] = None, include: Union[None, str, Iterable[str]] = None,
           exclude: Union[None, str, Iterable[str]] = None, include_tests: bool = False, strict: bool = False,
           jobs: Optional[int] = None, source_date_epoch: Optional[int] = None) -> FreezeResult:
    """Freeze an environment into the blob ``output`` (written atomically).

    ``paths``/``python`` as for :func:`scan`. ``origin``: 'original' (default)
    or 'blob'; ``compress``: 'none', 'zstd' or 'zstd:LEVEL'; ``optimize``: 0,
    1, 2 or '0,1,2'; ``sources``: 'keep' or 'drop'; ``profile``: a command
    (a string for the shell, or an argv list) whose start-up decides the
    payload layout (or ``profile_script``/``profile_from``). Skipped inputs
    are no error: see ``FreezeResult.skipped`` and ``warnings``. Raises
    OxpackError."""
    args: List[Any] = ["freeze", "--json", "--no-progress", "-o", os.fspath(output), *_paths(paths)]
    if python is not None:
        args += ["--python", os.fspath(python)]
    for option, value in (("--origin", origin), ("--compress", compress), ("--sources", sources),
                          ("--jobs", jobs)):
        if value is not None:
            args += [option, str(value)]
    if optimize is not None:
        args += ["--optimize", str(optimize)]
    if profile is not None:
        args += ["--profile", profile if isinstance(profile, str) else " ".join(shlex.quote(a) for a in profile)]
    for option, path in (("--profile-script", profile_script), ("--profile-from", profile_from),
                         ("--profile-out", profile_out)):
        if path is not None:
            args += [option, os.fspath(path)]
    args += _repeat("--include", include) + _repeat("--exclude", exclude)
    if include_tests:
        args.append("--include-tests")
    if strict:
        args.append("--strict")
    env = None if source_date_epoch is None else {"SOURCE_DATE_EPOCH": str(int(source_date_epoch))}
    data, proc = run_json(args, ok=(0, 5), env=env)
    return FreezeResult(output=data["output"], target=data["target"], roots=list(data["roots"]),
                        entries=data["entries"], bytes=data["bytes"], bytecode_reused=data["bytecode_reused"],
                        bytecode_compiled=data["bytecode_compiled"], compile_errors=data["compile_errors"],
                        profiled_entries=data["profiled_entries"], skipped=data["skipped"], excluded=data["excluded"],
                        total_seconds=data["total_seconds"], exit_code=proc.returncode,
                        warnings=warnings_of(proc.stderr), raw=data)


@dataclass(frozen=True)
class DiffEntry:
    space: str
    key: str
    kind: str
    what: str = ""            # for a changed entry: what differs


@dataclass
class Diff:
    """What ``oxpack diff --json A B`` reports."""
    a: str
    b: str
    target: List[str]         # differences in the target interpreter
    added: List[DiffEntry]
    removed: List[DiffEntry]
    changed: List[DiffEntry]

    def __bool__(self) -> bool:
        """True when the blobs differ."""
        return bool(self.target or self.added or self.removed or self.changed)


def diff(a: PathLike, b: PathLike) -> Diff:
    """Compare two blobs: entries added, removed and changed. Raises OxpackError."""
    data, _ = run_json(["diff", "--json", os.fspath(a), os.fspath(b)], ok=(0, 1))

    def entries(name: str) -> List[DiffEntry]:
        return [DiffEntry(space=e["space"], key=e["key"], kind=e["kind"], what=e.get("what", "")) for e in data[name]]

    return Diff(a=data["a"], b=data["b"], target=list(data["target"]), added=entries("added"),
                removed=entries("removed"), changed=entries("changed"))
