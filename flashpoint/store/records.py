"""What the read side of the store returns: events, their reports, articles and mention records,
as typed records.

Each record's to_dict() is the JSON the HTTP API and the exports write, key for key and in the
same order, so the records change nothing a reader of that JSON sees.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, fields
from datetime import date as Date
from datetime import datetime
from typing import Any, TypeVar

from ..model import Actor, Event, Evidence, Location, ReportSentence, Size
from ..sources.web import URL_ID_PREFIX

_E = TypeVar("_E", bound="StoredEvent")


def _date(value: str | None) -> Date | None:
    return Date.fromisoformat(value) if value else None


def _iso(value: Date | datetime | None) -> str | None:
    return value.isoformat() if value else None


_LOCATION = tuple(f.name for f in fields(Location))
_SIZE = tuple(f.name for f in fields(Size))


def _flat(obj: Location | Size, names: tuple[str, ...]) -> dict[str, Any]:
    """asdict for a record of plain values: its deep copy took a third of the time of a page of
    events from the API."""
    return {name: getattr(obj, name) for name in names}


@dataclass(frozen=True, slots=True)
class PloverRecord:
    """The PLOVER fields of a stored record: a mention's own, or an event's representative one."""

    id: str
    article_id: str
    date: Date | None
    event: tuple[str, ...]
    mode: tuple[str, ...]
    context: tuple[str, ...]
    quad_code: int | None
    event_scale: float | None
    actor: tuple[Actor, ...]
    recipient: tuple[Actor, ...]
    event_loc: Location | None
    size: Size
    acled: dict[str, str] | None
    confidence: float
    evidence: Evidence
    trigger: str
    sentences: tuple[ReportSentence, ...]
    provenance: dict[str, int]
    scheduled: bool

    @staticmethod
    def _fields(r: dict[str, Any]) -> dict[str, Any]:
        """The PLOVER fields of a record's JSON, typed."""
        loc = r["event_loc"]
        return {
            "id": r["id"], "article_id": r["article_id"], "date": _date(r["date"]), "event": tuple(r["event"]),
            "mode": tuple(r["mode"]), "context": tuple(r["context"]), "quad_code": r["quad_code"],
            "event_scale": r["event_scale"], "actor": tuple(Actor(**a) for a in r["actor"]),
            "recipient": tuple(Actor(**a) for a in r["recipient"]), "event_loc": Location(**loc) if loc else None,
            "size": Size(**r["size"]), "acled": r["acled"], "confidence": r["confidence"],
            "evidence": Evidence(**r["evidence"]), "trigger": r["trigger"],
            # Stores written before within-article coreference have one report per record.
            "sentences": tuple(ReportSentence(**x) for x in r.get("sentences") or [
                {**r["evidence"], "trigger": r["trigger"], "trigger_start": r.get("trigger_start", 0)}]),
            "provenance": dict(r.get("provenance") or {}),
            "scheduled": bool(r.get("scheduled", False)),  # absent from stores written before it
        }

    def plover(self) -> dict[str, Any]:
        return {
            "id": self.id, "article_id": self.article_id, "date": _iso(self.date), "event": list(self.event),
            "mode": list(self.mode), "context": list(self.context), "quad_code": self.quad_code,
            "event_scale": self.event_scale, "actor": [a.to_dict() for a in self.actor],
            "recipient": [a.to_dict() for a in self.recipient],
            "event_loc": _flat(self.event_loc, _LOCATION) if self.event_loc else None, "size": _flat(self.size, _SIZE),
            "acled": dict(self.acled) if self.acled is not None else None, "confidence": self.confidence,
            "evidence": self.evidence.to_dict(), "trigger": self.trigger,
            "sentences": [x.to_dict() for x in self.sentences], "provenance": dict(self.provenance),
            "scheduled": self.scheduled,
        }

    def _event(self, trigger_start: int, date_explicit: bool) -> Event:
        """The record as the pipeline's Event (sharing its actors, place, size and evidence), for
        flashpoint.api's flat columns and ACLED rows."""
        return Event(
            article_id=self.article_id, event=list(self.event), evidence=self.evidence, trigger=self.trigger,
            trigger_start=trigger_start, mode=list(self.mode), context=list(self.context), actor=list(self.actor),
            recipient=list(self.recipient), date=self.date, event_loc=self.event_loc, size=self.size,
            acled=dict(self.acled) if self.acled else None, confidence=self.confidence, quad_code=self.quad_code,
            event_scale=self.event_scale, date_explicit=date_explicit, sentences=list(self.sentences),
            provenance=dict(self.provenance), scheduled=self.scheduled)


