#!/usr/bin/env python3
"""Blob size against `zip -9` of the same files: python3's site-packages
frozen with each --compress setting, and zipped at the highest level.

    bench/sizes.py [--json OUT]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUILD = Path(os.environ.get("OXPACK_BUILD_DIR", REPO / "build"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", type=Path, default=BUILD / "bench" / "sizes.json")
    a = ap.parse_args()
    tree = subprocess.run(["python3", "-c", "import site; print(site.getsitepackages()[0])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    res = {}
    du = subprocess.run(["du", "-sb", tree], capture_output=True, text=True, check=True).stdout.split()[0]
    res["site-packages on disk (du -sb)"] = int(du)
    with tempfile.TemporaryDirectory(prefix="oxpack-sizes-") as tmp:
        for c in ("none", "zstd:3", "zstd:19"):
            out = os.path.join(tmp, "x.oxr")
            r = subprocess.run([str(BUILD / "oxpack"), "freeze", tree, "--compress", c, "-o", out, "--no-progress"],
                               capture_output=True, text=True)
            if r.returncode not in (0, 5):
                sys.exit(r.stderr)
            res[f"oxpack freeze --compress {c}"] = os.path.getsize(out)
        z = os.path.join(tmp, "x.zip")
        subprocess.run(["zip", "-9", "-r", "-q", z, "."], cwd=tree, check=True)
        res["zip -9 -r (same tree)"] = os.path.getsize(z)
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps(res, indent=2))
    for k, v in res.items():
        print(f"{k:40s} {v / 1e6:8.1f} MB")


if __name__ == "__main__":
    main()
