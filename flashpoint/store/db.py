"""The store's file: its schema, opening and migrating it, transactions, the coder's version."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import TypeVar

from ..coding.version import coder_version
from ..errors import StoreError
from .matcher import RULES, MergeRules, TermCache

_D = TypeVar("_D", bound="Database")

# 2: the tallies table (schema 1 stores get theirs counted from their mentions when opened).
# 3: outlets (articles.outlet, given_id; events.articles, first_reported, first_outlet), each
# mention's merge decision, and which name terms are specific (no place or party).
# 4: events.acled_type, the covering indexes (INDEXES) the monitor's filters and pages read, and
# the full-text index of the events' evidence and place (events_text), each event's parties (event_parties).
SCHEMA_VERSION = 4

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
    text TEXT NOT NULL,
    outlet TEXT,
    given_id TEXT
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
    record TEXT NOT NULL,
    articles INTEGER NOT NULL DEFAULT 0,
    first_reported TEXT, first_outlet TEXT,
    acled_type TEXT
);
CREATE INDEX IF NOT EXISTS events_type_date ON events(type, date);
CREATE INDEX IF NOT EXISTS events_dyad ON events(actor_code, recipient_code, type, date);

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
    record TEXT NOT NULL,
    merge TEXT
);
CREATE INDEX IF NOT EXISTS mentions_event ON mentions(event_id);
CREATE INDEX IF NOT EXISTS mentions_article ON mentions(article_id);
-- Each event's running counts of the values its reports give (place, dates, each figure, source):
-- how many reports give it, and the first and latest of them by (article seq, start, mention rowid).
CREATE TABLE IF NOT EXISTS tallies (
    event_id TEXT NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    rank INTEGER NOT NULL,
    n INTEGER NOT NULL,
    first TEXT NOT NULL,
    last TEXT NOT NULL,
    first_record TEXT NOT NULL,
    PRIMARY KEY (event_id, field, value)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tallies_mode ON tallies(event_id, field, rank, n, last);
CREATE TABLE IF NOT EXISTS actors (
    record_id TEXT NOT NULL REFERENCES mentions(record_id),
    event_id TEXT NOT NULL REFERENCES events(id),
    role TEXT NOT NULL,
    text TEXT NOT NULL, code TEXT, sector TEXT, name TEXT
);
CREATE INDEX IF NOT EXISTS actors_event ON actors(event_id);
-- With the event: the events of a party are read from the index alone.
CREATE INDEX IF NOT EXISTS actors_code_event ON actors(code, role, event_id);
CREATE INDEX IF NOT EXISTS actors_name_event ON actors(name COLLATE NOCASE, role, event_id);
CREATE TABLE IF NOT EXISTS places (
    article_id TEXT NOT NULL REFERENCES articles(id),
    start INTEGER NOT NULL, end INTEGER NOT NULL, text TEXT NOT NULL,
    name TEXT, geonameid INTEGER, lat REAL, lon REAL, feature_code TEXT, admin1 TEXT, country_code TEXT,
    population INTEGER, score REAL
);
CREATE INDEX IF NOT EXISTS places_article ON places(article_id);
CREATE TABLE IF NOT EXISTS terms (article_id TEXT NOT NULL, term TEXT NOT NULL, tf REAL NOT NULL,
                                  specific INTEGER NOT NULL DEFAULT 1);
CREATE INDEX IF NOT EXISTS terms_article ON terms(article_id);
CREATE INDEX IF NOT EXISTS terms_term ON terms(term);
CREATE TABLE IF NOT EXISTS term_df (term TEXT PRIMARY KEY, df INTEGER NOT NULL);
-- The words of each event's evidence sentence and place, for the `q` filter, kept by triggers
-- (by rowid: the store never runs VACUUM, which could renumber the events' rowids).
CREATE VIRTUAL TABLE IF NOT EXISTS events_text USING fts5(text, tokenize = 'unicode61 remove_diacritics 2');
CREATE TRIGGER IF NOT EXISTS events_text_insert AFTER INSERT ON events BEGIN
    INSERT INTO events_text (rowid, text) VALUES (NEW.rowid, COALESCE(json_extract(NEW.record, '$.evidence.text'), '')
        || ' ' || COALESCE(NEW.place, ''));
END;
CREATE TRIGGER IF NOT EXISTS events_text_update AFTER UPDATE OF record, place ON events BEGIN
    UPDATE events_text SET text = COALESCE(json_extract(NEW.record, '$.evidence.text'), '') || ' ' || COALESCE(NEW.place, '')
        WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER IF NOT EXISTS events_text_delete AFTER DELETE ON events BEGIN
    DELETE FROM events_text WHERE rowid = OLD.rowid;
END;
-- Each event's parties by role and key ("c:" and the code, "n:" and the name in lower case), kept
-- by a trigger as actors are stored (and emptied with them), for the actor and recipient filters:
-- the events of a party are a range of this table, by the events' rowids.
CREATE TABLE IF NOT EXISTS event_parties (role TEXT NOT NULL, key TEXT NOT NULL, event_rowid INTEGER NOT NULL,
    PRIMARY KEY (role, key, event_rowid)) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS actors_parties AFTER INSERT ON actors BEGIN
    INSERT OR IGNORE INTO event_parties SELECT NEW.role, 'c:' || NEW.code, rowid FROM events
        WHERE id = NEW.event_id AND NEW.code IS NOT NULL;
    INSERT OR IGNORE INTO event_parties SELECT NEW.role, 'n:' || lower(NEW.name), rowid FROM events
        WHERE id = NEW.event_id AND NEW.name IS NOT NULL;
END;
CREATE TABLE IF NOT EXISTS feed_entries (url TEXT PRIMARY KEY, feed TEXT NOT NULL, seen_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS run_blocks (
    id TEXT PRIMARY KEY, articles INTEGER NOT NULL, dropped TEXT NOT NULL, done_at TEXT NOT NULL
);
"""

