"""Batch engines: the same pipeline over JSONL or Parquet shards, in one process or on all cores.

The core is a plain function over a batch of article dicts (`code_records`); an engine only
decides where batches run. Input is cut into blocks of `BLOCK` articles, each with a stable id
(shard name and block number). A block's events are written as Parquet files partitioned by
date (`OUT/events/date=YYYY-MM-DD/<block>.parquet`), each written to a temporary name and
renamed, and the block is marked done (`OUT/_done/<block>`) only after all its files are in
place. A killed run, run again, redoes only the blocks not marked done, overwriting any file a
half-finished block left: nothing is lost or written twice.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date as Date
from pathlib import Path
from typing import Any

from .article import Article
from .errors import ConfigError
from .pipeline import Pipeline

BLOCK = 64
SUFFIXES = (".jsonl", ".ndjson", ".parquet")


def shards(inputs: list[str]) -> list[Path]:
    """The JSONL and Parquet files the inputs name (folders searched recursively), sorted."""
    out: list[Path] = []
    for name in inputs:
        path = Path(name)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES))
        elif path.suffix in SUFFIXES and path.exists():
            out.append(path)
        else:
            raise ConfigError("is not a JSONL or Parquet file or a folder of them", source=name)
    return out


def blocks(shard: Path, size: int = BLOCK) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(block id, article dicts) for a shard, in order."""
    if shard.suffix == ".parquet":
        import pyarrow.parquet as pq

        rows = pq.read_table(shard).to_pylist()
    else:
        with shard.open(encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
    stem = shard.stem
    for i in range(0, len(rows), size):
        yield f"{stem}-{i // size:06d}", rows[i:i + size]


def code_records(records: list[dict[str, Any]], pipeline: Pipeline) -> list[dict[str, Any]]:
    """The engines' core: article dicts (`id`, `text`, optional `title`, `date`, `url`) in, one
    flat row per event record out (the columns of flashpoint.to_dataframe)."""
    from .api import to_dataframe

    articles = [Article(id=str(r.get("id") or f"row{i}"), text=str(r["text"]), title=r.get("title"), url=r.get("url"),
                        date=Date.fromisoformat(str(r["date"])[:10]) if r.get("date") else None)
                for i, r in enumerate(records) if str(r.get("text") or "").strip()]
    events = [ev for art in pipeline.run_batch(articles) if art.error is None for ev in art.events]
    return to_dataframe(events).to_dict("records")


@functools.cache
def _worker_pipeline() -> Pipeline:
    # One model load per worker process, kept for every block the worker codes.
    return Pipeline()


def _run_block(block_id: str, records: list[dict[str, Any]], out: str) -> int:
    rows = code_records(records, _worker_pipeline())
    write_block(Path(out), block_id, rows)
    return len(rows)


def write_block(out: Path, block_id: str, rows: list[dict[str, Any]]) -> None:
    import pandas as pd

    by_date: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_date.setdefault(row["date"] or "unknown", []).append(row)
    for day, part in by_date.items():
        folder = out / "events" / f"date={day}"
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{block_id}.parquet.tmp"
        pd.DataFrame(part).drop(columns=["date"]).to_parquet(tmp, index=False)
        os.replace(tmp, folder / f"{block_id}.parquet")
    done = out / "_done"
    done.mkdir(parents=True, exist_ok=True)
    (done / block_id).write_text(f"{len(rows)}\n", encoding="utf-8")


@dataclass(slots=True)
class RunReport:
    blocks: int = 0
    skipped: int = 0
    events: int = 0


def run_local(inputs: list[str], out: Path, *, workers: int = 1) -> RunReport:
    """Every block not yet done, on `workers` processes (1: this process)."""
    report = RunReport()
    todo: list[tuple[str, list[dict[str, Any]]]] = []
    for shard in shards(inputs):
        for block_id, records in blocks(shard):
            if (out / "_done" / block_id).exists():
                report.skipped += 1
            else:
                todo.append((block_id, records))
    if workers <= 1:
        for block_id, records in todo:
            report.events += _run_block(block_id, records, str(out))
            report.blocks += 1
        return report
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for n in pool.map(_run_block, *zip(*todo, strict=True), [str(out)] * len(todo)) if todo else []:
            report.events += n
            report.blocks += 1
    return report
