"""Shared by the pieces of tests/reliability/: where things are, running
oxpack, and the one way a piece hands its figures to tests/reliability/run.

A piece is a script in tests/reliability/pieces/ that runs with no argument
(the full figure) or with --quick (a short version, for CI: see
tests/cli/test_reliability_quick.py), prints what it does on stderr, and
ends by printing one JSON object on stdout (see `finish`). It exits 0 when
its goal is met, 1 when not.
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("OXPACK_BUILD_DIR", REPO / "build"))
OXPACK = BUILD / "oxpack"


def args(description, extra=None):
    """Parses a piece's command line: --quick, plus what `extra(parser)` adds."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="a short run (CI)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: from the time; printed)")
    if extra:
        extra(p)
    a = p.parse_args()
    if a.seed is None:
        a.seed = int(time.time() * 1000) % 1_000_000
    return a


def log(*what):
    print("  ", *what, file=sys.stderr, flush=True)


def oxpack(*argv, check=None, **kw):
    """Runs oxpack to completion; returns the CompletedProcess (text)."""
    kw.setdefault("capture_output", True)
    r = subprocess.run([str(OXPACK), *map(str, argv)], text=True, errors="replace", **kw)
    if check is not None and r.returncode != check:
        raise SystemExit(f"oxpack {' '.join(map(str, argv))}: exit {r.returncode}, expected {check}\n{r.stderr}")
    return r


def finish(title, command, what, cases, failures, table=None, notes=None, quick=False, **figures):
    """Prints the piece's result as JSON on stdout and exits (0: the goal is
    met, i.e. no failure). `failures` lists one line per case that missed
    it; `table` is a list of rows (the first one the header) for the page."""
    out = {
        "title": title,
        "command": command,
        "what": what,
        "cases": cases,
        "result": "pass" if not failures else "FAIL",
        "failures": failures[:50],
        "failure_count": len(failures),
        "table": table or [],
        "notes": notes or [],
        "quick": quick,
        "figures": figures,
    }
    print(json.dumps(out))
    sys.exit(0 if not failures else 1)


def placeholder(title, what):
    """A figure another part of the work will provide: the page gets a marked section."""
    print(json.dumps({"title": title, "placeholder": True, "what": what}))
    sys.exit(0)
