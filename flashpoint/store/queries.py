"""Reading the store: events by filters, one event with its reports, articles, mentions, and the
counts the monitor and the evaluation read."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date as Date
from datetime import timedelta
from typing import Any

from ..batching import batched
from ..errors import ConfigError
from .db import Database
from .records import ArticleSummary, EventDetail, MentionExport, MentionRow, Report, StoredArticle, StoredEvent


def like_literal(value: str) -> str:
    """`value` for a LIKE ... ESCAPE '\\' pattern, matched as written: "%" finds a percent sign,
    not everything."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


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


# What events may be sorted by: the name a client gives, and the column. Ties break by id, so
# that pages of one query never overlap.
SORTS = {"date": "date", "type": "type", "country": "country", "place": "place", "actor": "actor_code",
         "recipient": "recipient_code", "dead": "dead", "sources": "sources", "mentions": "mentions",
         "confidence": "confidence"}


@dataclass(slots=True)
class EventQuery:
    """Filters over stored events; every one given must hold."""

    since: Date | None = None
    until: Date | None = None
    country: str | None = None
    region: str | None = None  # first-level region, as stored ("Kharkiv Oblast")
    actor: str | None = None  # an actor's country or organisation code, or its name as listed
    recipient: str | None = None
    types: tuple[str, ...] = ()  # PLOVER types: any of them
    quads: tuple[int, ...] = ()  # quad codes: any of them
    acled_type: str | None = None  # ACLED event type ("Battles")
    mode: str | None = None
    bbox: tuple[float, float, float, float] | None = None  # min lon, min lat, max lon, max lat
    text: str | None = None  # words (or the beginnings of words) in the evidence or the place
    min_sources: int | None = None  # reported by at least this many outlets
    min_confidence: float | None = None
    sort: str = "date"  # a key of SORTS, "-" before it for descending
    limit: int | None = None
    offset: int = 0

    def where(self, *, counting: bool = False) -> tuple[str, list[Any]]:
        """The SQL condition of the filters and its parameters. The parties' and the types' terms
        have a "+" that keeps SQLite from reading the events through their rowids or the type index:
        it walks a covering index instead (events_scan, events_country), so that a page of the
        newest stops early and sums read no event row. With `counting`, for COUNT(*) alone, they
        have none: the rowids are all a count needs."""
        where, params = date_range(self.since, self.until)
        walk = "" if counting else "+"

        def add(sql: str, *values: Any) -> None:
            where.append(sql)
            params.extend(values)

        def any_of(column: str, values: tuple[Any, ...]) -> None:
            add(f"{column} IN ({','.join('?' * len(values))})", *values)

        if self.country:
            add("country = ?", self.country.upper())
        if self.region:
            add("admin1 = ?", self.region)
        for role, party in (("actor", self.actor), ("recipient", self.recipient)):
            if party:
                # A code as stored (upper case), or a listed name in any case (SQLite's lower(), as
                # the trigger that keeps event_parties folds it).
                add(f"{walk}rowid IN (SELECT event_rowid FROM event_parties WHERE role = '{role}'"
                    f" AND key IN (?, 'n:' || lower(?)))", "c:" + party.upper(), party)
        if len(self.types) == 1:
            add("type = ?", self.types[0].upper())
        elif self.types:
            any_of(f"{walk}type", tuple(t.upper() for t in self.types))
        if self.quads:
            any_of("quad", tuple(int(q) for q in self.quads))
        if self.acled_type:
            add("acled_type = ?", self.acled_type)
        if self.mode:
            add("(';' || mode || ';') LIKE ? ESCAPE '\\'", f"%;{like_literal(self.mode)};%")
        if self.bbox:
            min_lon, min_lat, max_lon, max_lat = self.bbox
            add("lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?", min_lat, max_lat, min_lon, max_lon)
        if self.min_sources:
            add("sources >= ?", int(self.min_sources))
        if self.min_confidence is not None:
            add("confidence >= ?", float(self.min_confidence))
        words = re.findall(r"\w+", self.text or "")
        if words:  # each word, or a word it begins, through the full-text index
            add("rowid IN (SELECT rowid FROM events_text WHERE events_text MATCH ?)", " ".join(f'"{w}"*' for w in words))
        elif self.text:  # no word in it ("%"): the characters, as written, in the sentence or the place
            text = f"%{like_literal(self.text)}%"
            add("(json_extract(record, '$.evidence.text') LIKE ? ESCAPE '\\' OR place LIKE ? ESCAPE '\\')", text, text)
        return " AND ".join(where), params

    def order(self) -> str:
        """The ORDER BY of `sort`. Events without the value come first ascending and last
        descending (SQLite's order of NULL), so that newest first reads the date index backwards."""
        key = self.sort.removeprefix("-")
        if key not in SORTS:
            raise ConfigError(f"cannot sort by {key!r}; use one of {', '.join(SORTS)} (with '-' before it for descending)",
                              source="sort")
        way = "DESC" if self.sort.startswith("-") else "ASC"
        column = SORTS[key]
        return f"{column} {way}, id {way}"