def record_event(record: dict[str, Any]) -> Event:
    """A stored mention record (its JSON) as the Event it was stored from."""
    fields_ = PloverRecord._fields(record)
    return PloverRecord(**fields_)._event(record.get("trigger_start", 0), record.get("date_explicit", False))


@dataclass(frozen=True, slots=True)
class StoredEvent(PloverRecord):
    """One deduplicated event: its representative record and what its mentions add up to:
    `mentions` (sentences), `articles`, `sources` (distinct outlets), the first report's day and
    outlet."""

    mentions: int
    sources: int
    first_seen: Date | None
    last_seen: Date | None
    mention_ids: tuple[str, ...]
    coder_version: str
    articles: int
    first_reported: Date | None
    first_outlet: str | None
    article_ids: tuple[str, ...]
    date_stated: bool  # a report states the day; else it is a report's publication day

    @classmethod
    def from_row(cls: type[_E], row: sqlite3.Row, mention_ids: list[str], article_ids: list[str], **extra: Any) -> _E:
        record = json.loads(row["record"])
        plover = {**cls._fields(record), "id": row["id"]}
        return cls(**plover, date_stated=bool(record.get("date_explicit")), mentions=row["mentions"],
                   sources=row["sources"], first_seen=_date(row["first_seen"]),
                   last_seen=_date(row["last_seen"]), mention_ids=tuple(mention_ids),
                   coder_version=row["coder_version"], articles=row["articles"],
                   first_reported=_date(row["first_reported"]), first_outlet=row["first_outlet"],
                   article_ids=tuple(article_ids), **extra)

    def to_event(self) -> Event:
        # An event keeps no trigger offset, so the Event's id is not the event's: use `id`.
        return self._event(0, False)

    def to_dict(self) -> dict[str, Any]:
        return {**self.plover(), "mentions": self.mentions, "articles": self.articles, "sources": self.sources,
                "first_seen": _iso(self.first_seen), "last_seen": _iso(self.last_seen),
                "first_reported": _iso(self.first_reported), "first_outlet": self.first_outlet,
                "mention_ids": list(self.mention_ids), "article_ids": list(self.article_ids),
                "date_stated": self.date_stated, "coder_version": self.coder_version}


@dataclass(frozen=True, slots=True)
class Report:
    """One article sentence reporting an event, with the article, its outlet and why the report
    joined the event (`merge`: a matcher Decision's dict; None in stores written before them)."""

    record_id: str
    article_id: str
    date: Date | None
    evidence: str
    start: int
    end: int
    confidence: float | None
    title: str | None
    url: str | None
    published: Date | None
    source: str | None
    outlet: str | None
    merge: dict[str, Any] | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Report:
        return cls(record_id=row["record_id"], article_id=row["article_id"], date=_date(row["date"]),
                   evidence=row["evidence"], start=row["start"], end=row["end"], confidence=row["confidence"],
                   title=row["title"], url=row["url"], published=_date(row["published"]), source=row["source"],
                   outlet=row["outlet"], merge=json.loads(row["merge"]) if row["merge"] else None)

    def to_dict(self) -> dict[str, Any]:
        return {"record_id": self.record_id, "article_id": self.article_id, "date": _iso(self.date),
                "evidence": self.evidence, "start": self.start, "end": self.end, "confidence": self.confidence,
                "title": self.title, "url": self.url, "published": _iso(self.published), "source": self.source,
                "outlet": self.outlet, "merge": self.merge, "reason": self.reason()}

    def reason(self) -> str:
        """Why the report joined its event, in words."""
        from .matcher import Decision

        return Decision.from_dict(self.merge).reason() if self.merge else "stored before merge decisions were kept"