# Made once the store's columns are those of SCHEMA_VERSION (an older store gets them upgraded first).
# An event row holds its whole record; these two hold every column a filter, a sort or a count
# reads, so that pages (newest first), counts and sums over many events read them, not the rows:
# by date (then id, so that a page of the newest is read in order) and by country then date.
INDEXES = """
CREATE INDEX IF NOT EXISTS events_scan ON events(date, id, quad, type, country, admin1, lat, lon, sources, confidence,
    dead, injured, scale, acled_type, actor_code, recipient_code, mode);
CREATE INDEX IF NOT EXISTS events_country ON events(country, date, id, quad, type, admin1, lat, lon, sources, confidence,
    dead, injured, scale, acled_type, actor_code, recipient_code, mode);
"""


class Database:
    """An open store file: the connection, its schema and transactions. Store adds the rest."""

    def __init__(self, conn: sqlite3.Connection, path: str, coder: str | None = None,
                 rules: MergeRules | None = None) -> None:
        self.conn = conn
        self.path = path
        self.terms = TermCache(conn)
        self._coder = coder
        # Store.open replaces the defaults with the rules the store keeps, unless given others.
        self.rules = rules or RULES
        self._rules_checked = False

    @property
    def coder(self) -> str:
        """The coder_version this connection stores events as coded by: the pipeline's that codes
        them (`Store.open(path, coder=pipeline.coder_version)`), else the built-in coder's."""
        if self._coder is None:
            self._coder = coder_version()
        return self._coder

    @classmethod
    def open(cls: type[_D], path: str | Path, *, readonly: bool = False, coder: str | None = None,
             create: bool = True, rules: MergeRules | None = None) -> _D:
        """Open a store file, creating it unless `readonly` or `create=False` (then a missing one is
        a StoreError). Reports are merged into events by the rules the store keeps (the default
        ones for a new store); other `rules` are for Store.remerge, which makes them the store's."""
        if Path(path).is_dir():
            # A folder `flashpoint run --out` wrote: its store.
            path = Path(path) / "store.db"
            if not path.exists():
                raise StoreError("is a folder without a store.db; give the store file, or a folder `flashpoint run --out` "
                                 "wrote", source=str(path.parent))
        path = str(path)
        try:
            if readonly or not create:
                if not Path(path).exists():
                    raise StoreError("no such store; create it with `flashpoint ingest SOURCE --db PATH`", source=path)
            if readonly:
                conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
                conn.execute("PRAGMA busy_timeout=10000")
            else:
                conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
                # Before anything that locks: two processes opening a new store at once wait for
                # each other instead of one failing with "database is locked".
                conn.execute("PRAGMA busy_timeout=10000")
                conn.execute("PRAGMA journal_mode=WAL")
                # WAL with NORMAL sync survives a killed process (the OS keeps what was written);
                # only a power cut may lose the last transactions, never consistency.
                conn.execute("PRAGMA synchronous=NORMAL")
            conn.row_factory = sqlite3.Row
            store = cls(conn, path, coder, rules)
            if not readonly:
                store._migrate()
            else:
                store._check_version()
            kept = conn.execute("SELECT value FROM meta WHERE key = 'merge_rules'").fetchone()
            if kept is not None and rules is None:
                store.rules = MergeRules.from_digest(kept[0])
            return store
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open the store: {exc}", source=path) from exc

    def _migrate(self) -> None:
        # A newer flashpoint's store is refused before anything of this schema is written into it.
        has_meta = self.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
        if has_meta:
            self._check_version()
        # executescript commits on its own, so it runs outside a transaction of ours.
        self.conn.executescript(SCHEMA)
        if self._check_version() == SCHEMA_VERSION:
            self.conn.executescript(INDEXES)
            return
        # Read again and written in one write transaction: of two processes opening the store at
        # the same moment, one upgrades it and the other finds it upgraded.
        with self._tx():
            found = self._check_version()
            if found is not None and found < SCHEMA_VERSION:
                self._upgrade(found)
            if found != SCHEMA_VERSION:
                self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        self.conn.executescript(INDEXES)

    def _upgrade(self, found: int) -> None:
        """Add the columns new since schema `found` (SCHEMA has made the new tables); the writer
        fills them and counts the tallies."""
        new = [("articles", "outlet TEXT"), ("articles", "given_id TEXT"), ("events", "articles INTEGER NOT NULL DEFAULT 0"),
               ("events", "first_reported TEXT"), ("events", "first_outlet TEXT"), ("mentions", "merge TEXT"),
               ("terms", "specific INTEGER NOT NULL DEFAULT 1")] if found < 3 else []
        for table, column in [*new, *([("events", "acled_type TEXT")] if found < 4 else [])]:
            have = {r[1] for r in self.conn.execute(f"PRAGMA table_info({table})")}
            if column.split()[0] not in have:
                self.conn.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
        if found < 4:
            # The dashboard filters by the ACLED type; events_scan, events_country and the actors'
            # indexes with the event take the place of narrower ones.
            self.conn.execute("UPDATE events SET acled_type = json_extract(record, '$.acled.event_type')")
            # The triggers keep events_text and event_parties from now on; what was stored before is added once.
            self.conn.execute("DELETE FROM event_parties")
            for key, column in (("'c:' || a.code", "a.code"), ("'n:' || lower(a.name)", "a.name")):
                self.conn.execute(f"INSERT OR IGNORE INTO event_parties SELECT a.role, {key}, e.rowid FROM actors a"
                                  f" JOIN events e ON e.id = a.event_id WHERE {column} IS NOT NULL")
            self.conn.execute("DELETE FROM events_text")
            self.conn.execute("INSERT INTO events_text (rowid, text) SELECT rowid, COALESCE(json_extract(record,"
                              " '$.evidence.text'), '') || ' ' || COALESCE(place, '') FROM events")
            for old in ("events_date", "events_date_id", "events_country_date", "actors_code", "actors_name"):
                self.conn.execute(f"DROP INDEX IF EXISTS {old}")

    def check_rules(self) -> None:
        """Refuse to merge into a store under other rules than those its events were merged by
        (inside a write transaction: the first writer records them)."""
        if self._rules_checked:
            return
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'merge_rules'").fetchone()
        if row is None:
            self.conn.execute("INSERT INTO meta VALUES ('merge_rules', ?)", (self.rules.digest(),))
        elif MergeRules.from_digest(row[0]) != self.rules:
            raise StoreError(f"its events were merged under other rules ({row[0]}) than these ({self.rules.digest()}); "
                             "re-decide them first with `flashpoint remerge` and the rules wanted", source=self.path)
        self._rules_checked = True

    def _check_version(self) -> int | None:
        """The store's schema (None for a new store), refused when newer than this flashpoint's."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is not None and int(row[0]) > SCHEMA_VERSION:
            raise StoreError(f"was written by a newer flashpoint (schema {row[0]}, this one reads {SCHEMA_VERSION}); "
                             "upgrade flashpoint", source=self.path)
        return None if row is None else int(row[0])

    def close(self) -> None:
        self.conn.close()

    def __enter__(self: _D) -> _D:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _tx(self, what: str | None = None) -> _Transaction:
        return _Transaction(self.conn, self.path, what)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error; SQLite errors become StoreError,
    naming what was being written (`what`: an article) when it is known."""

    def __init__(self, conn: sqlite3.Connection, path: str, what: str | None = None) -> None:
        self.conn = conn
        self.path = path
        self.doing = f"cannot write {what}" if what else "cannot write"
        self.lost = f"; nothing of {what} was stored" if what else "; nothing of it was stored"

    def __enter__(self) -> None:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(f"{self.doing}: {exc}", source=self.path) from exc

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            try:
                self.conn.execute("COMMIT")
                return
            except sqlite3.Error as err:
                self.conn.execute("ROLLBACK")
                raise StoreError(f"{self.doing}: {err}{self.lost}", source=self.path) from err
        self.conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            raise StoreError(f"{self.doing}: {exc}{self.lost}", source=self.path) from exc


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
