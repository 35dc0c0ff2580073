#!/usr/bin/env python3
"""A blob changed under running processes: 4 processes import from a blob
(modules one after another, each reading a data file by path), and at a
random moment the blob is truncated in place, overwritten in place with
another blob of the same size (as `cp new.oxr app.oxr` does), or replaced
by renaming another blob over it (as `oxpack freeze` does).

Goal, per process: no crash, ever. Replaced by rename: every import gives
the old blob's values (the process keeps the file it mapped). Truncated or
overwritten in place: each import gives the old blob's values or raises
BlobError naming the blob; never a value of the new blob (new code running
beside the old).
"""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import common  # noqa: E402

TITLE = "A blob changed under running processes"
MODULES = 300
PROCESSES = 4
KINDS = ("truncated in place", "overwritten in place", "replaced by rename")

CHILD = textwrap.dedent("""\
    import json, os, sys, time
    sys.path.insert(0, os.environ['OXPACK_RUNTIME_DIR'])
    import oxpack_runtime
    blob = sys.argv[1]
    finder = oxpack_runtime.install(blob, origin='blob', verify='header')
    sys.stdout.write('ready\\n')
    sys.stdout.flush()
    seen = {'old': 0, 'new': 0, 'blob_error': 0, 'other': []}
    for i in range(%(modules)d):
        try:
            mod = __import__('rep.m%%d' %% i, fromlist=['VALUE'])
            with open(os.path.join(finder.path, 'rep', 'd%%d.txt' %% i)) as f:
                data = f.read()
            if mod.VALUE == i and data == 'old %%d\\n' %% i:
                seen['old'] += 1
            elif mod.VALUE == i + 100000 or data.startswith('new'):
                seen['new'] += 1
            else:
                seen['other'].append([i, repr(mod.VALUE), data[:20]])
        except oxpack_runtime.BlobError as e:
            seen['blob_error'] += 1
            if blob not in str(e):
                seen['other'].append([i, 'BlobError without the blob path: ' + str(e)[:200]])
        except (ImportError, OSError) as e:
            seen['other'].append([i, type(e).__name__ + ': ' + str(e)[:200]])
        time.sleep(0.001)
    print(json.dumps(seen))
    """) % {"modules": MODULES}


def make_tree(root: Path, value_offset: int, tag: str):
    (root / "rep").mkdir(parents=True)
    (root / "rep" / "__init__.py").write_text("")
    for i in range(MODULES):
        (root / "rep" / f"m{i}.py").write_text(f"VALUE = {i + value_offset}\n# {tag * 30}\n")
        (root / "rep" / f"d{i}.txt").write_text(f"{tag} {i}\n")


def make_blobs(work: Path):
    """The old blob and a new one of exactly the same size (same layout,
    other values), both frozen by oxpack."""
    blobs = []
    for tag, offset in (("old", 0), ("new", 100000)):
        src = work / f"src-{tag}"
        make_tree(src, offset, tag)
        out = work / f"{tag}.oxr"
        common.oxpack("freeze", src, "--python", sys.executable, "-o", out, env=dict(os.environ, SOURCE_DATE_EPOCH="0"),
                      check=0)
        blobs.append(out.read_bytes())
    old, new = blobs
    if len(old) != len(new):  # pad the source comments until they match (rare)
        raise SystemExit(f"old and new blobs differ in size ({len(old)} vs {len(new)})")
    return old, new


def one_run(kind, old, new, work, env, rng):
    live = work / "app.oxr"
    live.write_bytes(old)
    # Unbuffered pipes: readline() takes the 'ready' line alone (a buffered
    # reader could take the report too when a child is fast, and
    # communicate() would never see it).
    procs = [subprocess.Popen([sys.executable, "-c", CHILD, str(live)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              bufsize=0, env=env) for _ in range(PROCESSES)]
    for p in procs:
        p.stdout.readline()  # 'ready': installed
    time.sleep(rng.uniform(0.0, 0.6))  # a random moment of the imports (~0.3-0.9 s of them)
    if kind == "truncated in place":
        os.truncate(live, rng.randrange(0, len(old)))
    elif kind == "overwritten in place":
        with open(live, "r+b") as f:
            f.write(new)
    else:
        tmp = work / ".app.oxr.new"
        tmp.write_bytes(new)
        os.replace(tmp, live)
    problems, outcome = [], {"old": 0, "new": 0, "blob_error": 0}
    for p in procs:
        out, err = (b.decode(errors="replace") for b in p.communicate(timeout=300))
        if p.returncode != 0:
            sig = -p.returncode if p.returncode < 0 else None
            problems.append(f"{kind}: a process " + (f"died of {signal.Signals(sig).name}" if sig else
                                                      f"exited {p.returncode}") + f": {err.strip()[-300:]}")
            continue
        lines = out.strip().splitlines()
        if not lines:
            problems.append(f"{kind}: a process exited 0 without its report: {err.strip()[-300:]}")
            continue
        seen = json.loads(lines[-1])
        for k in outcome:
            outcome[k] += seen[k]
        if seen["other"]:
            problems.append(f"{kind}: unexpected: {seen['other'][:3]}")
        if seen["new"]:
            problems.append(f"{kind}: {seen['new']} import(s) gave the new blob's values beside the old ones")
        if kind == "replaced by rename" and seen["blob_error"]:
            problems.append(f"{kind}: {seen['blob_error']} BlobError(s): the mapped file should keep serving")
    return problems, outcome


def main():
    a = common.args(__doc__, lambda p: p.add_argument("--runs", type=int, default=100))
    rng = random.Random(a.seed)
    runs = 4 if a.quick else a.runs
    work = Path(tempfile.mkdtemp(prefix="oxpack-rel-replaced-"))
    env = dict(os.environ, OXPACK_RUNTIME_DIR=str(common.BUILD / "python" / sys.implementation.cache_tag))
    try:
        old, new = make_blobs(work)
        failures = []
        table = [["change", "runs × processes", "imports of the old blob", "BlobError raised", "new values",
                  "crashes or other"]]
        for kind in KINDS:
            totals = {"old": 0, "new": 0, "blob_error": 0}
            bad = 0
            for r in range(runs):
                problems, outcome = one_run(kind, old, new, work, env, rng)
                for k in totals:
                    totals[k] += outcome[k]
                bad += len(problems)
                failures += problems
            table.append([kind, f"{runs} × {PROCESSES}", totals["old"], totals["blob_error"], totals["new"], bad])
            common.log(f"{kind}: {totals}, {bad} problem(s)")
        common.finish(TITLE, "tests/reliability/run runtime_blob_replaced" + (" --quick" if a.quick else ""),
                      f"{PROCESSES} processes import {MODULES} modules (each reading a data file by path, blob mode, "
                      "verify='header') from a blob of "
                      f"{len(old)} bytes; at a random moment it is truncated in place (to a random length), "
                      "overwritten in place with a same-size blob of other values, or replaced by rename. Goal: no "
                      "crash; never a value of the new blob; after a rename, every import still the old blob's.",
                      runs * len(KINDS), failures, table=table, quick=a.quick, seed=a.seed)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
