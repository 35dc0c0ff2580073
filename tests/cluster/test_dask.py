"""oxpack.dask.BlobPlugin on a real LocalCluster (processes=True): the
blob goes client -> scheduler once, each node keeps one copy that the first
worker fetches, every worker (and one that joins later) imports the deleted
application and orjson from it; a blob frozen for another interpreter is
refused at register_plugin with an error naming it, and the workers leave."""
import os

import pytest

import clusterkit
from clusterkit import OTHER_PLATFORM, check_results, check_served

pytest.importorskip("distributed")


def test_workers_import_the_application_from_the_blob(app_blob, tmp_path):
    result, proc = clusterkit.run_driver("dask_job.py", app_blob, str(tmp_path), timeout=240)
    assert result is not None, proc.stderr
    check_results(result["results"], 16)
    assert len({r["pid"] for r in result["results"]}) == 2          # two worker processes ran them
    workers = result["workers"]
    assert len(workers) == 2 and len({w["pid"] for w in workers.values()}) == 2
    # The workers' node copy, fetched from the scheduler (whose own copy sits
    # in another directory): content-addressed, one for both workers.
    sha = clusterkit.sha256(app_blob)
    node_copy = os.path.join(result["worker_space"], "oxpack-blobs", sha, "app.oxr")
    for w in workers.values():
        check_served(w, node_copy)
    assert sorted(result["fetched"].values()) == [False, True]     # one worker fetched, the other waited
    with open(node_copy, "rb") as a, open(app_blob, "rb") as b:
        assert a.read() == b.read()
    # The worker that joined later got the plugin and serves from the same copy.
    assert len(result["after_join"]) == 3
    late = [w for a, w in result["after_join"].items() if a not in workers]
    assert len(late) == 1
    check_served(late[0], node_copy)
    assert not proc.stderr.strip(), proc.stderr


@pytest.mark.parametrize("which", ["version", "platform"])
def test_a_blob_for_another_interpreter_is_refused_at_register(which, other_version_blob, other_platform_blob,
                                                              tmp_path):
    blob = other_version_blob if which == "version" else other_platform_blob
    result, proc = clusterkit.run_driver("dask_job.py", blob, str(tmp_path), timeout=240)
    assert result is not None, proc.stderr
    assert result["error"] == "BlobVersionError"
    message = result["message"]
    assert message.startswith("app.oxr (sha256 %s" % clusterkit.sha256(blob)[:16]), message
    if which == "version":
        assert "built for cpython 3.99.0" in message and "the version differs" in message
    else:
        assert "on %s" % OTHER_PLATFORM["platform"] in message and "the platform differs" in message
    assert result["workers_left"] == 0                              # they left the cluster
    assert "this worker leaves the cluster" in proc.stderr
