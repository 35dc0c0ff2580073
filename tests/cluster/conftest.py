"""Fixtures for the cluster tests: the application blob (built once, its
source deleted), blobs frozen for another interpreter, and a private
per-node cache directory. Each engine runs in a driver subprocess
(drivers/), as a user's job would; these tests read its JSON result."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "python"))
import blobtools  # noqa: E402  (tests/python: oxpack_make_blob)
import clusterkit  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def built():
    missing = [p for p in (clusterkit.OXPACK, blobtools.MAKE_BLOB, clusterkit.RUNTIME_DIR) if not os.path.exists(p)]
    if missing:
        pytest.fail("not built: %s (run scripts/setup)" % ", ".join(missing), pytrace=False)


@pytest.fixture(scope="session")
def app_blob(tmp_path_factory):
    """tests/cluster/app and orjson frozen in blob mode; the app's source is gone."""
    workdir = str(tmp_path_factory.mktemp("app"))
    blob = clusterkit.freeze_app(workdir)
    assert not os.path.exists(os.path.join(workdir, "src"))
    return blob


def foreign_blob(out, **target):
    """A blob whose clusterapp would do, but frozen for another target."""
    return blobtools.make_blob({"target": blobtools.target(**target), "origin": "blob", "roots": [{"path": "/nowhere"}],
                                "entries": [{"space": "module", "kind": "source", "key": "clusterapp",
                                             "path": "clusterapp/__init__.py", "package": True,
                                             "data": "def work(x):\n    return x\n"}]}, out)


OTHER_VERSION = {"python_version": "3.99.0", "cache_tag": "cpython-399", "hexversion": 0x036300F0,
                 "pyc_magic": 0x0A0D0001}
OTHER_PLATFORM = {"platform": "aarch64-linux-gnu",
                  "extension_suffixes": [".%s-aarch64-linux-gnu.so" % sys.implementation.cache_tag, ".abi3.so", ".so"]}


@pytest.fixture(scope="session")
def other_version_blob(tmp_path_factory):
    return foreign_blob(str(tmp_path_factory.mktemp("v") / "app.oxr"), **OTHER_VERSION)


@pytest.fixture(scope="session")
def other_platform_blob(tmp_path_factory):
    return foreign_blob(str(tmp_path_factory.mktemp("p") / "app.oxr"), **OTHER_PLATFORM)


@pytest.fixture
def node_cache(tmp_path):
    """$OXPACK_CLUSTER_CACHE for the driver and its workers."""
    return str(tmp_path / "node-cache")


def check_results(results, n):
    """The tasks ran the application: its data file read by path, parsed by orjson."""
    assert sorted(r["x"] for r in results) == list(range(n))
    for r in results:
        assert r["value"] == 7 * r["x"] + 3, r


def check_served(where, blob_path):
    """A worker's modules came from the blob at blob_path (its node copy)."""
    assert where["blobs"] == [blob_path], where
    for name, m in where["modules"].items():
        assert m["loader"] == "oxpack_runtime", (name, m)
        assert m["file"].startswith(blob_path + os.sep), (name, m)
    assert where["modules"]["clusterapp"]["file"] == os.path.join(blob_path, "clusterapp", "__init__.py")
    assert where["modules"]["orjson.orjson"]["file"].endswith(".so")