# A monitor unit (flashpoint.monitor): the SQL of its value, and what an event needs to have one.
UNITS = {
    "country": ("country", "country IS NOT NULL"),
    "admin1": ("country || '/' || admin1", "country IS NOT NULL AND admin1 IS NOT NULL"),
    "dyad": ("actor_code || '>' || recipient_code",
             "length(actor_code) = 3 AND length(recipient_code) = 3 AND actor_code GLOB '[A-Z][A-Z][A-Z]'"
             " AND recipient_code GLOB '[A-Z][A-Z][A-Z]'"),
}

# An event of a unit, by its parts ({t}: the table's name), and how many parts the unit has.
UNIT_MATCH = {
    "country": ("{t}.country = ?", 1),
    "admin1": ("{t}.country = ? AND {t}.admin1 = ?", 2),
    "dyad": ("{t}.actor_code = ? AND {t}.recipient_code = ?", 2),
}
UNIT_SEPARATOR = {"admin1": "/", "dyad": ">"}

# The events a summary counts the parties of: the newest of those matching.
PARTIES_OF = 5000

# A timeline's bins: the first day of a day's bin.
BINS: dict[str, Callable[[Date], Date]] = {
    "day": lambda d: d,
    "week": lambda d: d - timedelta(days=d.weekday()),
    "month": lambda d: d.replace(day=1),
}
QUADS = (1, 2, 3, 4)
CONFLICT = (3, 4)


def auto_bin(first: Date | None, last: Date | None) -> str:
    """The bin a timeline from `first` to `last` reads best in: days up to 120 days, weeks up to
    three years, else months."""
    span = (last - first).days if first and last else 0
    return "day" if span <= 120 else "week" if span <= 3 * 365 else "month"


