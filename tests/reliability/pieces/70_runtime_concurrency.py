#!/usr/bin/env python3
"""The runtime under concurrency, on every CPython found (scripts/pythons):
16 threads importing overlapping modules and reading data files by path at
once (a fresh process per run); fork, then import in parent and child;
imports from an atexit function; sub-interpreters on 3.12+ (an interpreter
that shares the main GIL serves from the blob; an isolated one, with its
own GIL, refuses the module with a clear ImportError).

Goal: every run gives the right values in every thread and process, no
crash, no deadlock (each run has a time limit).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import common  # noqa: E402

TITLE = "The runtime under threads, fork, atexit and sub-interpreters"
MODULES = 60

PRELUDE = textwrap.dedent("""\
    import json, os, sys
    sys.path.insert(0, os.environ['OXPACK_RUNTIME_DIR'])
    import oxpack_runtime
    finder = oxpack_runtime.install(sys.argv[1], origin='blob')
    def check(i):
        mod = __import__('conc.m%d' % i, fromlist=['VALUE'])
        with open(os.path.join(finder.path, 'conc', 'd%d.txt' % i)) as f:
            return mod.VALUE == i * 7 and mod.helper() == i and f.read() == 'data %d\\n' % i
    """)

THREADS = PRELUDE + textwrap.dedent("""\
    import threading, random
    bad = []
    barrier = threading.Barrier(16)
    def work(seed):
        order = list(range(%d))
        random.Random(seed).shuffle(order)
        barrier.wait()
        for i in order[:40]:
            if not check(i):
                bad.append(i)
    threads = [threading.Thread(target=work, args=(t,)) for t in range(16)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    print(json.dumps(bad))
    """) % MODULES

FORK = PRELUDE + textwrap.dedent("""\
    ok = [check(i) for i in range(0, 10)]
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        child = all(check(i) for i in range(10, 40))
        os.write(w, b'1' if child else b'0')
        os._exit(0)
    parent = all(check(i) for i in range(40, %d))
    os.waitpid(pid, 0)
    print(json.dumps([all(ok), parent, os.read(r, 1) == b'1']))
    """) % MODULES

ATEXIT = PRELUDE + textwrap.dedent("""\
    import atexit
    def late():
        print(json.dumps([check(i) for i in range(5)]), flush=True)
    atexit.register(late)
    """)

SUBINTERPRETERS = PRELUDE + textwrap.dedent("""\
    try:
        import _interpreters as interpreters  # 3.13: create(config)
    except ImportError:
        import _xxsubinterpreters as interpreters  # 3.12: create(isolated=...)
    code = ('import os, sys; sys.path.insert(0, os.environ["OXPACK_RUNTIME_DIR"]); import oxpack_runtime; '
            'f = oxpack_runtime.install(%r, origin="blob"); import conc.m3 as m; '
            'assert m.VALUE == 21 and open(os.path.join(f.path, "conc", "d3.txt")).read() == "data 3\\\\n"'
            % sys.argv[1])
    def create(isolated):
        if hasattr(interpreters, 'new_config'):
            return interpreters.create(interpreters.new_config('isolated' if isolated else 'legacy'))
        return interpreters.create(isolated=isolated)
    def run(isolated):
        interp = create(isolated)
        try:
            r = interpreters.run_string(interp, code)
            return 'served' if r is None else 'error: ' + str(getattr(r, 'msg', r))
        except Exception as e:  # 3.12 raises RunFailedError
            return 'error: ' + str(e)
        finally:
            interpreters.destroy(interp)
    out = {'shared GIL': run(False), 'own GIL': run(True), 'main still serves': check(5)}
    print(json.dumps(out))
    """)


def make_blob(work: Path, python: str):
    src = work / "src"
    if not src.exists():
        (src / "conc").mkdir(parents=True)
        (src / "conc" / "__init__.py").write_text("")
        for i in range(MODULES):
            (src / "conc" / f"m{i}.py").write_text(
                f"import time\nVALUE = {i * 7}\ntime.sleep(0.0005)\ndef helper():\n    return {i}\n")
            (src / "conc" / f"d{i}.txt").write_text(f"data {i}\n")
    out = work / (Path(python).name + ".oxr")
    common.oxpack("freeze", src, "--python", python, "-o", out, check=0)
    return out


def run(python, code, blob, runtime_dir, timeout=120):
    env = dict(os.environ, OXPACK_RUNTIME_DIR=str(runtime_dir))
    try:
        return subprocess.run([python, "-c", code, str(blob)], capture_output=True, text=True, env=env,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


def main():
    a = common.args(__doc__, lambda p: p.add_argument("--runs", type=int, default=100))
    runs = 5 if a.quick else a.runs
    pythons = subprocess.run([str(common.REPO / "scripts" / "pythons")], capture_output=True,
                             text=True).stdout.split()
    if a.quick:
        pythons = pythons[:1] + [p for p in pythons if p.endswith(("3.12", "3.13"))][-1:]
    work = Path(tempfile.mkdtemp(prefix="oxpack-rel-concurrency-"))
    failures, table, cases = [], [["Python", "16 threads × runs", "fork", "atexit", "sub-interpreters"]], 0
    try:
        for python in pythons:
            tag = subprocess.run([python, "-c", "import sys; print(sys.implementation.cache_tag, "
                                  "'%d.%d' % sys.version_info[:2])"], capture_output=True, text=True).stdout.split()
            runtime_dir = common.BUILD / "python" / tag[0]
            if not runtime_dir.is_dir():
                continue
            blob = make_blob(work, python)
            row = [tag[1]]
            bad_threads = 0
            for k in range(runs):
                r = run(python, THREADS, blob, runtime_dir)
                cases += 1
                if r is None or r.returncode != 0 or json.loads(r.stdout.strip().splitlines()[-1]):
                    bad_threads += 1
                    failures.append(f"{tag[1]} threads run {k}: " + ("timed out" if r is None else
                                    f"exit {r.returncode}: {r.stdout[-200:]} {r.stderr.strip()[-300:]}"))
            row.append(f"{runs - bad_threads}/{runs} right")
            for name, code in (("fork", FORK), ("atexit", ATEXIT)):
                r = run(python, code, blob, runtime_dir)
                cases += 1
                good = r is not None and r.returncode == 0 and all(json.loads(r.stdout.strip().splitlines()[-1]))
                row.append("right" if good else "FAILED")
                if not good:
                    failures.append(f"{tag[1]} {name}: " + ("timed out" if r is None else
                                    f"exit {r.returncode}: {r.stdout[-200:]} {r.stderr.strip()[-300:]}"))
            if tag[1] in ("3.12", "3.13"):
                r = run(python, SUBINTERPRETERS, blob, runtime_dir)
                cases += 1
                out = json.loads(r.stdout.strip().splitlines()[-1]) if r is not None and r.returncode == 0 else None
                good = (out is not None and out["shared GIL"] == "served" and out["main still serves"]
                        and out["own GIL"].startswith("error:") and "subinterpreter" in out["own GIL"].lower())
                row.append(f"shared GIL: {out['shared GIL']}; own GIL: refused ({out['own GIL'][7:80]}...)" if out
                           else "FAILED")
                if not good:
                    failures.append(f"{tag[1]} sub-interpreters: " + (json.dumps(out) if out else
                                    ("timed out" if r is None else f"exit {r.returncode}: {r.stderr.strip()[-400:]}")))
            else:
                row.append("(3.12+)")
            table.append(row)
            common.log(" | ".join(row))
        common.finish(TITLE, "tests/reliability/run runtime_concurrency" + (" --quick" if a.quick else ""),
                      f"Per CPython: {runs} fresh processes where 16 threads import {MODULES} overlapping modules of "
                      "a blob (blob mode; each module sleeps in its body, so imports overlap) and read data files by "
                      "path; fork then import in parent and child; imports from an atexit function; on 3.12+ a "
                      "sub-interpreter sharing the main GIL, and an isolated one.",
                      cases, failures, table=table, quick=a.quick)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
