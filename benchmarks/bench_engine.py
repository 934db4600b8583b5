"""The local engine's throughput on 1 and 2 workers, and the peak memory of a worker.

    ./.venv/bin/python benchmarks/bench_engine.py [--n 600]

The GVA news articles in ../shared/data/gva (else the bundled demo articles repeated) are written
as one JSONL shard; `flashpoint run` codes it into Parquet in a fresh folder, once per worker
count, each in a fresh process so that model loading is counted as a user would see it.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_extract import corpus  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    texts, name = corpus(args.n)
    words = sum(len(t.split()) for t in texts)
    result = {"corpus": name, "articles": len(texts), "mean_words": round(words / len(texts)), "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        shard = Path(tmp) / "news.jsonl"
        shard.write_text("".join(json.dumps({"id": f"a{i}", "text": t}) + "\n" for i, t in enumerate(texts)), encoding="utf-8")
        for w in args.workers:
            out = Path(tmp) / f"out{w}"
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "flashpoint.cli", "run", str(shard), "--out", str(out), "--workers", str(w)],
                           check=True, capture_output=True)
            secs = time.perf_counter() - t0
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            result["runs"].append({"workers": w, "seconds": round(secs, 1), "articles_per_s": round(len(texts) / secs, 2),
                                   "articles_per_day": int(len(texts) / secs * 86400),
                                   "peak_rss_mb_largest_process_so_far": round(peak)})
    base = result["runs"][0]["articles_per_s"]
    for r in result["runs"]:
        r["speedup"] = round(r["articles_per_s"] / base, 2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
