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
from clusterkit import OTHER_PLATFORM, OTHER_VERSION, foreign_blob  # noqa: E402


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
