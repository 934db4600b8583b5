"""Batch engines: the same pipeline over JSONL or Parquet shards, in one process, on all local
cores, or on a Ray cluster, with the same results.

The core is a plain function over a batch of articles (`code_articles`, or `code_records` for
article dicts). An engine only decides where batches run:

- `local`: this process (one worker) or a pool of processes, each loading the model once;
- `ray`: Ray Data, `map_batches` over an actor pool, one model per actor, on `ray.init()`'s
  local cluster or on the cluster at `--address`.

Input is planned as blocks of `BLOCK` lines or rows, each with a stable id (the shard's name, a
digest of its path, the block's number). Workers read and code blocks; this process stores the
coded articles in the event store in block order, so deduplication sees them in the order an
ingest of the same files would, whatever engine ran them. A block is marked done in the store
after its last article, in the same file, so a run that was killed (or lost a worker) and is
started again codes only the blocks not done; articles of a half-stored block are recognised as
already stored. At the end the store's events and mentions are written as Parquet, partitioned
by date, for DuckDB, pandas and `flashpoint export --db OUT`.
"""

from __future__ import annotations

import functools
import hashlib
import multiprocessing
import os
import pickle
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .batching import batched
from .coding.pipeline import Pipeline
from .coding.registry import Resources
from .coding.version import coder_version
from .errors import ConfigError, EngineError, InputError
from .ingest import IngestReport, same_coder, store_article
from .language import codable, detect
from .model import Article, Dropped
from .settings import DEFAULTS
from .sources.files import DEFAULT_MAX_CHARS, article_from_dict, read_jsonl

if TYPE_CHECKING:
    import pandas as pd

    from .store import Store

BLOCK = DEFAULTS.engine_block
SUFFIXES = (".jsonl", ".ndjson", ".parquet")
# Rows of the events and mentions Parquet files written at a time (bounds the memory of the export).
EXPORT_CHUNK = DEFAULTS.export_chunk
STORE_NAME = "store.db"


@dataclass(frozen=True, slots=True)
class Block:
    """A slice of one shard: JSONL byte offsets [start, stop) beginning at line `first`, or
    Parquet rows [start, stop)."""

    id: str
    shard: str
    start: int
    stop: int
    first: int


@dataclass(frozen=True, slots=True)
class Options:
    """What every worker needs to build its pipeline; plain values, so it travels to Ray actors."""

    model: str | None = None
    actors: tuple[str, ...] = ()
    english_only: bool = True
    gpu: bool = False
    max_chars: int = DEFAULT_MAX_CHARS


# ---------------------------------------------------------------------------- planning and reading


def shards(inputs: list[str]) -> list[Path]:
    """The JSONL and Parquet files the inputs name (folders searched recursively), sorted."""
    out: list[Path] = []
    for name in inputs:
        path = Path(name)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and not p.name.startswith(".")))
        elif path.suffix in SUFFIXES and path.is_file():
            out.append(path)
        else:
            raise ConfigError("is not a JSONL or Parquet file or a folder of them", source=name)
    if not out:
        raise ConfigError("no JSONL or Parquet files in the inputs", source=" ".join(inputs))
    return out


def plan(inputs: list[str], size: int = BLOCK) -> list[Block]:
    """Every block of every shard, in order. JSONL is scanned once for line offsets; Parquet only
    has its footer read."""
    blocks: list[Block] = []
    for shard in shards(inputs):
        path = str(shard.resolve())
        prefix = f"{shard.stem}-{hashlib.sha1(path.encode()).hexdigest()[:6]}"
        if shard.suffix == ".parquet":
            import pyarrow.parquet as pq

            rows = pq.ParquetFile(shard).metadata.num_rows
            blocks += [Block(f"{prefix}-{i // size:06d}", path, i, min(i + size, rows), i) for i in range(0, rows, size)]
            continue
        bounds, pos = [0], 0
        with shard.open("rb") as fh:
            for n, line in enumerate(fh, start=1):
                pos += len(line)
                if n % size == 0:
                    bounds.append(pos)
        if pos > bounds[-1]:
            bounds.append(pos)
        blocks += [Block(f"{prefix}-{k:06d}", path, bounds[k], bounds[k + 1], 1 + k * size) for k in range(len(bounds) - 1)]
    return blocks