class Queries(Database):
    """The read side of the Store."""

    def events(self, *, since: Date | None = None, until: Date | None = None,
               country: str | None = None) -> Iterator[StoredEvent]:
        """Stored events: their representative PLOVER records with the event-level fields (mentions,
        sources, first_seen, last_seen and the ids of the mention records)."""
        _, rows = self.search(EventQuery(since=since, until=until, country=country), count=False)
        yield from rows

    def search(self, q: EventQuery, *, count: bool = True) -> tuple[int | None, Iterator[StoredEvent]]:
        """Events matching every filter of `q`, in its order, with the total when `count`."""
        if count:
            where, params = q.where(counting=True)
            total = self.conn.execute(f"SELECT COUNT(*) FROM events WHERE {where}", params).fetchone()[0]
        else:
            total = None
        where, params = q.where()
        if q.limit is None:
            rows = self.conn.execute(f"SELECT * FROM events WHERE {where} ORDER BY {q.order()}", params)
        else:
            # The page's ids first, from the covering indexes; then only its rows, which hold the records.
            rows = self.conn.execute(
                f"SELECT * FROM events WHERE id IN (SELECT id FROM events WHERE {where} ORDER BY {q.order()}"
                f" LIMIT {int(q.limit)} OFFSET {int(q.offset)}) ORDER BY {q.order()}", params)
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
        # Grouped by unit and day alone, the quads summed apart: a country's days come in the
        # order of the country index, with no sort.
        per_quad = ", ".join(f"SUM(quad = {q}) AS n{q}, SUM(CASE WHEN quad = {q} THEN COALESCE(dead, 0) END) AS dead{q},"
                             f" SUM(CASE WHEN quad = {q} THEN COALESCE(injured, 0) END) AS injured{q}" for q in CONFLICT)
        rows = self.conn.execute(
            f"SELECT {expr} AS unit, date, {per_quad} FROM events"
            f" WHERE {valid} AND quad IN (3, 4) AND date BETWEEN ? AND ? GROUP BY unit, date",
            (since.isoformat(), until.isoformat()))
        return [(r["unit"], Date.fromisoformat(r["date"]), q, r[f"n{q}"], r[f"dead{q}"], r[f"injured{q}"])
                for r in rows for q in CONFLICT if r[f"n{q}"]]

    def first_dyad_events(self, *, since: Date, until: Date) -> list[tuple[str, str, str, Date, str]]:
        """Each (type, actor country, recipient country) first seen from `since` to `until`, as
        (type, actor, recipient, date, event id) of its first event: the earliest, and of that
        day's the lowest id; by type, actor and recipient."""
        # The dyads and types of the window's events, then, by the dyad index, those with none before.
        rows = self.conn.execute(
            "SELECT c.type, c.actor_code, c.recipient_code, c.first, (SELECT MIN(e.id) FROM events e WHERE"
            " e.actor_code = c.actor_code AND e.recipient_code = c.recipient_code AND e.type = c.type AND e.date = c.first)"
            " AS id FROM (SELECT type, actor_code, recipient_code, MIN(date) AS first FROM events WHERE date BETWEEN ? AND ?"
            " AND length(actor_code) = 3 AND length(recipient_code) = 3 AND actor_code != recipient_code"
            " GROUP BY type, actor_code, recipient_code) c WHERE NOT EXISTS (SELECT 1 FROM events e WHERE"
            " e.actor_code = c.actor_code AND e.recipient_code = c.recipient_code AND e.type = c.type AND e.date < c.first)"
            " ORDER BY c.type, c.actor_code, c.recipient_code",
            (since.isoformat(), until.isoformat()))
        return [(r["type"], r["actor_code"], r["recipient_code"], Date.fromisoformat(r["first"]), r["id"]) for r in rows]

    def first_actor_dates(self, *, since: Date, until: Date) -> list[tuple[str, Date]]:
        """Actors (by name, else code and sector) whose first dated event is from `since` to
        `until`, with its date."""
        # The actors of the window's events, then, through the actor indexes, those with no event
        # before: by name (its index folds case, so the exact name is asked for too), else by code and sector.
        window = "FROM events e JOIN actors a ON a.event_id = e.id WHERE e.date BETWEEN ? AND ?"
        earlier = "SELECT 1 FROM actors b JOIN events e ON e.id = b.event_id WHERE e.date < c.first AND"
        rows = self.conn.execute(
            f"SELECT c.name AS actor, c.first FROM (SELECT a.name, MIN(e.date) AS first {window} AND a.name IS NOT NULL"
            f" GROUP BY a.name) c WHERE NOT EXISTS ({earlier} b.name = c.name COLLATE NOCASE AND b.name = c.name)"
            f" UNION ALL SELECT c.code || ' ' || c.sector, c.first FROM (SELECT a.code, a.sector, MIN(e.date) AS first"
            f" {window} AND a.name IS NULL AND a.code IS NOT NULL AND a.sector IS NOT NULL GROUP BY a.code, a.sector) c"
            f" WHERE NOT EXISTS ({earlier} b.name IS NULL AND b.code = c.code AND b.sector = c.sector)",
            (since.isoformat(), until.isoformat()) * 2)
        return [(r["actor"], Date.fromisoformat(r["first"])) for r in rows]

    def date_span(self, q: EventQuery) -> tuple[Date | None, Date | None]:
        """The first and last day of the events matching `q`."""
        where, params = q.where()
        first, last = self.conn.execute(f"SELECT MIN(date), MAX(date) FROM events WHERE {where}", params).fetchone()
        return (Date.fromisoformat(first) if first else None, Date.fromisoformat(last) if last else None)

    def timeline(self, q: EventQuery, bin: str) -> list[dict[str, Any]]:
        """The dated events matching `q` by bin ("day", "week" from Monday, "month") and quad: events,
        and the conflict intensity (the summed -event_scale of quads 3 and 4)."""
        if bin not in BINS:
            raise ConfigError(f"unknown bin {bin!r}; use one of {', '.join(BINS)}", source="bin")
        where, params = q.where()
        # By day in the date index's order (no sort), the quads summed apart; days go into bins here.
        per_quad = ", ".join(f"SUM(quad = {k}) AS n{k}, SUM(CASE WHEN quad = {k} THEN MAX(0, -COALESCE(scale, 0)) END) AS i{k}"
                             for k in QUADS)
        bins: dict[tuple[str, int], list[float]] = {}
        for r in self.conn.execute(f"SELECT date, {per_quad} FROM events WHERE {where} AND date IS NOT NULL GROUP BY date",
                                   params):
            start = BINS[bin](Date.fromisoformat(r["date"])).isoformat()
            for k in QUADS:
                if r[f"n{k}"]:
                    row = bins.setdefault((start, k), [0, 0.0])
                    row[0] += r[f"n{k}"]
                    if k in CONFLICT:
                        row[1] += r[f"i{k}"]
        return [{"bin": start, "quad": k, "events": n, "intensity": round(i, 3)} for (start, k), (n, i) in sorted(bins.items())]

    def summary(self, q: EventQuery, *, detail: bool = False, parties: int = 0) -> dict[str, Any]:
        """What the events matching `q` add up to: their number and events by country; with
        `detail`, their first and last day, dead and events by quad too; with `parties` the most
        frequent actors and recipients (that many) of the newest PARTIES_OF of them."""
        where, params = q.where()
        countries: dict[str, int] = {}
        quads = {k: 0 for k in QUADS}
        total = dead = 0
        first = last = None
        # By country alone, in the country index's order (no sort), the quads summed apart.
        sums = ", ".join([*(f"SUM(quad = {k}) AS n{k}" for k in QUADS), "SUM(COALESCE(dead, 0)) AS dead",
                          "MIN(date) AS first", "MAX(date) AS last"]) if detail else "0"
        for r in self.conn.execute(f"SELECT country, COUNT(*) AS n, {sums} FROM events WHERE {where} GROUP BY country",
                                   params):
            total += r["n"]
            if r["country"]:
                countries[r["country"]] = r["n"]
            if detail:
                dead += r["dead"]
                for k in QUADS:
                    quads[k] += r[f"n{k}"] or 0
                first = min(filter(None, (first, r["first"])), default=None)
                last = max(filter(None, (last, r["last"])), default=None)
        out: dict[str, Any] = {"events": total, "by_country": countries}
        if detail:
            out.update({"dead": dead, "first": first, "last": last, "by_quad": quads})
        if parties:
            # Counted over the newest PARTIES_OF events: the parties of now, at a cost that does not
            # grow with the store.
            out["parties_of"] = min(total, PARTIES_OF)
            for role in ("actor", "recipient"):
                out[role + "s"] = [dict(r) for r in self.conn.execute(
                    f"SELECT COALESCE(a.name, a.code, a.text) AS actor, a.code, a.sector, COUNT(DISTINCT a.event_id) AS events"
                    f" FROM actors a WHERE a.role = '{role}' AND a.event_id IN (SELECT id FROM events WHERE {where}"
                    f" ORDER BY date DESC, id DESC LIMIT {PARTIES_OF}) GROUP BY actor ORDER BY events DESC, actor LIMIT ?",
                    [*params, int(parties)])]
        return out

    def evidence(self, ids: Iterable[str]) -> dict[str, tuple[str, str | None]]:
        """The evidence sentence and the place of each event of `ids` there is, by id."""
        out: dict[str, tuple[str, str | None]] = {}
        for chunk in batched(list(ids), 500):
            out.update((r[0], (r[1], r[2])) for r in self.conn.execute(
                f"SELECT id, json_extract(record, '$.evidence.text'), place FROM events WHERE id IN"
                f" ({','.join('?' * len(chunk))})", chunk))
        return out

    def points(self, q: EventQuery, limit: int) -> list[tuple[Any, ...]]:
        """The first `limit` located events matching `q` in its order, as the map draws them:
        (id, lon, lat, quad, type, date, place, dead, resolution), from the events' columns alone."""
        where, params = q.where()
        return [tuple(r) for r in self.conn.execute(
            f"SELECT id, lon, lat, quad, type, date, place, dead, resolution FROM events WHERE {where}"
            f" AND lat IS NOT NULL AND lon IS NOT NULL ORDER BY {q.order()} LIMIT {int(limit)}", params)]

    def parties(self, role: str, prefix: str, limit: int = 10) -> list[dict[str, Any]]:
        """Actors (role "actor" or "recipient") whose name or code starts with `prefix`, the most
        reported first: each as name (else code), code and events."""
        p = prefix.strip()
        code_from = p.upper()
        code_to = code_from[:-1] + chr(ord(code_from[-1]) + 1) if code_from else ""
        rows = self.conn.execute(
            "SELECT COALESCE(name, code) AS actor, code, COUNT(DISTINCT event_id) AS events FROM actors"
            " WHERE role = ? AND (name LIKE ? ESCAPE '\\' OR (code >= ? AND code < ?)) GROUP BY actor, code"
            " ORDER BY events DESC, actor LIMIT ?",
            (role, like_literal(p) + "%", code_from, code_to, limit))
        return [dict(r) for r in rows]

    def regions(self, prefix: str, limit: int = 10) -> list[dict[str, Any]]:
        """First-level regions whose name starts with `prefix`, the most eventful first."""
        rows = self.conn.execute(
            "SELECT country, admin1 AS region, COUNT(*) AS events FROM events WHERE admin1 LIKE ? ESCAPE '\\'"
            " GROUP BY country, admin1 ORDER BY events DESC, admin1 LIMIT ?",
            (like_literal(prefix.strip()) + "%", limit))
        return [dict(r) for r in rows]

    def last_before(self, kind: str, unit: str, *, since: Date, until: Date) -> dict[str, str | None]:
        """For each PLOVER type of the unit's conflict events from `since` to `until`: the day of its
        latest event of that type before `since` (None when there is none)."""
        match, values = UNIT_MATCH[kind]
        key = unit.split(UNIT_SEPARATOR[kind], 1) if kind != "country" else [unit]
        rows = self.conn.execute(
            f"SELECT w.type, (SELECT MAX(e.date) FROM events e WHERE {match.format(t='e')} AND e.type = w.type"
            f" AND e.date < ?) AS before FROM (SELECT DISTINCT type FROM events WHERE {match.format(t='events')}"
            f" AND quad IN (3, 4) AND date BETWEEN ? AND ?) w ORDER BY w.type",
            [*key[:values], since.isoformat(), *key[:values], since.isoformat(), until.isoformat()])
        return {r["type"]: r["before"] for r in rows}
