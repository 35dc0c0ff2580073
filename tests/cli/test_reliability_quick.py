"""The short version of each reliability piece that runs without clang
(tests/reliability/pieces/; the full figures: tests/reliability/run, into
docs/reliability.md). The fuzz targets' CI counterpart is the corpus replay,
tests/unit/test_fuzz_corpus.cpp."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

PIECES = Path(__file__).resolve().parents[1] / "reliability" / "pieces"


@pytest.mark.parametrize("piece", ["30_freeze_signals.py", "40_scan_bad_inputs.py"])
def test_reliability_piece_quick(piece):
    r = subprocess.run([sys.executable, str(PIECES / piece), "--quick"], capture_output=True, text=True, timeout=600)
    report = json.loads(r.stdout.strip().splitlines()[-1])
    assert r.returncode == 0 and report["result"] == "pass", "\n".join(report["failures"]) + "\n" + r.stderr[-3000:]
    assert report["cases"] >= 12
