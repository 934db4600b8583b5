"""Reading the store: events by filters, one event with its reports, articles, mentions, and the
counts the monitor and the evaluation read."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date as Date
from typing import Any

from ..batching import batched
from .db import Database
from .records import ArticleSummary, EventDetail, MentionExport, MentionRow, Report, StoredArticle, StoredEvent


def date_range(since: Date | None, until: Date | None) -> tuple[list[str], list[Any]]:
    """SQL conditions (and their parameters) on a `date` column for an inclusive range."""
    where, params = ["1 = 1"], []
    if since:
        where.append("date >= ?")
        params.append(since.isoformat())
    if until:
        where.append("date <= ?")
        params.append(until.isoformat())
    return where, params


@dataclass(slots=True)
class EventQuery:
    """Filters over stored events; every one given must hold."""

    since: Date | None = None
    until: Date | None = None
    country: str | None = None
    region: str | None = None  # first-level region, as stored ("Kharkiv Oblast")
    actor: str | None = None  # actor country or organisation code
    recipient: str | None = None
    type: str | None = None  # PLOVER type
    mode: str | None = None
    bbox: tuple[float, float, float, float] | None = None  # min lon, min lat, max lon, max lat
    text: str | None = None  # words in the evidence or the place
    min_sources: int | None = None  # reported by at least this many outlets
    limit: int | None = None
    offset: int = 0

    def where(self) -> tuple[str, list[Any]]:
        where, params = date_range(self.since, self.until)

        def add(sql: str, *values: Any) -> None:
            where.append(sql)
            params.extend(values)

        # What a user gives is matched as written: "%" finds a percent sign, not every event.
        def literal(value: str) -> str:
            return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

        if self.country:
            add("country = ?", self.country.upper())
        if self.region:
            add("admin1 = ?", self.region)
        if self.actor:
            add("id IN (SELECT event_id FROM actors WHERE code = ? AND role = 'actor')", self.actor.upper())
        if self.recipient:
            add("id IN (SELECT event_id FROM actors WHERE code = ? AND role = 'recipient')", self.recipient.upper())
        if self.type:
            add("type = ?", self.type.upper())
        if self.mode:
            add("(';' || mode || ';') LIKE ? ESCAPE '\\'", f"%;{literal(self.mode)};%")
        if self.bbox:
            min_lon, min_lat, max_lon, max_lat = self.bbox
            add("lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?", min_lat, max_lat, min_lon, max_lon)
        if self.min_sources:
            add("sources >= ?", int(self.min_sources))
        if self.text:
            text = f"%{literal(self.text)}%"
            add("(json_extract(record, '$.evidence.text') LIKE ? ESCAPE '\\' OR place LIKE ? ESCAPE '\\')", text, text)
        return " AND ".join(where), params


# A monitor unit (flashpoint.monitor): the SQL of its value, and what an event needs to have one.
UNITS = {
    "country": ("country", "country IS NOT NULL"),
    "admin1": ("country || '/' || admin1", "country IS NOT NULL AND admin1 IS NOT NULL"),
    "dyad": ("actor_code || '>' || recipient_code",
             "length(actor_code) = 3 AND length(recipient_code) = 3 AND actor_code GLOB '[A-Z][A-Z][A-Z]'"
             " AND recipient_code GLOB '[A-Z][A-Z][A-Z]'"),
}


class Queries(Database):
    """The read side of the Store."""

    def events(self, *, since: Date | None = None, until: Date | None = None,
               country: str | None = None) -> Iterator[StoredEvent]:
        """Stored events: their representative PLOVER records with the event-level fields (mentions,
        sources, first_seen, last_seen and the ids of the mention records)."""
        _, rows = self.search(EventQuery(since=since, until=until, country=country), count=False)
        yield from rows

    def search(self, q: EventQuery, *, count: bool = True) -> tuple[int | None, Iterator[StoredEvent]]:
        """Events matching every filter of `q`, by date then id, with the total when `count`."""
        where, params = q.where()
        total = self.conn.execute(f"SELECT COUNT(*) FROM events WHERE {where}", params).fetchone()[0] if count else None
        page = f" LIMIT {int(q.limit)} OFFSET {int(q.offset)}" if q.limit is not None else ""
        rows = self.conn.execute(f"SELECT * FROM events WHERE {where} ORDER BY date, id{page}", params)
        return total, self._events(rows)

    def _events(self, rows: Iterable[sqlite3.Row], chunk: int = 500) -> Iterator[StoredEvent]:
        """Rows as events, their mention ids fetched a chunk of events at a time."""
        for batch in batched(rows, chunk):
            yield from self._with_mentions(batch)

    def _with_mentions(self, rows: list[sqlite3.Row]) -> Iterator[StoredEvent]:
        if not rows:
            return
        ids: dict[str, list[str]] = {r["id"]: [] for r in rows}
        arts: dict[str, set[str]] = {r["id"]: set() for r in rows}
        marks = ",".join("?" * len(ids))
        for event_id, record_id, article_id in self.conn.execute(
                f"SELECT event_id, record_id, article_id FROM mentions WHERE event_id IN ({marks}) ORDER BY record_id",
                list(ids)):
            ids[event_id].append(record_id)
            arts[event_id].add(article_id)
        for row in rows:
            yield StoredEvent.from_row(row, ids[row["id"]], sorted(arts[row["id"]]))

    def event(self, event_id: str) -> EventDetail | None:
        """One event with its mentions: each report's evidence sentence, offsets and article."""
        row = self.conn.execute("SELECT * FROM events WHERE id = ?", (event_id,)).fetchone()
        if row is None:
            return None
        reports = tuple(Report.from_row(m) for m in self.conn.execute(
            "SELECT m.record_id, m.article_id, m.date, m.evidence, m.start, m.end, m.confidence, m.merge, a.title,"
            " a.url, a.date AS published, a.source, a.outlet FROM mentions m JOIN articles a ON a.id = m.article_id"
            " WHERE m.event_id = ? ORDER BY a.seq, m.start", (event_id,)))
        return EventDetail.from_row(row, sorted(r.record_id for r in reports), sorted({r.article_id for r in reports}),
                                    reports=reports)

    def explain(self, event_id: str) -> dict[str, Any] | None:
        """EventDetail.explanation of one event; None when there is no such event."""
        detail = self.event(event_id)
        return detail.explanation() if detail else None

    def mention_exports(self, q: EventQuery | None = None) -> Iterator[MentionExport]:
        """One row per mention of the events matching `q` (all when None), in the order the
        articles were stored."""
        where, params = (q or EventQuery()).where()
        for row in self.conn.execute(
                "SELECT m.event_id, m.article_id, m.evidence, m.start, m.end, m.confidence, a.given_id, a.url, a.outlet,"
                f" a.date AS published FROM mentions m JOIN articles a ON a.id = m.article_id WHERE m.event_id IN"
                f" (SELECT id FROM events WHERE {where}) ORDER BY a.seq, m.start, m.record_id", params):
            yield MentionExport.from_row(row)

    def article(self, article_id: str) -> StoredArticle | None:
        row = self.conn.execute("SELECT id, url, title, date, source, host, lang, status, error, near_dup_of,"
                                " coder_version, ingested_at, text FROM articles WHERE id = ?", (article_id,)).fetchone()
        return StoredArticle.from_row(row) if row else None

    def articles(self, *, since: Date | None = None, until: Date | None = None, limit: int = 100,
                 offset: int = 0) -> list[ArticleSummary]:
        where, params = date_range(since, until)
        return [ArticleSummary.from_row(r) for r in self.conn.execute(
            f"SELECT id, url, title, date, source, lang, status FROM articles WHERE {' AND '.join(where)}"
            f" ORDER BY seq LIMIT ? OFFSET ?", (*params, limit, offset))]

    def counts(self) -> dict[str, int]:
        one = lambda sql: self.conn.execute(sql).fetchone()[0]  # noqa: E731
        return {"articles": one("SELECT COUNT(*) FROM articles"), "events": one("SELECT COUNT(*) FROM events"),
                "mentions": one("SELECT COUNT(*) FROM mentions")}

    def mentions(self) -> Iterator[MentionRow]:
        """Every mention record, with its event's id and its article's URL, title and date, in the
        order the articles were stored."""
        for row in self.conn.execute(
                "SELECT m.event_id, m.record, a.url, a.title, a.date AS published FROM mentions m"
                " JOIN articles a ON a.id = m.article_id ORDER BY a.seq, m.start, m.record_id"):
            yield MentionRow.from_row(row)

    def main_event(self, article_id: str, type: str) -> str | None:
        """The stored event most of an article's mentions of PLOVER `type` went to; of those
        equally many, the one the article reports first."""
        row = self.conn.execute(
            "SELECT m.event_id, COUNT(*) AS n, MIN(m.start) AS first FROM mentions m JOIN events e ON e.id = m.event_id"
            " WHERE m.article_id = ? AND e.type = ? GROUP BY m.event_id ORDER BY n DESC, first LIMIT 1",
            (article_id, type)).fetchone()
        return row[0] if row else None

    def latest_event_date(self) -> Date | None:
        row = self.conn.execute("SELECT MAX(date) FROM events").fetchone()
        return Date.fromisoformat(row[0]) if row and row[0] else None

    def daily_counts(self, kind: str, *, since: Date | None = None, until: Date | None = None,
                     unit: str | None = None) -> list[dict[str, Any]]:
        """One row per day, unit of `kind` (UNITS), PLOVER type and quad: events, summed
        event_scale, dead, injured."""
        expr, valid = UNITS[kind]
        where, params = date_range(since, until)
        where += [valid, "date IS NOT NULL"]
        if unit:
            where.append(f"{expr} = ?")
            params.append(unit)
        rows = self.conn.execute(
            f"SELECT date, {expr} AS unit, type, quad, COUNT(*) AS events, ROUND(SUM(COALESCE(scale, 0)), 3) AS scale,"
            f" SUM(COALESCE(dead, 0)) AS dead, SUM(COALESCE(injured, 0)) AS injured FROM events"
            f" WHERE {' AND '.join(where)} GROUP BY date, unit, type, quad ORDER BY date, unit, type", params)
        return [dict(r) for r in rows]

    def conflict_counts(self, kind: str, *, since: Date, until: Date) -> list[tuple[str, Date, int, int, int, int]]:
        """Conflict events (quads 3 and 4) from `since` to `until`, as (unit, date, quad, events,
        dead, injured) per unit of `kind` (UNITS), day and quad."""
        expr, valid = UNITS[kind]
        rows = self.conn.execute(
            f"SELECT {expr} AS unit, date, quad, COUNT(*) AS n, SUM(COALESCE(dead, 0)) AS dead,"
            f" SUM(COALESCE(injured, 0)) AS injured FROM events"
            f" WHERE {valid} AND quad IN (3, 4) AND date BETWEEN ? AND ? GROUP BY unit, date, quad",
            (since.isoformat(), until.isoformat()))
        return [(r["unit"], Date.fromisoformat(r["date"]), r["quad"], r["n"], r["dead"], r["injured"]) for r in rows]

    def first_dyad_events(self, *, since: Date, until: Date) -> list[tuple[str, str, str, Date, str]]:
        """Each (type, actor country, recipient country) first seen from `since` to `until`, as
        (type, actor, recipient, date, event id) of its first event: the earliest, and of that
        day's the lowest id; by type, actor and recipient."""
        rows = self.conn.execute(
            "SELECT type, actor_code, recipient_code, date AS first, id FROM (SELECT type, actor_code, recipient_code,"
            " date, id, ROW_NUMBER() OVER (PARTITION BY type, actor_code, recipient_code ORDER BY date, id) AS rn"
            " FROM events WHERE length(actor_code) = 3 AND length(recipient_code) = 3 AND actor_code != recipient_code"
            " AND date IS NOT NULL) WHERE rn = 1 AND date BETWEEN ? AND ? ORDER BY type, actor_code, recipient_code",
            (since.isoformat(), until.isoformat()))
        return [(r["type"], r["actor_code"], r["recipient_code"], Date.fromisoformat(r["first"]), r["id"]) for r in rows]

    def first_actor_dates(self, *, since: Date, until: Date) -> list[tuple[str, Date]]:
        """Actors (by name, else code and sector) whose first dated event is from `since` to
        `until`, with its date."""
        rows = self.conn.execute(
            "SELECT COALESCE(a.name, a.code || ' ' || a.sector) AS actor, MIN(e.date) AS first FROM actors a"
            " JOIN events e ON e.id = a.event_id WHERE e.date IS NOT NULL AND (a.name IS NOT NULL OR"
            " (a.code IS NOT NULL AND a.sector IS NOT NULL)) GROUP BY actor HAVING first BETWEEN ? AND ?",
            (since.isoformat(), until.isoformat()))
        return [(r["actor"], Date.fromisoformat(r["first"])) for r in rows]