def read_block(block: Block, *, max_chars: int = DEFAULT_MAX_CHARS) -> list[Article | Dropped]:
    """The block's articles, and a Dropped with its reason for each line or row that is not one."""
    if block.shard.endswith(".parquet"):
        return _parquet_rows(block, Path(block.shard).name, max_chars)
    with open(block.shard, "rb") as fh:
        fh.seek(block.start)
        data = fh.read(block.stop - block.start)
    lines = data.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    return list(read_jsonl(lines, source=block.shard, max_chars=max_chars, first_line=block.first))


def _parquet_rows(block: Block, name: str, max_chars: int) -> list[Article | Dropped]:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(block.shard)
    # Only the row groups the block overlaps are read.
    groups, first, seen = [], None, 0
    for g in range(pf.metadata.num_row_groups):
        n = pf.metadata.row_group(g).num_rows
        if seen + n > block.start and seen < block.stop:
            groups.append(g)
            first = seen if first is None else first
        seen += n
    rows = pf.read_row_groups(groups).slice(block.start - (first or 0), block.stop - block.start).to_pylist()
    items: list[Article | Dropped] = []
    for i, row in enumerate(rows, start=block.start):
        try:
            items.append(article_from_dict(row, source=f"{block.shard}:row {i}", default_id=f"{name}:{i}", max_chars=max_chars))
        except InputError as exc:
            items.append(Dropped(block.shard, f"row {i} {exc.message}", exc.code, line=i))
    return items


# ---------------------------------------------------------------------------- the core


def code_articles(items: list[Article | Dropped], pipeline: Pipeline, *, english_only: bool = True) -> list[Article | Dropped]:
    """Code a batch: each article's language identified, the English ones (all, without
    `english_only`) run through the pipeline. An article a stage fails on comes back with its
    `error` set. The spaCy objects are dropped so that the result can travel between processes."""
    articles = [a for a in items if isinstance(a, Article)]
    for a in articles:
        a.lang = a.lang or detect(a.text)[0]
    to_code = [a for a in articles if not english_only or codable(a.lang)]
    for a in pipeline.run(to_code):
        a.doc = None
        a.mentions = {}
    return items


def code_records(records: list[dict[str, Any]], pipeline: Pipeline, *, english_only: bool = True,
                 source: str = "records") -> list[Article | Dropped]:
    """`code_articles` over article dicts (`text`, optional `id`, `title`, `date`, `url`)."""
    items: list[Article | Dropped] = []
    for i, rec in enumerate(records):
        try:
            items.append(article_from_dict(rec, source=f"{source}[{i}]", default_id=f"{source}[{i}]"))
        except InputError as exc:
            items.append(Dropped(source, f"record {i} {exc.message}", exc.code, line=i))
    return code_articles(items, pipeline, english_only=english_only)


def status(article: Article, english_only: bool) -> str:
    if article.error is not None:
        return "failed"
    if english_only and not codable(article.lang):
        return "not_english"
    return "coded"


# ---------------------------------------------------------------------------- workers


def use_gpu() -> None:
    """Put spaCy's models on the GPU (its thinc ops on CuPy), or say why that cannot be done."""
    import spacy

    try:
        spacy.require_gpu()
    except (ImportError, ValueError) as exc:
        raise ConfigError(f"cannot use a GPU ({exc}); install CuPy for your CUDA (e.g. `pip install cupy-cuda12x`) "
                          "or leave out --gpu", source="--gpu") from exc


