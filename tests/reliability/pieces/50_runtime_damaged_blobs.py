#!/usr/bin/env python3
"""To be filled by the runtime work: a placeholder section on the page."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import common  # noqa: E402

common.placeholder(
    "Damaged blobs through the runtime",
    "Every truncation length and 10,000 random bit flips of a small blob through `oxpack_runtime.install` + "
    "import, in each `verify` mode (index, once, header): a clean exception or correct data, never a crash or "
    "wrong code executed.")
