"""Files, folders, globs, standard input and JSON lines: the readers that make Articles.

A reader yields an Article for each article in an input, or a Dropped record saying why not.
"""

from __future__ import annotations

import codecs
import glob
import json
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator
from datetime import date as Date
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import (
    BinaryInputError,
    EmptyInputError,
    EncodingError,
    InputError,
    JSONLineError,
    TooLargeError,
)
from ..model import Article, Dropped
from ..settings import DEFAULTS
from .html import html_publication_date, html_to_text, looks_like_html

# What a folder contributes: the files flashpoint can read as articles.
READABLE = frozenset({".txt", ".text", ".md", ".html", ".htm", ".jsonl", ".ndjson"})
_GLOB_CHARS = frozenset("*?[")

# spaCy's own default max_length; longer texts are not news articles.
DEFAULT_MAX_CHARS = DEFAULTS.max_chars


# The fields an article is read from, and what each may hold (None: absent). A date may be a date
# where the record comes from Parquet; a bool is refused as an id though Python counts it an int.
_FIELD_KINDS: dict[str, tuple[type, ...]] = {
    "id": (str, int), "text": (str,), "html": (str,), "title": (str,), "url": (str,), "date": (str, Date),
    "outlet": (str,), "source": (str,),
}
_KIND_NAMES = {"id": "a string or an integer", "date": "a YYYY-MM-DD string"}


def article_from_dict(obj: dict[str, Any], *, source: str, default_id: str,
                      default_date: Date | None = None, max_chars: int = DEFAULT_MAX_CHARS) -> Article:
    """Build an article from a JSON object; raises InputError naming what is wrong."""
    if not isinstance(obj, dict):
        raise JSONLineError(f"expected a JSON object, got {type(obj).__name__}", source=source)
    for name, kinds in _FIELD_KINDS.items():
        value = obj.get(name)
        if value is None:
            continue
        if not isinstance(value, kinds) or isinstance(value, bool):
            raise JSONLineError(f"field {name!r} must be {_KIND_NAMES.get(name, 'a string')}, got {type(value).__name__}",
                                source=source)
        if isinstance(value, str):
            _check_unicode(value, what=f"field {name!r}", source=source)
    text = obj.get("text")
    if text is None and obj.get("html") is not None:
        text, html_title = html_to_text(obj["html"], source=source)
        obj = {**obj, "title": obj.get("title") or html_title}
    if text is None:
        raise JSONLineError("has neither 'text' nor 'html'", source=source)
    check_text(text, source=source, max_chars=max_chars)
    raw_date = obj.get("date")
    return Article(
        id=str(obj["id"]) if obj.get("id") is not None and str(obj["id"]).strip() else default_id,
        text=text,
        title=obj.get("title") or None,
        date=parse_iso_date(raw_date, source=source) if raw_date else default_date,
        url=obj.get("url") or None,
        source=source,
        # GDELT and ACLED exports name the outlet `source`.
        outlet=(obj.get("outlet") or obj.get("source") or "").strip() or None,
    )


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_iso_date(value: Any, *, source: str) -> Date:
    """A date given as YYYY-MM-DD (a datetime or a timestamp string keeps its day)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, Date):
        return value
    text = value.strip() if isinstance(value, str) else None
    if text is None or not _ISO_DATE.fullmatch(text[:10]):
        raise InputError(f"date {value!r} is not YYYY-MM-DD", source=source)
    try:
        return datetime.fromisoformat(text).date() if len(text) > 10 else Date.fromisoformat(text)
    except ValueError:
        raise InputError(f"date {value!r} is not a calendar date as YYYY-MM-DD", source=source) from None


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
    _check_unicode(text, what="text", source=source)


def _check_unicode(value: str, *, what: str, source: str) -> None:
    """Refuse a string that cannot be stored or sent as UTF-8: one with a lone surrogate, which a
    JSON "\\ud800" escape or text cut inside a UTF-16 pair leaves."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise EncodingError(f"{what} holds a lone surrogate ({value[exc.start]!r} at character {exc.start}), half of a "
                            "UTF-16 pair and not valid Unicode; repair or remove it where the text was written",
                            source=source) from None


