#!/usr/bin/env python3
"""Damaged blobs through the runtime: every truncation length and random bit
flips of a small blob, each installed with oxpack_runtime.install() in each
verify mode (pages, index, once, header) and in blob mode, its modules imported and
a data file read by path.

Goal, per case: a clean exception (BlobError, or the ImportError / OSError
subclasses an import or an open raises) or correct data -- every module's
VALUE and the data file what the intact blob gives -- never a crash, never
wrong code executed. Cases run in batches in child processes (so a crash is
caught and its case found by running the batch again one case at a time).
"""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import common  # noqa: E402

TITLE = "Damaged blobs through the runtime"
MODES = ("pages", "index", "once", "header")
MODULES = 6

CHILD = textwrap.dedent("""\
    import json, os, sys
    sys.path.insert(0, os.environ['OXPACK_RUNTIME_DIR'])
    import oxpack_runtime
    mode, expected = sys.argv[1], json.loads(sys.argv[2])
    results = []
    for path in sys.argv[3:]:
        outcome = None
        finder = None
        try:
            finder = oxpack_runtime.install(path, verify=mode, origin='blob', stale='ignore')
            got = {}
            for i in range(%(modules)d):
                name = 'dmg.m%%d' %% i
                try:
                    mod = __import__(name, fromlist=['VALUE'])
                    got[name] = mod.VALUE
                except (ImportError, OSError, SyntaxError, ValueError, EOFError, TypeError) as e:
                    got[name] = 'error:' + type(e).__name__
            try:
                with open(os.path.join(finder.path, 'dmg', 'data.txt')) as f:
                    got['data'] = f.read()
            except (OSError, ValueError, UnicodeDecodeError) as e:
                got['data'] = 'error:' + type(e).__name__
            wrong = {k: v for k, v in got.items() if not str(v).startswith('error:') and v != expected[k]}
            outcome = 'wrong:' + json.dumps(wrong) if wrong else ('partial' if any(
                str(v).startswith('error:') for v in got.values()) else 'correct')
        except oxpack_runtime.BlobError:
            outcome = 'refused'
        finally:
            if finder is not None:
                finder.uninstall()
            for k in [k for k in sys.modules if k == 'dmg' or k.startswith('dmg.')]:
                del sys.modules[k]
        results.append(outcome)
    print(json.dumps(results))
    """) % {"modules": MODULES}


def make_blob(work: Path):
    src = work / "src"
    (src / "dmg").mkdir(parents=True)
    (src / "dmg" / "__init__.py").write_text("VALUE = 'package'\n")
    for i in range(MODULES):
        (src / "dmg" / f"m{i}.py").write_text(f"VALUE = {i * 1111}\nDOC = {('module %d ' % i) * 20!r}\n")
    (src / "dmg" / "data.txt").write_text("the data file\n" * 10)
    blob = work / "intact.oxr"
    common.oxpack("freeze", src, "--python", sys.executable, "-o", blob, check=0)
    expected = {f"dmg.m{i}": i * 1111 for i in range(MODULES)}
    expected["data"] = "the data file\n" * 10
    return blob.read_bytes(), expected


def run_batch(mode, expected, paths, env):
    r = subprocess.run([sys.executable, "-c", CHILD, mode, json.dumps(expected), *map(str, paths)],
                       capture_output=True, text=True, env=env, timeout=900)
    if r.returncode == 0:
        return json.loads(r.stdout.strip().splitlines()[-1]), None
    return None, r


def run_cases(mode, expected, cases, work, env, failures, counts):
    """cases: [(label, bytes)]. Writes each to its own file (verify='once'
    keys its record on the file), runs them in batches."""
    batch = 200
    for start in range(0, len(cases), batch):
        chunk = cases[start:start + batch]
        paths = []
        for k, (label, data) in enumerate(chunk):
            p = work / f"case-{mode}-{start + k}.oxr"
            p.write_bytes(data)
            paths.append(p)
        results, crash = run_batch(mode, expected, paths, env)
        if crash is not None:  # find the case: one at a time
            results = []
            for (label, _), p in zip(chunk, paths):
                one, crash1 = run_batch(mode, expected, [p], env)
                if crash1 is not None:
                    failures.append(f"{mode}: {label}: the interpreter died ({crash1.returncode}): "
                                    f"{crash1.stderr.strip()[-300:]}")
                    results.append("crash")
                else:
                    results.extend(one)
        for (label, _), outcome in zip(chunk, results):
            key = outcome.split(":")[0]
            counts[key] = counts.get(key, 0) + 1
            if key == "wrong":
                failures.append(f"{mode}: {label}: wrong data: {outcome[6:]}")
        for p in paths:
            p.unlink()


def main():
    a = common.args(__doc__, lambda p: p.add_argument("--flips", type=int, default=10000))
    rng = random.Random(a.seed)
    flips = 100 if a.quick else a.flips
    work = Path(tempfile.mkdtemp(prefix="oxpack-rel-damaged-"))
    env = dict(os.environ, OXPACK_RUNTIME_DIR=str(common.BUILD / "python" / sys.implementation.cache_tag),
               OXPACK_CACHE_DIR=str(work / "cache"))
    try:
        intact, expected = make_blob(work)
        step = 37 if a.quick else 1
        lengths = list(range(0, len(intact), step))
        common.log(f"blob of {len(intact)} bytes: {len(lengths)} truncations and {flips} bit flips per verify mode "
                   f"(seed {a.seed})")
        failures, table = [], [["verify", "cases", "correct", "refused (BlobError)", "partial (clean errors)",
                                "wrong data", "crashes"]]
        total = 0
        for mode in MODES:
            cases = [(f"truncated to {n} bytes", intact[:n]) for n in lengths]
            for _ in range(flips):
                bit = rng.randrange(len(intact) * 8)
                data = bytearray(intact)
                data[bit // 8] ^= 1 << (bit % 8)
                cases.append((f"bit {bit} flipped", bytes(data)))
            counts = {}
            before = len(failures)
            run_cases(mode, expected, cases, work, env, failures, counts)
            total += len(cases)
            table.append([mode, len(cases), counts.get("correct", 0), counts.get("refused", 0),
                          counts.get("partial", 0), counts.get("wrong", 0), counts.get("crash", 0)])
            common.log(f"verify={mode}: {counts}, {len(failures) - before} failure(s)")
        common.finish(TITLE, "tests/reliability/run runtime_damaged" + (" --quick" if a.quick else ""),
                      f"A {len(intact)}-byte blob ({MODULES + 1} modules and a data file, frozen by `oxpack freeze`): "
                      f"every truncation length{'' if step == 1 else f' (every {step}th)'} and {flips} random "
                      "single-bit flips, each installed in blob mode with each verify mode, every module imported "
                      "and the data file read by path. Goal: a clean exception or correct data, never a crash or "
                      "wrong code executed.",
                      total, failures, table=table, quick=a.quick, seed=a.seed)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
