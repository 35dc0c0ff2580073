"""``spark.python.daemon.module=oxpack.spark.daemon``: install the blob, then
run PySpark's own daemon (``pyspark.daemon.manager``), which forks the
Python workers: they inherit the finder, so the task functions they
unpickle import from the blob.

Where the blob is found (set by ``oxpack.spark.conf``, or by hand with
``spark.executorEnv.OXPACK_SPARK_BLOB``):

1. ``OXPACK_SPARK_BLOB`` absolute: that file.
2. With ``OXPACK_SPARK_BLOB_SHA256`` (and ``_SIZE``): the node's copy,
   ``<cache>/<sha256>/<name>`` (``$OXPACK_CLUSTER_CACHE``, default
   ``~/.cache/oxpack/cluster``), made from the executor's fetched file by the
   first executor of the node that needs it: every executor of a node then
   maps one file, and the page cache holds it once.
3. The name in the daemon's working directory: where a standalone, YARN or
   Kubernetes executor's ``--files``/``addFile`` copies land.
4. ``OXPACK_SPARK_BLOB_LOCAL``: the driver's path (local mode, where the
   executor is the driver's JVM and its files stay in the driver's temporary
   directory).

``OXPACK_SPARK_ORIGIN``, ``_FILES`` and ``_VERIFY`` go to install()."""
import os
import sys

from oxpack import _cluster

ENV = "OXPACK_SPARK_"


def find_blob(environ=None):
    """The path of the blob this executor's workers serve from."""
    environ = os.environ if environ is None else environ
    name = environ.get(ENV + "BLOB")
    if not name:
        raise RuntimeError("oxpack.spark.daemon: %sBLOB is not set (spark.executorEnv.%sBLOB=app.oxr, "
                           "with app.oxr in --files)" % (ENV, ENV))
    if os.path.isabs(name):
        return name
    fetched = os.path.abspath(name)
    sha, size = environ.get(ENV + "BLOB_SHA256"), environ.get(ENV + "BLOB_SIZE")
    if sha and size:
        ref = _cluster.BlobRef(name=os.path.basename(name), sha256=sha, size=int(size), implementation="",
                               python_version="", cache_tag="", platform="")
        directory = _cluster.default_cache_dir()
        if os.path.exists(_cluster.node_path(ref, directory)) or os.path.exists(fetched):
            return _cluster.ensure_on_node(ref, directory, lambda: _cluster.file_chunks(fetched))[0]
    if os.path.exists(fetched):
        return fetched
    local = environ.get(ENV + "BLOB_LOCAL")
    if local and os.path.exists(local):
        return local
    raise FileNotFoundError("oxpack.spark.daemon: %s: not in the executor's working directory %s%s (ship it with "
                            "--files or SparkContext.addFile)" % (name, os.getcwd(),
                                                                  " nor at " + local if local else ""))


def main():
    try:
        path = find_blob()
        _cluster.install(path, **_cluster.env_options(ENV))
    except (ImportError, OSError, RuntimeError) as e:
        # One line on stderr, which Spark puts in the task's error; exit 1.
        sys.exit("oxpack.spark.daemon: %s: %s" % (type(e).__name__, e))
    from pyspark import daemon
    daemon.manager()


if __name__ == "__main__":
    main()
