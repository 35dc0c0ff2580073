"""Fixtures for the packaging tests: the wheel `pip wheel .` builds (once per
run) and a fresh venv with only that wheel installed.

The wheel is built with the python3 running pytest, --no-build-isolation
(scripts/setup installs scikit-build-core), into a build directory kept
under build/wheel/ so that a second run rebuilds only what changed.
$OXPACK_WHEEL names a wheel built elsewhere to test instead."""
import glob
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD_DIR = Path(os.environ.get("OXPACK_BUILD_DIR", REPO / "build"))
TIMINGS = {}


def pytest_terminal_summary(terminalreporter):
    if TIMINGS:
        terminalreporter.section("packaging timings")
        for name, seconds in TIMINGS.items():
            terminalreporter.write_line("%-40s %7.1f s" % (name, seconds))


def timed(name):
    class Timer:
        def __enter__(self):
            self.t0 = time.monotonic()

        def __exit__(self, *exc):
            TIMINGS[name] = time.monotonic() - self.t0
    return Timer()


def clean_env(extra=None, path_first=None):
    """The environment a user of the installed wheel has: nothing pointing
    into the build tree or the source checkout."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("OXPACK_") and k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    if path_first:
        env["PATH"] = str(path_first) + os.pathsep + env.get("PATH", "/usr/bin:/bin")
    env.update(extra or {})
    return env


@pytest.fixture(scope="session")
def wheel(tmp_path_factory):
    given = os.environ.get("OXPACK_WHEEL")
    if given:
        return Path(given)
    out = tmp_path_factory.mktemp("dist")
    env = dict(os.environ, CMAKE_BUILD_PARALLEL_LEVEL=os.environ.get("OXPACK_JOBS", "2"))
    with timed("pip wheel . (incremental build dir)"):
        r = subprocess.run([sys.executable, "-m", "pip", "wheel", str(REPO), "--no-build-isolation", "--no-deps",
                            "--disable-pip-version-check", "-w", str(out),
                            "--config-settings=build-dir=%s/wheel/{wheel_tag}" % BUILD_DIR],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, env=env)
    assert r.returncode == 0, r.stdout[-5000:]
    wheels = glob.glob(str(out / "oxpack-*.whl"))
    assert len(wheels) == 1, wheels
    return Path(wheels[0])


class Venv:
    def __init__(self, root):
        self.root = Path(root)
        self.bin = self.root / "bin"
        self.python = self.bin / "python"
        self.oxpack = self.bin / "oxpack"

    def run(self, *args, env=None, cwd=None, check=False, timeout=900):
        r = subprocess.run([str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, env=clean_env(env, path_first=self.bin), cwd=cwd,
                           timeout=timeout)
        if check:
            assert r.returncode == 0, "%s: exit %d\n%s\n%s" % (args, r.returncode, r.stdout[-3000:], r.stderr[-3000:])
        return r

    def site_packages(self):
        r = self.run(self.python, "-c", "import sysconfig; print(sysconfig.get_paths()['platlib'])", check=True)
        return Path(r.stdout.strip())


@pytest.fixture(scope="session")
def venv(wheel, tmp_path_factory):
    """A fresh venv of python3 with the wheel installed from the file alone
    (--no-index: nothing else comes in)."""
    root = tmp_path_factory.mktemp("venv") / "env"
    with timed("python3 -m venv + pip install wheel"):
        subprocess.run([sys.executable, "-m", "venv", str(root)], check=True, env=clean_env())
        v = Venv(root)
        v.run(v.python, "-m", "pip", "install", "--no-index", "--no-deps", "--disable-pip-version-check", "-q",
              str(wheel), check=True)
    return v
