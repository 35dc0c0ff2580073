"""The scripts under examples/ run as their comments say."""
import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import OXPACK, REPO

EXAMPLES = REPO / "examples"


def run_example(*args, env=None):
    full = dict(os.environ, OXPACK=str(OXPACK), **(env or {}))
    full.pop("SOURCE_DATE_EPOCH", None)
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, env=full, timeout=600)


def test_hello_app_runs_from_its_blob(tmp_path):
    blob = tmp_path / "hello.oxr"
    r = run_example(EXAMPLES / "hello_app" / "run", blob)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "Hello from inside the blob." in lines
    assert "version: 1.0" in lines
    assert "loader: oxpack_runtime" in lines
    assert f"file: {blob}/hello_app/__init__.py" in lines
    # ls listed the data file and the metadata among the entries.
    assert any(l.startswith("resource") and "hello_app/data/greeting.txt" in l for l in lines)
    assert any(l.startswith("metadata") and "hello_app-1.0.dist-info/METADATA" in l for l in lines)


def test_pipeline_is_reproducible_and_diffs_against_the_previous_build(tmp_path):
    python = sys.executable
    first = run_example(EXAMPLES / "pipeline", tmp_path, env={"PYTHON": python})
    assert first.returncode == 0, first.stderr
    blob1 = (tmp_path / "env.oxr").read_bytes()
    info = json.loads((tmp_path / "info.json").read_text())
    assert info["entries"] > 1000
    assert json.loads((tmp_path / "freeze.json").read_text())["entries"] == info["entries"]
    assert not (tmp_path / "diff.json").exists()

    second = run_example(EXAMPLES / "pipeline", tmp_path, env={"PYTHON": python})
    assert second.returncode == 0, second.stderr  # diff exits 1 on any difference
    assert (tmp_path / "env.oxr").read_bytes() == blob1
    diff = json.loads((tmp_path / "diff.json").read_text())
    assert not diff["added"] and not diff["removed"] and not diff["changed"], diff


def test_setuptools_command_freezes_verifies_and_reports(tmp_path):
    """examples/setuptools_command: the project's build step through the
    Python API (from the source tree: python/ and this build's runtime)."""
    import shutil
    project = tmp_path / "project"
    shutil.copytree(EXAMPLES / "setuptools_command", project)
    tag = sys.implementation.cache_tag
    env = {"PYTHONPATH": os.pathsep.join([str(REPO / "python"), str(OXPACK.parent / "python" / tag)]),
           "OXPACK_BINARY": str(OXPACK), "SOURCE_DATE_EPOCH": "0"}
    full = dict(os.environ, **env)
    r = subprocess.run([sys.executable, "setup.py", "-q", "oxpack_freeze", "--report", "dist/greeter.html"],
                       cwd=project, capture_output=True, text=True, env=full, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    blob = project / "dist" / "greeter.oxr"
    assert blob.is_file() and (project / "dist" / "greeter.html").read_text().startswith("<!doctype html>")
    assert "modules: greeter, greeter.__main__" in r.stdout + r.stderr
    r = subprocess.run([str(OXPACK), "run", blob, "--python", sys.executable, "-m", "greeter"], cwd=tmp_path,
                       capture_output=True, text=True, env=full, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["Hello from the greeter's blob.", f"from: {blob}/greeter/__init__.py"]
