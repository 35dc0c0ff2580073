#!/usr/bin/env python3
"""To be filled by the runtime work: a placeholder section on the page."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import common  # noqa: E402

common.placeholder(
    "A blob replaced under running processes",
    "A blob truncated, overwritten in place and replaced by rename while 4 processes import from it, 100 "
    "times: 0 crashes; the old contents keep serving or the next use raises `BlobError` naming the blob.")
