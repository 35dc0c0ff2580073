"""Ray tasks and actors that import from a blob.

    import ray, oxpack.ray
    ray.init(runtime_env=oxpack.ray.runtime_env("app.oxr"))
    # or per job/task/actor: .options(runtime_env=oxpack.ray.runtime_env("app.oxr", env={...}))

How it travels: ``runtime_env`` puts the blob, alone in a directory named
after its SHA-256, in ``py_modules``: Ray uploads it once to the cluster's
object store (GCS) under a content hash, and each node's runtime-env agent
downloads and unpacks it once, for every worker on the node that uses the
same environment. ``worker_process_setup_hook`` (``oxpack.ray.setup``) then
installs it in each worker process before it runs anything: a worker whose
interpreter the blob was not frozen for fails to start with
BlobVersionError naming the blob and the difference (in the worker's log,
which Ray prints on the driver), and Ray reports the task or actor as a
crashed worker. Ray requires the driver and workers to run one Python
version, so ``runtime_env()`` refuses at once, on the driver, a blob frozen
for another one. The user's own ``working_dir`` stays free.
"""
from __future__ import annotations

import os
import shutil
import sys
from typing import Any, Dict, Optional

from oxpack import _cluster
from oxpack._cli import PathLike

__all__ = ["runtime_env", "setup"]

ENV = "OXPACK_RAY_"
HOOK = "oxpack.ray.setup"


def runtime_env(blob: PathLike, env: Optional[Dict[str, Any]] = None, *, origin: Optional[str] = None,
                files: Optional[str] = None, verify: Optional[str] = None,
                staging: Optional[str] = None) -> Dict[str, Any]:
    """A Ray runtime_env (a copy of ``env``, default empty, with these
    added) whose workers serve imports from ``blob``. ``staging``: where the
    driver lays out the directory Ray uploads (default: the node cache,
    $OXPACK_CLUSTER_CACHE or ~/.cache/oxpack/cluster); the blob is hard-linked
    there when it can be. ``origin``, ``files``, ``verify``: as for
    ``oxpack_runtime.install``."""
    path = os.path.abspath(os.fspath(blob))
    ref = _cluster.BlobRef.of(path)
    # Ray runs workers on the driver's Python version (it refuses a cluster
    # that differs), so a blob this interpreter cannot serve is refused here,
    # at once; a worker on another platform fails in setup() instead.
    why = ref.mismatch()
    if why:
        raise _cluster.mismatch_error(path, why.replace("this worker", "this driver"))
    module_dir = os.path.join(staging or os.path.join(_cluster.default_cache_dir(), "ray"), ref.sha256,
                              _module_dir(ref))
    _stage(path, ref, os.path.join(module_dir, ref.name))
    out: Dict[str, Any] = dict(env or {})
    if out.get("worker_process_setup_hook") not in (None, HOOK):
        raise ValueError("oxpack.ray.runtime_env: %s: runtime_env already has a worker_process_setup_hook (%r); "
                         "call oxpack.ray.setup() from it instead" % (path, out["worker_process_setup_hook"]))
    out["py_modules"] = list(out.get("py_modules") or []) + [module_dir]
    env_vars = dict(out.get("env_vars") or {})
    env_vars.update({ENV + "BLOB": ref.name, ENV + "BLOB_DIR": _module_dir(ref)})
    for option, value in (("ORIGIN", origin), ("FILES", files), ("VERIFY", verify)):
        if value is not None:
            env_vars[ENV + option] = value
    out["env_vars"] = env_vars
    out["worker_process_setup_hook"] = HOOK
    return out


def setup() -> None:
    """The worker's half (``worker_process_setup_hook``): find the blob Ray
    unpacked on this node, check it against this interpreter, install it."""
    name, directory = os.environ.get(ENV + "BLOB"), os.environ.get(ENV + "BLOB_DIR")
    if not name or not directory:
        raise RuntimeError("oxpack.ray.setup: %sBLOB and %sBLOB_DIR are not set: use oxpack.ray.runtime_env()"
                           % (ENV, ENV))
    for entry in sys.path:
        candidate = os.path.join(entry or ".", directory, name)
        if os.path.isfile(candidate):
            _cluster.install(candidate, **_cluster.env_options(ENV))
            return
    raise FileNotFoundError("oxpack.ray.setup: %s/%s: not on this worker's sys.path (its py_modules)"
                            % (directory, name))


def _module_dir(ref: _cluster.BlobRef) -> str:
    return "oxpack_blob_" + ref.short


def _stage(path: str, ref: _cluster.BlobRef, target: str) -> None:
    if os.path.exists(target) and os.path.getsize(target) == ref.size:
        return
    os.makedirs(os.path.dirname(target), exist_ok=True)
    tmp = target + ".%d.tmp" % os.getpid()
    try:
        os.link(path, tmp)
    except OSError:
        shutil.copyfile(path, tmp)
    os.replace(tmp, target)
