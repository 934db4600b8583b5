"""Reading the store: events by filters, one event with its reports, articles, mentions."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date as Date
from typing import Any

from ..batching import batched
from .db import Database


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
        if self.text:
            text = f"%{literal(self.text)}%"
            add("(json_extract(record, '$.evidence.text') LIKE ? ESCAPE '\\' OR place LIKE ? ESCAPE '\\')", text, text)
        return " AND ".join(where), params


class Queries(Database):
    """The read side of the Store."""

    def events(self, *, since: Date | None = None, until: Date | None = None,
               country: str | None = None) -> Iterator[dict[str, Any]]:
        """Stored events as PLOVER records with the event-level fields: mentions, sources,
        first_seen, last_seen and the ids of the mention records."""
        _, rows = self.search(EventQuery(since=since, until=until, country=country), count=False)
        yield from rows

    def search(self, q: EventQuery, *, count: bool = True) -> tuple[int | None, Iterator[dict[str, Any]]]:
        """Events matching every filter of `q`, by date then id, with the total when `count`."""
        where, params = q.where()
        total = self.conn.execute(f"SELECT COUNT(*) FROM events WHERE {where}", params).fetchone()[0] if count else None
        page = f" LIMIT {int(q.limit)} OFFSET {int(q.offset)}" if q.limit is not None else ""
        rows = self.conn.execute(f"SELECT * FROM events WHERE {where} ORDER BY date, id{page}", params)
        return total, self._events(rows)

    def _events(self, rows: Iterable[sqlite3.Row], chunk: int = 500) -> Iterator[dict[str, Any]]:
        """Rows as event dicts, their mention ids fetched a chunk of events at a time."""
        for batch in batched(rows, chunk):
            yield from self._with_mentions(batch)

    def _with_mentions(self, rows: list[sqlite3.Row]) -> Iterator[dict[str, Any]]:
        if not rows:
            return
        ids: dict[str, list[str]] = {r["id"]: [] for r in rows}
        marks = ",".join("?" * len(ids))
        for event_id, record_id in self.conn.execute(
                f"SELECT event_id, record_id FROM mentions WHERE event_id IN ({marks}) ORDER BY record_id", list(ids)):
            ids[event_id].append(record_id)
        for row in rows:
            yield self._event(row, ids[row["id"]])

    def event(self, event_id: str) -> dict[str, Any] | None:
        """One event with its mentions: each report's evidence sentence, offsets and article."""
        row = self.conn.execute("SELECT * FROM events WHERE id = ?", (event_id,)).fetchone()
        if row is None:
            return None
        mentions = [dict(m) for m in self.conn.execute(
            "SELECT m.record_id, m.article_id, m.date, m.evidence, m.start, m.end, m.confidence, a.title, a.url,"
            " a.date AS published, a.source FROM mentions m JOIN articles a ON a.id = m.article_id"
            " WHERE m.event_id = ? ORDER BY a.seq, m.start", (event_id,))]
        return {**self._event(row, sorted(m["record_id"] for m in mentions)), "reports": mentions}

    def article(self, article_id: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT id, url, title, date, source, host, lang, status, error, near_dup_of,"
                                " coder_version, ingested_at, text FROM articles WHERE id = ?", (article_id,)).fetchone()
        return dict(row) if row else None

    def articles(self, *, since: Date | None = None, until: Date | None = None, limit: int = 100,
                 offset: int = 0) -> list[dict[str, Any]]:
        where, params = date_range(since, until)
        return [dict(r) for r in self.conn.execute(
            f"SELECT id, url, title, date, source, lang, status FROM articles WHERE {' AND '.join(where)}"
            f" ORDER BY seq LIMIT ? OFFSET ?", (*params, limit, offset))]

    def _event(self, row: sqlite3.Row, mention_ids: list[str]) -> dict[str, Any]:
        rec = json.loads(row["record"])
        rec.pop("trigger_start", None)
        rec.pop("date_explicit", None)
        return {**rec, "id": row["id"], "mentions": row["mentions"], "sources": row["sources"],
                "first_seen": row["first_seen"], "last_seen": row["last_seen"], "mention_ids": mention_ids,
                "coder_version": row["coder_version"]}

    def counts(self) -> dict[str, int]:
        one = lambda sql: self.conn.execute(sql).fetchone()[0]  # noqa: E731
        return {"articles": one("SELECT COUNT(*) FROM articles"), "events": one("SELECT COUNT(*) FROM events"),
                "mentions": one("SELECT COUNT(*) FROM mentions")}

    def mentions(self) -> Iterator[dict[str, Any]]:
        """Every mention record, with its event's id and its article's URL, title and date, in the
        order the articles were stored."""
        for row in self.conn.execute(
                "SELECT m.event_id, m.record, a.url, a.title, a.date AS published FROM mentions m"
                " JOIN articles a ON a.id = m.article_id ORDER BY a.seq, m.start, m.record_id"):
            yield {**json.loads(row["record"]), "event_id": row["event_id"], "url": row["url"], "title": row["title"],
                   "published": row["published"]}
