"""Prepare hand-labelling work from the development data (run from the project root).

  python scripts/labelling.py candidates OUT_DIR   # the rules' candidates, for training labels
  python scripts/labelling.py candidates2 OUT_DIR  # a second round, from articles not labelled yet
  python scripts/labelling.py candidates3 OUT_DIR  # a third, mostly international news
  python scripts/labelling.py realnews OUT_DIR     # whole articles, for the real-news gold
  python scripts/labelling.py realnews_dev OUT_DIR # more, coded alike, to develop against

Articles are drawn with a fixed seed, by corpus, leaving out those of flashpoint_rows and (for
`candidates`) those `realnews` draws; `candidates2` also leaves out the articles of the first
round's label files (training/labels/candidates_*.jsonl) and leans to political news;
`realnews_dev` and `candidates3` leave out every article labelled or drawn before them. OUT_DIR gets one readable file per batch: each article
with its sentences numbered and their character offsets, and for `candidates` the rules' rows.
It holds copies of the data's text, so it is written outside the project; the labels that come
back carry only ids and offsets.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from flashpoint.coding.pipeline import Pipeline
from flashpoint.coding.stages import CANDIDATE_STAGES
from flashpoint.devdata import dev_articles
from flashpoint.evaluate import default_data_dir, gold_dir
from flashpoint.model import Article

PER_CORPUS = {"candidates": {"gva": 40, "lgl": 45, "TR-News": 45, "ipe": 40, "ecbplus": 40},
              "candidates2": {"TR-News": 35, "ipe": 35, "ecbplus": 40, "ngec": 100},
              "candidates3": {"TR-News": 30, "ecbplus": 30, "ngec": 160},
              "realnews": {"gva": 9, "lgl": 11, "TR-News": 12, "ipe": 10, "ecbplus": 6},
              "realnews_dev": {"gva": 8, "lgl": 10, "TR-News": 12, "ipe": 10, "ecbplus": 8}}
MAX_CHARS = {"candidates": 6000, "candidates2": 5000, "candidates3": 5000, "realnews": 4500, "realnews_dev": 4500}
BATCHES = {"candidates": 4, "candidates2": 4, "candidates3": 4, "realnews": 3, "realnews_dev": 3}
SEEDS = {"candidates": 12, "candidates2": 13, "candidates3": 15, "realnews": 12, "realnews_dev": 14}


def excluded(data: Path, kind: str) -> set[str]:
    ids: set[str] = set()
    rows = data / "flashpoint_rows" / "articles.jsonl"
    if rows.exists():
        ids |= {json.loads(line)["article_id"] for line in rows.open(encoding="utf-8")}
    return ids


def draw(data: Path, kind: str, pipeline: Pipeline) -> list[Article]:
    rng = random.Random(SEEDS[kind])
    skip = excluded(data, kind)
    if kind != "realnews":
        skip |= {a.id for a in draw(data, "realnews", pipeline)}
    if kind in ("candidates2", "realnews_dev", "candidates3"):
        for path in sorted(Path("training/labels").glob("candidates_*.jsonl" if kind == "candidates2" else "candidates*.jsonl")):
            skip |= {json.loads(line)["article_id"] for line in path.open(encoding="utf-8")}
    if kind == "candidates3":
        dev = gold_dir() / "realnews_dev.jsonl"
        skip |= {json.loads(line)["article_id"] for line in dev.open(encoding="utf-8")}
    chosen: list[Article] = []
    for corpus, n in PER_CORPUS[kind].items():
        pool = [a for a in dev_articles(data, [corpus]) if a.id not in skip and 300 < len(a.text) <= MAX_CHARS[kind]]
        rng.shuffle(pool)
        taken = 0
        for article in pipeline.run(pool[: n * 3]):
            if article.events and taken < n:
                chosen.append(article)
                taken += 1
    return chosen


def render(article: Article, with_rows: bool) -> dict:
    sents = [{"i": i, "start": s.start_char, "end": s.end_char, "text": s.text}
             for i, s in enumerate(article.parsed.sents)]
    out: dict = {"article_id": article.id, "date": article.date.isoformat() if article.date else None,
                 "title": article.title, "sentences": sents}
    if with_rows:
        starts = [s["start"] for s in sents]
        out["candidates"] = [{
            "cand": f"{article.id}@{e.trigger_start}", "trigger": e.trigger, "trigger_start": e.trigger_start,
            "sentence": max(i for i, s in enumerate(starts) if s <= e.evidence.start),
            "rule_type": e.event[0], "mode": e.mode,
            "actor": [a.text for a in e.actor], "recipient": [r.text for r in e.recipient]} for e in article.events]
    return out


def main(kind: str, out_dir: str) -> None:
    pipeline = Pipeline(CANDIDATE_STAGES)
    articles = draw(default_data_dir(), kind, pipeline)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n = BATCHES[kind]
    for b in range(n):
        part = articles[b::n]
        with (out / f"{kind}_{b + 1}.jsonl").open("w", encoding="utf-8") as fh:
            for a in part:
                fh.write(json.dumps(render(a, kind.startswith("candidates")), ensure_ascii=False) + "\n")
        print(f"{kind}_{b + 1}.jsonl: {len(part)} articles, "
              f"{sum(len(a.events) for a in part)} candidates", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
