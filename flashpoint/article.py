"""The Article that flows through the stages, and the readers that make articles from inputs."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date as Date
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from .errors import (
    BinaryInputError,
    EmptyInputError,
    EncodingError,
    InputError,
    JSONLineError,
    TooLargeError,
)
from .model import Dropped, Event

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from .geoparse import PlaceMention
    from .stages.actors import Mention

# spaCy's own default max_length; longer texts are not news articles.
DEFAULT_MAX_CHARS = 1_000_000


@dataclass(slots=True)
class Article:
    id: str
    text: str
    title: str | None = None
    date: Date | None = None
    url: str | None = None
    source: str | None = None
    doc: Doc | None = None
    events: list[Event] = field(default_factory=list)
    # Token index -> the actor/country mention covering it (set by the `events` stage).
    mentions: dict[int, Mention] = field(default_factory=dict)
    # The article's toponyms, resolved (set by the `places` stage).
    places: list[PlaceMention] = field(default_factory=list)

    @classmethod
    def from_dict(cls, obj: dict[str, Any], *, source: str, default_id: str,
                  default_date: Date | None = None, max_chars: int = DEFAULT_MAX_CHARS) -> Article:
        """Build an article from a JSON object; raises InputError naming what is wrong."""
        if not isinstance(obj, dict):
            raise JSONLineError(f"expected a JSON object, got {type(obj).__name__}", source=source)
        text = obj.get("text")
        if text is None and obj.get("html") is not None:
            text, html_title = html_to_text(str(obj["html"]), source=source)
            obj = {**obj, "title": obj.get("title") or html_title}
        if text is None:
            raise JSONLineError("has neither 'text' nor 'html'", source=source)
        if not isinstance(text, str):
            raise JSONLineError(f"'text' must be a string, got {type(text).__name__}", source=source)
        check_text(text, source=source, max_chars=max_chars)
        raw_date = obj.get("date")
        return cls(
            id=str(obj.get("id") or default_id),
            text=text,
            title=obj.get("title") or None,
            date=parse_iso_date(raw_date, source=source) if raw_date else default_date,
            url=obj.get("url") or None,
            source=source,
        )


def parse_iso_date(value: Any, *, source: str) -> Date:
    try:
        return Date.fromisoformat(str(value)[:10])
    except ValueError:
        raise InputError(f"date {value!r} is not YYYY-MM-DD", source=source) from None


def check_text(text: str, *, source: str, max_chars: int) -> None:
    if not text.strip():
        raise EmptyInputError("is empty (no text to code)", source=source)
    if len(text) > max_chars:
        raise TooLargeError(
            f"has {len(text):,} characters, over the limit of {max_chars:,}; "
            "split it into articles or raise --max-chars",
            source=source,
        )
    if "\x00" in text:
        raise BinaryInputError("contains NUL bytes; it looks like a binary file, not text", source=source)


def decode_bytes(data: bytes, *, source: str) -> str:
    if not data.strip():
        raise EmptyInputError("is empty (no text to code)", source=source)
    if b"\x00" in data[:8192]:
        raise BinaryInputError("contains NUL bytes; it looks like a binary file, not text", source=source)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EncodingError(
            f"is not valid UTF-8 (byte {exc.start}: {data[exc.start:exc.start + 1]!r}); "
            "convert it, e.g. `iconv -f latin1 -t utf-8`",
            source=source,
        ) from None


def html_to_text(html: str, *, source: str) -> tuple[str, str | None]:
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_precision=True)
    if not text or not text.strip():
        raise EmptyInputError("HTML has no main text that could be extracted", source=source)
    meta = trafilatura.extract_metadata(html)
    return text, (meta.title if meta is not None else None)


def looks_like_html(text: str) -> bool:
    head = text.lstrip()[:500].lower()
    return head.startswith(("<!doctype html", "<html")) or ("<body" in head and "</" in text)


def read_source(name: str, *, default_date: Date | None = None,
                max_chars: int = DEFAULT_MAX_CHARS, stdin: BinaryIO | None = None) -> Iterator[Article | Dropped]:
    """Yield an Article for each article in one input, or a Dropped record saying why not."""
    if name == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        data = stream.read(max_chars * 4 + 1)
        label, suffix = "<stdin>", ""
    else:
        path = Path(name)
        label, suffix = name, path.suffix.lower()
        try:
            if path.is_dir():
                raise InputError("is a directory; pass the files in it (e.g. DIR/*.txt)", source=name)
            # Bytes of UTF-8 are at most 4 per character; read just past the limit to detect it.
            with path.open("rb") as fh:
                data = fh.read(max_chars * 4 + 1)
        except FileNotFoundError:
            yield Dropped(name, "no such file", InputError.code)
            return
        except InputError as exc:
            yield Dropped(name, exc.message, exc.code)
            return
        except OSError as exc:
            yield Dropped(name, f"cannot be read: {exc.strerror}", InputError.code)
            return
    try:
        text = decode_bytes(data, source=label)
    except InputError as exc:
        yield Dropped(label, exc.message, exc.code)
        return
    stem = Path(label).name
    if suffix in (".jsonl", ".ndjson") or (suffix == "" and text.lstrip().startswith("{")):
        yield from read_jsonl(text.splitlines(), source=label, default_date=default_date, max_chars=max_chars)
        return
    try:
        if suffix in (".html", ".htm") or looks_like_html(text):
            body, title = html_to_text(text, source=label)
        else:
            body, title = text, None
        check_text(body, source=label, max_chars=max_chars)
    except InputError as exc:
        yield Dropped(label, exc.message, exc.code)
        return
    yield Article(id=stem, text=body, title=title, date=default_date, source=label)


def read_jsonl(lines: Iterable[str], *, source: str, default_date: Date | None = None,
               max_chars: int = DEFAULT_MAX_CHARS) -> Iterator[Article | Dropped]:
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{source}:{lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Dropped(source, f"line {lineno} is not valid JSON ({exc.msg} at column {exc.colno})",
                          JSONLineError.code, line=lineno)
            continue
        try:
            yield Article.from_dict(obj, source=where, default_id=f"{Path(source).name}:{lineno}",
                                    default_date=default_date, max_chars=max_chars)
        except InputError as exc:
            yield Dropped(source, f"line {lineno} {exc.message}", exc.code, line=lineno)
