"""The fuzz pieces (10_fuzz_reader.py, 20_fuzz_runtime_lookup.py): run one
libFuzzer target through tests/fuzz/run for a number of executions and
report them. Not a piece itself (no number in its name)."""
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import common  # noqa: E402

FULL_RUNS = 10_000_000


def run(target, title, what):
    a = common.args(f"libFuzzer on {target}", lambda p: p.add_argument("--runs", type=int, default=None))
    runs = a.runs or (20_000 if a.quick else FULL_RUNS)
    build = Path(common.REPO / "build-fuzz")
    findings = build / "findings" / target
    before = set(findings.iterdir()) if findings.is_dir() else set()
    t0 = time.monotonic()
    # -seed: reproducible with the same corpus; nice: the machine is shared.
    r = subprocess.run(["nice", "-n", "19", str(common.REPO / "tests/fuzz/run"), "--target", target, "--runs",
                        str(runs), "--", f"-seed={a.seed}"], cwd=common.REPO, capture_output=True, text=True)
    seconds = time.monotonic() - t0
    log = (build / f"{target}.log").read_text(errors="replace") if (build / f"{target}.log").exists() else ""
    executed = re.findall(r"stat::number_of_executed_units:\s*(\d+)", log)
    executed = int(executed[-1]) if executed else 0
    rate = re.findall(r"exec/s: (\d+)", log)
    cov = re.findall(r"cov: (\d+) ft: (\d+) corp: (\d+)/", log)
    new = sorted(p.name for p in (set(findings.iterdir()) if findings.is_dir() else set()) - before)
    failures = []
    if r.returncode != 0:
        failures.append(f"tests/fuzz/run exited {r.returncode}: {r.stderr.strip()[-800:]}")
    failures += [f"finding: build-fuzz/findings/{target}/{n}" for n in new]
    if executed < runs:
        failures.append(f"{executed} executions, fewer than the {runs} asked for")
    common.log(f"{target}: {executed} executions in {seconds:.0f}s, {len(new)} findings")
    rows = [["executions", "findings (crashes, leaks, timeouts, OOM)", "coverage (edges / features)",
             "corpus at the end", "executions/s", "wall time"],
            [f"{executed:,}", len(new), f"{cov[-1][0]} / {cov[-1][1]}" if cov else "?",
             f"{cov[-1][2]} inputs" if cov else "?", rate[-1] if rate else "?", f"{seconds / 60:.1f} min"]]
    common.finish(title, f"tests/fuzz/run --target {target} --runs {runs} -- -seed={a.seed}", what, executed,
                  failures, table=rows, quick=a.quick, seed=a.seed, executions=executed, findings=len(new),
                  seconds=round(seconds))
