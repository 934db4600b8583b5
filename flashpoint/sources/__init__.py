"""Everything that turns inputs into Articles: files and folders (files), web pages (web),
RSS/Atom feeds (feeds). Each yields an Article, or a Dropped record saying why not."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date as Date
from typing import TYPE_CHECKING

from ..model import Article, Dropped
from .feeds import read_url
from .files import DEFAULT_MAX_CHARS, read_path
from .web import Fetcher, is_url

if TYPE_CHECKING:
    from ..store import Store


def read_sources(names: Iterable[str], *, fetcher: Fetcher, store: Store | None = None,
                 default_date: Date | None = None, max_chars: int = DEFAULT_MAX_CHARS) -> Iterator[Article | Dropped]:
    for name in names:
        if is_url(name):
            yield from read_url(name, fetcher, store, max_chars)
            continue
        yield from read_path(name, default_date=default_date, max_chars=max_chars)
