"""The news articles of the development data beside the project, as Articles with stable ids.

Ids are "<corpus>:<its own id>" (gva:<doc_id>, lgl:<docid>, TR-News:<docid>, ipe:<doc_id>,
ecbplus:<file name>, ngec:<row of the synthetic stories' CSV>), the ids the project's hand labels (`training/labels`, the real-news gold)
refer to, so that labels never carry a copy of the text. A corpus whose file is absent yields
nothing.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path

from .model import Article

CORPORA = ("gva", "lgl", "TR-News", "ipe", "ecbplus", "ngec")


def dev_articles(data: Path, corpora: Iterable[str] = CORPORA) -> Iterator[Article]:
    for name in corpora:
        yield from _READERS[name](data)


def dev_article_index(data: Path, corpora: Iterable[str] = CORPORA) -> dict[str, Article]:
    return {a.id: a for a in dev_articles(data, corpora)}


def _gva(data: Path) -> Iterator[Article]:
    from .evaluate import gva_article, load_gva_documents

    path = data / "gva" / "documents.jsonl"
    if not path.exists():
        return
    for doc in load_gva_documents(path):
        article = gva_article(doc)
        article.id = f"gva:{article.id}"
        yield article


def _geoparsing(corpus: str, file: str) -> Callable[[Path], Iterator[Article]]:
    def read(data: Path) -> Iterator[Article]:
        from .evaluate import load_geoparsing

        path = data / "geoparsing" / file
        if not path.exists():
            return
        for docid, text, _ in load_geoparsing(path):
            if text.strip():
                yield Article(id=f"{corpus}:{docid}", text=text)
    return read


def _ipe(data: Path) -> Iterator[Article]:
    path = data / "indiapoliceevents" / "docs.jsonl"
    meta_path = data / "indiapoliceevents" / "metadata.jsonl"
    if not path.exists():
        return
    dates: dict[int, str] = {}
    if meta_path.exists():
        with meta_path.open(encoding="utf-8") as fh:
            dates = {m["doc_id"]: m["date"] for m in map(json.loads, fh) if m.get("date")}
    with path.open(encoding="utf-8") as fh:
        for doc in map(json.loads, fh):
            day = dates.get(doc["doc_id"])
            yield Article(id=f"ipe:{doc['doc_id']}", text=doc["doc_text"],
                          date=datetime.strptime(day, "%Y-%m-%d").date() if day else None)


def _ecbplus(data: Path) -> Iterator[Article]:
    from .cluster import load_ecbplus

    folder = data / "ecbplus"
    if not folder.exists():
        return
    for article, _ in load_ecbplus(folder):
        article.id = f"ecbplus:{article.id}"
        yield article


def _ngec(data: Path) -> Iterator[Article]:
    """The synthetic stories (written by a language model: fine for training, never for claims)."""
    for path in sorted((data / "ngec_synthetic").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for n, row in enumerate(csv.DictReader(fh)):
                if (row.get("text") or "").strip():
                    yield Article(id=f"ngec:{n}", text=row["text"], title=row.get("title") or None)


_READERS = {"gva": _gva, "lgl": _geoparsing("lgl", "lgl.xml"), "TR-News": _geoparsing("TR-News", "TR-News.xml"),
            "ipe": _ipe, "ecbplus": _ecbplus, "ngec": _ngec}
