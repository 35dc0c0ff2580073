"""What the Dask, Spark and Ray integrations share: a blob described on the
driver (name, SHA-256, size, the interpreter it was frozen for), the check
that a worker's interpreter is that one, one copy per node in a
content-addressed directory, and the install in the worker process.

Nothing here imports an engine."""
from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import socket
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, Optional, Tuple

from oxpack._cli import PathLike

_CHUNK = 8 << 20     # reading and hashing
_FETCH = 64 << 20    # one message of a copy sent over an engine's own connection


@dataclass(frozen=True)
class BlobRef:
    """A blob as the driver describes it to workers: enough to find or check
    a node's copy and to refuse an interpreter it was not frozen for, before
    any byte is shipped."""
    name: str                  # the file name workers see (the blob's own)
    sha256: str
    size: int
    implementation: str
    python_version: str
    cache_tag: str
    platform: str

    @classmethod
    def of(cls, path: PathLike) -> "BlobRef":
        """Describe the blob at ``path``: its header (through the runtime's
        reader, which refuses a damaged file) and a SHA-256 of its bytes."""
        from oxpack._blob import open_blob
        path = os.fspath(path)
        with open_blob(path, verify=True) as blob:
            info = blob.info
        return cls(name=os.path.basename(path), sha256=file_sha256(path), size=os.path.getsize(path),
                   implementation=info.implementation or "cpython", python_version=info.python_version,
                   cache_tag=info.cache_tag, platform=info.platform)

    @property
    def short(self) -> str:
        return self.sha256[:16]

    def describe(self) -> str:
        """``app.oxr (sha256 0123456789abcdef, 12.3 MB)``: how errors name it."""
        return "%s (sha256 %s, %s bytes)" % (self.name, self.short, format(self.size, ","))

    def mismatch(self) -> Optional[str]:
        """Why this interpreter cannot use the blob, or None."""
        return target_mismatch(self.implementation, self.python_version, self.cache_tag, self.platform)


def file_sha256(path: PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def this_platform() -> str:
    """The platform string `oxpack freeze` records for an interpreter."""
    return (getattr(sys.implementation, "_multiarch", "") or sysconfig.get_config_var("MULTIARCH")
            or sys.platform)


def this_interpreter() -> str:
    return "%s %d.%d.%d on %s" % (sys.implementation.name, *sys.version_info[:3], this_platform())


def target_mismatch(implementation: str, python_version: str, cache_tag: str, platform: str) -> Optional[str]:
    """Why the running interpreter cannot serve a blob frozen for this target
    (implementation, version, platform), or None when it can. The runtime's
    install() checks the bytecode magic too; this also catches the platform
    (whose extension modules would fail only when imported)."""
    problems = []
    if (implementation or "cpython") != sys.implementation.name:
        problems.append("implementation")
    if cache_tag and cache_tag != sys.implementation.cache_tag:
        problems.append("version")
    if platform and platform != this_platform():
        problems.append("platform")
    if not problems:
        return None
    return "built for %s %s on %s, but this worker (%s, pid %d) runs %s: the %s differ%s" % (
        implementation or "cpython", python_version, platform or "?", socket.gethostname(), os.getpid(),
        this_interpreter(), " and ".join(problems), "" if len(problems) > 1 else "s")


def mismatch_error(blob: str, why: str) -> ImportError:
    """The runtime's BlobVersionError (an ImportError naming the blob), or a
    plain ImportError where the runtime itself is missing."""
    try:
        import oxpack_runtime
        return oxpack_runtime.BlobVersionError("%s: %s" % (blob, why), path=blob)
    except ImportError:
        return ImportError("%s: %s" % (blob, why), path=blob)


def check_blob_file(path: str) -> None:
    """Refuse (BlobVersionError naming ``path``) a blob that this interpreter
    cannot serve, from its header alone."""
    from oxpack._blob import open_blob
    with open_blob(path, verify=False) as blob:
        info = blob.info
    why = target_mismatch(info.implementation, info.python_version, info.cache_tag, info.platform)
    if why:
        raise mismatch_error(path, why)


def install(path: str, **options: Any) -> Any:
    """Check ``path`` against this interpreter, then install it (unless this
    process already serves it): the Finder. ``options`` go to
    oxpack_runtime.install (None values are left out)."""
    import oxpack_runtime
    real = os.path.realpath(path)
    for finder in oxpack_runtime.installed():
        if os.path.realpath(finder.path) == real:
            return finder
    check_blob_file(path)
    return oxpack_runtime.install(path, **{k: v for k, v in options.items() if v is not None})


def default_cache_dir() -> str:
    """Where a node keeps its copies: $OXPACK_CLUSTER_CACHE, else
    $XDG_CACHE_HOME/oxpack/cluster (~/.cache/oxpack/cluster)."""
    explicit = os.environ.get("OXPACK_CLUSTER_CACHE")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "oxpack", "cluster")


