#!/usr/bin/env python3
"""To be filled by the runtime work: a placeholder section on the page."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import common  # noqa: E402

common.placeholder(
    "Threads, fork, atexit and sub-interpreters",
    "16 threads importing overlapping modules, 100 runs; fork then import; imports from `atexit`; "
    "sub-interpreters on 3.12+ (supported, or refused with a clear error).")
