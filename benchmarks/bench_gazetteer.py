"""Gazetteer build and load time, and the memory it costs a process.

    ./.venv/bin/python benchmarks/bench_gazetteer.py

Each phase runs in a fresh interpreter against a fresh cache folder: the first use (which builds
the SQLite file from the installed packages), then a later load, then 1,000 lookups.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PHASE = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
from flashpoint.places.gazetteer import Gazetteer
g = Gazetteer.load()
load = time.perf_counter() - t0
names = ["Paris", "Kyiv", "Springfield", "Alexandria", "Georgia", "Lagos", "Moscow", "Bryansk", "Gaza", "Texas"] * 100
t1 = time.perf_counter()
found = sum(1 for n in names if g.candidates(n))
lookups = time.perf_counter() - t1
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"seconds": round(load, 3), "lookups_per_s": round(len(names) / lookups),
                  "peak_rss_mb": round(after / 1024, 1), "rss_added_mb": round((after - before) / 1024, 1)}}))
"""


def run(cache: str) -> dict:
    out = subprocess.run([sys.executable, "-c", PHASE.format(root=str(ROOT))], capture_output=True, text=True,
                         check=True, env={"FLASHPOINT_CACHE": cache, "PATH": "/usr/bin:/bin"})
    return json.loads(out.stdout)


def main() -> None:
    with tempfile.TemporaryDirectory() as cache:
        cold = run(cache)
        warm = run(cache)
        size = sum(p.stat().st_size for p in Path(cache).glob("*.sqlite"))
    result = {"first_use_build": cold, "later_load": warm, "sqlite_mb": round(size / 1e6, 1)}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
