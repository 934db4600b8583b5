"""RSS and Atom feeds: their entries, and the pages they link to as articles."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from ..errors import FeedError, FlashpointError
from ..model import Article, Dropped
from .web import Fetcher, article_from_response, fetch_article, sniff_type

if TYPE_CHECKING:
    from ..store import Store


@dataclass(frozen=True)
class FeedEntry:
    url: str
    title: str | None
    # The day in the publisher's own time zone, as the feed gives it.
    published: Date | None
    # Plain text (feeds' HTML summaries are stripped of markup).
    summary: str | None
    guid: str | None


def fetch_feed(fetcher: Fetcher, url: str) -> list[FeedEntry]:
    """The entries of the RSS or Atom feed at `url`; links are resolved against where it was found."""
    response = fetcher.get(url)
    return parse_feed(response.body, response.url, source=url)


def parse_feed(body: bytes, url: str, *, source: str | None = None) -> list[FeedEntry]:
    """The entries of an RSS (0.9x, 1.0, 2.0) or Atom feed, in feed order; entries without a link are skipped.

    `url` is where the feed came from, for relative links; `source` names it in errors (default `url`)."""
    import feedparser

    source = source or url
    # A BytesIO, never the bytes: feedparser opens bytes that name an existing file as that file.
    parsed = feedparser.parse(io.BytesIO(body), response_headers={"content-location": url})
    if not parsed.get("version"):
        raise FeedError(_not_a_feed_reason(body), source=source)
    entries = (_feed_entry(entry, url) for entry in parsed.entries)
    return [entry for entry in entries if entry is not None]


def _not_a_feed_reason(body: bytes) -> str:
    if not body.strip():
        return "is not an RSS or Atom feed (it is empty)"
    if sniff_type(body) == "text/html":
        return "is not an RSS or Atom feed (it is an HTML page; ingest it as a URL, or use the feed its page links to)"
    return "is not an RSS or Atom feed"


def _feed_entry(entry: Any, feed_url: str) -> FeedEntry | None:
    link = (entry.get("link") or "").strip()
    if not link:
        return None
    return FeedEntry(
        url=urljoin(feed_url, link),
        title=_clean(entry.get("title")),
        published=_entry_date(entry),
        summary=_summary_text(entry),
        guid=_clean(entry.get("id")),
    )


def _clean(value: str | None) -> str | None:
    value = " ".join(value.split()) if value else ""
    return value or None


def _entry_date(entry: Any) -> Date | None:
    for raw_key, parsed_key in (("published", "published_parsed"), ("updated", "updated_parsed")):
        raw = entry.get(raw_key)
        if raw:
            # feedparser's parsed time is in UTC, which moves an evening story in the Americas to
            # the next day; the raw value keeps the publisher's own day when it is a standard format.
            local = _local_date(raw)
            if local is not None:
                return local
        parsed = entry.get(parsed_key)
        if parsed:
            return Date(*parsed[:3])
    return None


def _local_date(raw: str) -> Date | None:
    try:
        return parsedate_to_datetime(raw).date()  # RSS: RFC 822
    except (TypeError, ValueError):
        pass  # not RFC 822: try Atom's format
    try:
        return datetime.fromisoformat(raw.strip().replace("Z", "+00:00")).date()  # Atom: RFC 3339
    except ValueError:
        return None


def _summary_text(entry: Any) -> str | None:
    summary = entry.get("summary")
    if not summary or not summary.strip():
        return None
    detail = entry.get("summary_detail") or {}
    if detail.get("type") in ("text/html", "application/xhtml+xml"):
        from lxml import html as lxml_html

        summary = lxml_html.fragment_fromstring(summary, create_parent="div").text_content()
    return _clean(summary)


def read_url(url: str, fetcher: Fetcher, store: Store | None, max_chars: int) -> Iterator[Article | Dropped]:
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
