"""oxpack.ray.runtime_env (the blob in py_modules, oxpack.ray.setup as
worker_process_setup_hook) on a real local Ray with 2 CPUs: two worker
processes import the deleted application and orjson from the node's
unpacked copy; a blob for another interpreter is refused on the driver."""
import os

import pytest

import clusterkit
from clusterkit import OTHER_PLATFORM, check_results, check_served

pytest.importorskip("ray")


def run(blob, node_cache, tmp, **extra):
    ray_tmp = tmp + "/ray"            # short: Ray's socket paths must fit 107 bytes
    os.makedirs(ray_tmp)
    env = {"OXPACK_CLUSTER_CACHE": node_cache, "OXPACK_RAY_TEMP": ray_tmp,
           # Keeps Ray on loopback (it would resolve 127.0.0.1 to the node's address).
           "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0", **extra}
    return clusterkit.run_driver("ray_job.py", blob, timeout=300, env=env)


@pytest.fixture
def short_tmp():
    import shutil
    import tempfile
    d = tempfile.mkdtemp(prefix="oxr-", dir="/tmp")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_workers_import_the_application_from_the_blob(app_blob, node_cache, short_tmp):
    result, proc = run(app_blob, node_cache, short_tmp)
    assert result is not None, proc.stderr
    check_results(result["results"], 16)
    workers = result["workers"]
    assert len({w["pid"] for w in workers}) == 2
    sha = clusterkit.sha256(app_blob)
    for w in workers:
        (blob,) = w["blobs"]
        # Ray's per-node unpacked py_modules package, named after the blob's hash
        assert blob.startswith(short_tmp + "/ray/session_")
        assert blob.endswith("/oxpack_blob_%s/app.oxr" % sha[:16])
        check_served(w, blob)
        assert clusterkit.sha256(blob) == sha


def test_a_blob_for_another_version_is_refused_on_the_driver(other_version_blob, node_cache, short_tmp):
    result, proc = run(other_version_blob, node_cache, short_tmp)
    assert result is not None, proc.stderr
    assert result["error"] == "BlobVersionError"
    assert result["message"].startswith(other_version_blob + ": built for cpython 3.99.0"), result
    assert "but this driver" in result["message"] and "the version differs" in result["message"]


def test_a_worker_on_another_platform_refuses_the_blob(other_platform_blob, node_cache, short_tmp):
    # The driver passes the blob (as a driver on the blob's platform would);
    # the worker's setup hook refuses it before the task runs. Ray reports
    # the task as a crashed worker (it names no cause) and the worker's log,
    # which the error points to, has the hook's error naming the node's copy
    # of the blob and the difference.
    import glob
    result, proc = run(other_platform_blob, node_cache, short_tmp, OXPACK_TEST_WORKER_ONLY_CHECK="1")
    assert result is not None, proc.stderr
    assert result.get("error") == "WorkerCrashedError", result
    assert "python-core-worker-*.log" in result["message"]
    logs = glob.glob(os.path.join(short_tmp, "ray", "session_*", "logs", "python-core-worker-*.log"))
    lines = [line for log in logs for line in open(log, errors="replace").read().splitlines()
             if line.startswith("oxpack_runtime.BlobVersionError: ")]
    assert lines, logs
    line = lines[0]
    assert "/oxpack_blob_%s/app.oxr: built for cpython " % clusterkit.sha256(other_platform_blob)[:16] in line, line
    assert "on %s, but this worker" % OTHER_PLATFORM["platform"] in line and line.endswith("the platform differs"), line
