#!/usr/bin/env python3
"""Benchmark: `oxpack freeze` of a whole site-packages against
`tar -c | zstd -3 -T0` of the same tree (same bytes read and compressed),
interleaved in one run, plus `oxpack scan` alone.

    bench/freeze_vs_tar.py [--runs N] [--tree DIR] [--oxpack build/oxpack]

Prints medians with min-max and the ratio freeze / pipeline (goal: <= 1.0),
the CPU time (user + system, all processes) each side used (wall times on a
shared machine move with the other load, CPU times much less) and the peak
resident memory of each.
Output files go to a temporary directory and are removed.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time


def cpu_of_children():
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime


def timed(cmd, text=False, **_):
    """Runs cmd (output captured); returns (wall seconds, result with
    .cpu_seconds and .max_rss_mb: the peak resident memory of the process or
    of the largest of its descendants)."""
    c = cpu_of_children()
    t = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(p.pid, 0)
        dt = time.perf_counter() - t
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        o, e = out.read(), err.read()
    if text:
        o, e = o.decode(), e.decode()
    r = subprocess.CompletedProcess(cmd, p.returncode, o, e)
    if r.returncode not in (0, 5):
        sys.exit(f"failed ({r.returncode}): {cmd}\n{r.stderr if isinstance(r.stderr, str) else ''}")
    r.cpu_seconds = cpu_of_children() - c
    r.max_rss_mb = usage.ru_maxrss / 1024
    return dt, r


def fmt(xs):
    return f"{statistics.median(xs):6.3f} s  (min {min(xs):.3f}, max {max(xs):.3f})"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--tree", help="directory to pack (default: python3's site-packages)")
    ap.add_argument("--oxpack", default=os.path.join(here, "..", "build", "oxpack"))
    ap.add_argument("--level", type=int, default=3)
    a = ap.parse_args()
    tree = a.tree or json.loads(subprocess.run(
        [sys.executable, "-c", "import site, json; print(json.dumps(site.getsitepackages()[0]))"],
        capture_output=True, text=True, check=True).stdout)
    size = subprocess.run(["du", "-sb", tree], capture_output=True, text=True).stdout.split()[0]
    print(f"tree: {tree} ({int(size) / 1e6:.0f} MB on disk), {a.runs} interleaved runs, zstd level {a.level}")
    with tempfile.TemporaryDirectory(prefix="oxpack-bench-") as tmp:
        blob, tar = os.path.join(tmp, "env.oxr"), os.path.join(tmp, "env.tar.zst")
        freeze = [a.oxpack, "freeze", tree, "-o", blob, "--compress", f"zstd:{a.level}", "--json"]
        pipeline = ["bash", "-c", f'tar -cf - -C "{tree}" . | zstd -{a.level} -T0 -q -f -o "{tar}"']
        scan = [a.oxpack, "scan", tree]
        # Warm the page cache once for both, so neither pays for cold reads.
        timed(pipeline, capture_output=True)
        timed(freeze, capture_output=True, text=True)
        f_times, t_times, s_times, phases = [], [], [], []
        cpu = {"f": [], "t": []}
        rss = {"f": [], "t": []}
        for i in range(a.runs):
            order = [("f", freeze), ("t", pipeline), ("s", scan)]
            if i % 2:
                order = order[1::-1] + order[2:]
            for tag, cmd in order:
                dt, r = timed(cmd, capture_output=True, text=True)
                {"f": f_times, "t": t_times, "s": s_times}[tag].append(dt)
                if tag in cpu:
                    cpu[tag].append(r.cpu_seconds)
                    rss[tag].append(r.max_rss_mb)
                if tag == "f":
                    phases.append(json.loads(r.stdout))
        blob_size, tar_size = os.path.getsize(blob), os.path.getsize(tar)
    ratio = statistics.median(f_times) / statistics.median(t_times)
    print(f"oxpack freeze --compress zstd:{a.level}   {fmt(f_times)}  -> {blob_size / 1e6:.1f} MB")
    print(f"tar -c | zstd -{a.level} -T0             {fmt(t_times)}  -> {tar_size / 1e6:.1f} MB")
    print(f"oxpack scan (alone)              {fmt(s_times)}")
    print(f"CPU time: freeze {fmt(cpu['f'])}")
    print(f"          pipeline {fmt(cpu['t'])}")
    # Fresh memory is not free: every page is faulted in (and zeroed) by whoever touches it first.
    print(f"peak RSS: freeze {statistics.median(rss['f']):.0f} MB, pipeline (largest process) "
          f"{statistics.median(rss['t']):.0f} MB")
    for key in ("scan_seconds", "read_seconds", "compile_seconds", "build_seconds", "write_seconds"):
        print(f"  freeze phase {key:16s} median {statistics.median(p[key] for p in phases):.3f} s")
    print(f"ratio freeze / pipeline: {ratio:.2f} ({'goal met' if ratio <= 1.0 else 'slower than the pipeline'})")


if __name__ == "__main__":
    main()