@functools.cache
def _process_pipeline(opts: Options) -> Pipeline:
    # One model load per worker process (or Ray actor), kept for every block the worker codes.
    if opts.gpu:
        use_gpu()
    return Pipeline(resources=Resources(model=opts.model, actor_files=[Path(a) for a in opts.actors],
                                        parse_batch=Resources.GPU_PARSE_BATCH if opts.gpu else Resources.CPU_PARSE_BATCH),
                    batch_size=BLOCK)


def _code_block(block: Block, opts: Options) -> list[Article | Dropped]:
    return code_articles(read_block(block, max_chars=opts.max_chars), _process_pipeline(opts), english_only=opts.english_only)


def _local(blocks: list[Block], opts: Options, workers: int) -> Iterator[tuple[Block, list[Article | Dropped]]]:
    if workers <= 1:
        for block in blocks:
            yield block, _code_block(block, opts)
        return
    for block, items in _in_order(_code_block, blocks, opts, workers):
        yield block, items


def _code_batch(batch: list[Article], opts: Options) -> list[Article | Dropped]:
    return code_articles(list(batch), _process_pipeline(opts), english_only=False)


def code_in_workers(articles: list[Article], opts: Options, workers: int) -> Iterator[Article]:
    """Articles in memory coded by `workers` processes, in their order (as Pipeline.run codes them;
    the parse is dropped). For a caller with more cores than one pipeline can use."""
    batches = [articles[i:i + BLOCK] for i in range(0, len(articles), BLOCK)]
    for _, coded in _in_order(_code_batch, batches, opts, workers):
        yield from (a for a in coded if isinstance(a, Article))


def _in_order(fn: Callable[[Any, Options], list[Article | Dropped]], jobs: list[Any], opts: Options,
              workers: int) -> Iterator[tuple[Any, list[Article | Dropped]]]:
    """`fn(job, opts)` for each job in a pool of worker processes, results in job order."""
    # CUDA cannot be used in a forked child of a process that touched it: GPU workers are spawned.
    context = multiprocessing.get_context("spawn") if opts.gpu else None
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        # Results come back in order; up to two jobs a worker are in flight.
        pending = []
        it = iter(jobs)
        for job in it:
            pending.append((job, pool.submit(fn, job, opts)))
            if len(pending) >= 2 * workers:
                break
        while pending:
            job, future = pending.pop(0)
            try:
                items = future.result()
            except BrokenProcessPool:
                where = f"block {job.id}" if isinstance(job, Block) else "a batch of articles"
                raise EngineError(f"a worker process died (killed, or out of memory) while coding {where}; "
                                  "everything stored before it is kept: run the same command again to finish",
                                  source=job.shard if isinstance(job, Block) else None) from None
            yield job, items
            nxt = next(it, None)
            if nxt is not None:
                pending.append((nxt, pool.submit(fn, nxt, opts)))


class RayCoder:
    """A Ray Data actor: loads the pipeline once, then codes the blocks it is given."""

    def __init__(self, opts: Options) -> None:
        self.opts = opts
        _process_pipeline(opts)  # the model loads with the actor, not with its first block

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        ids, coded = [], []
        for i in range(len(batch["id"])):
            block = Block(**{k: _plain(batch[k][i]) for k in Block.__slots__})
            ids.append(block.id)
            coded.append(pickle.dumps(_code_block(block, self.opts), protocol=pickle.HIGHEST_PROTOCOL))
        return {"id": ids, "coded": coded}


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _ray(blocks: list[Block], opts: Options, workers: int, address: str | None) -> Iterator[tuple[Block, list[Article | Dropped]]]:
    try:
        import ray
    except ImportError:
        raise ConfigError("the Ray engine needs Ray: pip install 'ray[data]>=2.40' (or `pip install flashpoint[ray]`)",
                          source="--engine ray") from None
    import logging

    logging.getLogger("ray.data").setLevel(logging.WARNING)
    started = not ray.is_initialized()
    if started:
        ray.init(address=address, include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False,
                 configure_logging=True)
    try:
        yield from _ray_blocks(ray, blocks, opts, workers, address)
    finally:
        if started:
            ray.shutdown()


