"""The event store: one SQLite file in WAL mode, no server.

GDELT's idea: `articles` (each story once; exact copies refused, near copies linked to their
original), `events` (one row per real-world event), `mentions` (one row per article sentence that
reports an event, with its evidence offsets and full record), `actors` (each mention's actors and
recipients with their codes) and `places` (every toponym of every article). docs/store.md has the
rest.

Each article is written in one transaction with its mentions and the events they update, so a
process killed at any moment leaves the store as it was after the last whole article; running the
same ingest again codes only what was not stored. Event deduplication is order-dependent, and
ingest always goes through its sources in the same order, so an interrupted run that is resumed
ends with the same store as a clean one.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import re
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import date as Date
from datetime import datetime, timedelta, timezone
from importlib import resources as importlib_resources
from math import cos, radians
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from .article import Article
from .batching import batched
from .cluster import headline_and_text, name_terms, smooth_idf, sublinear_tf
from .errors import StoreError
from .geo import haversine_km
from .geoparse import PlaceMention
from .model import Dropped, Event, Location

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    url TEXT UNIQUE,
    text_hash TEXT NOT NULL UNIQUE,
    minhash BLOB NOT NULL,
    near_dup_of TEXT,
    title TEXT, date TEXT, source TEXT, host TEXT, lang TEXT,
    status TEXT NOT NULL,
    error TEXT,
    coder_version TEXT,
    ingested_at TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS lsh (band INTEGER NOT NULL, key INTEGER NOT NULL, article_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS lsh_band_key ON lsh(band, key);
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    mode TEXT,
    quad INTEGER,
    scale REAL,
    date TEXT,
    country TEXT,
    admin1 TEXT,
    place TEXT,
    lat REAL, lon REAL,
    resolution INTEGER,
    actor_code TEXT, actor_sector TEXT, recipient_code TEXT, recipient_sector TEXT,
    dead INTEGER, injured INTEGER, arrested INTEGER, troops INTEGER,
    confidence REAL,
    mentions INTEGER NOT NULL,
    sources INTEGER NOT NULL,
    first_seen TEXT, last_seen TEXT,
    coder_version TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_type_date ON events(type, date);
CREATE INDEX IF NOT EXISTS events_country_date ON events(country, date);
CREATE INDEX IF NOT EXISTS events_date ON events(date);
CREATE TABLE IF NOT EXISTS mentions (
    record_id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES events(id),
    article_id TEXT NOT NULL REFERENCES articles(id),
    date TEXT,
    evidence TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    confidence REAL,
    coder_version TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS mentions_event ON mentions(event_id);
CREATE INDEX IF NOT EXISTS mentions_article ON mentions(article_id);
CREATE TABLE IF NOT EXISTS actors (
    record_id TEXT NOT NULL REFERENCES mentions(record_id),
    event_id TEXT NOT NULL REFERENCES events(id),
    role TEXT NOT NULL,
    text TEXT NOT NULL, code TEXT, sector TEXT, name TEXT
);
CREATE INDEX IF NOT EXISTS actors_event ON actors(event_id);
CREATE INDEX IF NOT EXISTS actors_code ON actors(code, role);
CREATE TABLE IF NOT EXISTS places (
    article_id TEXT NOT NULL REFERENCES articles(id),
    start INTEGER NOT NULL, end INTEGER NOT NULL, text TEXT NOT NULL,
    name TEXT, geonameid INTEGER, lat REAL, lon REAL, feature_code TEXT, admin1 TEXT, country_code TEXT,
    population INTEGER, score REAL
);
CREATE INDEX IF NOT EXISTS places_article ON places(article_id);
CREATE TABLE IF NOT EXISTS terms (article_id TEXT NOT NULL, term TEXT NOT NULL, tf REAL NOT NULL);
CREATE INDEX IF NOT EXISTS terms_article ON terms(article_id);
CREATE INDEX IF NOT EXISTS terms_term ON terms(term);
CREATE TABLE IF NOT EXISTS term_df (term TEXT PRIMARY KEY, df INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS feed_entries (url TEXT PRIMARY KEY, feed TEXT NOT NULL, seen_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS run_blocks (
    id TEXT PRIMARY KEY, articles INTEGER NOT NULL, dropped TEXT NOT NULL, done_at TEXT NOT NULL
);
"""

