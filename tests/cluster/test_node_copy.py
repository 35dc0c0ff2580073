"""oxpack._cluster, what the three integrations share, without an engine:
the blob's description, the target check, and the node copy (one writer
per node, checked against the driver's SHA-256, never a partial file)."""
import multiprocessing
import os
import sys

import pytest

import clusterkit
from clusterkit import OTHER_PLATFORM, OTHER_VERSION, foreign_blob

sys.path.insert(0, os.path.join(clusterkit.REPO, "python"))
sys.path.insert(0, clusterkit.RUNTIME_DIR)
from oxpack import _cluster  # noqa: E402


def test_blobref_describes_the_blob(app_blob):
    ref = _cluster.BlobRef.of(app_blob)
    assert (ref.name, ref.size, ref.sha256) == ("app.oxr", os.path.getsize(app_blob), clusterkit.sha256(app_blob))
    assert ref.cache_tag == sys.implementation.cache_tag and ref.platform == _cluster.this_platform()
    assert ref.mismatch() is None
    assert ref.describe() == "app.oxr (sha256 %s, %s bytes)" % (ref.sha256[:16], format(ref.size, ","))


@pytest.mark.parametrize("target, differs", [(OTHER_VERSION, "version"), (OTHER_PLATFORM, "platform")])
def test_install_refuses_another_target_naming_the_blob(target, differs, tmp_path):
    blob = foreign_blob(str(tmp_path / "other.oxr"), **target)
    import oxpack_runtime
    with pytest.raises(oxpack_runtime.BlobVersionError) as e:
        _cluster.install(blob)
    assert str(e.value).startswith(blob + ": built for cpython ")
    assert str(e.value).endswith("the %s differs" % differs)
    assert e.value.path == blob
    assert all(f.path != blob for f in oxpack_runtime.installed())


def _copy(args):
    ref, directory, src = args
    return _cluster.ensure_on_node(ref, directory, lambda: _cluster.file_chunks(src))


def test_one_process_per_node_writes_the_copy(app_blob, tmp_path):
    ref = _cluster.BlobRef.of(app_blob)
    directory = str(tmp_path / "node")
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        got = pool.map(_copy, [(ref, directory, app_blob)] * 8)
    target = os.path.join(directory, ref.sha256, "app.oxr")
    assert {path for path, _ in got} == {target}
    assert sum(wrote for _, wrote in got) == 1
    assert clusterkit.sha256(target) == ref.sha256
    assert os.listdir(os.path.dirname(target)) == ["app.oxr"]      # no temporary file left


def test_a_copy_that_differs_from_the_driver_is_refused(app_blob, tmp_path):
    ref = _cluster.BlobRef.of(app_blob)
    with open(app_blob, "rb") as f:
        damaged = bytearray(f.read())
    damaged[len(damaged) // 2] ^= 1
    directory = str(tmp_path / "node")
    with pytest.raises(OSError) as e:
        _cluster.ensure_on_node(ref, directory, lambda: iter((bytes(damaged),)))
    assert "app.oxr (sha256 %s" % ref.sha256[:16] in str(e.value)
    assert "differs from the driver's" in str(e.value)
    assert os.listdir(os.path.join(directory, ref.sha256)) == []
