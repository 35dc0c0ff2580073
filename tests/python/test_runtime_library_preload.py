"""Format 1.5's SharedLibraries record on this interpreter's own stdlib: the
libraries an extension module needs are loaded by path before it, so the
dynamic loader does not search for them (seen through its own LD_DEBUG=libs
trace, which changes nothing of the search), and not when the environment
changes the search."""
import json
import os
import subprocess
import sys

import pytest

from blobtools import OXPACK, env_with_runtime

CHILD = r"""
import sys, oxpack_runtime
oxpack_runtime.install(sys.argv[1], origin=sys.argv[2])
sys.stderr.write("=== installed\n")
sys.stderr.flush()
import ssl
print(ssl.OPENSSL_VERSION)
"""


def shared_libraries(blob):
    out = subprocess.run([OXPACK, "info", "--json", blob], stdout=subprocess.PIPE, check=True).stdout
    return json.loads(out)["shared_libraries"]


@pytest.fixture(scope="module")
def ssl_libraries(stdlib_blob):
    table = shared_libraries(stdlib_blob)
    libs = (table or {}).get("modules", {}).get("_ssl")
    if not libs:
        pytest.skip("this interpreter's _ssl needs no library outside the interpreter (built in or static)")
    return libs


def run(blob, origin, extra_env=None):
    env = env_with_runtime(dict(extra_env or {}, LD_DEBUG="libs"))
    for var in ("LD_LIBRARY_PATH", "LD_PRELOAD", "LD_AUDIT", "GLIBC_TUNABLES"):
        if var not in (extra_env or {}):
            env.pop(var, None)
    r = subprocess.run([sys.executable, "-c", CHILD, blob, origin], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    assert r.returncode == 0, r.stderr[-3000:]
    after = r.stderr.split("=== installed\n", 1)[1]
    return r.stdout, after


def searched(trace, path):
    """Whether the dynamic loader searched for the library at `path` by name."""
    return "find library=%s " % os.path.basename(path) in trace


def test_the_record_lists_ssl_libraries_dependencies_first(ssl_libraries):
    names = [os.path.basename(p) for p in ssl_libraries]
    assert all(os.path.isabs(p) and os.path.exists(p) for p in ssl_libraries)
    crypto = [i for i, n in enumerate(names) if n.startswith("libcrypto.so")]
    ssl_ = [i for i, n in enumerate(names) if n.startswith("libssl.so")]
    if crypto and ssl_:
        assert crypto[0] < ssl_[0]


@pytest.mark.parametrize("origin", ["original", "blob"])
def test_recorded_libraries_are_loaded_by_path_not_searched(stdlib_blob, ssl_libraries, origin):
    out, trace = run(stdlib_blob, origin)
    assert out.strip()  # ssl works
    for lib in ssl_libraries:
        assert not searched(trace, lib), trace[-2000:]


def test_ld_library_path_leaves_the_search_to_the_loader(stdlib_blob, ssl_libraries, tmp_path):
    out, trace = run(stdlib_blob, "original", {"LD_LIBRARY_PATH": str(tmp_path)})
    assert out.strip()
    assert any(searched(trace, lib) for lib in ssl_libraries), trace[-2000:]