# Same event, by what the records say: same PLOVER type, dates at most a day apart, places within
# 40 km (or the same first-level region when either is only known that precisely), no
# conflicting parties.
DATE_SLACK = timedelta(days=1)
SAME_PLACE_KM = 40.0
# Same event, by what the articles say: same type, dates at most three days apart, nothing in the
# records in conflict, and articles that name the same people, places and figures (cosine of
# their idf-weighted names, flashpoint.cluster.name_terms) at least this alike. Reports of one
# shooting share the victim's name and the street; two shootings in one city share only the city.
TEXT_SLACK = timedelta(days=3)
SAME_NAMES = 0.3
# Articles this alike are about one event even when their records disagree on the place, or on
# the day when the new report states none (a town mis-resolved; a follow-up story, dated by its
# publication, about an arrest or a trial): parties must still agree.
SURE_NAMES = 0.3
SURE_SLACK = timedelta(days=365)
# Near copies: word 4-gram sets with an estimated Jaccard similarity of 0.8 or more (a changed
# headline or byline on a wire story), found through MinHash signatures banded for lookup.
NEAR_DUP_JACCARD = 0.8
_PERMS, _BANDS = 64, 16
_MERSENNE = (1 << 31) - 1


@functools.cache
def coder_version() -> str:
    """flashpoint's version and a digest of its data files: a changed lexicon is a new coder."""
    from . import __version__

    digest = hashlib.sha1()
    data = importlib_resources.files("flashpoint") / "data"
    for item in sorted(data.iterdir(), key=lambda p: p.name):
        if item.is_file():
            digest.update(item.name.encode())
            digest.update(item.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:8]}"


def text_hash(text: str) -> str:
    return hashlib.sha1(" ".join(text.split()).lower().encode("utf-8")).hexdigest()


_WORD = re.compile(r"\w+")


@functools.cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(20241124)  # fixed: signatures must compare across runs
    return (rng.integers(1, _MERSENNE, _PERMS, dtype=np.uint64), rng.integers(0, _MERSENNE, _PERMS, dtype=np.uint64))


def minhash(text: str) -> np.ndarray:
    """MinHash signature (64 values) of the text's word 4-grams."""
    words = _WORD.findall(text.lower())
    grams = {" ".join(words[i:i + 4]) for i in range(max(1, len(words) - 3))}
    h = np.fromiter((int.from_bytes(hashlib.blake2b(g.encode("utf-8"), digest_size=4).digest(), "big") % _MERSENNE
                     for g in grams), dtype=np.uint64, count=len(grams))
    a, b = _permutations()
    return ((a[:, None] * h[None, :] + b[:, None]) % _MERSENNE).min(axis=1).astype(np.uint32)


def _band_keys(sig: np.ndarray) -> list[tuple[int, int]]:
    rows = _PERMS // _BANDS
    return [(i, int.from_bytes(hashlib.blake2b(sig[i * rows:(i + 1) * rows].tobytes(), digest_size=7).digest(), "big"))
            for i in range(_BANDS)]