@dataclass(frozen=True, slots=True)
class MentionExport:
    """One mention as GDELT's mentions table has it: which event, which article (the id it came
    in with, or its URL), the outlet, the day it was published, the sentence and its offsets."""

    event_id: str
    article_id: str
    url: str | None
    outlet: str | None
    published: Date | None
    sentence: str
    start: int
    end: int
    confidence: float | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> MentionExport:
        given = row["given_id"] or row["article_id"]
        # A fetched page's id is a hash of its URL: the URL says more.
        article = row["url"] if given.startswith(URL_ID_PREFIX) and row["url"] else given
        return cls(event_id=row["event_id"], article_id=article, url=row["url"], outlet=row["outlet"],
                   published=_date(row["published"]), sentence=row["evidence"], start=row["start"], end=row["end"],
                   confidence=row["confidence"])

    def to_dict(self) -> dict[str, Any]:
        return {"event_id": self.event_id, "article_id": self.article_id, "url": self.url, "outlet": self.outlet,
                "published": _iso(self.published), "sentence": self.sentence, "start": self.start, "end": self.end,
                "confidence": self.confidence}


@dataclass(frozen=True, slots=True)
class EventDetail(StoredEvent):
    """An event with every report of it, in the order the articles were stored."""

    reports: tuple[Report, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {**StoredEvent.to_dict(self), "reports": [r.to_dict() for r in self.reports]}

    def explanation(self) -> dict[str, Any]:
        """Why the event is one event: each report in the order stored, its outlet and dates, and
        the merge decision that put it there, in words too (`flashpoint explain`)."""
        reports = [{"record_id": r.record_id, "article_id": r.article_id, "outlet": r.outlet, "url": r.url,
                    "published": _iso(r.published), "date": _iso(r.date), "sentence": r.evidence, "merge": r.merge,
                    "reason": r.reason()} for r in self.reports]
        return {"event_id": self.id, "type": self.event[0], "date": _iso(self.date), "mentions": self.mentions,
                "articles": self.articles, "sources": self.sources, "first_reported": _iso(self.first_reported),
                "first_outlet": self.first_outlet, "reports": reports}


@dataclass(frozen=True, slots=True)
class ArticleSummary:
    """An article as listings show it: no text."""

    id: str
    url: str | None
    title: str | None
    date: Date | None
    source: str | None
    lang: str | None
    status: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> ArticleSummary:
        return cls(id=row["id"], url=row["url"], title=row["title"], date=_date(row["date"]), source=row["source"],
                   lang=row["lang"], status=row["status"])

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "url": self.url, "title": self.title, "date": _iso(self.date), "source": self.source,
                "lang": self.lang, "status": self.status}


@dataclass(frozen=True, slots=True)
class StoredArticle(ArticleSummary):
    """An article with its text and how it was stored."""

    host: str | None
    error: str | None
    near_dup_of: str | None
    coder_version: str | None
    ingested_at: datetime
    text: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> StoredArticle:
        return cls(id=row["id"], url=row["url"], title=row["title"], date=_date(row["date"]), source=row["source"],
                   lang=row["lang"], status=row["status"], host=row["host"], error=row["error"],
                   near_dup_of=row["near_dup_of"], coder_version=row["coder_version"],
                   ingested_at=datetime.fromisoformat(row["ingested_at"]), text=row["text"])

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "url": self.url, "title": self.title, "date": _iso(self.date), "source": self.source,
                "host": self.host, "lang": self.lang, "status": self.status, "error": self.error,
                "near_dup_of": self.near_dup_of, "coder_version": self.coder_version,
                "ingested_at": self.ingested_at.isoformat(), "text": self.text}


@dataclass(frozen=True, slots=True)
class MentionRow(PloverRecord):
    """One mention's full record, with its event and its article."""

    trigger_start: int
    date_explicit: bool
    event_id: str
    url: str | None
    title: str | None
    published: Date | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> MentionRow:
        r = json.loads(row["record"])
        return cls(**cls._fields(r), trigger_start=r.get("trigger_start", 0), date_explicit=r.get("date_explicit", False),
                   event_id=row["event_id"], url=row["url"], title=row["title"], published=_date(row["published"]))

    def to_event(self) -> Event:
        # With the stored trigger offset, the Event's id is the mention's.
        return self._event(self.trigger_start, self.date_explicit)

    def to_dict(self) -> dict[str, Any]:
        return {**self.plover(), "trigger_start": self.trigger_start, "date_explicit": self.date_explicit,
                "event_id": self.event_id, "url": self.url, "title": self.title, "published": _iso(self.published)}


@dataclass(frozen=True, slots=True)
class DroppedInput:
    """An input of a batch run that was not an article, with the block it was in."""

    block: str
    source: str
    reason: str
    code: str
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"block": self.block, "source": self.source, "reason": self.reason, "code": self.code, "line": self.line}
