"""bench/run lazy's smoke test (#15): bench/lazy.py runs one real command
(pygmentize -l python) under the default importer, oxpack eager and oxpack
lazy, on small blobs (--include: pygments and the stdlib packages it imports
but never uses, the rest from disk), and must find every run's stdout and
exit code identical to the default importer's, with a lazy set (freeze
--lazy auto) that leaves some body unrun. Runs under python3 only (the
interpreter the benchmark measures); about 5 s."""
import json
import os
import subprocess
import sys

import pytest

import blobtools

BENCH = os.path.join(blobtools.REPO, "bench", "lazy.py")
INCLUDE = ("pygments*", "importlib*", "email*", "ast", "csv", "string")


def _python3_is_me():
    try:
        out = subprocess.run(["python3", "-c", "import sys; print(sys.implementation.cache_tag)"],
                             stdout=subprocess.PIPE, universal_newlines=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return False
    return out == sys.implementation.cache_tag


@pytest.mark.skipif(not _python3_is_me(), reason="bench/lazy.py measures python3; this is another interpreter")
def test_lazy_bench_three_variants_identical_output(tmp_path):
    pytest.importorskip("pygments")
    out = tmp_path / "lazy.json"
    env = dict(os.environ, OXPACK_BUILD_DIR=blobtools.BUILD)
    small = [x for g in INCLUDE for x in ("--freeze-arg=--include", "--freeze-arg=" + g)]
    r = subprocess.run([sys.executable, BENCH, "--commands", "pygmentize", "--rounds", "1", "--count-rounds", "1",
                        "--phases", "", "--work", str(tmp_path / "work"),
                        "--json", str(out)] + small,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, env=env, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    res = json.loads(out.read_text())
    c = res["commands"]["pygmentize"]
    assert c["identical_output"] and not c["mismatches"]
    assert c["default_exit"] == 0 and "\x1b[" in c["stdout_head"]  # highlighted: the command really ran
    lb = c["lazy_blob"]  # freeze --profile CMD --lazy auto (or, without it, the set found by lazy runs)
    assert (lb.get("chosen") or lb.get("globs") or 0) > 0 and c["counts"]["lazy"]["deferred"] > 0
    assert c["counts"]["eager"]["deferred"] == 0
    assert all(c["wall_s"][v]["n"] == 1 for v in ("default", "eager", "lazy"))