def _host(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    return host[4:] if host.startswith("www.") else host or None


@dataclass(slots=True)
class Stored:
    """What storing one article did."""

    article_id: str
    status: str  # "new", "duplicate", "near_duplicate", "not_english", "failed"
    mentions: int = 0
    new_events: int = 0
    duplicate_of: str | None = None


class Store:
    """The SQLite event store. Open with Store.open(path); use as a context manager."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self.conn = conn
        self.path = path
        self.terms = _TermCache(conn)

    @classmethod
    def open(cls, path: str | Path, *, readonly: bool = False) -> Store:
        if Path(path).is_dir():
            # A folder `flashpoint run --out` wrote: its store.
            path = Path(path) / "store.db"
            if not path.exists():
                raise StoreError("is a folder without a store.db; give the store file, or a folder `flashpoint run --out` "
                                 "wrote", source=str(path.parent))
        path = str(path)
        try:
            if readonly:
                if not Path(path).exists():
                    raise StoreError("no such store; create it with `flashpoint ingest SOURCE --db PATH`", source=path)
                conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            else:
                conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
                conn.execute("PRAGMA journal_mode=WAL")
                # WAL with NORMAL sync survives a killed process (the OS keeps what was written);
                # only a power cut may lose the last transactions, never consistency.
                conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=10000")
            conn.row_factory = sqlite3.Row
            store = cls(conn, path)
            if not readonly:
                store._migrate()
            else:
                store._check_version()
            return store
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open the store: {exc}", source=path) from exc

    def _migrate(self) -> None:
        # executescript commits on its own, so it runs outside a transaction of ours.
        self.conn.executescript(SCHEMA)
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None:
            self.conn.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        else:
            self._check_version()

    def _check_version(self) -> None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is not None and int(row[0]) > SCHEMA_VERSION:
            raise StoreError(f"was written by a newer flashpoint (schema {row[0]}, this one reads {SCHEMA_VERSION}); "
                             "upgrade flashpoint", source=self.path)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _tx(self):
        return _Transaction(self.conn, self.path)

    # ------------------------------------------------------------------ articles

    def seen(self, article: Article, digest: str | None = None) -> str | None:
        """The id of the stored article this one repeats (same URL or same text), else None;
        `digest` is the text's hash when the caller has it."""
        if article.url:
            row = self.conn.execute("SELECT id FROM articles WHERE url = ?", (article.url,)).fetchone()
            if row:
                return row[0]
        row = self.conn.execute("SELECT id FROM articles WHERE text_hash = ?", (digest or text_hash(article.text),)).fetchone()
        return row[0] if row else None

    def has_url(self, url: str) -> bool:
        return self.conn.execute("SELECT 1 FROM articles WHERE url = ? UNION SELECT 1 FROM feed_entries WHERE url = ?",
                                 (url, url)).fetchone() is not None

    def mark_feed_entry(self, url: str, feed: str) -> None:
        with self._tx():
            self.conn.execute("INSERT OR IGNORE INTO feed_entries VALUES (?, ?, ?)", (url, feed, _now()))

    def _near_duplicate_of(self, sig: np.ndarray, bands: list[tuple[int, int]]) -> str | None:
        where = " OR ".join(["(l.band = ? AND l.key = ?)"] * len(bands))
        rows = self.conn.execute(
            f"SELECT DISTINCT a.id, a.minhash, a.near_dup_of, a.seq FROM lsh l JOIN articles a ON a.id = l.article_id"
            f" WHERE {where} ORDER BY a.seq", [v for pair in bands for v in pair]).fetchall()
        for row in rows:
            if float(np.mean(np.frombuffer(row["minhash"], dtype=np.uint32) == sig)) >= NEAR_DUP_JACCARD:
                return row["near_dup_of"] or row["id"]  # a copy of a copy links to the original
        return None

    def _unique_id(self, article: Article, digest: str) -> str:
        taken = self.conn.execute("SELECT 1 FROM articles WHERE id = ?", (article.id,)).fetchone()
        return f"{article.id}#{digest[:8]}" if taken else article.id

    def add(self, article: Article, *, status: str = "coded") -> Stored:
        """Store one coded article (status "coded"), or one kept but not coded ("not_english",
        "failed"), with its mentions and the events they update, in one transaction."""
        digest = text_hash(article.text)
        dup = self.seen(article, digest)
        if dup is not None:
            return Stored(article.id, "duplicate", duplicate_of=dup)
        sig = minhash(article.text)
        bands = _band_keys(sig)
        self.terms.check()
        with self._tx(), self.terms.guard():
            near = self._near_duplicate_of(sig, bands)
            article_id = self._unique_id(article, digest)
            self.conn.executemany("INSERT INTO lsh VALUES (?, ?, ?)", [(b, k, article_id) for b, k in bands])
            self.conn.execute(
                "INSERT INTO articles (id, url, text_hash, minhash, near_dup_of, title, date,"
                " source, host, lang, status, error, coder_version, ingested_at, text)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (article_id, article.url, digest, sig.tobytes(), near, article.title,
                 article.date.isoformat() if article.date else None, article.source, _host(article.url), article.lang,
                 status, article.error, coder_version() if status == "coded" else None, _now(), article.text))
            mentions, new_events = (self._code(article, article_id) if status == "coded" else (0, 0))
        result = "near_duplicate" if near else ("new" if status == "coded" else status)
        return Stored(article_id, result, mentions, new_events, duplicate_of=near)

    def _code(self, article: Article, article_id: str) -> tuple[int, int]:
        self.conn.executemany(
            "INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [_place_row(article_id, m) for m in article.places])
        bag = name_terms(headline_and_text(article))
        self.conn.executemany("INSERT INTO terms VALUES (?, ?, ?)", [(article_id, t, tf) for t, tf in bag.items()])
        self.conn.executemany("INSERT INTO term_df VALUES (?, 1) ON CONFLICT(term) DO UPDATE SET df = df + 1",
                              [(t,) for t in bag])
        self.terms.added(article_id, bag)
        names = _Names(self.conn, article_id, self.terms)
        new_events = 0
        for ev in article.events:
            ev.article_id = article_id
            new_events += self._add_mention(ev, names)
        return len(article.events), new_events

    # ------------------------------------------------------------------ events

    def _add_mention(self, ev: Event, names: _Names) -> int:
        record = json.dumps({**ev.to_plover(), "trigger_start": ev.trigger_start, "date_explicit": ev.date_explicit},
                            ensure_ascii=False)
        target = self._matching_event(ev, names)
        created = target is None
        event_id = target or ev.id
        if created:
            self.conn.execute(
                "INSERT INTO events (id, type, mentions, sources, coder_version, record) VALUES (?, ?, 0, 0, ?, ?)",
                (event_id, ev.event[0], coder_version(), record))
        self.conn.execute(
            "INSERT OR REPLACE INTO mentions VALUES (?,?,?,?,?,?,?,?,?,?)",
            (ev.id, event_id, ev.article_id, ev.date.isoformat() if ev.date else None, ev.evidence.text,
             ev.evidence.start, ev.evidence.end, ev.confidence, coder_version(), record))
        self.conn.executemany("INSERT INTO actors VALUES (?,?,?,?,?,?,?)", [
            (ev.id, event_id, role, a.text, a.code, a.sector, a.name)
            for role, group in (("actor", ev.actor), ("recipient", ev.recipient)) for a in group])
        self._refresh(event_id)
        names.reported.add(event_id)
        return int(created)

    def _matching_event(self, ev: Event, names: _Names) -> str | None:
        """The stored event this record reports too, if any: the nearest one that passes every test."""
        if ev.date is None:
            return None
        cols = "id, date, country, admin1, lat, lon, resolution, actor_code, recipient_code"
        parties = _Parties.of(ev)
        rows = self._record_candidates(ev, parties, cols)
        # By the names: events this article reports already, and those reported by articles that
        # share one of its rarest names (names alike enough to pass share one of those), within
        # three days, or a year for a report with no date of its own (a late follow-up).
        slack = TEXT_SLACK if ev.date_explicit else SURE_SLACK
        lo, hi = (ev.date - slack).isoformat(), (ev.date + slack).isoformat()
        named = [r for r in names.related_rows(cols) if r["type"] == ev.event[0] and r["date"] and lo <= r["date"] <= hi]
        if names.reported:
            marks = ",".join("?" * len(names.reported))
            named += self.conn.execute(f"SELECT {cols}, type FROM events WHERE id IN ({marks}) AND type = ? AND date BETWEEN ? AND ?",
                                       (*sorted(names.reported), ev.event[0], lo, hi)).fetchall()
        rows += named
        named_set = {r["id"] for r in named}
        names.prefetch(sorted(named_set))
        best: tuple[float, str] | None = None
        for row in sorted({r["id"]: r for r in rows}.values(), key=lambda r: r["id"]):
            days = abs((Date.fromisoformat(row["date"]) - ev.date).days) if row["date"] else 0
            score = _match_score(ev, parties, row) if days <= DATE_SLACK.days else None
            if score is None and row["id"] in named_set and not parties.conflict(row):
                sim, own = names.similarity(row["id"])
                # The article's own earlier report: the same event unless the records disagree
                # ("struck Maryno, in the Kursk region ... a day earlier it hit Bryansk": two).
                near = days <= TEXT_SLACK.days and (sim >= SAME_NAMES or own) and not _places_conflict(ev.event_loc, row)
                sure = sim >= SURE_NAMES and (days <= TEXT_SLACK.days or not ev.date_explicit)
                score = 2.0 - max(sim, 0.5 * own) + days / 10 if near or sure else None
            if score is not None and (best is None or score < best[0]):
                best = (score, row["id"])
        return best[1] if best else None

    def _record_candidates(self, ev: Event, parties: _Parties, cols: str) -> list[sqlite3.Row]:
        """The stored events that can pass _match_score with `ev`, read with what rules the others
        out in SQL (a day's news has thousands of events of one type): the type within a day; the
        record's country or none; for a town, towns within 40 km (a box around it) or places
        known less precisely; without coordinates, only when the record names an actor."""
        assert ev.date is not None
        loc = ev.event_loc
        if (loc is None or loc.lat is None) and not parties.actor:
            return []
        sql = f"SELECT {cols} FROM events WHERE type = ? AND date BETWEEN ? AND ?"
        params: list[Any] = [ev.event[0], (ev.date - DATE_SLACK).isoformat(), (ev.date + DATE_SLACK).isoformat()]
        if loc is not None and loc.country_code:
            sql += " AND (country = ? OR country IS NULL)"
            params.append(loc.country_code)
        if loc is not None and loc.lat is not None and loc.lon is not None and (loc.resolution or 0) >= 3 and abs(loc.lat) < 80:
            dlat = SAME_PLACE_KM / 110.0  # a degree of latitude is at least 110.5 km
            dlon = dlat / cos(radians(abs(loc.lat) + dlat))
            if -180 < loc.lon - dlon and loc.lon + dlon < 180:
                sql += (" AND (lat IS NULL OR resolution IS NULL OR resolution < 3"
                        " OR (lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?))")
                params += [loc.lat - dlat, loc.lat + dlat, loc.lon - dlon, loc.lon + dlon]
        return self.conn.execute(sql, params).fetchall()

    def _refresh(self, event_id: str) -> None:
        """Recompute an event's values from all its mentions (docs/store.md: the most reliable values)."""
        rows = self.conn.execute(
            "SELECT m.record, a.date AS pub, a.host, a.id AS article FROM mentions m JOIN articles a ON a.id = m.article_id"
            " WHERE m.event_id = ? ORDER BY a.seq, m.start", (event_id,)).fetchall()
        records = [json.loads(r["record"]) for r in rows]
        rep = _representative(records)
        pubs = sorted(r["pub"] for r in rows if r["pub"])
        sources = len({r["host"] or r["article"] for r in rows})
        loc = rep.get("event_loc") or {}
        actor = (rep.get("actor") or [{}])[0] if rep.get("actor") else {}
        recip = (rep.get("recipient") or [{}])[0] if rep.get("recipient") else {}
        size = rep.get("size") or {}
        self.conn.execute(
            "UPDATE events SET mode = ?, quad = ?, scale = ?, date = ?, country = ?, admin1 = ?, place = ?, lat = ?, lon = ?,"
            " resolution = ?, actor_code = ?, actor_sector = ?, recipient_code = ?, recipient_sector = ?, dead = ?,"
            " injured = ?, arrested = ?, troops = ?, confidence = ?, mentions = ?, sources = ?, first_seen = ?,"
            " last_seen = ?, coder_version = ?, record = ? WHERE id = ?",
            (";".join(rep.get("mode") or []), rep.get("quad_code"), rep.get("event_scale"), rep.get("date"),
             loc.get("country_code"), loc.get("province"), loc.get("resolved_place") or loc.get("extracted_place"),
             loc.get("lat"), loc.get("lon"), loc.get("resolution"), actor.get("code"), actor.get("sector"),
             recip.get("code"), recip.get("sector"), size.get("dead"), size.get("injured"), size.get("arrested"),
             size.get("troops"), max(r.get("confidence") or 0 for r in records), len(records), sources,
             pubs[0] if pubs else None, pubs[-1] if pubs else None, coder_version(),
             json.dumps({**rep, "id": event_id}, ensure_ascii=False), event_id))

    # ------------------------------------------------------------------ reading

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

    # ------------------------------------------------------------------ batch runs (flashpoint.engine)

    def block_done(self, block_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM run_blocks WHERE id = ?", (block_id,)).fetchone() is not None

    def finish_block(self, block_id: str, articles: int, dropped: list[Dropped]) -> None:
        """Mark a block of a batch run stored, with the inputs in it that were not articles."""
        with self._tx():
            self.conn.execute("INSERT OR REPLACE INTO run_blocks VALUES (?, ?, ?, ?)", (
                block_id, articles, json.dumps([asdict(d) for d in dropped], ensure_ascii=False), _now()))

    def dropped(self) -> Iterator[dict[str, Any]]:
        """The inputs of batch runs that were not articles, each with its reason and code."""
        for block_id, dropped in self.conn.execute("SELECT id, dropped FROM run_blocks ORDER BY id"):
            for d in json.loads(dropped):
                yield {"block": block_id, **d}

    def articles_to_recode(self) -> Iterator[Article]:
        """Coded articles whose events are not from this coder, in the order they were stored."""
        rows = self.conn.execute(
            "SELECT id, url, title, date, source, lang, text FROM articles WHERE status = 'coded' AND"
            " (coder_version IS NULL OR coder_version != ?) ORDER BY seq", (coder_version(),))
        for r in rows:
            yield Article(id=r["id"], text=r["text"], title=r["title"],
                          date=Date.fromisoformat(r["date"]) if r["date"] else None,
                          url=r["url"], source=r["source"], lang=r["lang"])

    def start_recode(self) -> bool:
        """Drop every event and mention made by another coder, so the current one rebuilds them in
        the order the articles were stored. False when there is nothing to recode."""
        stale = self.conn.execute("SELECT COUNT(*) FROM events WHERE coder_version != ?", (coder_version(),)).fetchone()[0]
        pending = self.conn.execute(
            "SELECT COUNT(*) FROM articles WHERE status = 'coded' AND (coder_version IS NULL OR coder_version != ?)",
            (coder_version(),)).fetchone()[0]
        if not stale and not pending:
            return False
        if stale:
            with self._tx():
                self.conn.execute("DELETE FROM actors")
                self.conn.execute("DELETE FROM mentions")
                self.conn.execute("DELETE FROM events")
                self.conn.execute("DELETE FROM places")
                self.conn.execute("DELETE FROM terms")
                self.conn.execute("DELETE FROM term_df")
                self.conn.execute("UPDATE articles SET coder_version = NULL WHERE status = 'coded'")
            self.terms.clear()
        return True

    def recode(self, article: Article) -> tuple[int, int]:
        """Store the current coder's events for an article already stored."""
        self.terms.check()
        with self._tx(), self.terms.guard():
            mentions, new_events = self._code(article, article.id)
            self.conn.execute("UPDATE articles SET coder_version = ?, error = ? WHERE id = ?",
                              (coder_version(), article.error, article.id))
        return mentions, new_events


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
            add("(';' || mode || ';') LIKE ?", f"%;{self.mode};%")
        if self.bbox:
            min_lon, min_lat, max_lon, max_lat = self.bbox
            add("lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?", min_lat, max_lat, min_lon, max_lon)
        if self.text:
            add("(json_extract(record, '$.evidence.text') LIKE ? OR place LIKE ?)", f"%{self.text}%", f"%{self.text}%")
        return " AND ".join(where), params


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error; SQLite errors become StoreError."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self.conn = conn
        self.path = path

    def __enter__(self) -> None:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write: {exc}", source=self.path) from exc

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            try:
                self.conn.execute("COMMIT")
                return
            except sqlite3.Error as err:
                self.conn.execute("ROLLBACK")
                raise StoreError(f"cannot write: {err}", source=self.path) from err
        self.conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            raise StoreError(f"cannot write: {exc}; nothing of this article was stored", source=self.path) from exc


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _place_row(article_id: str, m: PlaceMention) -> tuple:
    p = m.place
    return (article_id, m.start, m.end, m.text, p.name if p else None, p.geonameid if p else None,
            p.lat if p else None, p.lon if p else None, p.feature_code if p else None, p.admin1 if p else None,
            p.country_code if p else None, p.population if p else None, round(m.score, 3))


@dataclass(frozen=True, slots=True)
class _Parties:
    """A record's actor and recipient country codes, compared with a stored event's."""

    actor: frozenset[str]
    recip: frozenset[str]

    @classmethod
    def of(cls, ev: Event) -> _Parties:
        return cls(frozenset(_codes(ev.actor)), frozenset(_codes(ev.recipient)))

    def conflict(self, row: sqlite3.Row) -> bool:
        """Other parties: the stored event names an actor or recipient this record does not."""
        return bool((self.actor and row["actor_code"] and row["actor_code"] not in self.actor)
                    or (self.recip and row["recipient_code"] and row["recipient_code"] not in self.recip))


def _codes(actors: list) -> set[str]:
    return {a.code for a in actors if a.code}


def _match_score(ev: Event, parties: _Parties, row: sqlite3.Row) -> float | None:
    """A distance-like score when `ev` can report the stored event, else None."""
    if parties.conflict(row):
        return None
    loc = ev.event_loc
    days = abs((Date.fromisoformat(row["date"]) - ev.date).days) if row["date"] else 1
    if loc is not None and loc.lat is not None and row["lat"] is not None:
        if min(loc.resolution or 0, row["resolution"] or 0) >= 3:
            km = haversine_km(loc.lat, loc.lon, row["lat"], row["lon"])
            return None if km > SAME_PLACE_KM else km / SAME_PLACE_KM + days
        # A province or a country: the same one, and the same parties named.
        if loc.country_code != row["country"] or ((loc.resolution or 0) >= 2 and (row["resolution"] or 0) >= 2
                                                   and loc.province != row["admin1"]):
            return None
        return 2.0 + days if (parties.actor or parties.recip) else None
    # No place on one side: only a verbal or unlocated event whose parties both sides name.
    if not (parties.actor and row["actor_code"]) or (loc is not None and row["country"] and loc.country_code
                                               and loc.country_code != row["country"]):
        return None
    return 3.0 + days


def _places_conflict(loc: Location | None, row: sqlite3.Row) -> bool:
    """The places cannot be of one event: other countries, other provinces, or towns far apart."""
    if loc is None or loc.lat is None or row["lat"] is None:
        return False
    if loc.country_code and row["country"] and loc.country_code != row["country"]:
        return True
    both = min(loc.resolution or 0, row["resolution"] or 0)
    if both >= 2 and loc.province and row["admin1"] and loc.province != row["admin1"]:
        return True  # Kursk Oblast and Bryansk: other provinces
    return both >= 3 and haversine_km(loc.lat, loc.lon, row["lat"], row["lon"]) > SAME_PLACE_KM


class _TermCache:
    """Articles' name terms and their document frequencies, read from the store once and then
    kept in step with what this connection writes; emptied when another connection writes (SQLite's
    data_version moves), when a transaction fails, and on recode. Comparing an article with the
    reports of its candidate events reads the terms of some eighty articles; from SQLite each time,
    that was most of the cost of storing."""

    MAX_ARTICLES, MAX_TERMS = 50_000, 2_000_000

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        # Article -> (term, 1 + log tf): what never changes of an article's vector.
        self.tfs: dict[str, list[tuple[str, float]]] = {}
        self.dfs: dict[str, int] = {}
        self.version: int | None = None

    def clear(self) -> None:
        self.tfs.clear()
        self.dfs.clear()

    def check(self) -> None:
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self.version:
            self.clear()
            self.version = version

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        try:
            yield
        except BaseException:
            self.clear()  # the transaction is rolled back: what was added here never happened
            raise

    def added(self, article_id: str, bag: dict[str, float]) -> None:
        if len(self.tfs) >= self.MAX_ARTICLES or len(self.dfs) >= self.MAX_TERMS:
            self.clear()
        self.tfs[article_id] = [(t, sublinear_tf(tf)) for t, tf in bag.items()]
        for t in bag:
            if t in self.dfs:
                self.dfs[t] += 1

    def tf(self, article_ids: list[str]) -> dict[str, list[tuple[str, float]]]:
        """Each article's (term, 1 + log tf)."""
        missing = [a for a in article_ids if a not in self.tfs]
        for a in missing:
            self.tfs[a] = []
        for part in batched(missing, 500):
            marks = ",".join("?" * len(part))
            for article_id, term, tf in self.conn.execute(
                    f"SELECT article_id, term, tf FROM terms WHERE article_id IN ({marks})", part):
                self.tfs[article_id].append((term, sublinear_tf(tf)))
        return {a: self.tfs[a] for a in article_ids}

    def df(self, terms: set[str]) -> dict[str, int]:
        missing = sorted(terms - self.dfs.keys())
        for part in batched(missing, 500):
            marks = ",".join("?" * len(part))
            self.dfs.update(self.conn.execute(f"SELECT term, df FROM term_df WHERE term IN ({marks})", part))
        return self.dfs


class _Names:
    """An article's names and numbers, compared with those of the articles that report a stored event."""

    # The reports compared for an event: its first ones are enough to know it by.
    REPORTS = 10

    def __init__(self, conn: sqlite3.Connection, article_id: str, terms: _TermCache) -> None:
        self.conn = conn
        self.article_id = article_id
        self.terms = terms
        # Articles stored so far, for the idf: the highest sequence number, read from the index
        # (counting the terms table would scan it for every article ingested).
        self.n = conn.execute("SELECT MAX(seq) FROM articles").fetchone()[0] or 0
        self.vectors: dict[str, dict[str, float]] = {}
        self.idf: dict[str, float] = {}
        self._load_vectors([article_id])
        self.mine = self.vectors[article_id]
        self.related: list[sqlite3.Row] | None = None
        # The events this article's reports went to so far.
        self.reported: set[str] = set()
        self.cosines: dict[str, float] = {}

    # The rarest names of an article that are looked up to find the events it may report too.
    KEY_NAMES = 8

    def related_rows(self, cols: str) -> list[sqlite3.Row]:
        """Events reported by other articles that share one of this article's rarest names, as
        they were before this article (its own reports go to `reported`, read fresh)."""
        if self.related is None:
            keys = sorted(self.mine, key=lambda t: -self.mine[t])[:self.KEY_NAMES]
            marks = ",".join("?" * len(keys))
            self.related = self.conn.execute(
                f"SELECT {cols}, type FROM events WHERE id IN (SELECT m.event_id FROM terms t JOIN mentions m"
                f" ON m.article_id = t.article_id WHERE t.term IN ({marks}) AND t.article_id != ?)",
                (*keys, self.article_id)).fetchall() if keys else []
        return [r for r in self.related if r["id"] not in self.reported]

    def prefetch(self, event_ids: list[str]) -> None:
        """Compute, in two queries, the cosines `similarity` will be asked for."""
        todo = [e for e in event_ids if e not in self.cosines]
        if not todo:
            return
        reports: dict[str, list[tuple[int, str]]] = {e: [] for e in todo}
        for part in batched(todo, 500):
            marks = ",".join("?" * len(part))
            for event_id, article_id, seq in self.conn.execute(
                    f"SELECT DISTINCT m.event_id, m.article_id, a.seq FROM mentions m JOIN articles a ON a.id = m.article_id"
                    f" WHERE m.event_id IN ({marks}) AND m.article_id != ?", (*part, self.article_id)):
                reports[event_id].append((seq, article_id))
        firsts = {e: [a for _, a in sorted(r)[:self.REPORTS]] for e, r in reports.items()}
        self._load_vectors(sorted({a for arts in firsts.values() for a in arts} - self.vectors.keys()))
        for event_id, arts in firsts.items():
            self.cosines[event_id] = max((self._cosine(self.vectors[a]) for a in arts), default=0.0)

    def _load_vectors(self, article_ids: list[str]) -> None:
        tfs = self.terms.tf(article_ids)
        new_terms = {t for a in article_ids for t, _ in tfs[a]} - self.idf.keys()
        if new_terms:
            df = self.terms.df(new_terms)
            # Every term's idf as it stands while this article is stored.
            self.idf.update({t: smooth_idf(self.n, df[t]) for t in new_terms})
        idf = self.idf
        for article_id in article_ids:
            vec = {t: ltf * idf[t] for t, ltf in tfs[article_id]}
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            self.vectors[article_id] = {t: v / norm for t, v in vec.items()}

    def _cosine(self, vec: dict[str, float]) -> float:
        return sum(self.mine[t] * vec[t] for t in self.mine.keys() & vec.keys())

    def similarity(self, event_id: str) -> tuple[float, bool]:
        """The best cosine with the event's reports in other articles, and whether this article
        reports the event already (its own reports name the same things, whatever they report)."""
        self.prefetch([event_id])
        return self.cosines[event_id], event_id in self.reported


def _mode(values: Iterable[Any]) -> Any:
    """The value most reports give; a tie goes to the latest report."""
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    counts = Counter(vals)
    top = max(counts.values())
    return next(v for v in reversed(vals) if counts[v] == top)


def _representative(records: list[dict[str, Any]]) -> dict[str, Any]:
    """One record for the event: the most precise place (most reported among equals), the date
    the most reports state (explicit dates first), and for each figure the value the most reports
    give, ties to the latest. The evidence and parties are those of the first report of that place."""
    best_res = max(((r.get("event_loc") or {}).get("resolution") or 0) for r in records)
    at_best = [r for r in records if ((r.get("event_loc") or {}).get("resolution") or 0) == best_res]
    keys = [json.dumps(r.get("event_loc"), sort_keys=True) for r in at_best]
    base = at_best[keys.index(_mode(keys))]
    explicit = [r["date"] for r in records if r.get("date_explicit") and r.get("date")]
    date = _mode(explicit) or _mode(r.get("date") for r in records)
    size = {k: _mode((r.get("size") or {}).get(k) for r in records) for k in ("dead", "injured", "arrested", "troops")}
    return {**base, "date": date, "size": size}
