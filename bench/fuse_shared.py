#!/usr/bin/env python3
"""A shared filesystem under load: the environment on a FUSE passthrough
with a fixed latency per request served by one thread (build/bench/
fuse_latency, bench/fuse_latency.c), and N processes started at once, each
running the workload; the time until all have finished.

    bench/fuse_shared.py [--procs 1,8,32] [--latency-us 1000] [--rounds 2]
                         [--workload real] [--quick] [--json OUT]

The mount is a passthrough of / at /mnt/oxpack-bench-fuse. The
environment seen through it: a venv (bench/startup_env.py, with oxpack's
hook) whose pyvenv.cfg points at the base Python through the mount, so the
stdlib, lib-dynload, site-packages, the venv and the blob are all read
through FUSE (the python executable and libpython resolve by absolute
symlink and RUNPATH to the local disk). The blob is frozen from the venv
as seen through the mount (its roots are the mount's paths) and lies on
the mount too. The filesystem is mounted afresh for every measurement (the
client's caches start empty: entries, attributes and pages; the server's
disk is warm) with libfuse's default entry/attribute timeouts (1 s) and
-o kernel_cache (pages kept across opens, as NFS keeps them while a file's
attributes do not change). Variants interleaved, shuffled every round;
medians with min-max; the server's request count per run.
"""
import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import startup_env as se  # noqa: E402

MOUNT = Path("/mnt/oxpack-bench-fuse")
FUSE = Path(os.environ.get("OXPACK_FUSE_LATENCY", se.BUILD / "bench" / "fuse_latency"))


class Mount:
    def __init__(self, latency_us):
        self.latency_us = latency_us
        self.proc = None
        self.log = None

    def __enter__(self):
        MOUNT.mkdir(parents=True, exist_ok=True)
        subprocess.run(["fusermount3", "-u", "-q", str(MOUNT)], stderr=subprocess.DEVNULL)
        self.log = tempfile.TemporaryFile("w+")
        self.proc = subprocess.Popen([str(FUSE), "/", str(MOUNT), "--latency-us=%d" % self.latency_us,
                                      "-o", "kernel_cache"], stdout=self.log, stderr=self.log)
        for _ in range(200):
            if os.path.ismount(str(MOUNT)):
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        self.log.seek(0)
        raise SystemExit("fuse_latency did not mount: " + self.log.read())

    def __exit__(self, *exc):
        subprocess.run(["fusermount3", "-u", str(MOUNT)], check=False)
        self.proc.wait(timeout=30)
        self.log.seek(0)
        text = self.log.read()
        self.log.close()
        self.requests = int(text.split("fuse_latency: ")[-1].split()[0]) if "requests served" in text else -1


def via(path):
    return str(MOUNT) + str(path)


def make_env(profile=None):
    """The venv and its blob as seen through the mount."""
    env = se.Env(se.WORK / "fuse").create()
    cfg = env.venv / "pyvenv.cfg"
    base_bin = str(Path(env.base).parent)
    text = cfg.read_text()
    if via(base_bin) not in text:
        cfg.write_text("\n".join("home = " + via(base_bin) if l.startswith("home =") else l
                                 for l in text.splitlines()) + "\n")
    python = via(env.venv / "bin" / "python")
    blob_real = se.WORK / "fuse" / ("venv-profiled.oxr" if profile else "venv.oxr")
    fenv = se.Env(se.WORK / "fuse", python=python, blob=via(blob_real), profile=profile)
    if not blob_real.exists():
        with Mount(0):
            se.run([se.OXPACK, "freeze", "--no-progress", "--compress", "none", "--python", python, "-o", blob_real]
                   + (["--profile", profile] if profile else []), ok=(0, 5))
    return fenv


def start_all(env, variant, workload, n):
    """N processes started at once; seconds until the last exits, and each
    one's wall time."""
    cmd = se.child_cmd(env, workload)
    e = env.environ(variant, workload)
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, env=e,
                              cwd=tempfile.gettempdir()) for _ in range(n)]
    walls, outs = [], []
    for p in procs:
        out, err = p.communicate()
        walls.append(time.perf_counter() - t0)
        if p.returncode != 0:
            raise RuntimeError("%s/%s failed (%d): %s" % (variant, workload, p.returncode, err[-3000:]))
        outs.append(se.parse_child(out))
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    return max(walls), walls, outs, cpu


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--procs", default="1,8,32")
    ap.add_argument("--latency-us", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--workload", default="real", choices=["stdlib", "real"])
    ap.add_argument("--variants", default=",".join(se.VARIANTS))
    ap.add_argument("--quick", action="store_true", help="stdlib, 1 and 2 processes, one round (a smoke run)")
    ap.add_argument("--json", type=Path, default=se.WORK / "fuse_shared.json")
    a = ap.parse_args()
    if a.quick:
        a.procs, a.workload, a.rounds = "1,2", "stdlib", 1
    if not FUSE.exists():
        raise SystemExit("%s is not built (libfuse3-dev missing? scripts/setup installs it)" % FUSE)
    procs = [int(x) for x in a.procs.split(",")]
    variants = a.variants.split(",")
    env = make_env()
    with Mount(0):  # check every variant runs through the mount
        for v in variants:
            se.measure(env, v, a.workload)
    res = {"latency_us": a.latency_us, "workload": a.workload, "rounds": a.rounds, "procs": procs,
           "load": open("/proc/loadavg").read().split()[:3], "results": {}}
    for n in procs:
        samples = {v: {"all_s": [], "each_s": [], "requests": [], "cpu_s": []} for v in variants}
        for i in range(a.rounds):
            order = variants[:]
            random.Random(n * 100 + i).shuffle(order)
            for v in order:
                m = Mount(a.latency_us)
                with m:
                    total, walls, outs, cpu = start_all(env, v, a.workload, n)
                samples[v]["all_s"].append(total)
                samples[v]["each_s"].extend(walls)
                samples[v]["requests"].append(m.requests)
                samples[v]["cpu_s"].append(cpu)
            se.log("fuse: %d procs, round %d/%d: %s" % (n, i + 1, a.rounds, ", ".join(
                "%s %.2f s (%d requests)" % (v, samples[v]["all_s"][-1], samples[v]["requests"][-1])
                for v in variants)))
        res["results"][str(n)] = {v: {"all_s": se.stats(s["all_s"]), "each_s": se.stats(s["each_s"]),
                                      "requests": se.stats(s["requests"]), "cpu_s": se.stats(s["cpu_s"])}
                                  for v, s in samples.items()}
    res["load_after"] = open("/proc/loadavg").read().split()[:3]
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps(res, indent=2))
    print(summary(res))
    se.log("wrote %s" % a.json)


def summary(res):
    lines = ["FUSE passthrough, %d µs per request, one server thread; %s workload; N processes started at once; "
             "time until all finished, medians [min-max] of %d rounds; ratio = default / variant"
             % (res["latency_us"], res["workload"], res["rounds"]),
             "  %-6s %-28s %26s %7s %12s" % ("procs", "variant", "all finished, s", "ratio", "requests")]
    for n, by in res["results"].items():
        base = by["default"]["all_s"]["median"]
        for v, s in by.items():
            lines.append("  %-6s %-28s %10.2f [%6.2f-%6.2f] %6.1fx %12.0f" % (
                n, v, s["all_s"]["median"], s["all_s"]["min"], s["all_s"]["max"], base / s["all_s"]["median"],
                s["requests"]["median"]))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
