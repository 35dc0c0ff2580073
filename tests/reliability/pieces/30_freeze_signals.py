#!/usr/bin/env python3
"""SIGKILL, SIGTERM and SIGINT at random moments of `oxpack freeze`.

For each signal, N freezes (100; --quick: 4) of a generated tree into an
output that holds an older blob (3 cases in 4) or nothing, each sent the
signal after a random delay, uniform between 0 and 1.25 times an
uninterrupted freeze's duration (re-timed every 20 cases; so some land in every phase: scanning,
reading, compiling, writing, the rename, and after the end). Half the cases
instead wait for the temporary output file to appear and send the signal
within the next 50 ms: the write, fsync and rename. SIGINT goes to
the whole process group, as a terminal's Ctrl-C does (the compile helpers
get it too); SIGTERM and SIGKILL to oxpack alone.

Goal, per case: the output is byte for byte the old blob (or still absent)
or the complete new one (identical to an uninterrupted freeze's, and
`oxpack verify` passes); the exit is the signal's (or 0 when the freeze had
finished); no process of the group is left; and no temporary file is left
beside the output -- after SIGKILL, which cannot be caught, the next freeze
that writes into the directory removes it (remove_stale_temporaries), which
is checked after every completed freeze and at the end.
"""
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import common  # noqa: E402

TITLE = "Signals during freeze"
SIGNALS = [("SIGKILL", signal.SIGKILL, False), ("SIGTERM", signal.SIGTERM, False), ("SIGINT", signal.SIGINT, True)]


def make_tree(root: Path, rng: random.Random):
    """Modules without bytecode (the freeze compiles them on helper
    processes), a package with data, and incompressible resources big enough
    that writing the blob takes a noticeable share of the time."""
    for p in range(12):
        pkg = root / f"pkg{p}"
        pkg.mkdir(parents=True)
        (pkg / "__init__.py").write_text(f"NAME = 'pkg{p}'\n")
        for m in range(80):
            body = "".join(f"def f{i}(x):\n    return x * {i} + {m}\n" for i in range(20))
            (pkg / f"mod{m}.py").write_text(body)
        (pkg / "data").mkdir()
        (pkg / "data" / "blob.bin").write_bytes(rng.randbytes(3 << 20))


def temporaries(out: Path):
    prefix = "." + out.name + ".oxpack-tmp."
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(prefix))


def sha(path: Path):
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def default_signals():
    """In the child: the default action for the signals sent. A background
    job inherits SIGINT (and SIGQUIT) ignored, and oxpack rightly keeps a
    signal its caller ignores (as nohup asks): that would test nothing."""
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, signal.SIG_DFL)


