#!/usr/bin/env python3
"""install() cost in a fresh process, per verify mode, on the blob of the
whole environment (bench/startup_env.py's venv: ~50,000 entries, more than
the 40,000 of the goal), file in the page cache.

    bench/install_cost.py [--rounds 21] [--json OUT]

Measured: oxpack_runtime.install(blob, verify=MODE) timed inside the
process with perf_counter, the extension already loaded; 'once' after a
first install recorded its check (as every later start sees it). Then, in
the same process, the first find_spec of 40 stdlib modules (what 'pages',
the default since format 1.3, moves from install to lookups: the check of
each index page a lookup reads for the first time). Modes interleaved round
by round; medians with min-max (#13 item 5).
"""
import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import startup_env as se  # noqa: E402

CHILD = r"""
import sys, time, importlib.machinery as m
ext, blob, verify = sys.argv[1:4]
l = m.ExtensionFileLoader('oxpack_runtime', ext)
rt = l.create_module(m.ModuleSpec('oxpack_runtime', l, origin=ext)); l.exec_module(rt)
t = time.perf_counter()
f = rt.install(blob, verify=verify, stale='ignore')
t1 = time.perf_counter()
for n in NAMES:
    f.find_spec(n, None)
t2 = time.perf_counter()
print(t1 - t, t2 - t1)
"""
NAMES = ("abc argparse ast asyncio base64 bisect calendar collections concurrent contextlib copy csv dataclasses "
         "datetime decimal difflib email enum fnmatch fractions functools glob gzip hashlib heapq hmac html http "
         "inspect io ipaddress json logging pathlib pickle random re shutil socket sqlite3 zipfile").split()
CHILD = CHILD.replace("NAMES", repr(NAMES))
MODES = ("pages", "index", "once", "header")


def runtime_ext(python):
    tag = se.run([python, "-c", "import sys; print(sys.implementation.cache_tag)"]).stdout.strip()
    return se.runtime_in(str(se.BUILD / "python" / tag))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=21)
    ap.add_argument("--json", type=Path, default=se.WORK / "install_cost.json")
    a = ap.parse_args()
    env = se.Env(se.WORK / "slow").create()
    blob = env.freeze()
    ext = runtime_ext(env.base)
    info = json.loads(se.run([se.OXPACK, "info", "--json", blob]).stdout)
    cache = tempfile.mkdtemp(prefix="oxpack-install-cache-")
    penv = {k: v for k, v in __import__("os").environ.items() if not k.startswith(("PYTHON", "OXPACK_"))}
    penv["OXPACK_CACHE_DIR"] = cache

    def one(mode):
        install, lookups = se.run([env.base, "-I", "-c", CHILD, ext, blob, mode], env=penv).stdout.split()
        return float(install), float(lookups)

    one("once")  # records the check
    samples = {m: [] for m in MODES}
    for i in range(a.rounds):
        order = list(MODES)
        random.Random(i).shuffle(order)
        for m in order:
            samples[m].append(one(m))
    res = {"entries": info["entries"], "blob_bytes": info.get("file_size") or Path(blob).stat().st_size,
           "install_s": {m: se.stats([x[0] for x in v]) for m, v in samples.items()},
           "first_lookups_s": {m: se.stats([x[1] for x in v]) for m, v in samples.items()},
           "lookups": len(NAMES), "rounds": a.rounds}
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps(res, indent=2))
    print(summary(res))


def summary(res):
    lines = ["install() of the whole environment's blob (%d entries), fresh process each, medians [min-max] of %d"
             % (res["entries"], res["rounds"])]
    for m, s in res["install_s"].items():
        lines.append("  verify=%-8s %8.3f ms [%.3f-%.3f]" % (m, s["median"] * 1e3, s["min"] * 1e3, s["max"] * 1e3))
    if "first_lookups_s" in res:
        lines.append("then the first find_spec of %d stdlib modules in the same process:" % res["lookups"])
        for m, s in res["first_lookups_s"].items():
            lines.append("  verify=%-8s %8.3f ms [%.3f-%.3f]" % (m, s["median"] * 1e3, s["min"] * 1e3, s["max"] * 1e3))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