def _ray_blocks(ray: Any, blocks: list[Block], opts: Options, workers: int,
                address: str | None) -> Iterator[tuple[Block, list[Article | Dropped]]]:
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True  # the store takes blocks in order
    ctx.enable_progress_bars = False
    by_id = {b.id: b for b in blocks}
    ds = ray.data.from_items([asdict(b) for b in blocks], override_num_blocks=max(1, min(len(blocks), 4 * workers)))
    ds = ds.map_batches(RayCoder, batch_size=1, compute=ray.data.ActorPoolStrategy(size=workers),
                        fn_constructor_kwargs={"opts": opts}, num_cpus=1, num_gpus=(1 / workers) if opts.gpu else 0)
    rows = iter(ds.iter_rows())
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except ray.exceptions.RayError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise EngineError(f"the Ray engine failed ({first}); everything stored before is kept: run the same command "
                              "again to finish", source=address or "ray (local)") from exc
        yield by_id[row["id"]], pickle.loads(row["coded"])


# ---------------------------------------------------------------------------- a run


@dataclass(slots=True)
class RunReport:
    blocks: int = 0
    skipped: int = 0
    stored: IngestReport = field(default_factory=IngestReport)
    # Time this process spent storing (the single writer; the rest it waits for workers).
    store_seconds: float = 0.0

    def line(self) -> str:
        return (f"{self.blocks} block(s) coded, {self.skipped} already done; {self.stored.line()}; "
                f"{self.store_seconds:.1f} s storing")


ENGINES = ("local", "ray")


def run(inputs: list[str], store: Store, *, engine: str = "local", workers: int = 1, address: str | None = None,
        opts: Options = Options(), progress: Callable[[RunReport], None] | None = None) -> RunReport:
    """Code every block of the inputs not yet done into `store`."""
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}", source="--engine")
    if workers < 1:
        raise ConfigError(f"must be at least 1, got {workers}", source="--workers")
    same_coder(store, coder_version(model=opts.model, actor_files=opts.actors))
    report = RunReport()
    todo = []
    for block in plan(inputs):
        if store.block_done(block.id):
            report.skipped += 1
        else:
            todo.append(block)
    if not todo:
        return report
    coded = _ray(todo, opts, workers, address) if engine == "ray" else _local(todo, opts, workers)
    for block, items in coded:
        t0 = time.perf_counter()
        dropped = []
        for item in items:
            report.stored.read += 1
            if isinstance(item, Dropped):
                dropped.append(item)
                report.stored.drop(item)
            else:
                store_article(item, store, report.stored, status(item, opts.english_only))
        store.finish_block(block.id, len(items), dropped)
        report.store_seconds += time.perf_counter() - t0
        report.blocks += 1
        if progress is not None:
            progress(report)
    return report


def write_parquet(store: Store, out: Path) -> dict[str, int]:
    """The store's events and mentions as `OUT/events/date=D/*.parquet` and `OUT/mentions/...`
    (hive partitions; date=unknown for undated ones). Each folder is written beside the old one
    and swapped in, so a reader never sees half an export."""
    from .export import event_frame, mention_frame

    counts = {}
    exports: list[tuple[str, Iterable[Any], Callable[[list[Any]], pd.DataFrame]]] = [
        ("events", store.events(), event_frame), ("mentions", store.mentions(), mention_frame)]
    for name, records, frame in exports:
        tmp, old, final = out / f".{name}.tmp", out / f".{name}.old", out / name
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        n = 0
        for k, chunk in enumerate(batched(records, EXPORT_CHUNK)):
            df = frame(chunk)
            n += len(df)
            df["date"] = df["date"].fillna("unknown")
            for day, part in df.groupby("date", sort=True):
                folder = tmp / f"date={day}"
                folder.mkdir(exist_ok=True)
                part.drop(columns=["date"]).to_parquet(folder / f"part-{k:05d}.parquet", index=False)
        shutil.rmtree(old, ignore_errors=True)
        if final.exists():
            os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
        counts[name] = n
    return counts
