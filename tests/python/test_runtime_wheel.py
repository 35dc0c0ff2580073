"""pip-installable runtime: pyproject.toml (scikit-build-core) builds a
wheel holding just oxpack_runtime for the interpreter running pip. Checked
under the machine's default python3 only (it builds from source, ~20 s), in
a fresh venv, scikit-build-core fetched from PyPI by pip as usual."""
import glob
import os
import subprocess
import sys

import pytest

import blobtools
from test_runtime_real import needs_default


@needs_default
def test_pip_builds_and_installs_the_runtime(tree, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "OXPACK_"))}
    env["CMAKE_BUILD_PARALLEL_LEVEL"] = "2"
    r = subprocess.run([python, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "dist"), blobtools.REPO],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, env=env, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    wheels = glob.glob(str(tmp_path / "dist" / "oxpack_runtime-*.whl"))
    assert len(wheels) == 1
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", wheels[0]], check=True, env=env)
    blob = tree.files({"hello.py": "WHO = 'wheel'\n"}).build()
    r = subprocess.run([python, "-c", "import sys, oxpack_runtime; oxpack_runtime.install(sys.argv[1]); import hello; "
                        "print(hello.WHO, oxpack_runtime.__file__)", blob], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True, env=env)
    assert r.returncode == 0, r.stderr
    who, where = r.stdout.split()
    assert who == "wheel" and where.startswith(str(venv)) and "site-packages" in where