# UTF-32's marks first: UTF-32-LE's begins with UTF-16-LE's.
_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32 LE"), (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32 BE"),
              (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 LE"), (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 BE"))


def decode_bytes(data: bytes, *, source: str) -> str:
    if not data.strip():
        raise EmptyInputError("is empty (no text to code)", source=source)
    # Text saved as UTF-16 or UTF-32 (Windows editors' "Unicode") is full of NUL bytes but says
    # what it is in its first bytes.
    for bom, codec, label in _WIDE_BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(codec)
            except UnicodeDecodeError as exc:
                raise EncodingError(f"starts with a {label} byte order mark but is not valid {label} (byte {exc.start + len(bom)}); "
                                    "it may be cut short: save it again, as UTF-8", source=source) from None
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


def expand(name: str) -> list[str | Dropped]:
    """The files a path, folder or glob names, sorted ("-": standard input), with a Dropped in its
    place for each entry there that cannot be read as a file (an unreadable folder, a dangling
    link, a FIFO). Hidden entries and other suffixes in a folder are not inputs: they are passed over."""
    if name == "-":
        return [name]
    path = Path(name)
    if path.is_dir():
        return sorted(_walk(path), key=_named)
    if not path.exists() and _GLOB_CHARS & set(name):
        found = (_regular_file(Path(p)) for p in glob.glob(name, recursive=True))
        return sorted((item for item in found if item is not None), key=_named)
    return [name]


def _named(item: str | Dropped) -> str:
    return item if isinstance(item, str) else item.source


def _walk(folder: Path) -> Iterator[str | Dropped]:
    try:
        with os.scandir(folder) as listing:
            entries = list(listing)
    except OSError as exc:
        yield Dropped(str(folder), f"cannot be read: {exc.strerror}", InputError.code)
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = folder / entry.name
        try:
            # Links to folders are not followed, as rglob never did: a link may lead back up the tree.
            is_folder = entry.is_dir(follow_symlinks=False)
        except OSError as exc:
            yield Dropped(str(path), f"cannot be read: {exc.strerror}", InputError.code)
            continue
        if is_folder:
            yield from _walk(path)
        elif path.suffix.lower() in READABLE:
            item = _regular_file(path)
            if item is not None:
                yield item


_NOT_REGULAR = {stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a character device",
                stat.S_IFBLK: "a block device"}


