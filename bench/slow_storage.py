#!/usr/bin/env python3
"""Slow storage, per process: every filesystem system call delayed by a
fixed time (strace fault injection, `delay_enter`, as bench/imports.py
does), at several delays, for the whole process (python start to exit) and
the import window inside it.

    bench/slow_storage.py [--delays 0,100,1000,5000] [--rounds 3] [--rounds-slowest 2]
                          [--workload stdlib --workload real] [--quick] [--json OUT]

Variants (bench/startup_env.py): the default importer in a venv of
python3, and the same venv with oxpack's .pth hook serving everything after
`site` from a blob of the venv's sys.path, in original mode with the frozen
roots' files served from the blob (files='blob') and in blob mode (files
from the blob by default). Every run is one fresh process under the same
tracer; variants are interleaved in a shuffled order every round; medians
with min-max. A delay of 0 is the tracer alone. One more untimed run per
variant counts the filesystem calls per cause and phase (strace -f -y).
"""
import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import startup_env as se  # noqa: E402


def strace_delay(delay_us):
    cmd = ["strace", "-f", "--seccomp-bpf", "-qq", "-o", "/dev/null", "-e", "trace=" + se.FS_CALLS]
    if delay_us:
        cmd += ["-e", "inject=%s:delay_enter=%d" % (se.FS_CALLS, delay_us)]
    return cmd


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--delays", default="0,100,1000,5000", help="µs per filesystem call, comma-separated")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--rounds-slowest", type=int, default=2, help="rounds at the largest delay (default 2)")
    ap.add_argument("--workload", action="append", choices=["stdlib", "real"])
    ap.add_argument("--quick", action="store_true", help="stdlib only, 100 µs, one round (a smoke run)")
    ap.add_argument("--json", type=Path, default=se.WORK / "slow_storage.json")
    ap.add_argument("--recount", action="store_true",
                    help="only count the filesystem calls per cause again, into the existing JSON")
    a = ap.parse_args()
    if a.recount:
        res = json.loads(a.json.read_text())
        env = se.Env(se.WORK / "slow")
        for w, wr in res["workloads"].items():
            for v in se.VARIANTS:
                wr["calls"][v] = se.trace_calls(env, v, w)
                wr["calls"][v].pop("top_paths", None)
        a.json.write_text(json.dumps(res, indent=2))
        print(summary(res))
        return
    delays = [int(x) for x in a.delays.split(",")]
    workloads = a.workload or ["stdlib", "real"]
    if a.quick:
        delays, workloads, a.rounds, a.rounds_slowest = [100], a.workload or ["stdlib"], 1, 1
    env = se.Env(se.WORK / "slow").create()
    env.freeze()
    res = {"delays_us": delays, "rounds": a.rounds, "variants": list(se.VARIANTS), "workloads": {},
           "load": open("/proc/loadavg").read().split()[:3]}
    for w in workloads:
        wr = {"calls": {}, "delays": {}}
        for v in se.VARIANTS:
            se.measure(env, v, w)  # warm the page cache, check it runs
            wr["calls"][v] = se.trace_calls(env, v, w)
            wr["calls"][v].pop("top_paths", None)
            se.log("slow storage: %s %s: %d filesystem calls (%s)" % (w, v, wr["calls"][v]["total"],
                                                                       wr["calls"][v]["by_phase"]))
        for d in delays:
            rounds = a.rounds_slowest if d == max(delays) and len(delays) > 1 else a.rounds
            samples = {v: {"import_s": [], "wall_s": []} for v in se.VARIANTS}
            for i in range(rounds):
                order = list(se.VARIANTS)
                random.Random(d * 100 + i).shuffle(order)
                for v in order:
                    out = se.measure(env, v, w, wrap=strace_delay(d))
                    samples[v]["import_s"].append(out["import_s"])
                    samples[v]["wall_s"].append(out["wall_s"])
                se.log("slow storage: %s %d µs: round %d/%d: %s" % (
                    w, d, i + 1, rounds, ", ".join("%s %.2f s" % (v, samples[v]["wall_s"][-1]) for v in samples)))
            wr["delays"][str(d)] = {v: {k: se.stats(xs) for k, xs in s.items()} for v, s in samples.items()}
        res["workloads"][w] = wr
    res["load_after"] = open("/proc/loadavg").read().split()[:3]
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps(res, indent=2))
    print(summary(res))
    se.log("wrote %s" % a.json)


def summary(res):
    lines = ["slow storage (strace delay_enter on every filesystem call); medians [min-max], ratio = default / variant"]
    for w, wr in res["workloads"].items():
        lines.append("\n%s: filesystem calls per process (before the hook / start-up / window / exit): %s" % (w, ", ".join(
            "%s %d (%s)" % (v, c["total"], "/".join(str(c["by_phase"].get(p, 0)) for p in ("before the hook", "start-up", "window", "exit")))
            for v, c in wr["calls"].items())))
        lines.append("  %-8s %-28s %26s %7s %26s %7s" % ("delay", "variant", "whole process, ms", "ratio",
                                                        "import window, ms", "ratio"))
        for d, by in wr["delays"].items():
            base = by["default"]
            for v, s in by.items():
                lines.append("  %-8s %-28s %10.0f [%6.0f-%6.0f] %6.1fx %10.0f [%6.0f-%6.0f] %6.1fx" % (
                    d + " µs", v, s["wall_s"]["median"] * 1e3, s["wall_s"]["min"] * 1e3, s["wall_s"]["max"] * 1e3,
                    base["wall_s"]["median"] / s["wall_s"]["median"], s["import_s"]["median"] * 1e3,
                    s["import_s"]["min"] * 1e3, s["import_s"]["max"] * 1e3,
                    base["import_s"]["median"] / s["import_s"]["median"]))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
