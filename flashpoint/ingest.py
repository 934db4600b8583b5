"""From sources to the store: files, folders, globs, JSONL, HTML pages, URLs and RSS/Atom feeds.

Sources are read in a fixed order (arguments as given; a folder's or a glob's files sorted), so
that running the same command again after a crash resumes exactly where the store stopped.
Articles already stored (same URL or same text) are not coded again; articles not in English are
stored, marked with their language, and not coded.
"""

from __future__ import annotations

import glob
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date as Date
from pathlib import Path

from .article import DEFAULT_MAX_CHARS, Article, read_source
from .batching import batched
from .errors import FlashpointError, InputError
from .fetch import Fetcher, article_from_response, fetch_article, is_url, parse_feed
from .language import codable, detect
from .model import Dropped
from .pipeline import Pipeline
from .store import Store

# What a folder contributes: the files flashpoint can read as articles.
READABLE = frozenset({".txt", ".text", ".md", ".html", ".htm", ".jsonl", ".ndjson"})
_GLOB_CHARS = frozenset("*?[")
BATCH = 32


@dataclass(slots=True)
class IngestReport:
    read: int = 0
    new: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    not_english: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    mentions: int = 0
    new_events: int = 0

    def drop(self, item: Dropped) -> None:
        """Count an input that is not an article, with its reason."""
        self.failed.append((item.source, f"{item.reason} [{item.code}]"))

    def line(self) -> str:
        return (f"{self.read} read, {self.new} new, {self.duplicates} duplicate(s), {self.near_duplicates} near "
                f"copies linked, {self.not_english} not English, {len(self.failed)} failed; "
                f"{self.mentions} event mention(s) stored, {self.new_events} new event(s)")


def expand(name: str) -> list[str]:
    """The files a path, folder or glob names, sorted ("-": standard input)."""
    if name == "-":
        return [name]
    path = Path(name)
    if path.is_dir():
        return sorted(str(p) for p in path.rglob("*")
                      if p.is_file() and p.suffix.lower() in READABLE and not any(part.startswith(".") for part in p.parts))
    if not path.exists() and _GLOB_CHARS & set(name):
        return sorted(p for p in glob.glob(name, recursive=True) if Path(p).is_file())
    return [name]


def read_sources(names: Iterable[str], *, fetcher: Fetcher, store: Store | None = None,
                 default_date: Date | None = None, max_chars: int = DEFAULT_MAX_CHARS) -> Iterator[Article | Dropped]:
    for name in names:
        if is_url(name):
            yield from _read_url(name, fetcher, store, max_chars)
            continue
        files = expand(name)
        if not files:
            yield Dropped(name, "names no readable file (.txt, .html, .jsonl ...)", InputError.code)
        for f in files:
            yield from read_source(f, default_date=default_date, max_chars=max_chars)


def _read_url(url: str, fetcher: Fetcher, store: Store | None, max_chars: int) -> Iterator[Article | Dropped]:
    """A page, or a feed whose entries not seen before are fetched one by one."""
    try:
        resp = fetcher.get(url)
    except FlashpointError as exc:
        yield Dropped(url, exc.message, exc.code)
        return
    if not _looks_like_feed(resp.headers.get("content-type", ""), resp.body):
        try:
            yield article_from_response(resp, url, max_chars=max_chars)
        except FlashpointError as exc:
            yield Dropped(url, exc.message, exc.code)
        return
    try:
        entries = parse_feed(resp.body, resp.url)
    except FlashpointError as exc:
        yield Dropped(url, exc.message, exc.code)
        return
    for entry in entries:
        if store is not None and store.has_url(entry.url):
            continue
        for item in _page(fetcher, entry.url, max_chars):
            if isinstance(item, Article):
                item.title = item.title or entry.title
                item.date = item.date or entry.published
                item.source = f"{url} {entry.url}"
            yield item
        if store is not None:
            store.mark_feed_entry(entry.url, url)


