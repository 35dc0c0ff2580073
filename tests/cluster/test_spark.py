"""oxpack.spark (the blob in spark.files, oxpack.spark.daemon as
spark.python.daemon.module) on real PySpark: local[2] (the executor is the
driver's JVM; two forked Python workers) and local-cluster[2,1,1024] (a real
standalone master and workers, two executor JVMs fetching the file, one
node copy between them). The application's source is deleted; a blob
frozen for another platform stops the daemon with an error naming it."""
import os

import pytest

import clusterkit
from clusterkit import OTHER_PLATFORM, check_results, check_served

pytest.importorskip("pyspark")

# Spark binds to loopback only.
SPARK_ENV = {"SPARK_LOCAL_IP": "127.0.0.1", "PYSPARK_PYTHON": clusterkit.sys.executable}


def run(blob, master, node_cache, cwd):
    return clusterkit.run_driver("spark_job.py", blob, master, timeout=300, cwd=cwd,
                                 env=dict(SPARK_ENV, OXPACK_CLUSTER_CACHE=node_cache))


def test_local_mode_workers_import_the_application_from_the_blob(app_blob, node_cache, tmp_path):
    result, proc = run(app_blob, "local[2]", node_cache, str(tmp_path))
    assert result is not None, proc.stderr
    check_results(result["results"], 16)
    pids = {w["pid"] for w in result["workers"]}
    assert len(pids) == 2, pids                    # the daemon forked two Python workers
    for w in result["workers"]:
        check_served(w, app_blob)                  # local mode: the driver's file itself
    assert not os.path.exists(node_cache)


def test_standalone_executors_share_one_node_copy(app_blob, node_cache, tmp_path):
    result, proc = run(app_blob, "local-cluster[2,1,1024]", node_cache, str(tmp_path))
    assert result is not None, proc.stderr
    check_results(result["results"], 16)
    assert len({w["pid"] for w in result["workers"]}) >= 2
    node_copy = os.path.join(node_cache, clusterkit.sha256(app_blob), "app.oxr")
    for w in result["workers"]:
        check_served(w, node_copy)                 # made from an executor's fetched --files copy
    with open(node_copy, "rb") as a, open(app_blob, "rb") as b:
        assert a.read() == b.read()


def test_a_blob_for_another_platform_stops_the_daemon(other_platform_blob, node_cache, tmp_path):
    result, proc = run(other_platform_blob, "local[1]", node_cache, str(tmp_path))
    assert result is not None, proc.stderr
    message = result["message"]
    expected = ("oxpack.spark.daemon: BlobVersionError: %s: built for cpython %d.%d.%d on %s, but this worker"
                % ((other_platform_blob,) + tuple(clusterkit.sys.version_info[:3]) + (OTHER_PLATFORM["platform"],)))
    assert expected in message, message
    assert "the platform differs" in message