def _regular_file(path: Path) -> str | Dropped | None:
    """`path` when it is a regular file (or a link to one), else why it cannot be read; None for a
    folder or a link to one, and for what is gone since its folder was listed.

    Only its status is read: opening a FIFO would wait for a writer that may never come."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        try:
            target = os.readlink(path)
        except OSError:
            return None
        return Dropped(str(path), f"is a dangling symbolic link: {target} does not exist; fix or remove the link", InputError.code)
    except OSError as exc:
        return Dropped(str(path), f"cannot be read: {exc.strerror}", InputError.code)
    if stat.S_ISREG(mode):
        return str(path)
    if stat.S_ISDIR(mode):
        return None
    kind = _NOT_REGULAR.get(stat.S_IFMT(mode), "a special file")
    return Dropped(str(path), f"is {kind}, not a regular file; copy what it holds into a file to read it", InputError.code)


def read_path(name: str, *, default_date: Date | None = None,
              max_chars: int = DEFAULT_MAX_CHARS) -> Iterator[Article | Dropped]:
    """Yield an Article for each article in the files a path, folder or glob names, or a Dropped
    record saying why not; one for the name itself when it names no file to read."""
    found = expand(name)
    if not found:
        yield Dropped(name, "names no readable file (.txt, .html, .jsonl ...)", InputError.code)
    for item in found:
        if isinstance(item, Dropped):
            yield item
        else:
            yield from read_source(item, default_date=default_date, max_chars=max_chars)


def read_source(name: str, *, default_date: Date | None = None,
                max_chars: int = DEFAULT_MAX_CHARS, stdin: BinaryIO | None = None) -> Iterator[Article | Dropped]:
    """Yield an Article for each article in one input, or a Dropped record saying why not.

    JSONL is streamed line by line, so a batch file may be of any size; the size limit applies to
    each article. A text or HTML file over the limit is refused before it is decoded."""
    if name == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        label, suffix = "<stdin>", ""
        yield from _read_stream(stream, label, suffix, default_date, max_chars)
        return
    path = Path(name)
    if path.is_dir():
        yield Dropped(name, "is a directory; pass the files in it (e.g. DIR/*.txt)", InputError.code)
        return
    try:
        with path.open("rb") as fh:
            yield from _read_stream(fh, name, path.suffix.lower(), default_date, max_chars)
    except FileNotFoundError:
        yield Dropped(name, "no such file", InputError.code)
    except OSError as exc:
        yield Dropped(name, f"cannot be read: {exc.strerror}", InputError.code)


def _read_stream(fh: BinaryIO, label: str, suffix: str, default_date: Date | None,
                 max_chars: int) -> Iterator[Article | Dropped]:
    head = fh.read(4096)
    is_jsonl = suffix in (".jsonl", ".ndjson") or (suffix == "" and head.lstrip().startswith(b"{"))
    if is_jsonl:
        lines = _byte_lines(head, fh)
        yield from read_jsonl(lines, source=label, default_date=default_date, max_chars=max_chars)
        return
    # UTF-8 needs at most 4 bytes a character: read just past the most a valid article can take.
    cap = max_chars * 4
    data = head + fh.read(max(0, cap + 1 - len(head)))
    if len(data) > cap:
        yield Dropped(label, f"is over {cap:,} bytes, more than {max_chars:,} characters can take; "
                             "split it into articles or raise --max-chars", TooLargeError.code)
        return
    try:
        text = decode_bytes(data, source=label)
        page_date = None
        if suffix in (".html", ".htm") or looks_like_html(text):
            body, title = html_to_text(text, source=label)
            page_date = html_publication_date(text)
        else:
            body, title = text, None
        check_text(body, source=label, max_chars=max_chars)
    except InputError as exc:
        yield Dropped(label, exc.message, exc.code)
        return
    yield Article(id=Path(label).name, text=body, title=title, date=page_date or default_date, source=label)


def _byte_lines(head: bytes, fh: BinaryIO) -> Iterator[str | bytes]:
    """Lines of a JSONL stream, split on \n only (JSON strings may hold U+2028 and friends)."""
    buf = head
    while True:
        *complete, buf = buf.split(b"\n")
        yield from complete
        chunk = fh.read(1 << 20)
        if not chunk:
            break
        buf += chunk
    if buf:
        yield buf


def read_jsonl(lines: Iterable[str | bytes], *, source: str, default_date: Date | None = None,
               max_chars: int = DEFAULT_MAX_CHARS, first_line: int = 1) -> Iterator[Article | Dropped]:
    """Articles from JSON lines; `first_line` numbers the first of them (a block of a larger file)."""
    for lineno, raw in enumerate(lines, start=first_line):
        if isinstance(raw, bytes):
            try:
                line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield Dropped(source, f"line {lineno} is not valid UTF-8 (byte {exc.start})", EncodingError.code, line=lineno)
                continue
        else:
            line = raw
        if not line.strip():
            continue
        if len(line) > max_chars * 2:
            yield Dropped(source, f"line {lineno} has {len(line):,} characters, over the limit; raise --max-chars",
                          TooLargeError.code, line=lineno)
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Dropped(source, f"line {lineno} is not valid JSON ({exc.msg} at column {exc.colno})",
                          JSONLineError.code, line=lineno)
            continue
        except RecursionError:
            # The json module recurses per nesting level: "[[[[…" a thousand deep is no article.
            yield Dropped(source, f"line {lineno} is JSON nested too deeply to be an article", JSONLineError.code,
                          line=lineno)
            continue
        try:
            yield article_from_dict(obj, source=f"{source}:{lineno}", default_id=f"{Path(source).name}:{lineno}",
                                    default_date=default_date, max_chars=max_chars)
        except InputError as exc:
            yield Dropped(source, f"line {lineno} {exc.message}", exc.code, line=lineno)
