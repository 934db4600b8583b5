"""Throughput of `extract` against spaCy's parse alone, on one core.

    ./.venv/bin/python benchmarks/bench_extract.py [--n 300] [--json out.json]

Corpus: the gun-violence news articles in ../shared/data/gva when present (real news text),
else the bundled examples repeated. Each figure is the best of --repeat runs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flashpoint.coding.nlp import normalize  # noqa: E402
from flashpoint.coding.pipeline import Pipeline  # noqa: E402
from flashpoint.model import Article  # noqa: E402


def corpus(n: int) -> tuple[list[str], str]:
    gva = ROOT.parent / "shared" / "data" / "gva" / "documents.jsonl"
    if gva.exists():
        texts = []
        with gva.open(encoding="utf-8") as fh:
            for line in fh:
                t = json.loads(line)["content"]
                if 200 < len(t) < 20000:
                    texts.append(t)
                if len(texts) >= n:
                    break
        return texts, f"gva news articles ({gva})"
    examples = sorted((ROOT / "examples").glob("*.txt"))
    base = [p.read_text(encoding="utf-8") for p in examples]
    return [base[i % len(base)] for i in range(n)], "bundled examples, repeated"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    texts, source = corpus(args.n)
    pipeline = Pipeline()
    nlp = pipeline.resources.nlp
    # Warm up: load every resource once, outside the timings.
    pipeline.run_batch([Article(id="warm", text=texts[0])])
    words = sum(len(t.split()) for t in texts)

    def parse_only() -> int:
        return sum(1 for doc in nlp.pipe([normalize(t) for t in texts], batch_size=32) for _ in doc.sents)

    def full() -> int:
        arts = [Article(id=str(i), text=t) for i, t in enumerate(texts)]
        return sum(len(a.events) for a in pipeline.run(arts))

    def best(fn) -> tuple[float, int]:
        times, out = [], 0
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - t0)
        return min(times), out

    t_parse, n_sents = best(parse_only)
    t_full, n_events = best(full)
    result = {
        "corpus": source, "articles": len(texts), "words": words, "sentences": n_sents,
        "mean_words_per_article": round(words / len(texts), 1),
        "parse_seconds": round(t_parse, 2), "extract_seconds": round(t_full, 2),
        "parse_articles_per_s": round(len(texts) / t_parse, 2),
        "extract_articles_per_s": round(len(texts) / t_full, 2),
        "extract_sentences_per_s": round(n_sents / t_full, 1),
        "extract_words_per_s": round(words / t_full),
        "ratio_extract_to_parse": round(t_full / t_parse, 3),
        "events": n_events, "cores": 1,
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
