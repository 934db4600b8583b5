"""From sources to the store: code what was read (flashpoint.sources) and store it, or recode the store.

Sources are read in a fixed order (arguments as given; a folder's or a glob's files sorted), so
that running the same command again after a crash resumes exactly where the store stopped.
Articles already stored (same URL or same text) are not coded again; articles not in English are
stored, marked with their language, and not coded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from .batching import batched
from .coding.pipeline import Pipeline
from .errors import ConfigError
from .language import codable, detect
from .model import Article, Dropped
from .settings import DEFAULTS
from .sources import read_sources
from .sources.web import Fetcher
from .store import Store

BATCH = DEFAULTS.ingest_batch


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


def ingest(items: Iterable[Article | Dropped], store: Store, pipeline: Pipeline, *,
           english_only: bool = True, progress: Callable[[IngestReport], None] | None = None) -> IngestReport:
    """Code and store articles in batches; each article is committed on its own."""
    same_coder(store, pipeline.coder_version)
    report = IngestReport()
    for batch in batched(_to_code(items, store, report, english_only), BATCH):
        for article in pipeline.run(batch):
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
    same_coder(store, pipeline.coder_version)
    report = IngestReport()
    if not store.start_recode():
        return report
    for batch in batched(store.articles_to_recode(), BATCH):
        for article in pipeline.run(batch):
            if article.error is not None:
                report.failed.append((article.id, article.error))
            mentions, new_events = store.recode(article, status="failed" if article.error is not None else "coded")
            report.read += 1
            report.mentions += mentions
            report.new_events += new_events
        if progress is not None:
            progress(report.read)
    return report


def same_coder(store: Store, coder: str) -> None:
    """Refuse to store events under another coder's version: `recode` would never redo them."""
    if store.coder != coder:
        raise ConfigError(f"is open for coder {store.coder}, but the events come from {coder}; "
                          "open it with Store.open(path, coder=pipeline.coder_version)", source=store.path)


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
