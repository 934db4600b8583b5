"""Typed records: the Article that flows through the stages, and what the stages make of it."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import date as Date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from .lexicon import ActorEntry
    from .places.geoparse import PlaceMention


@dataclass(slots=True)
class Actor:
    text: str
    code: str | None = None
    sector: str | None = None
    name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "code": self.code, "sector": self.sector, "name": self.name}


@dataclass(slots=True)
class Location:
    extracted_place: str | None
    resolved_place: str | None = None
    geonameid: int | None = None
    lat: float | None = None
    lon: float | None = None
    province: str | None = None
    country_code: str | None = None
    # 1 country, 2 province, 3 district, 4 town, 5 exact place
    resolution: int | None = None
    # ACLED's geo_precision: 1 the town itself, 2 a nearby town or the district, 3 the region or
    # country only.
    precision: int | None = None
    # Where the place came from: "clause" (the event's own phrases), "sentence" (another place its
    # sentence names), "dateline" or "setting" (the town the story is set in): the last two are
    # the story's place, not one the event's report gives.
    basis: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Size:
    dead: int | None = None
    injured: int | None = None
    arrested: int | None = None
    troops: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def empty(self) -> bool:
        return all(v is None for v in (self.dead, self.injured, self.arrested, self.troops))


@dataclass(slots=True)
class Evidence:
    text: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end}


@dataclass(frozen=True, slots=True)
class ReportSentence:
    """One sentence of an article that reports an event, and the word that says so."""

    text: str
    start: int
    end: int
    trigger: str
    trigger_start: int

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end, "trigger": self.trigger,
                "trigger_start": self.trigger_start}


@dataclass(slots=True)
class Event:
    article_id: str
    event: list[str]
    evidence: Evidence
    trigger: str
    trigger_start: int
    mode: list[str] = field(default_factory=list)
    context: list[str] = field(default_factory=list)
    actor: list[Actor] = field(default_factory=list)
    recipient: list[Actor] = field(default_factory=list)
    date: Date | None = None
    event_loc: Location | None = None
    size: Size = field(default_factory=Size)
    acled: dict[str, str] | None = None
    confidence: float = 0.5
    quad_code: int | None = None
    event_scale: float | None = None
    # Token indices into the article's parse, for the stages after `events`; never serialized.
    trigger_i: int = -1
    actor_heads: list[int] = field(default_factory=list)
    recipient_heads: list[int] = field(default_factory=list)
    place_heads: list[int] = field(default_factory=list)
    # Whether `date` came from a date expression in the event's sentence, not narrative time.
    date_explicit: bool = False
    # Dated after its article's publication: announced for a later day, not yet happened.
    scheduled: bool = False
    # Every sentence of the article that reports this event (the `coref` stage merges them), the
    # first being `evidence`; and, for each merged field (date, place, actor, recipient, dead,
    # injured, arrested, troops), the start of the report it was taken from.
    sentences: list[ReportSentence] = field(default_factory=list)
    provenance: dict[str, int] = field(default_factory=dict)

    def own_report(self) -> ReportSentence:
        return ReportSentence(self.evidence.text, self.evidence.start, self.evidence.end, self.trigger, self.trigger_start)

    @property
    def id(self) -> str:
        # Stable across runs: the same article, sentence and trigger give the same id; the sentence
        # keeps two texts under one name (stdin, files of the same name) apart.
        key = f"{self.article_id}\x1f{self.trigger_start}\x1f{self.event[0]}\x1f{self.evidence.text}"
        return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]

    def to_plover(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "article_id": self.article_id,
            "date": self.date.isoformat() if self.date else None,
            "event": list(self.event),
            "mode": list(self.mode),
            "context": list(self.context),
            "quad_code": self.quad_code,
            "event_scale": self.event_scale,
            "actor": [a.to_dict() for a in self.actor],
            "recipient": [a.to_dict() for a in self.recipient],
            "event_loc": self.event_loc.to_dict() if self.event_loc else None,
            "size": self.size.to_dict(),
            "acled": dict(self.acled) if self.acled else None,
            "confidence": round(self.confidence, 3),
            "evidence": self.evidence.to_dict(),
            "trigger": self.trigger,
            "sentences": [r.to_dict() for r in self.sentences or [self.own_report()]],
            "provenance": dict(self.provenance),
            "scheduled": self.scheduled,
        }



PLOVER_FIELDS = (
    "id", "article_id", "date", "event", "mode", "context", "quad_code", "event_scale",
    "actor", "recipient", "event_loc", "size", "acled", "confidence", "evidence", "trigger", "sentences", "provenance",
    "scheduled",
)


@dataclass(slots=True)
class Dropped:
    """An input that produced no article, with the reason. Never a silent None."""

    source: str
    reason: str
    code: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Mention:
    """An actor or country named in the text: its token span and the actor list's entry."""

    start: int
    end: int
    entry: ActorEntry


@dataclass(slots=True)
class Article:
    """One story. Readers fill its first fields; each stage adds what it declares it writes."""

    id: str
    text: str
    title: str | None = None
    date: Date | None = None
    url: str | None = None
    # Where the reader found it ("reports.jsonl:12", a feed and its entry): for messages.
    source: str | None = None
    # The outlet the input names (its `outlet` or `source` field); flashpoint.sources.outlets
    # otherwise tells it from the URL or the file.
    outlet: str | None = None
    # ISO 639-1 code of the text's language when identified (flashpoint.language); None: not checked.
    lang: str | None = None
    doc: Doc | None = None
    events: list[Event] = field(default_factory=list)
    # Token index -> the actor/country mention covering it (set by the `events` stage).
    mentions: dict[int, Mention] = field(default_factory=dict)
    # The article's toponyms, resolved (set by the `places` stage).
    places: list[PlaceMention] = field(default_factory=list)
    # Why coding this article failed, when a stage raised on it (see Pipeline.run).
    error: str | None = None

    @property
    def parsed(self) -> Doc:
        """The parse, for the stages after `parse`; raises where it has not run (or was dropped
        to send the article across processes), which is a pipeline built out of order."""
        if self.doc is None:
            raise ValueError(f"article {self.id!r} has no parse: run the 'parse' stage before this one")
        return self.doc