def group_gone(pgid, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False


def main():
    a = common.args(__doc__, lambda p: p.add_argument("--cases", type=int, default=None, help="freezes per signal"))
    per_signal = a.cases or (4 if a.quick else 100)
    rng = random.Random(a.seed)
    common.log(f"seed {a.seed}, {per_signal} freezes per signal")
    work = Path(tempfile.mkdtemp(prefix="oxpack-signals-"))
    failures, rows = [], [["signal", "freezes (half timed on the write)", "killed while running", "a temporary existed at the signal",
                           "finished first", "output old/absent", "output new", "temporaries left by SIGKILL",
                           "all cleaned"]]
    try:
        tree = work / "tree"
        make_tree(tree, rng)
        out_dir = work / "out"
        out_dir.mkdir()
        out = out_dir / "app.oxr"
        freeze = [str(common.OXPACK), "freeze", str(tree), "-o", str(out), "--no-progress", "-j", "2"]
        env = dict(os.environ)
        env.pop("SOURCE_DATE_EPOCH", None)

        # The old blob (other options: other bytes) and the new one, for reference.
        common.oxpack("freeze", tree, "-o", work / "old.oxr", "--compress", "zstd:1", check=0, env=env)
        t0 = time.monotonic()
        common.oxpack("freeze", tree, "-o", work / "new.oxr", check=0, env=env)
        duration = time.monotonic() - t0
        durations = [duration]
        common.oxpack("freeze", tree, "-o", work / "new2.oxr", check=0, env=env)
        old_sha, new_sha = sha(work / "old.oxr"), sha(work / "new.oxr")
        if sha(work / "new2.oxr") != new_sha:
            failures.append("two uninterrupted freezes of the same tree differ: cannot tell a complete output")
        common.log(f"an uninterrupted freeze takes {duration:.2f}s; blob {(work / 'new.oxr').stat().st_size} bytes")

        for name, sig, to_group in SIGNALS:
            counts = dict(killed=0, temp_seen=0, finished=0, old=0, new=0, left=0)
            pending = set()  # temporaries a SIGKILL left, not yet cleaned by a later freeze
            for case in range(per_signal):
                if case and case % 20 == 0:
                    # The machine's load changes: re-time an uninterrupted freeze now and then.
                    t0 = time.monotonic()
                    common.oxpack("freeze", tree, "-o", work / "calibrate.oxr", "-j", "2", check=0, env=env)
                    duration = time.monotonic() - t0
                    durations.append(duration)
                had_old = rng.random() < 0.75
                if had_old:
                    shutil.copyfile(work / "old.oxr", out)
                elif out.exists():
                    out.unlink()
                in_write = rng.random() < 0.5
                t_start = time.monotonic()
                p = subprocess.Popen(freeze, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     start_new_session=True, env=env, preexec_fn=default_signals)
                if in_write:  # the moment the temporary appears, then up to 50 ms later
                    while not set(temporaries(out)) - pending and p.poll() is None and time.monotonic() - t_start < 60:
                        time.sleep(0.001)
                    time.sleep(rng.uniform(0, 0.05))
                else:
                    time.sleep(rng.uniform(0, 1.25 * duration))
                delay = time.monotonic() - t_start
                if set(temporaries(out)) - pending and p.poll() is None:  # this freeze's own
                    counts["temp_seen"] += 1
                try:
                    (os.killpg if to_group else os.kill)(p.pid, sig)
                except ProcessLookupError:
                    pass
                _, err = p.communicate()
                rc = p.returncode
                where = f"{name} case {case} (delay {delay:.3f}s, exit {rc})"
                if rc == 0:
                    counts["finished"] += 1
                elif rc == -sig:
                    counts["killed"] += 1
                else:
                    failures.append(f"{where}: exit {rc}, expected {-sig} or 0: {err.strip()[-300:]}")
                if not group_gone(p.pid):
                    failures.append(f"{where}: processes of its group still running 5s after")
                    os.killpg(p.pid, signal.SIGKILL)
                got = sha(out)
                if got == new_sha:
                    counts["new"] += 1
                    v = common.oxpack("verify", out)
                    if v.returncode != 0:
                        failures.append(f"{where}: the new output does not verify: {v.stderr.strip()}")
                elif (had_old and got == old_sha) or (not had_old and got is None):
                    counts["old"] += 1
                    if rc == 0:
                        failures.append(f"{where}: exit 0 but the output is not the new blob")
                else:
                    failures.append(f"{where}: the output is neither the old blob nor the complete new one "
                                    f"({'absent' if got is None else out.stat().st_size} bytes)")
                left = set(temporaries(out))
                if sig == signal.SIGKILL:
                    if rc == 0 and left & pending:  # a completed freeze wrote: nothing stale may remain
                        failures.append(f"{where}: a completed freeze left stale temporaries: {sorted(left & pending)}")
                    counts["left"] += len(left - pending)
                    pending = left
                elif left:
                    failures.append(f"{where}: temporary file(s) left: {sorted(left)}")
                    for t in left:
                        (out_dir / t).unlink()
            if counts["killed"] < per_signal // 4:
                failures.append(f"{name}: only {counts['killed']} of {per_signal} freezes ended by the signal: "
                                "is it ignored (a background job inherits SIGINT ignored)?")
            cleaned = True
            if pending:
                # The next freeze into the directory removes what SIGKILL left.
                common.oxpack("freeze", tree, "-o", out, "--no-progress", check=0, env=env)
                if temporaries(out):
                    cleaned = False
                    failures.append(f"{name}: the freeze after the series left {temporaries(out)}")
            rows.append([name, per_signal, counts["killed"], counts["temp_seen"], counts["finished"], counts["old"],
                         counts["new"], counts["left"] if sig == signal.SIGKILL else "-",
                         ("yes" if cleaned else "NO") if sig == signal.SIGKILL else "-"])
            common.log(f"{name}: {counts}")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    common.finish(
        TITLE, "tests/reliability/pieces/30_freeze_signals.py" + (" --quick" if a.quick else ""),
        f"`oxpack freeze` of a generated tree (12 packages, 972 modules compiled on helper processes, 36 MiB of "
        f"incompressible data; an uninterrupted freeze took {min(durations):.2f}-{max(durations):.2f} s, re-timed "
        "every 20 cases as the machine's load changed) into an output holding an older "
        "blob (3 cases in 4) or nothing, sent the signal after a random delay between 0 and 1.25 times the "
        "latest such duration; the other half as soon as the temporary output appears, plus 0-50 ms (the write, "
        "fsync and rename). SIGINT to the whole process group (Ctrl-C), SIGTERM and SIGKILL to oxpack alone. Each case "
        "checks: the output is the old blob (or absent) or the complete new one (same bytes as an "
        "uninterrupted freeze, `oxpack verify` passes); the exit is the signal's or 0; no process of the group "
        "is left; no temporary file is left (after SIGKILL: the next completed freeze into the directory "
        "removes it, checked after every completed freeze and at the end of the series).",
        per_signal * len(SIGNALS), failures, table=rows, quick=a.quick, seed=a.seed)


if __name__ == "__main__":
    main()
