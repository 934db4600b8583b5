"""Same-event clustering: B-cubed and runtime on ECB+, a threshold sweep, and the cost on a larger batch.

    ./.venv/bin/python benchmarks/bench_cluster.py

ECB+ (../shared/data/ecbplus): all documents clustered at once at the default threshold, then at
thresholds around it. GVA (../shared/data/gva, articles grouped by gun-violence incident, with
publication dates): with the date window, then without dates, then three copies undated (the
cost of one big undated batch). Parts whose data is absent are skipped.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flashpoint.cluster import DEFAULT_THRESHOLD, b_cubed, cluster_articles, eval_ecbplus, load_ecbplus  # noqa: E402
from flashpoint.evaluate import default_data_dir, gva_article, load_gva_documents  # noqa: E402
from flashpoint.model import Article  # noqa: E402

DATA = default_data_dir()


def timed(articles: list[Article], gold: list[str], **kwargs) -> dict:
    start = time.perf_counter()
    pred = cluster_articles(articles, **kwargs)
    seconds = time.perf_counter() - start
    score = {k: round(v, 3) for k, v in b_cubed(gold, pred).items()}
    return {"n": len(articles), "clusters_gold": len(set(gold)), "clusters_pred": len(set(pred)), **score,
            "seconds": round(seconds, 2), "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def bench_ecbplus(folder: Path) -> None:
    start = time.perf_counter()
    result = eval_ecbplus(folder)
    print("ecbplus eval_ecbplus", json.dumps({**result, "seconds_with_loading": round(time.perf_counter() - start, 2)}))
    docs = load_ecbplus(folder)
    articles, gold = [a for a, _ in docs], [g for _, g in docs]
    print("ecbplus clustering only", json.dumps(timed(articles, gold)))
    sweep = {t / 100: round(b_cubed(gold, cluster_articles(articles, threshold=t / 100))["f1"], 3) for t in range(14, 29, 2)}
    print(f"ecbplus bcubed_f1 by threshold (default {DEFAULT_THRESHOLD})", json.dumps(sweep))


def bench_gva(path: Path) -> None:
    docs = load_gva_documents(path)
    gold = [str(d["incident_id"]) for d in docs]
    dated = [gva_article(d) for d in docs]
    undated = [Article(id=a.id, text=a.text, title=a.title) for a in dated]
    print("gva dated, window_days=3", json.dumps(timed(dated, gold)))
    print("gva undated", json.dumps(timed(undated, gold)))
    print("gva undated x3 (cost of a big batch)", json.dumps(timed(undated * 3, gold * 3)))


def main() -> None:
    if (DATA / "ecbplus").is_dir():
        bench_ecbplus(DATA / "ecbplus")
    if (DATA / "gva" / "documents.jsonl").exists():
        bench_gva(DATA / "gva" / "documents.jsonl")


if __name__ == "__main__":
    main()
