"""What the import benchmarks share on the measuring side (as zstd's
programs/benchfn.h serves all its benchmarks): where things are, one child
run timed and parsed, the spread of a sample, the runtime of a build.

The child processes' side (loading the runtime, running a workload, the
strace marks, the limit loader) is bench_child.py, kept apart because a
child imports it before its clock starts and must import nothing else.
"""
import json
import os
import statistics
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
BUILD = os.environ.get("OXPACK_BUILD_DIR") or os.path.join(REPO, "build")
WORKLOADS = os.environ.get("OXPACK_WORKLOADS", "/work/shared/workloads")


class ChildRun:
    """One finished child: its result (the last line of its stdout, parsed),
    its wall-clock time as seen from here, and its stderr."""

    def __init__(self, out, wall_s, stderr):
        self.out, self.wall_s, self.stderr = out, wall_s, stderr


def timed(cmd, env=None, cwd=None):
    """Runs `cmd` and waits: (its CompletedProcess, stdout and stderr as
    text, and its wall-clock time from here, exec to exit)."""
    t0 = time.perf_counter()
    r = subprocess.run([str(c) for c in cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, env=env, cwd=cwd)
    return r, time.perf_counter() - t0


def run_child(cmd, what, env=None, cwd=None, parse=json.loads):
    """Runs `cmd` and waits; exits naming `what` with the end of its stderr
    when it fails."""
    r, wall = timed(cmd, env, cwd)
    if r.returncode != 0:
        raise SystemExit("%s failed:\n%s" % (what, r.stderr[-3000:]))
    return ChildRun(parse(r.stdout.strip().splitlines()[-1]), wall, r.stderr)


def stats(xs):
    """Median, extremes and count of a sample."""
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


def runtime_in(directory):
    """The oxpack_runtime extension file in `directory` (build/python/<tag>)."""
    directory = os.path.abspath(directory)
    names = sorted(n for n in os.listdir(directory) if n.startswith("oxpack_runtime") and n.endswith(".so"))
    if not names:
        raise SystemExit("no oxpack_runtime*.so in " + directory)
    return os.path.join(directory, names[0])
