"""What the report writers share (bench/report_startup.py, bench/report_lazy.py):
a result file from build/bench, a median with its spread for a table cell, and
the command that rewrites one marked block of docs/benchmarks.md alone."""
import json
from pathlib import Path


def load(results, name):
    """build/bench/NAME.json, or None when that benchmark has not run."""
    p = Path(results) / (name + ".json")
    return json.loads(p.read_text()) if p.exists() else None


def span(s, scale=1000, digits=0):
    """'median (min–max)' of a stats() dict, scaled (seconds to ms by default)."""
    return "%.*f (%.*f–%.*f)" % (digits, s["median"] * scale, digits, s["min"] * scale, digits, s["max"] * scale)


def rewrite_main(what, sections, begin, end, script):
    """`python3 bench/<script> [--results DIR] [--out FILE]`: replaces the block
    between `begin` and `end` in docs/benchmarks.md (appends it when absent)
    with "\\n".join(sections(results))."""
    import argparse
    import os

    repo = Path(__file__).resolve().parents[1]
    build = Path(os.environ.get("OXPACK_BUILD_DIR", repo / "build"))
    ap = argparse.ArgumentParser(description="Rewrite the %s block of docs/benchmarks.md alone." % what)
    ap.add_argument("--results", type=Path, default=build / "bench")
    ap.add_argument("--out", type=Path, default=repo / "docs" / "benchmarks.md")
    a = ap.parse_args()
    block = "\n".join(sections(a.results))
    if not block:
        raise SystemExit("%s: no results for the %s block in %s" % (script, what, a.results))
    text = a.out.read_text()
    if begin in text and end in text:
        text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    a.out.write_text(text)
    print("wrote the %s block of %s" % (what, a.out))
