"""Ingest throughput into the store, from a folder of HTML pages, beside the extractor's own.

    ./.venv/bin/python benchmarks/bench_ingest.py [--n 300] [--json out.json]

The pages are the gun-violence news articles in ../shared/data/gva when present, else the
bundled examples repeated, each written as an HTML page into a scratch folder. Both runs read
the same folder with a pipeline loaded beforehand: `extract` reads, cleans (trafilatura) and
codes the pages; `ingest` does the same, identifies the language, and writes every article,
place, mention and event into a fresh SQLite store, deduplicating events as it goes.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_extract import corpus  # noqa: E402
from flashpoint.api import read_inputs  # noqa: E402
from flashpoint.coding.pipeline import Pipeline  # noqa: E402
from flashpoint.ingest import ingest  # noqa: E402
from flashpoint.model import Dropped  # noqa: E402
from flashpoint.sources import read_sources  # noqa: E402
from flashpoint.sources.files import expand  # noqa: E402
from flashpoint.sources.web import Fetcher  # noqa: E402
from flashpoint.store import Store  # noqa: E402


def write_pages(texts: list[str], folder: Path) -> None:
    for i, text in enumerate(texts):
        paras = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n") if p.strip())
        (folder / f"page{i:05}.html").write_text(
            f"<!doctype html><html><head><title>Story {i}</title></head><body><nav>Home | News | Sports</nav>"
            f"<article>{paras}</article><footer>Copyright</footer></body></html>", encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    texts, name = corpus(args.n)
    pipeline = Pipeline()
    pipeline.run_batch(  # loads every model and data file before timing
        [next(a for a in read_inputs([str(ROOT / "examples" / "kursk.txt")]) if not isinstance(a, Dropped))])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "pages"
        folder.mkdir()
        write_pages(texts, folder)
        files = [f for f in expand(str(folder)) if isinstance(f, str)]

        t0 = time.perf_counter()
        coded = sum(1 for a in pipeline.run(a for a in read_inputs(files) if not isinstance(a, Dropped)))
        extract_s = time.perf_counter() - t0

        with Store.open(Path(tmp) / "bench.db", coder=pipeline.coder_version) as store:
            t0 = time.perf_counter()
            report = ingest(read_sources([str(folder)], fetcher=Fetcher(), store=store), store, pipeline)
            ingest_s = time.perf_counter() - t0
            counts = store.counts()
        db_mb = (Path(tmp) / "bench.db").stat().st_size / 1e6
    result = {
        "corpus": name, "pages": len(texts), "cores": 1,
        "extract_seconds": round(extract_s, 2), "extract_pages_per_s": round(coded / extract_s, 2),
        "ingest_seconds": round(ingest_s, 2), "ingest_pages_per_s": round(report.read / ingest_s, 2),
        "ratio_ingest_to_extract": round(ingest_s / extract_s, 3),
        "stored": counts, "new_events": report.new_events, "store_mb": round(db_mb, 1),
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
