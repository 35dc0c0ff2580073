"""Dask (distributed) workers that import from a blob.

    from dask.distributed import Client
    import oxpack.dask
    client = Client(cluster)
    client.register_plugin(oxpack.dask.BlobPlugin("app.oxr"))
    client.submit(app.work, 1).result()      # app, and what it imports, come from the blob

How it travels: ``BlobPlugin`` is a SchedulerPlugin. ``register_plugin``
pickles it with the blob's bytes once, client to scheduler. The scheduler
keeps the blob as a file, serves it by range through a handler of its own,
and registers a small WorkerPlugin (the blob's name, SHA-256, size and
target) on every worker, now and for every worker that joins later (dask
does that for worker plugins). On a worker that plugin refuses at once an
interpreter the blob was not frozen for (BlobVersionError naming the blob
and the difference; the worker then leaves the cluster), finds the node's
copy in ``<dask temporary-directory>/oxpack-blobs/<sha256>/<name>`` or, as the
first worker of its node to need it, fetches it from the scheduler (the
others wait on a lock), and installs it in the worker process. A worker that
restarts finds the copy there. ``shared=True`` skips the shipping: every
worker installs the blob from the path given (a shared file system).
"""
from __future__ import annotations

import logging
import os
from typing import Any, Dict, Optional

from distributed import Scheduler, Worker
from distributed.diagnostics.plugin import SchedulerPlugin, WorkerPlugin
from distributed.protocol.pickle import dumps

from oxpack import _cluster
from oxpack._cli import PathLike

logger = logging.getLogger("oxpack.dask")

__all__ = ["BlobPlugin"]


class BlobPlugin(SchedulerPlugin):
    """Serve the imports of every worker of the cluster from ``blob``.

    ``shared``: workers read ``blob`` at that same path (nothing is shipped).
    ``directory``: where each node keeps its copy (default:
    ``oxpack-blobs`` beside the workers' local directories).
    ``origin``, ``files``, ``verify``: as for ``oxpack_runtime.install``
    (default: what the blob was frozen with)."""

    idempotent = True     # registering the same blob again changes nothing

    def __init__(self, blob: PathLike, *, shared: bool = False, directory: Optional[str] = None,
                 origin: Optional[str] = None, files: Optional[str] = None, verify: Optional[str] = None) -> None:
        self.path = os.path.abspath(os.fspath(blob))
        self.ref = _cluster.BlobRef.of(self.path)
        self.shared = shared
        self.directory = directory
        self.options = {"origin": origin, "files": files, "verify": verify}
        self.name = "oxpack-blob-%s-%s" % (self.ref.name, self.ref.short)
        self._op = "oxpack_blob_read_%s" % self.ref.short
        self._scheduler_copy: Optional[str] = None

    def __getstate__(self) -> Dict[str, Any]:
        # Pickled on the client by register_plugin: the bytes go with it,
        # once, to the scheduler (unless the workers share the path).
        state = dict(self.__dict__)
        state["_data"] = None if self.shared else _read_all(self.path, self.ref)
        return state

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__dict__.update(state)

    async def start(self, scheduler: Scheduler) -> None:
        data, self.__dict__["_data"] = self.__dict__.get("_data"), None
        if data is not None:
            # The scheduler's node keeps the blob as a file and serves ranges
            # of it; its memory does not hold the blob.
            directory = self.directory or os.path.join(_scheduler_space(scheduler), "oxpack-blobs")
            self._scheduler_copy, _ = _cluster.ensure_on_node(self.ref, directory, lambda: iter((data,)))
            del data
            scheduler.handlers[self._op] = self._read
        installer = _Installer(self.ref, self._op, self.path if self.shared else None, self.directory, self.options)
        responses = await scheduler.register_worker_plugin(None, dumps(installer), self.name, idempotent=False)
        for response in responses.values():
            if response.get("status") == "error":
                raise _worker_error(response)

    async def _read(self, offset: int, size: int) -> bytes:
        assert self._scheduler_copy is not None
        with open(self._scheduler_copy, "rb") as f:
            return os.pread(f.fileno(), size, offset)


class _Installer(WorkerPlugin):
    """The worker's half: check, find or fetch the node's copy, install."""

    idempotent = False

    def __init__(self, ref: _cluster.BlobRef, op: str, shared_path: Optional[str], directory: Optional[str],
                 options: Dict[str, Optional[str]]) -> None:
        self.ref, self.op, self.shared_path, self.directory, self.options = ref, op, shared_path, directory, options
        self.path: Optional[str] = None      # the copy this worker serves from
        self.fetched = False                 # whether this worker fetched it for its node

    async def setup(self, worker: Worker) -> None:
        why = self.ref.mismatch()
        if why:
            error = _cluster.mismatch_error(self.ref.describe(), why)
            _leave(worker, str(error))
            raise error
        if self.shared_path:
            path = self.shared_path
        else:
            directory = self.directory or os.path.join(os.path.dirname(worker.local_directory), "oxpack-blobs")
            read = getattr(worker.scheduler, self.op)

            async def fetch(offset: int, size: int) -> bytes:
                return await read(offset=offset, size=size)

            path, self.fetched = await _cluster.ensure_on_node_async(self.ref, directory, fetch)
        try:
            _cluster.install(path, **self.options)
        except ImportError as e:
            _leave(worker, str(e))
            raise
        self.path = path


def _worker_error(response: Dict[str, Any]) -> BaseException:
    # A worker's error as the scheduler holds it (still serialized): the
    # exception itself (BlobVersionError...), for the client to raise.
    from distributed.protocol.serialize import Serialized, deserialize
    exc = response.get("exception")
    if isinstance(exc, Serialized):
        try:
            exc = deserialize(exc.header, exc.frames)
        except Exception:
            exc = None
    if isinstance(exc, bytes):      # error_message() pickles it (tblib)
        from distributed.protocol.pickle import loads
        try:
            exc = loads(exc)
        except Exception:
            exc = None
    if isinstance(exc, BaseException):
        return exc
    return ImportError("oxpack: a worker failed to install the blob: %s" % response.get("exception_text"))


def _leave(worker: Worker, reason: str) -> None:
    # A worker that cannot import the application must not take its tasks:
    # it leaves (its nanny too, so it is not restarted) once its answer to
    # the scheduler has gone out.
    logger.error("oxpack: %s; this worker leaves the cluster", reason)
    worker.loop.call_later(0.5, lambda: worker.loop.add_callback(worker.close, nanny=True, reason="oxpack: " + reason))


def _scheduler_space(scheduler: Scheduler) -> str:
    import dask
    import tempfile
    base = dask.config.get("temporary-directory") or tempfile.gettempdir()
    return os.path.join(base, "dask-scratch-space")


def _read_all(path: str, ref: _cluster.BlobRef) -> bytes:
    with open(path, "rb") as f:
        data = f.read()
    if len(data) != ref.size:
        raise OSError("%s: changed since BlobPlugin(%r) read it (%d bytes, was %d)"
                      % (path, path, len(data), ref.size))
    return data
