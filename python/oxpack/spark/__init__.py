"""PySpark workers that import from a blob.

    from pyspark.sql import SparkSession
    import oxpack.spark
    spark = SparkSession.builder.config(map=oxpack.spark.conf("app.oxr")).getOrCreate()

or, with spark-submit (the same three settings):

    spark-submit --files app.oxr \\
        --conf spark.python.daemon.module=oxpack.spark.daemon \\
        --conf spark.executorEnv.OXPACK_SPARK_BLOB=app.oxr job.py

The blob travels as any file of the job (``spark.files``: Spark's own file
server and per-node fetch cache). Executors start their Python workers
through ``spark.python.daemon.module``: ``oxpack.spark.daemon`` installs the
blob, then runs PySpark's own daemon, whose forked workers inherit the
installed finder before they unpickle anything. A blob frozen for another
interpreter stops the daemon at once with BlobVersionError naming the blob
and the difference. See oxpack.spark.daemon for where it looks for the file.
"""
from __future__ import annotations

import os
from typing import Dict, Optional

from oxpack import _cluster
from oxpack._cli import PathLike

__all__ = ["conf", "DAEMON_MODULE"]

DAEMON_MODULE = "oxpack.spark.daemon"
ENV = "OXPACK_SPARK_"


def conf(blob: PathLike, *, files: Optional[str] = None, origin: Optional[str] = None,
         verify: Optional[str] = None, extra_files: Optional[str] = None) -> Dict[str, str]:
    """The Spark settings that make Python workers serve imports from
    ``blob``: pass them to ``SparkSession.builder.config(map=...)``,
    ``SparkConf().setAll(....items())`` or as ``--conf`` arguments.
    ``extra_files``: other entries of ``spark.files`` (comma-separated).
    ``files``, ``origin``, ``verify``: as for ``oxpack_runtime.install``."""
    path = os.path.abspath(os.fspath(blob))
    ref = _cluster.BlobRef.of(path)
    settings = {
        "spark.files": ",".join(p for p in (extra_files, path) if p),
        "spark.python.daemon.module": DAEMON_MODULE,
        "spark.executorEnv.%sBLOB" % ENV: ref.name,
        "spark.executorEnv.%sBLOB_SHA256" % ENV: ref.sha256,
        "spark.executorEnv.%sBLOB_SIZE" % ENV: str(ref.size),
        # Local mode: the executor is the driver's JVM, the blob this file.
        "spark.executorEnv.%sBLOB_LOCAL" % ENV: path,
    }
    for option, value in (("FILES", files), ("ORIGIN", origin), ("VERIFY", verify)):
        if value is not None:
            settings["spark.executorEnv.%s%s" % (ENV, option)] = value
    return settings
