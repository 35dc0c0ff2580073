#!/usr/bin/env python3
"""Cold start, whole process: the real workload with the page cache of the
environment and of the blobs evicted before every run (posix_fadvise
DONTNEED on every file under the venv's sys.path roots, the base Python's
lib/ and the blobs, as `bench/run cold` does; filesystem metadata stays
cached), the default importer against oxpack's hook in both origins with
files from the blob, with the default blob layout and with one frozen by
`oxpack freeze --profile` of the same workload.

    bench/cold.py [--rounds 5] [--workload real] [--quick] [--json OUT]

Variants interleaved, shuffled every round; medians with min-max; whole
process (python start to exit) and the import window; bytes the process
made the kernel read from storage are not available from outside, so the
eviction is checked by timing alone.
"""
import argparse
import json
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import startup_env as se  # noqa: E402


def evict(paths):
    n = 0
    for top in paths:
        if not os.path.exists(top):
            continue
        files = [top] if os.path.isfile(top) else (os.path.join(d, f) for d, _, fs in os.walk(top) for f in fs)
        for path in files:
            try:
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
            except OSError:
                continue
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                n += 1
            finally:
                os.close(fd)
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--workload", default="real", choices=["stdlib", "real"])
    ap.add_argument("--quick", action="store_true", help="stdlib, one round (a smoke run)")
    ap.add_argument("--json", type=Path, default=se.WORK / "cold_start.json")
    a = ap.parse_args()
    if a.quick:
        a.workload, a.rounds = "stdlib", 1
    env = se.Env(se.WORK / "slow").create()
    env.freeze()
    wl_cmd = "%s %s" % (env.python, se.WORKLOADS / "real-set.py") if a.workload == "real" else \
        "%s -c 'import sys\nfor m in open(sys.argv[1]).read().split():\n  try: __import__(m)\n  except Exception: pass' %s" \
        % (env.python, se.WORKLOADS / "stdlib-modules.txt")
    profiled = se.Env(se.WORK / "slow", profile=wl_cmd)
    profiled.freeze()
    envs = {"default": (env, "default"),
            "oxpack original files=blob": (env, "oxpack original files=blob"),
            "oxpack blob": (env, "oxpack blob"),
            "oxpack original files=blob, --profile": (profiled, "oxpack original files=blob"),
            "oxpack blob, --profile": (profiled, "oxpack blob")}
    info = json.loads(se.run([env.python, "-c", "import sys, json; print(json.dumps([p for p in sys.path if p]))"],
                             env=env.environ("default", a.workload)).stdout)
    lib = str(Path(env.base).resolve().parent.parent / "lib")
    targets = sorted(set(info + [lib, env.blob, profiled.blob, str(se.CHILD), str(se.WORKLOADS)]))
    for name, (e, v) in envs.items():  # check each runs
        se.measure(e, v, a.workload)
    samples = {n: {"wall_s": [], "import_s": []} for n in envs}
    for i in range(a.rounds):
        order = list(envs)
        random.Random(i).shuffle(order)
        for name in order:
            evict(targets)
            e, v = envs[name]
            out = se.measure(e, v, a.workload)
            samples[name]["wall_s"].append(out["wall_s"])
            samples[name]["import_s"].append(out["import_s"])
        se.log("cold: round %d/%d: %s" % (i + 1, a.rounds, ", ".join(
            "%s %.2f s" % (n, samples[n]["wall_s"][-1]) for n in envs)))
    res = {"workload": a.workload, "rounds": a.rounds, "evicted": targets,
           "load": open("/proc/loadavg").read().split()[:3],
           "results": {n: {k: se.stats(xs) for k, xs in s.items()} for n, s in samples.items()}}
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps(res, indent=2))
    print(summary(res))
    se.log("wrote %s" % a.json)


def summary(res):
    base = res["results"]["default"]
    lines = ["cold start (page cache of the environment and blobs evicted before each run), %s workload, %d rounds; "
             "medians [min-max]; ratio = default / variant" % (res["workload"], res["rounds"]),
             "  %-40s %26s %7s %26s %7s" % ("variant", "whole process, ms", "ratio", "import window, ms", "ratio")]
    for n, s in res["results"].items():
        lines.append("  %-40s %10.0f [%6.0f-%6.0f] %6.2fx %10.0f [%6.0f-%6.0f] %6.2fx" % (
            n, s["wall_s"]["median"] * 1e3, s["wall_s"]["min"] * 1e3, s["wall_s"]["max"] * 1e3,
            base["wall_s"]["median"] / s["wall_s"]["median"], s["import_s"]["median"] * 1e3,
            s["import_s"]["min"] * 1e3, s["import_s"]["max"] * 1e3,
            base["import_s"]["median"] / s["import_s"]["median"]))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