def node_path(ref: BlobRef, directory: str) -> str:
    """The one path of ``ref`` on this node: ``<directory>/<sha256>/<name>``
    (the name is kept: it is the top of every module's ``__file__``)."""
    return os.path.join(directory, ref.sha256, ref.name)


def _present(path: str, size: int) -> bool:
    try:
        return os.stat(path).st_size == size
    except FileNotFoundError:
        return False


class _NodeLock:
    """An exclusive flock on ``<directory>/<sha256>.lock``: one process per
    node writes a copy, the others wait for it."""

    def __init__(self, directory: str, sha256: str) -> None:
        os.makedirs(directory, exist_ok=True)
        self.fd = os.open(os.path.join(directory, sha256 + ".lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)

    def try_acquire(self) -> bool:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError as e:
            if e.errno in (errno.EAGAIN, errno.EACCES):
                return False
            raise

    def release(self) -> None:
        os.close(self.fd)   # closing drops the lock


class _Copy:
    """A node copy being written: a temporary file beside ``target``,
    renamed over it by commit() once its size and SHA-256 are the driver's."""

    def __init__(self, ref: BlobRef, target: str) -> None:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        self.ref, self.target, self.n = ref, target, 0
        self.hash = hashlib.sha256()
        fd, self.tmp = tempfile.mkstemp(prefix=".%s." % ref.name, dir=os.path.dirname(target))
        self.file = os.fdopen(fd, "wb")

    def write(self, chunk: bytes) -> None:
        self.hash.update(chunk)
        self.n += len(chunk)
        self.file.write(chunk)

    def commit(self) -> None:
        self.file.close()
        if self.n != self.ref.size or self.hash.hexdigest() != self.ref.sha256:
            raise OSError(errno.EIO, "%s: the copy received differs from the driver's (%d bytes, sha256 %s)"
                          % (self.ref.describe(), self.n, self.hash.hexdigest()[:16]))
        os.chmod(self.tmp, 0o444)
        os.replace(self.tmp, self.target)

    def abort(self) -> None:
        self.file.close()
        try:
            os.unlink(self.tmp)
        except OSError:
            pass


def file_chunks(path: str) -> Iterator[bytes]:
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            yield chunk


def ensure_on_node(ref: BlobRef, directory: str, chunks: Callable[[], Iterator[bytes]]) -> Tuple[str, bool]:
    """The node's copy of ``ref`` under ``directory``, written from
    ``chunks()`` (checked against the SHA-256) by the first process of the
    node that needs it; the others wait for it. Returns its path, and
    whether this process wrote it."""
    target = node_path(ref, directory)
    if _present(target, ref.size):
        return target, False
    lock = _NodeLock(directory, ref.sha256)
    try:
        while not lock.try_acquire():
            time.sleep(0.02)
        if not _present(target, ref.size):
            copy = _Copy(ref, target)
            try:
                for chunk in chunks():
                    copy.write(chunk)
                copy.commit()
                return target, True
            except BaseException:
                copy.abort()
                raise
    finally:
        lock.release()
    return target, False


async def ensure_on_node_async(ref: BlobRef, directory: str, fetch: Callable[[int, int], Any]) -> Tuple[str, bool]:
    """ensure_on_node for an event loop: ``await fetch(offset, size)`` gives
    the bytes; waiting for another process's copy does not block the loop."""
    import asyncio
    target = node_path(ref, directory)
    if _present(target, ref.size):
        return target, False
    lock = _NodeLock(directory, ref.sha256)
    try:
        while not lock.try_acquire():
            await asyncio.sleep(0.02)
        if not _present(target, ref.size):
            loop = asyncio.get_running_loop()
            copy = await loop.run_in_executor(None, _Copy, ref, target)
            try:
                while copy.n < ref.size:
                    part = await fetch(copy.n, min(_FETCH, ref.size - copy.n))
                    if not part:
                        raise OSError(errno.EIO, "%s: the driver sent nothing at offset %d" % (ref.describe(), copy.n))
                    await loop.run_in_executor(None, copy.write, bytes(part))
                await loop.run_in_executor(None, copy.commit)
                return target, True
            except BaseException:
                copy.abort()
                raise
    finally:
        lock.release()
    return target, False


def env_options(prefix: str, environ: Optional[Dict[str, str]] = None) -> Dict[str, Optional[str]]:
    """install() options from ``<prefix>ORIGIN``, ``<prefix>FILES`` and
    ``<prefix>VERIFY``."""
    environ = os.environ if environ is None else environ
    return {"origin": environ.get(prefix + "ORIGIN") or None, "files": environ.get(prefix + "FILES") or None,
            "verify": environ.get(prefix + "VERIFY") or None}
