"""cmake --install for packagers: the binary, the runtime for every
interpreter built, the reader's headers and find_package(oxpack); a tiny
C++ consumer builds against the prefix and reads a blob."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import BUILD_DIR, REPO, timed

VECTORS = REPO / "format-spec" / "vectors"


def run(*args, **kw):
    r = subprocess.run([str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, **kw)
    assert r.returncode == 0, "%s\n%s" % (args, r.stdout[-4000:])
    return r


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    if not (BUILD_DIR / "oxpack").is_file():
        pytest.fail("%s/oxpack is missing: build first (scripts/setup)" % BUILD_DIR)
    p = tmp_path_factory.mktemp("prefix")
    with timed("cmake --install"):
        run("cmake", "--install", BUILD_DIR, "--prefix", p)
    return p


def test_layout(prefix):
    assert (prefix / "bin" / "oxpack").is_file()
    assert (prefix / "include" / "oxpack" / "format" / "reader.hpp").is_file()
    libdir = next(d for d in ("lib", "lib64", "lib/x86_64-linux-gnu") if (prefix / d / "liboxpack_format.a").is_file())
    assert (prefix / libdir / "cmake" / "oxpack" / "oxpackConfig.cmake").is_file()
    runtimes = list((prefix / "lib" / "oxpack" / "python").glob("*/oxpack_runtime*.so"))
    assert any(r.parent.name == sys.implementation.cache_tag for r in runtimes), runtimes
    for rel in ("share/bash-completion/completions/oxpack", "share/man/man1/oxpack.1",
                "share/zsh/site-functions/_oxpack", "share/fish/vendor_completions.d/oxpack.fish"):
        assert (prefix / rel).is_file(), rel


def test_installed_binary_finds_its_runtime(prefix, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OXPACK_")}
    r = run(prefix / "bin" / "oxpack", "--version", env=env)
    assert "%d.%d" % sys.version_info[:2] in r.stdout.split("present here for ")[1].strip().split(", ")
    src = tmp_path / "src"
    src.mkdir()
    (src / "hello_consumer.py").write_text("print('hi from the blob')\n")
    blob = tmp_path / "h.oxr"
    run(prefix / "bin" / "oxpack", "freeze", src, "--python", sys.executable, "-o", blob, "-q", env=env)
    r = run(prefix / "bin" / "oxpack", "run", blob, "--python", sys.executable, "-m", "hello_consumer", env=env,
            cwd=tmp_path)
    assert r.stdout.strip() == "hi from the blob"


def test_cpp_consumer(prefix, tmp_path):
    build = tmp_path / "build"
    with timed("C++ consumer: configure + build"):
        run("cmake", "-S", Path(__file__).parent / "consumer", "-B", build, "-G", "Ninja",
            "-DCMAKE_PREFIX_PATH=%s" % prefix)
        run("cmake", "--build", build)
    r = run(build / "consumer", VECTORS / "one-module.oxr", "hello")
    assert r.stdout.startswith("entries ")
    assert "payload" in r.stdout