def _page(fetcher: Fetcher, url: str, max_chars: int) -> Iterator[Article | Dropped]:
    try:
        yield fetch_article(fetcher, url, max_chars=max_chars)
    except FlashpointError as exc:
        yield Dropped(url, exc.message, exc.code)


def _looks_like_feed(content_type: str, body: bytes) -> bool:
    ct = content_type.lower()
    if any(k in ct for k in ("rss", "atom", "rdf")):
        return True
    head = body[:1000].lstrip().lower()
    return head.startswith((b"<rss", b"<feed", b"<rdf")) or (head.startswith(b"<?xml") and b"<html" not in head)


def ingest(items: Iterable[Article | Dropped], store: Store, pipeline: Pipeline, *,
           english_only: bool = True, progress: Callable[[IngestReport], None] | None = None) -> IngestReport:
    """Code and store articles in batches; each article is committed on its own."""
    report = IngestReport()
    for batch in batched(_to_code(items, store, report, english_only), BATCH):
        for article in pipeline.run_batch(batch):
            store_article(article, store, report, "failed" if article.error is not None else "coded")
        if progress is not None:
            progress(report)
    return report


def _to_code(items: Iterable[Article | Dropped], store: Store, report: IngestReport,
             english_only: bool) -> Iterator[Article]:
    """The articles worth coding; the others are counted (and a non-English one stored) on the way."""
    for item in items:
        report.read += 1
        if isinstance(item, Dropped):
            report.drop(item)
        elif store.seen(item) is not None:
            report.duplicates += 1
        else:
            if english_only:
                item.lang = item.lang or detect(item.text)[0]  # pages from the web come identified
                if not codable(item.lang):
                    store_article(item, store, report, "not_english")
                    continue
            yield item


def store_article(article: Article, store: Store, report: IngestReport, status: str) -> None:
    """Store one article with the status coding gave it, and count what storing did."""
    done = store.add(article, status=status)
    if done.status == "duplicate":
        report.duplicates += 1
    elif done.status == "not_english":
        report.not_english += 1
    elif done.status == "failed":
        report.failed.append((article.source or article.id, article.error or "coding failed"))
    else:
        report.new += 1
        report.near_duplicates += done.status == "near_duplicate"
        report.mentions += done.mentions
        report.new_events += done.new_events


def recode(store: Store, pipeline: Pipeline, *, progress: Callable[[int], None] | None = None) -> IngestReport:
    """Re-run the current coder over every stored article whose events another coder made."""
    report = IngestReport()
    if not store.start_recode():
        return report
    for batch in batched(store.articles_to_recode(), BATCH):
        for article in pipeline.run_batch(batch):
            if article.error is not None:
                report.failed.append((article.id, article.error))
            mentions, new_events = store.recode(article)
            report.read += 1
            report.mentions += mentions
            report.new_events += new_events
        if progress is not None:
            progress(report.read)
    return report


def parse_every(text: str) -> float:
    """Seconds in "15m", "1h", "90s", "2h30m"."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    total, num = 0.0, ""
    for ch in text.strip().lower():
        if ch.isdigit() or ch == ".":
            num += ch
        elif ch in units and num:
            total += float(num) * units[ch]
            num = ""
        else:
            raise ValueError(f"{text!r} is not a duration such as 15m, 1h or 90s")
    if num:
        total += float(num) * 60  # a bare number is minutes, as in the --every examples
    if total <= 0:
        raise ValueError(f"{text!r} is not a positive duration")
    return total


def watch(feeds: list[str], store: Store, pipeline: Pipeline, fetcher: Fetcher, *, every: float,
          polls: int | None = None, on_poll: Callable[[int, IngestReport], None] | None = None,
          sleep: Callable[[float], None] = time.sleep) -> None:
    """Poll feeds, store what is new, never twice; `polls` bounds the loop (None: until stopped)."""
    n = 0
    while polls is None or n < polls:
        n += 1
        report = ingest(read_sources(feeds, fetcher=fetcher, store=store), store, pipeline)
        if on_poll is not None:
            on_poll(n, report)
        if polls is None or n < polls:
            sleep(every)
